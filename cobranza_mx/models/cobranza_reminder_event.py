"""Reminders of events: the day before a promise to pay, a confirmed field visit, the statement of account.

Their rules (``trigger`` other than the invoice's due date) are planned per event, not per invoice:
an open promise, a confirmed visit, a statement asked for by a user. They are sent by the same
engine as the invoice reminders (the claim, the legal window, the daily cap, the contact log), each
in a message of its own: an event reminder is never merged into a debtor's invoice reminder.
Its ``occurrence`` is the event's id, so that the reminder of an event is created once.
"""
from datetime import timedelta

import pytz
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date, format_time

from ..tools import contact_window as cw
from ..tools.promises import OPEN
from .cobranza_reminder_rule import TRIGGER_INVOICE, TRIGGER_PROMISE, TRIGGER_STATEMENT, TRIGGER_VISIT

# Visits whose debtor is told: confirmed ones, before their slot starts.
VISIT_NOTIFIED_STATES = ('confirmed',)
# An event reminder whose moment is older than this is obsolete (e.g. the cron was down for days).
EVENT_STALE_HOURS = 36


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    # Not stored: the planner inserts invoice reminders in SQL; searching it joins the rule.
    trigger = fields.Selection(related='rule_id.trigger', string="Counted From")
    promise_id = fields.Many2one('cobranza.promise', string="Promise to Pay", readonly=True,
                                 index='btree_not_null', ondelete='cascade')
    visit_id = fields.Many2one('cobranza.visit', string="Field Visit", readonly=True, index='btree_not_null',
                               ondelete='cascade')

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------
    @api.model
    def _schedule_events(self, rules, company, now):
        """Create the due reminders of the promise and visit rules of ``company``; returns them."""
        rules = rules.filtered(lambda r: (not r.company_id or r.company_id == company) and r._channels()
                               and r.trigger in (TRIGGER_PROMISE, TRIGGER_VISIT))
        if not rules:
            return self.browse()
        vals_list = []
        existing = set()
        today = now.date()
        for rule in rules:
            # Days from the event's day to its moment: the events whose moment may be due by now.
            horizon = today + timedelta(days=max(0, -rule.offset_hours // 24) + 1)
            if rule.trigger == TRIGGER_PROMISE:
                events = self.env['cobranza.promise'].search([
                    ('company_id', '=', company.id), ('state', '=', OPEN), ('date', '>=', today - timedelta(days=1)),
                    ('date', '<=', horizon)])
                field = 'promise_id'
            else:
                events = self.env['cobranza.visit'].search([
                    ('company_id', '=', company.id), ('state', 'in', VISIT_NOTIFIED_STATES),
                    ('planned_start', '>', now), ('planned_date', '<=', horizon)])
                field = 'visit_id'
            events = events.filtered(lambda e, rule=rule: e.account_id._cobranza_policy() == rule.policy_id)
            if not events:
                continue
            existing.update(self.search([('rule_id', '=', rule.id), (field, 'in', events.ids)]).mapped(
                lambda r, field=field: (r.rule_id.id, r.channel, r[field].id)))
            for event in events:
                moves = event._cobranza_reminder_moves()
                if not moves:
                    continue
                moment = event._cobranza_reminder_moment(rule, now)
                if moment is None:
                    continue
                for channel in rule._channels():
                    if (rule.id, channel, event.id) in existing:
                        continue
                    existing.add((rule.id, channel, event.id))
                    vals_list.append({
                        'company_id': company.id, 'partner_id': event.partner_id.id,
                        'account_id': event.account_id.id, 'move_id': moves[0].id, 'rule_id': rule.id,
                        'channel': channel, 'occurrence': event.id, field: event.id, 'due_at': moment,
                        'scheduled_at': moment, 'grouped_move_ids': [fields.Command.set(moves.ids)],
                    })
        return self.create(vals_list)

    def _cancel_stale_events(self):
        """Cancel the event reminders whose event is over; return the others (still to send)."""
        now = fields.Datetime.now()
        over = self.filtered(lambda r: (r.trigger == TRIGGER_PROMISE and r.promise_id.state != OPEN)
                             or (r.trigger == TRIGGER_VISIT and (r.visit_id.state not in VISIT_NOTIFIED_STATES
                                                                  or r.visit_id.planned_start <= now))
                             or not any(m._cobranza_is_open() for m in r._message_moves()))
        over._stop('event_over')
        return self - over

    # ------------------------------------------------------------------
    # Statement of account, on demand
    # ------------------------------------------------------------------
    @api.model
    def _queue_statement(self, account, channel):
        """Queue the statement of account of ``account`` by ``channel`` now, through the engine.

        Uses the account's policy's statement rule for that channel; sent by the next pass of the
        cron (triggered now) inside the debtor's contact window, and logged like any reminder.
        """
        rule = self.env['cobranza.reminder.rule'].sudo().search([
            ('policy_id', '=', account._cobranza_policy().id), ('trigger', '=', TRIGGER_STATEMENT),
            (f'channel_{channel}', '=', True)], limit=1)
        if not rule:
            raise UserError(self.env._(
                "The policy %(policy)s has no statement-of-account rule for %(channel)s: add one in its reminders.",
                policy=account._cobranza_policy().display_name,
                channel=dict(self._fields['channel']._description_selection(self.env))[channel]))
        moves = account.sudo().invoice_ids.sorted('invoice_date_due')
        if not moves:
            raise UserError(self.env._("%(debtor)s owes nothing: there is no statement to send.",
                                       debtor=account.partner_id.name))
        pending = self.sudo().search([('account_id', '=', account.id), ('rule_id', '=', rule.id),
                                      ('channel', '=', channel), ('state', 'in', ('scheduled', 'deferred', 'sending'))],
                                     limit=1)
        if pending:
            raise UserError(self.env._("A statement of account to %(debtor)s is already on its way.",
                                       debtor=account.partner_id.name))
        return self._queue_on_demand(account, rule, channel, moves)

    @api.model
    def _queue_on_demand(self, account, rule, channel, moves, values=None, trigger=True):
        """Create the on-demand reminder of ``rule`` (a statement, a document) to the debtor of ``account`` by
        ``channel`` about ``moves`` (its invoice the first of them), due now: its next occurrence for that
        invoice. The reminders' cron is triggered unless ``trigger`` is False."""
        last = self.sudo().search([('rule_id', '=', rule.id), ('move_id', '=', moves[0].id), ('channel', '=', channel)],
                                  order='occurrence desc', limit=1)
        now = fields.Datetime.now()
        reminder = self.sudo().create({
            'company_id': account.company_id.id, 'partner_id': account.partner_id.id, 'account_id': account.id,
            'move_id': moves[0].id, 'rule_id': rule.id, 'channel': channel,
            'occurrence': (last.occurrence + 1) if last else 0, 'due_at': now, 'scheduled_at': now,
            'grouped_move_ids': [fields.Command.set(moves.ids)], **(values or {}),
        })
        if trigger:
            self.env.ref('cobranza_mx.ir_cron_cobranza_reminders').sudo()._trigger()
        return reminder

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------
    def _event_placeholders(self, env):
        """The placeholders of the event of this reminder (empty strings for another kind)."""
        self.ensure_one()
        values = dict.fromkeys(('promise_amount', 'promise_date', 'visit_date', 'visit_time'), '')
        if self.promise_id:
            values['promise_amount'] = format_amount(env, self.promise_id.amount, self.company_id.currency_id)
            values['promise_date'] = format_date(env, self.promise_id.date)
        if self.visit_id:
            visit = self.visit_id
            tz = pytz.timezone(self.partner_id._cobranza_timezone())
            start = pytz.utc.localize(visit.planned_start).astimezone(tz)
            end = pytz.utc.localize(visit.planned_end).astimezone(tz)
            values['visit_date'] = format_date(env, start.date())
            values['visit_time'] = f"{format_time(env, start.time(), time_format='short')} - " \
                                   f"{format_time(env, end.time(), time_format='short')}"
        return values

    def _default_event_text(self):
        """The SMS text of an event rule without one of its own."""
        return {
            TRIGGER_PROMISE: self.env._(
                "{company}: {partner}, we remind you of your promise to pay {promise_amount} on {promise_date}. "
                "Pay to {company} only: {portal_url} Questions: {company_phone}"),
            TRIGGER_VISIT: self.env._(
                "{company}: {partner}, our collector will visit you on {visit_date} between {visit_time}. "
                "To change it call {company_phone}."),
            TRIGGER_STATEMENT: self.env._(
                "{company}: {partner}, your statement of account: {amount} due. See it and pay: {portal_url} "
                "Questions: {company_phone}"),
        }.get(self.rule_id.trigger)

    def _default_email_template(self):
        xmlid = {
            TRIGGER_PROMISE: 'cobranza_mx.mail_template_reminder_promise',
            TRIGGER_VISIT: 'cobranza_mx.mail_template_reminder_visit',
            TRIGGER_STATEMENT: 'cobranza_mx.mail_template_reminder_statement',
        }.get(self.rule_id.trigger, 'cobranza_mx.mail_template_reminder')
        return self.env.ref(xmlid)

    def _attaches_invoice_pdfs(self):
        """An invoice reminder's e-mail carries its invoices' PDFs; an event's does not."""
        return self.rule_id.trigger == TRIGGER_INVOICE

    def _group_key(self):
        """Reminders of a debtor and channel sent as one message: the invoice reminders together, each
        event reminder alone."""
        self.ensure_one()
        if self.rule_id.trigger == TRIGGER_INVOICE:
            return (self.partner_id.id, self.channel)
        return (self.partner_id.id, self.channel, self.rule_id.trigger, self.id)


class CobranzaPromise(models.Model):
    _inherit = 'cobranza.promise'

    def _cobranza_reminder_moves(self):
        self.ensure_one()
        return self.move_ids.filtered(lambda m: m._cobranza_is_open()).sorted('invoice_date_due') \
            or self.account_id.sudo().invoice_ids.sorted('invoice_date_due')

    def _cobranza_reminder_moment(self, rule, now):
        """When ``rule`` reminds this promise (naive UTC), or None when that moment is not due or is over."""
        self.ensure_one()
        moment = cw.reminder_moment(self.date, rule.offset_hours, self.partner_id._cobranza_timezone())
        if moment > now or now - moment > timedelta(hours=EVENT_STALE_HOURS):
            return None
        return moment


class CobranzaVisit(models.Model):
    _inherit = 'cobranza.visit'

    def _cobranza_reminder_moves(self):
        self.ensure_one()
        return self.account_id.sudo().invoice_ids.sorted('invoice_date_due')

    def _cobranza_reminder_moment(self, rule, now):
        """When ``rule`` tells the debtor of this visit (naive UTC): its moment before the visit's day (a
        visit confirmed after that moment is told at once); None before the moment or once the slot started."""
        self.ensure_one()
        moment = cw.reminder_moment(self.planned_date, rule.offset_hours, self.partner_id._cobranza_timezone())
        if moment > now or self.planned_start <= now:
            return None
        return moment
