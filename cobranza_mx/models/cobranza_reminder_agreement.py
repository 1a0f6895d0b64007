"""Reminders of agreement installments, sent by the normal reminder engine.

While an agreement is active its invoices are excluded from collection, so their own reminders are
paused. Each installment is reminded instead, by the policy's rules marked *For agreement
installments* (by default 48 hours before and on its date): a ``cobranza.reminder`` whose
``installment_id`` is set, whose invoice is the first one the agreement covers and whose
occurrence is the installment's id (one per installment, rule and channel). They are planned at
each pass of the reminders' cron, then checked and sent like any other (opt-outs, recipient,
contact window, daily cap, forbidden language, contact log), but they follow the installment,
not the invoice: paid installment or agreement no longer active, cancelled; an excluded or
restructured (closed) invoice does not stop them. A broken restructure keeps reminding its unpaid
installments (its entry stays: they are the debt), each followed by its receivable line. A
debtor's installment reminders are sent in their own message, never grouped with the reminders of
other invoices.
"""
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_amount, format_date

from ..tools.contact_window import reminder_moment
from ..tools.reminder_schedule import STALE_HOURS
from .cobranza_reminder import PENDING_STATES
from .cobranza_reminder_reason import because


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminderRule(models.Model):
    _inherit = 'cobranza.reminder.rule'

    for_installments = fields.Boolean(
        string="For Agreement Installments",
        help="Reminds the installments of the policy's active payment agreements (offset from each "
             "installment's date) instead of invoices.")


class CobranzaAgreement(models.Model):
    _inherit = 'cobranza.agreement'

    def _reminds_installments(self):
        """Whether the unpaid installments of this agreement are reminded: while it is active, and once a
        restructure is broken, since its entry stays and its installments are the debt."""
        self.ensure_one()
        return self.state == 'active' or (
            self.state == 'broken' and self.agreement_type == 'restructure'
            and bool(self.restructure_move_id) and not self.restructure_reversal_id)


class CobranzaAgreementInstallment(models.Model):
    _inherit = 'cobranza.agreement.installment'

    def _collected_by_its_line(self):
        """A broken restructure's installment: no allocation follows it any more, its receivable line does."""
        self.ensure_one()
        return self.agreement_id.state == 'broken' and bool(self.restructure_line_id)

    def _reminder_open(self):
        """Whether something of this installment is still to pay."""
        self.ensure_one()
        if self._collected_by_its_line():
            return not self.restructure_line_id.reconciled
        return self.state != 'paid'

    def _reminder_amount(self):
        """What is left to pay of this installment, in the agreement's currency."""
        self.ensure_one()
        if self._collected_by_its_line():
            return self.restructure_line_id.amount_residual_currency
        return self.residual


class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    installment_id = fields.Many2one('cobranza.agreement.installment', string="Agreement Installment", readonly=True,
                                     index='btree_not_null', ondelete='cascade')
    agreement_id = fields.Many2one(related='installment_id.agreement_id', string="Payment Agreement")

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    @api.model
    def _schedule(self, rules, company, now):
        """Invoices by the rules of invoices; installments by the rules for installments."""
        created = super()._schedule(rules.filtered(lambda r: not r.for_installments), company, now)
        return created | self._schedule_installments(rules.filtered('for_installments'), company, now)

    @api.model
    def _schedule_installments(self, rules, company, now):
        """Create the installment reminders due by ``now`` (within the engine's staleness) for ``company``."""
        if not rules:
            return self.browse()
        offsets = rules.mapped('offset_hours')
        # Installments whose reminder moments may fall around now: a day of margin on each side.
        window_start = (now - timedelta(hours=max(offsets) + STALE_HOURS + 24)).date()
        window_end = (now - timedelta(hours=min(offsets) - 24)).date()
        installments = self.env['cobranza.agreement.installment'].sudo().search([
            ('agreement_id.state', 'in', ('active', 'broken')), ('agreement_id.company_id', '=', company.id),
            ('date', '>=', window_start), ('date', '<=', window_end),
        ]).filtered(lambda i: i.agreement_id._reminds_installments() and i._reminder_open())
        existing = set(self.sudo().search([('installment_id', 'in', installments.ids)]).mapped(
            lambda r: (r.installment_id.id, r.rule_id.id, r.channel)))
        vals_list = []
        for installment in installments:
            agreement = installment.agreement_id
            tz_name = agreement.partner_id._cobranza_timezone()
            for rule in rules.filtered(lambda r, a=agreement: r.policy_id == a.policy_id):
                due_at = reminder_moment(installment.date, rule.offset_hours, tz_name)
                if due_at > now or now - due_at > timedelta(hours=STALE_HOURS):
                    continue
                for channel in rule._channels():
                    if (installment.id, rule.id, channel) in existing:
                        continue
                    vals_list.append({
                        'company_id': company.id, 'partner_id': agreement.partner_id.id,
                        'account_id': agreement.account_id.id, 'move_id': agreement._reminder_move().id,
                        'rule_id': rule.id, 'channel': channel, 'occurrence': installment.id,
                        'due_at': due_at, 'scheduled_at': due_at, 'installment_id': installment.id,
                    })
        return self.sudo().create(vals_list)

    @api.model
    def _agreement_reminders_cancel(self, installments):
        """Cancel the pending reminders of ``installments`` (their agreement ended)."""
        reminders = self.sudo().search([('installment_id', 'in', installments.ids), ('state', 'in', PENDING_STATES)])
        for group in reminders.grouped(lambda r: (r.partner_id, r.channel)).values():
            group._finish('cancelled', reason=because('agreement_ended'))
        return reminders

    # ------------------------------------------------------------------
    # Sending: the installment decides, not the invoice
    # ------------------------------------------------------------------
    def _send_batch(self, now, commit=False):
        own = self.filtered('installment_id')
        if not own or own == self:
            return super()._send_batch(now, commit=commit)
        groups, released = super(CobranzaReminder, self - own)._send_batch(now, commit=commit)
        own_groups, own_released = super(CobranzaReminder, own)._send_batch(now, commit=commit)
        return groups + own_groups, released + own_released

    def _cancel_closed(self):
        own = self.filtered('installment_id')
        others = super(CobranzaReminder, self - own)._cancel_closed() if self - own else self.browse()
        done = own.filtered(lambda r: not r.installment_id.agreement_id._reminds_installments()
                            or not r.installment_id._reminder_open())
        for group in done.grouped(lambda r: (r.partner_id, r.channel)).values():
            group._finish('cancelled', reason=because('installment_done'))
        return others | (own - done)

    def _stop(self, reason_code):
        # The invoice's hooks (paid, excluded, promise) do not stop an installment's reminders.
        return super(CobranzaReminder, self.filtered(lambda r: not r.installment_id))._stop(reason_code)

    def _placeholders(self):
        values = super()._placeholders()
        installment = self.installment_id
        if installment:
            env = self.with_context(lang=self.partner_id.lang or 'es_MX').env
            agreement = installment.agreement_id
            values.update({
                'invoices': agreement.name,
                'amount': format_amount(env, installment._reminder_amount(), agreement.currency_id),
                'due_date': format_date(env, installment.date),
                'days': str((fields.Date.context_today(self) - installment.date).days),
            })
        return values

    def _log_values(self, result, detail=None, text=None, reminders=None, recipient=None, provider_message_id=None):
        values = super()._log_values(result, detail=detail, text=text, reminders=reminders, recipient=recipient,
                                     provider_message_id=provider_message_id)
        if self.installment_id:
            values['agreement_id'] = self.installment_id.agreement_id.id
        return values
