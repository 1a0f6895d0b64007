"""The collector's day on a collection account: Today's list and its order, the last contact, the
next step, the one-tap call and WhatsApp, promises to pay and the statement of account."""
from datetime import timedelta
from urllib.parse import quote

import pytz
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_amount

from ..tools import contact_window as cw
from ..tools import promises as tp
from ..tools.stages import STAGE_CODES
from .cobranza_contact_log_outcome import OUTGOING_CHANNELS


# The model is split by concept on purpose (see the module docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaAccount(models.Model):
    _inherit = 'cobranza.account'

    # Summing priorities or days over a group means nothing: the group rows leave them empty.
    priority = fields.Float(aggregator=None)
    oldest_overdue_days = fields.Integer(aggregator='max')

    # The collector's own plan, written by the contact wizard (not by the daily run).
    next_step = fields.Char(readonly=True)
    next_step_date = fields.Date(readonly=True)
    promise_ids = fields.One2many('cobranza.promise', 'account_id', string="Promises to Pay", readonly=True)
    promise_count = fields.Integer(string="Promises", compute='_compute_promise_stats')
    promise_kept_rate = fields.Float(string="Promise-Kept Rate (%)", compute='_compute_promise_stats',
                                     digits=(16, 1))
    contact_log_ids = fields.One2many('cobranza.contact.log', 'account_id', string="Contacts", readonly=True)
    last_contact_date = fields.Datetime(string="Last Contact", compute='_compute_last_contact')
    last_contact_result = fields.Char(string="Last Result", compute='_compute_last_contact')
    in_today = fields.Boolean(string="To Work Today", compute='_compute_in_today', search='_search_in_today')
    today_reason = fields.Char(string="Why Today", compute='_compute_in_today')
    promise_alert = fields.Selection([('broken', 'Promise broken'), ('due', 'Promise due today')],
                                     compute='_compute_in_today')
    # Ascending: the first account is the one to work first (see _order_field_to_sql).
    work_order = fields.Integer(compute='_compute_work_order')

    @api.depends('promise_ids.state')
    def _compute_promise_stats(self):
        rates = self.env['cobranza.promise']._kept_rate_by('account_id', [('account_id', 'in', self.ids)])
        for account in self:
            account.promise_count = len(account.promise_ids)
            account.promise_kept_rate = rates.get(account.id) or 0.0

    def _compute_last_contact(self):
        last = {}
        if self.ids:
            rows = self.env.execute_query(SQL(
                """SELECT DISTINCT ON (account_id) account_id, id FROM cobranza_contact_log
                    WHERE account_id IN %s ORDER BY account_id, date DESC, id DESC""", tuple(self.ids)))
            logs = self.env['cobranza.contact.log'].sudo().browse([log_id for _a, log_id in rows])
            last = {log.account_id.id: log for log in logs}
        labels = dict(self.env['cobranza.contact.log']._fields['result']._description_selection(self.env))
        for account in self:
            log = last.get(account.id)
            account.last_contact_date = log.date if log else False
            account.last_contact_result = labels.get(log.result) if log else False

    @api.depends_context('cobranza_date')
    def _compute_in_today(self):
        today = self.env['account.move']._cobranza_today()
        alerts = self._promise_alerts(today)
        for account in self:
            reasons = []
            alert = alerts.get(account.id)
            if alert == 'broken':
                reasons.append(self.env._("Promise broken"))
            elif alert == 'due':
                reasons.append(self.env._("Promise due today"))
            # A step the collector planned for later takes the account out of today's list, but for its promises.
            if account.next_step_date and account.next_step_date <= today:
                reasons.append(self.env._("Next step due"))
            elif not account.next_step_date:
                if account.total_overdue > 0:
                    reasons.append(self.env._("Overdue, no next step"))
                if account.next_action_date and account.next_action_date <= today:
                    reasons.append(self.env._("Stage action due"))
                if account.stage_date and account.stage_date >= today - timedelta(days=1):
                    reasons.append(self.env._("New in stage"))
            account.promise_alert = alert or False
            account.today_reason = ', '.join(reasons)
            account.in_today = bool(reasons) and account.stage_code != 'uncollectable' and account.total_due > 0

    def _promise_alerts(self, today):
        """``{account id: 'broken' | 'due'}``: broken since yesterday, or open and due by today."""
        Promise = self.env['cobranza.promise'].sudo()
        alerts = {}
        for promise in Promise.search([('account_id', 'in', self.ids), ('state', '=', tp.OPEN),
                                       ('date', '<=', today)]):
            alerts[promise.account_id.id] = 'due'
        for promise in Promise.search([('account_id', 'in', self.ids),
                                       *Promise._recent_broken_domain(today)]):
            alerts[promise.account_id.id] = 'broken'
        return alerts

    def _search_in_today(self, operator, value):
        if operator in ('=', '!='):
            operator, value = ('in' if operator == '=' else 'not in'), [value]
        if operator not in ('in', 'not in'):
            return NotImplemented
        if operator == 'not in':
            value = [not v for v in value]
        domain = self._in_today_domain(self.env['account.move']._cobranza_today())
        return domain if True in value else ~domain

    def _in_today_domain(self, today):
        """The accounts on Today's list of ``today``, as a domain."""
        alert = Domain('promise_ids', 'any', Domain.OR([
            [('state', '=', tp.OPEN), ('date', '<=', today)],
            self.env['cobranza.promise']._recent_broken_domain(today),
        ]))
        unplanned = Domain('next_step_date', '=', False) & Domain.OR([
            [('total_overdue', '>', 0)],
            [('next_action_date', '<=', today)],
            [('stage_date', '>=', today - timedelta(days=1))],
        ])
        due = Domain.OR([alert, [('next_step_date', '<=', today)], unplanned])
        return Domain('total_due', '>', 0) & Domain('stage_code', '!=', 'uncollectable') & due

    def _work_order_sql(self, alias):
        """Sort key of the account at ``alias``, ascending: a broken or due promise first, then the
        amount overdue, the oldest days overdue and the most advanced stage; uncollectable candidates
        (the supervisor's) last."""
        today = self.env['account.move']._cobranza_today()
        return SQL(
            """ROW(CASE WHEN EXISTS(
                        SELECT 1 FROM cobranza_promise p
                         WHERE p.account_id = %(a)s.id
                           AND ((p.state = 'open' AND p.date <= %(today)s)
                                OR (p.state = 'broken' AND p.resolved_date >= %(yesterday)s))) THEN 0 ELSE 1 END,
                   CASE WHEN %(a)s.stage_code = 'uncollectable' THEN 1 ELSE 0 END,
                   -COALESCE(%(a)s.total_overdue, 0),
                   -COALESCE(%(a)s.oldest_overdue_days, 0),
                   -COALESCE(array_position(%(codes)s::varchar[], %(a)s.stage_code::varchar), 0),
                   %(a)s.id)""",
            a=SQL.identifier(alias), today=today, yesterday=today - timedelta(days=1), codes=list(STAGE_CODES))

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name == 'work_order':
            return SQL("%s %s", self._work_order_sql(alias), direction)
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    @api.depends_context('cobranza_date')
    def _compute_work_order(self):
        positions = {}
        for collector in self.collector_id:
            ordered = self.search([('collector_id', '=', collector.id), ('in_today', '=', True)], order='work_order')
            positions.update({account_id: index for index, account_id in enumerate(ordered.ids, start=1)})
        for account in self:
            account.work_order = positions.get(account.id, 0)

    # ------------------------------------------------------------------
    # Contacting the debtor
    # ------------------------------------------------------------------
    def _cobranza_policy(self):
        """The policy that governs this account: its override, its invoices' policy, or the company's first."""
        self.ensure_one()
        policy = self.sudo().policy_id or self.sudo().invoice_ids.cobranza_policy_id[:1]
        return policy or self.env['cobranza.policy'].sudo().search(
            [('company_id', 'in', [self.company_id.id, False])], limit=1)

    def _contact_window_refusal(self, channel, now=None):
        """None when ``channel`` may be used with this debtor now, else the translated reason."""
        self.ensure_one()
        if channel not in OUTGOING_CHANNELS:
            return None
        policy = self._cobranza_policy()
        partner = self.partner_id
        tz_name = partner._cobranza_timezone()
        window = cw.ContactWindow(
            start=policy.contact_hour_start, end=policy.contact_hour_end, weekdays=policy._contact_weekdays(),
            preferred_start=partner.cobranza_contact_hour_from or None,
            preferred_end=partner.cobranza_contact_hour_to or None)
        now_utc = pytz.utc.localize(now or fields.Datetime.now())
        if cw.is_open(window, now_utc, tz_name):
            return None
        opening = cw.next_opening(window, now_utc, tz_name).astimezone(pytz.timezone(tz_name))
        return self.env._(
            "Outside the legal contact window of the debtor (%(tz)s, local time %(local)s): you may contact them "
            "from %(opening)s.", tz=tz_name, local=self._debtor_local_time(now)[0],
            opening=opening.strftime('%Y-%m-%d %H:%M'))

    def _debtor_local_time(self, now=None):
        """(``'YYYY-MM-DD HH:MM:SS Zone'``, zone) of ``now`` (UTC) for this debtor."""
        tz_name = self.partner_id._cobranza_timezone()
        local = pytz.utc.localize(now or fields.Datetime.now()).astimezone(pytz.timezone(tz_name))
        return f"{local.strftime('%Y-%m-%d %H:%M:%S')} {tz_name}", tz_name

    def _log_contact(self, channel, result, **values):
        """Insert a contact-log row of this account, by the current user, now (UTC and the debtor's time)."""
        self.ensure_one()
        self.check_access('read')
        now = fields.Datetime.now()
        return self.env['cobranza.contact.log'].sudo().create({
            'date': now,
            'local_time': self._debtor_local_time(now)[0],
            'company_id': self.company_id.id,
            'partner_id': self.partner_id.id,
            'account_id': self.id,
            'move_ids': [fields.Command.set(self.sudo().invoice_ids.ids)],
            'user_id': self.env.user.id,
            'channel': channel,
            'result': result,
            **values,
        })

    def _whatsapp_text(self):
        """The prefilled WhatsApp text: who writes, for which creditor and about what (CONDUSEF's first contact)."""
        self.ensure_one()
        partner = self.partner_id
        env = self.with_context(lang=partner.lang or self.env.lang).env
        amount = format_amount(env, self.total_overdue or self.total_due, self.currency_id)
        text = env._(
            "Hello %(debtor)s, this is %(collector)s of %(company)s. We are writing about your balance of "
            "%(amount)s with %(company)s (%(count)s invoices). Payments go only to %(company)s's accounts. "
            "When may we talk?",
            debtor=partner.name, collector=self.env.user.name, company=self.company_id.name,
            amount=amount.replace('\N{NO-BREAK SPACE}', ' '), count=self.open_invoice_count)
        found = self.env['cobranza.forbidden.term']._find_in(text)
        if found:
            raise UserError(self.env._("The WhatsApp text contains forbidden language: %(terms)s",
                                       terms=', '.join(found)))
        return text

    def _open_contact(self, channel, url):
        """Log the attempt and open ``url``, or log and show the refusal when the window is closed."""
        refusal = self._contact_window_refusal(channel)
        if refusal:
            self._log_contact(channel, 'outside_window', detail=refusal)
            return {'type': 'ir.actions.client', 'tag': 'display_notification',
                    'params': {'type': 'warning', 'sticky': True, 'message': refusal}}
        self._log_contact(channel, 'attempt', recipient=self.partner_id.cobranza_phone_e164)
        return {'type': 'ir.actions.act_url', 'url': url, 'target': 'new'}

    def _check_phone(self):
        partner = self.partner_id
        if not partner.cobranza_phone_e164:
            raise UserError(self.env._("%(debtor)s has no valid phone number (%(reason)s).", debtor=partner.name,
                                       reason=partner.cobranza_phone_error or self.env._("empty")))
        return partner.cobranza_phone_e164

    def action_cobranza_call(self):
        """Tap to call: records the attempt in the contact log, then dials (``tel:``)."""
        self.ensure_one()
        return self._open_contact('call_out', f"tel:{self._check_phone()}")

    def action_cobranza_whatsapp(self):
        """Tap for WhatsApp: records the attempt, then opens the chat with a compliant prefilled text."""
        self.ensure_one()
        digits = self._check_phone().lstrip('+')
        return self._open_contact('whatsapp', f"https://wa.me/{digits}?text={quote(self._whatsapp_text())}")

    def action_cobranza_log_contact(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Log a Contact"),
            'res_model': 'cobranza.contact.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_account_id': self.id},
        }

    def action_cobranza_open_promises(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_promise_action')
        action['domain'] = [('account_id', '=', self.id)]
        action['context'] = {'create': False}
        return action

    def action_cobranza_send_statement(self):
        """E-mail the statement of account (PDF) to the debtor, inside the contact window, and log it."""
        self.ensure_one()
        self.check_access('read')
        if not self.partner_id.email:
            raise UserError(self.env._("%(debtor)s has no e-mail address.", debtor=self.partner_id.name))
        refusal = self._contact_window_refusal('email')
        if refusal:
            self._log_contact('email', 'outside_window', detail=refusal)
            return {'type': 'ir.actions.client', 'tag': 'display_notification',
                    'params': {'type': 'warning', 'sticky': True, 'message': refusal}}
        template = self.env.ref('cobranza_mx.mail_template_cobranza_statement').sudo()
        mail_id = template.send_mail(self.id, email_layout_xmlid='mail.mail_notification_light')
        mail = self.env['mail.mail'].sudo().browse(mail_id)
        self._log_contact('email', 'statement_sent', recipient=self.partner_id.email, template=template.name,
                          body=mail.body_html)
        self.sudo().message_post(body=self.env._("Statement of account sent to %(email)s.",
                                                 email=self.partner_id.email))
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'type': 'success', 'message': self.env._("Statement of account sent.")}}

    def action_cobranza_send_statement_whatsapp(self):
        """Send the statement of account by WhatsApp through the reminder engine: a message with the
        debtor's tokenized link to their statement, inside the contact window, logged like any reminder."""
        self.ensure_one()
        self.check_access('read')
        if not self.partner_id.phone:
            raise UserError(self.env._("%(debtor)s has no phone number.", debtor=self.partner_id.name))
        reminder = self.env['cobranza.reminder']._queue_statement(self, 'whatsapp')
        self.sudo().message_post(body=self.env._("Statement of account queued for WhatsApp to %(phone)s.",
                                                 phone=self.partner_id.phone))
        window, tz_name = reminder._contact_window()
        message = self.env._("Statement of account queued: it goes out by WhatsApp now.") \
            if cw.is_open(window, fields.Datetime.now(), tz_name) else self.env._(
                "Statement of account queued: the debtor's contact window is closed, it goes out when it opens.")
        return {'type': 'ir.actions.client', 'tag': 'display_notification',
                'params': {'type': 'success', 'message': message}}

    # ------------------------------------------------------------------
    # Statement of account
    # ------------------------------------------------------------------
    def _statement_data(self):
        """What the statement of account shows, read as the superuser once access was checked."""
        self.ensure_one()
        self.check_access('read')
        account = self.sudo()
        today = self.env['account.move']._cobranza_today()
        invoices = account.invoice_ids.sorted('invoice_date_due')
        aging = {}
        for invoice in invoices:
            days = (today - invoice.invoice_date_due).days if invoice.invoice_date_due else 0
            bucket = self.env._("Not due") if days <= 0 else \
                self.env._("1-30 days") if days <= 30 else \
                self.env._("31-90 days") if days <= 90 else \
                self.env._("91-180 days") if days <= 180 else self.env._("Over 180 days")
            aging[bucket] = aging.get(bucket, 0.0) + invoice.amount_residual_signed
        payments = []
        for invoice in self.env['account.move'].sudo().search([
                ('company_id', '=', account.company_id.id), ('move_type', '=', 'out_invoice'),
                ('state', '=', 'posted'), ('commercial_partner_id', '=', account.partner_id.id),
                ('invoice_date', '>=', today - timedelta(days=180))]):
            for info in (invoice.invoice_payments_widget or {}).get('content') or []:
                payments.append({'date': info['date'], 'invoice': invoice.name, 'ref': info.get('ref') or '',
                                 'amount': info['amount']})
        payments.sort(key=lambda p: p['date'], reverse=True)
        return {
            'today': today,
            'invoices': invoices,
            'aging': aging,
            'payments': payments,
            'promises': account.promise_ids.sorted('date', reverse=True)[:20],
        }
