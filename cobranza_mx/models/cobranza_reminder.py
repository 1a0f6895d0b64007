"""Collection reminders: the model, the content of its messages and the cron entry.

The reminder's other concepts extend the same model, each in a file of its own:
:mod:`.cobranza_reminder_schedule` (which reminders are due, created from the rules),
:mod:`.cobranza_reminder_send` (sending a debtor's due reminders as one message: checks, contact
window, daily cap, contact log), :mod:`.cobranza_reminder_channels` (e-mail, SMS, letter, WhatsApp)
and :mod:`.cobranza_reminder_status` (the statuses the provider reports back).
"""
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date

from .cobranza_reminder_reason import NO_REASON, because, reason_text
from .cobranza_reminder_rule import CHANNELS

REMINDER_STATES = [
    ('scheduled', 'Scheduled'),
    ('deferred', 'Deferred'),
    ('paused', 'Paused'),
    ('sending', 'Sending'),
    ('unconfirmed', 'Unconfirmed'),
    ('sent', 'Sent'),
    ('delivered', 'Delivered'),
    ('read', 'Read'),
    ('failed', 'Failed'),
    ('skipped', 'Skipped'),
    ('cancelled', 'Cancelled'),
]
PENDING_STATES = ('scheduled', 'deferred')
# Sent or not, nobody knows: the provider's status webhook settles it, or a supervisor resends it.
UNCONFIRMED_STATE = 'unconfirmed'


class CobranzaReminder(models.Model):
    """One reminder: an invoice, a rule, a channel and an occurrence, sent at most once.

    Due reminders of one debtor and channel are sent together as one message (the
    first one leads the group). Every attempt and result is written to the contact log.
    """
    _name = 'cobranza.reminder'
    _description = 'Collection Reminder'
    _order = 'scheduled_at desc, id desc'
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    partner_id = fields.Many2one('res.partner', string="Debtor", required=True, readonly=True, index=True)
    account_id = fields.Many2one('cobranza.account', string="Collection Account", readonly=True, index=True)
    move_id = fields.Many2one('account.move', string="Invoice", required=True, readonly=True, index=True,
                              ondelete='cascade')
    rule_id = fields.Many2one('cobranza.reminder.rule', required=True, readonly=True,
                              ondelete='cascade')
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    occurrence = fields.Integer(readonly=True, default=0)
    due_at = fields.Datetime(string="Moment", required=True, readonly=True)
    scheduled_at = fields.Datetime(string="Next Attempt", required=True, readonly=True, index=True)
    state = fields.Selection(REMINDER_STATES, default='scheduled', required=True, readonly=True, index=True)
    # Why it was deferred, skipped, paused, cancelled or failed: a code, shown in the reader's language.
    reason_code = fields.Char(readonly=True, index='btree_not_null')
    reason_args = fields.Json(readonly=True)
    reason = fields.Char(compute='_compute_reason', help="Why it was deferred, skipped, cancelled or failed.")
    attempt_count = fields.Integer(readonly=True)
    recipient = fields.Char(readonly=True)
    provider_message_id = fields.Char(readonly=True, index='btree_not_null')
    sent_at = fields.Datetime(readonly=True)
    sending_since = fields.Datetime(readonly=True, help="When the message was handed to the provider.")
    claimed_at = fields.Datetime(readonly=True, help="When a sending worker took it.")
    leader_id = fields.Many2one('cobranza.reminder', string="Sent With", readonly=True, index='btree_not_null',
                                ondelete='set null')
    grouped_move_ids = fields.Many2many('account.move', string="Invoices in the Message", readonly=True)
    # Indexed: the mail and SMS queues look up the reminder of every message they send.
    mail_id = fields.Many2one('mail.mail', string="E-mail", readonly=True, ondelete='set null',
                              index='btree_not_null')
    sms_id = fields.Many2one('sms.sms', string="SMS", readonly=True, ondelete='set null', index='btree_not_null')
    letter_attachment_id = fields.Many2one('ir.attachment', string="Letter", readonly=True, ondelete='set null')
    log_ids = fields.One2many('cobranza.contact.log', 'reminder_id', string="Contact Log")

    _reminder_uniq = models.Constraint(
        'UNIQUE(move_id, rule_id, channel, occurrence)',
        'A reminder is sent once per invoice, rule, channel and occurrence.')
    # The sending queue's claims (cobranza_reminder_send._claim): the next due reminders, and the
    # pending or sending ones of a debtor and channel, found among millions of sent ones.
    _pending_due_idx = models.Index("(scheduled_at, id) WHERE state IN ('scheduled', 'deferred')")
    _pending_debtor_idx = models.Index("(partner_id, channel) WHERE state IN ('scheduled', 'deferred', 'sending')")

    @api.depends_context('lang')
    @api.depends('reason_code', 'reason_args')
    def _compute_reason(self):
        for reminder in self:
            reminder.reason = reason_text(self.env, reminder.reason_code, reminder.reason_args)

    @api.depends('rule_id', 'channel', 'move_id')
    def _compute_display_name(self):
        labels = dict(CHANNELS)
        for reminder in self:
            reminder.display_name = f"{reminder.move_id.name or ''} · {reminder.rule_id.name or ''} · " \
                                    f"{labels.get(reminder.channel, '')}"

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_resend(self):
        """Send these unconfirmed messages again, by hand: a supervisor decided they did not go out.

        They go back to the queue of the sending cron (contact window, daily cap and checks apply
        again) and the decision is written to the contact log with the user's name.
        """
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can resend a reminder."))
        if any(reminder.state != UNCONFIRMED_STATE for reminder in self):
            raise UserError(self.env._("Only unconfirmed reminders can be resent."))
        now = fields.Datetime.now()
        for reminder in self.sudo().filtered(lambda r: r.leader_id not in self):
            group = reminder | reminder.search([('leader_id', '=', reminder.id), ('state', '=', UNCONFIRMED_STATE)])
            group.write({'state': 'scheduled', 'scheduled_at': now, **NO_REASON})
            reminder._log('retry', reminders=group, detail=because('resent', user=self.env.user.name))
        self.env.ref('cobranza_mx.ir_cron_cobranza_reminders').sudo()._trigger()
        return True

    # ------------------------------------------------------------------
    # Cron entry
    # ------------------------------------------------------------------
    @api.model
    def _cron_process_reminders(self):
        """Every 15 minutes: schedule what became due, recover interrupted sends, send due reminders."""
        now = fields.Datetime.now()
        rules = self.env['cobranza.reminder.rule'].sudo().search([('policy_id.active', '=', True)])
        for company in self.env['res.company'].sudo().search([('active', '=', True)]):
            self.sudo().with_company(company)._schedule(rules, company, now)
            self.sudo().with_company(company)._schedule_events(rules, company, now)
        self.env['ir.cron']._commit_progress(0)
        self.sudo()._recover_interrupted(now)
        self.sudo()._send_due(now, commit=True)

    # ------------------------------------------------------------------
    # Message content (used by templates, SMS texts and WhatsApp parameters)
    # ------------------------------------------------------------------
    def _message_moves(self):
        self.ensure_one()
        return self.grouped_move_ids or self.move_id

    def _placeholders(self):
        """Values of the placeholders of SMS texts and WhatsApp parameters, in the debtor's language."""
        self.ensure_one()
        moves = self._message_moves()
        company = self.company_id
        lang = self.partner_id.lang or 'es_MX'
        env = self.with_context(lang=lang).env
        oldest_due = min(moves.mapped('invoice_date_due'))
        return {
            'partner': self.partner_id.name,
            'invoices': ', '.join(moves.mapped('name')),
            'amount': format_amount(env, sum(moves.mapped('amount_residual_signed')), company.currency_id),
            'due_date': format_date(env, oldest_due),
            'days': str((fields.Date.context_today(self) - oldest_due).days),
            'company': company.name,
            'company_phone': company.phone or company.email or company.name,
            'portal_url': self._portal_url(),
            **self._event_placeholders(env),
        }

    def _portal_url(self):
        """The link of the message: the debtor's own portal page (tokenized, expiring: their invoices,
        statement, payment, proofs, promises) when they have a collection account, else the invoice's page."""
        self.ensure_one()
        if self.account_id:
            # The policy of the reminder's rule says how long the link lives (no search per message).
            days = self.rule_id.policy_id.portal_link_days
            url = self.account_id._cobranza_portal_url(fields.Datetime.now() + timedelta(days=days))
            if self.rule_id.trigger == 'statement':
                # Straight to the statement's PDF.
                url = url.replace('?token=', '/statement?token=', 1)
            return url
        move = self._message_moves()[0]
        return move.get_base_url() + move.get_portal_url()

    def _render_text(self, values=None):
        """The plain text of an SMS or a WhatsApp message."""
        self.ensure_one()
        values = values or self._placeholders()
        if self.channel == 'whatsapp':
            return ' | '.join(values[name.strip()] for name in self._whatsapp_param_names())
        lang = self.partner_id.lang or 'es_MX'
        body = self.rule_id.with_context(lang=lang).sms_body or \
            self.with_context(lang=lang)._default_event_text() or self.env._(
            "{company}: {partner}, your invoices {invoices} have {amount} due since {due_date}. "
            "Pay to {company} only: {portal_url} Questions: {company_phone}")
        return body.format(**values)

    def _whatsapp_param_names(self):
        return [name.strip() for name in (self.rule_id.whatsapp_params or '').split(',') if name.strip()]
