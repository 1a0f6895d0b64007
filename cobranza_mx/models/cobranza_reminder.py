import logging
from collections import defaultdict
from datetime import timedelta

import pytz
from odoo import api, fields, models
from odoo.tools import SQL, format_amount, format_date

from ..tools import contact_window as cw
from ..tools.whatsapp import PermanentProviderError, TransientProviderError, WhatsAppClient, backoff_seconds
from .cobranza_reminder_rule import CHANNELS

_logger = logging.getLogger(__name__)

REMINDER_STATES = [
    ('scheduled', 'Scheduled'),
    ('deferred', 'Deferred'),
    ('sending', 'Sending'),
    ('sent', 'Sent'),
    ('delivered', 'Delivered'),
    ('read', 'Read'),
    ('failed', 'Failed'),
    ('skipped', 'Skipped'),
    ('cancelled', 'Cancelled'),
]
PENDING_STATES = ('scheduled', 'deferred')
MAX_ATTEMPTS = 5
# A one-off reminder whose moment is older than this is obsolete and not created any more.
STALE_HOURS = 24
# A WhatsApp message left in "sending" by a killed process is resent only if the provider
# never confirmed it (its status webhook) within this grace period.
SENDING_GRACE_MINUTES = 60
SEND_BATCH = 200
# Reminders queued (e-mail, SMS, letter) between two commits of the sending cron.
COMMIT_EVERY = 100


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
    reason = fields.Char(readonly=True, help="Why it was deferred, skipped, cancelled or failed.")
    attempt_count = fields.Integer(readonly=True)
    recipient = fields.Char(readonly=True)
    provider_message_id = fields.Char(readonly=True, index='btree_not_null')
    sent_at = fields.Datetime(readonly=True)
    sending_since = fields.Datetime(readonly=True)
    leader_id = fields.Many2one('cobranza.reminder', string="Sent With", readonly=True, index='btree_not_null',
                                ondelete='set null')
    grouped_move_ids = fields.Many2many('account.move', string="Invoices in the Message", readonly=True)
    mail_id = fields.Many2one('mail.mail', string="E-mail", readonly=True, ondelete='set null')
    sms_id = fields.Many2one('sms.sms', string="SMS", readonly=True, ondelete='set null')
    letter_attachment_id = fields.Many2one('ir.attachment', string="Letter", readonly=True, ondelete='set null')
    log_ids = fields.One2many('cobranza.contact.log', 'reminder_id', string="Contact Log")

    _reminder_uniq = models.Constraint(
        'UNIQUE(move_id, rule_id, channel, occurrence)',
        'A reminder is sent once per invoice, rule, channel and occurrence.')

    @api.depends('rule_id', 'channel', 'move_id')
    def _compute_display_name(self):
        labels = dict(CHANNELS)
        for reminder in self:
            reminder.display_name = f"{reminder.move_id.name or ''} · {reminder.rule_id.name or ''} · " \
                                    f"{labels.get(reminder.channel, '')}"

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
            'portal_url': moves[0].get_base_url() + moves[0].get_portal_url(),
        }

    def _render_text(self, values=None):
        """The plain text of an SMS or a WhatsApp message."""
        self.ensure_one()
        values = values or self._placeholders()
        if self.channel == 'whatsapp':
            return ' | '.join(values[name.strip()] for name in self._whatsapp_param_names())
        lang = self.partner_id.lang or 'es_MX'
        body = self.rule_id.with_context(lang=lang).sms_body or self.env._(
            "{company}: {partner}, your invoices {invoices} have {amount} due since {due_date}. "
            "Pay to {company} only: {portal_url} Questions: {company_phone}")
        return body.format(**values)

    def _whatsapp_param_names(self):
        return [name.strip() for name in (self.rule_id.whatsapp_params or '').split(',') if name.strip()]

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
        self.env['ir.cron']._commit_progress(0)
        self.sudo()._recover_interrupted(now)
        self.sudo()._send_due(now, commit=True)

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------
    @api.model
    def _schedule(self, rules, company, now):
        """Create the reminders that are due by ``now`` for the open invoices of ``company``."""
        created = self.browse()
        for rule in rules.filtered(lambda r: not r.company_id or r.company_id == company):
            channels = rule._channels()
            if not channels:
                continue
            rows = self.env.execute_query(SQL(
                """
                SELECT m.id, m.commercial_partner_id, m.cobranza_account_id, m.invoice_date_due,
                       p.tz, s.code
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.commercial_partner_id
             LEFT JOIN res_country_state s ON s.id = p.state_id
                 WHERE m.company_id = %(company)s AND m.move_type = 'out_invoice' AND m.state = 'posted'
                   AND m.amount_residual > 0 AND m.amount_residual_signed >= %(min_amount)s
                   AND m.cobranza_policy_id = %(policy)s AND NOT COALESCE(m.cobranza_excluded, FALSE)
                   AND (%(no_stage_filter)s OR m.cobranza_stage_id = ANY(%(stages)s))
                   AND m.invoice_date_due <= %(horizon)s
                """,
                company=company.id, min_amount=rule.min_amount, policy=rule.policy_id.id,
                no_stage_filter=not rule.stage_ids, stages=rule.stage_ids.ids or [0],
                horizon=(now + timedelta(hours=-rule.offset_hours + 48)).date()))
            if not rows:
                continue
            wanted = {}
            for move_id, partner_id, account_id, due, tz, state_code in rows:
                tz_name = cw.debtor_tz(tz, state_code)
                occurrence, due_at = self._occurrence(rule, due, tz_name, now)
                if due_at is None:
                    continue
                for channel in channels:
                    wanted[(move_id, channel, occurrence)] = (partner_id, account_id, due_at)
            if not wanted:
                continue
            existing = set(self.env.execute_query(SQL(
                "SELECT move_id, channel, occurrence FROM cobranza_reminder WHERE rule_id = %s AND move_id = ANY(%s)",
                rule.id, list({key[0] for key in wanted}))))
            vals_list = [{
                'company_id': company.id,
                'partner_id': partner_id,
                'account_id': account_id,
                'move_id': move_id,
                'rule_id': rule.id,
                'channel': channel,
                'occurrence': occurrence,
                'due_at': due_at,
                'scheduled_at': due_at,
            } for (move_id, channel, occurrence), (partner_id, account_id, due_at) in wanted.items()
                if (move_id, channel, occurrence) not in existing]
            if vals_list:
                created |= self.create(vals_list)
        return created

    @api.model
    def _occurrence(self, rule, due_date, tz_name, now):
        """The occurrence of ``rule`` due at ``now`` for an invoice due on ``due_date``, or (None, None)."""
        base = cw.reminder_moment(due_date, rule.offset_hours, tz_name)
        if base > now:
            return None, None
        if rule.repeat_interval_hours > 0:
            interval = timedelta(hours=rule.repeat_interval_hours)
            occurrence = int((now - base) / interval)
            if rule.repeat_max:
                occurrence = min(occurrence, rule.repeat_max - 1)
            return occurrence, base + occurrence * interval
        if now - base > timedelta(hours=STALE_HOURS):
            return None, None
        return 0, base

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------
    @api.model
    def _recover_interrupted(self, now):
        """WhatsApp messages left in "sending" by a killed process and never confirmed are sent again."""
        stale = self.search([
            ('state', '=', 'sending'),
            ('sending_since', '<', now - timedelta(minutes=SENDING_GRACE_MINUTES)),
        ])
        for reminder in stale:
            reminder.write({'state': 'scheduled', 'scheduled_at': now})
            reminder._log('retry', detail=self.env._(
                "Interrupted while sending and never confirmed by the provider: sending again."))
        return stale

    @api.model
    def _send_due(self, now, commit=False, limit=SEND_BATCH):
        """Send the reminders due at ``now`` in batches, one debtor and channel at a time.

        With ``commit`` (the cron), each group is committed on its own: a killed process loses
        at most the group it was sending, which the next run recovers without a duplicate.
        """
        sent_groups = 0
        uncommitted = 0
        seen = []
        while True:
            due = self.search([('state', 'in', PENDING_STATES), ('scheduled_at', '<=', now), ('id', 'not in', seen)],
                              order='scheduled_at, id', limit=limit)
            if not due:
                break
            seen += due.ids
            groups = defaultdict(lambda: self.browse())
            for reminder in due:
                groups[(reminder.company_id.id, reminder.partner_id.id, reminder.channel)] |= reminder
            for group in groups.values():
                # Lock, then re-read: another worker may have taken the group since the search.
                group = group.try_lock_for_update()
                group.invalidate_recordset(['state', 'scheduled_at'])
                group = group.filtered(lambda r: r.state in PENDING_STATES and r.scheduled_at <= now)
                if not group:
                    continue
                group._process_group(now, commit=commit)
                sent_groups += 1
                uncommitted += len(group)
                # E-mails, SMS and letters are queued in the same transaction as their reminder: a batch
                # lost to a crash is redone whole, without a duplicate. A WhatsApp message leaves the
                # building at once: its group is committed on its own.
                if commit and (group[0].channel == 'whatsapp' or uncommitted >= COMMIT_EVERY):
                    remaining_time = self.env['ir.cron']._commit_progress(uncommitted)
                    uncommitted = 0
                    if remaining_time <= 0:
                        return sent_groups
            self.env.flush_all()
        if commit and uncommitted:
            self.env['ir.cron']._commit_progress(uncommitted)
        return sent_groups

    def _process_group(self, now, commit=False):
        """Check, then send one message for these reminders of one debtor and channel."""
        pending = self._cancel_closed()
        if not pending:
            return
        partner = pending.partner_id
        channel = pending[0].channel
        policy = pending[0].rule_id.policy_id
        # Opt-out and recipient.
        recipient, reason = pending._recipient()
        if reason:
            pending._finish('skipped', reason=reason)
            return
        # The legal contact window in the debtor's time zone, then the daily cap.
        tz_name = partner._cobranza_timezone()
        window = cw.ContactWindow(
            start=policy.contact_hour_start, end=policy.contact_hour_end,
            weekdays=policy._contact_weekdays(),
            preferred_start=partner.cobranza_contact_hour_from or None,
            preferred_end=partner.cobranza_contact_hour_to or None)
        now_utc = pytz.utc.localize(now)
        if not cw.is_open(window, now_utc, tz_name):
            opening = cw.next_opening(window, now_utc, tz_name)
            pending._defer(opening, self.env._("Outside the contact window of the debtor (%(tz)s).", tz=tz_name))
            return
        next_allowed = pending._next_allowed_by_cap(window, now_utc, tz_name, policy.reminder_daily_cap)
        if next_allowed:
            pending._defer(next_allowed, self.env._("Daily limit of messages for this debtor and channel reached."))
            return
        leader = pending[0]
        leader.grouped_move_ids = pending.move_id
        (pending - leader).leader_id = leader
        pending.recipient = recipient
        values = leader._placeholders() if channel in ('sms', 'whatsapp') else {}
        text = leader._render_text(values) if values else ''
        # Compliance of what is actually sent (an e-mail is checked once rendered, in _send_email).
        if text and pending._refuse_forbidden(text):
            return
        getattr(leader, f'_send_{channel}')(pending, recipient, text, now, commit, values=values)

    def _refuse_forbidden(self, *texts):
        """Fail these reminders when ``texts`` contain forbidden language; return whether they did."""
        found = self.env['cobranza.forbidden.term']._find_in(*texts)
        if found:
            self._finish('failed', reason=self.env._(
                "Refused: the message contains forbidden language: %(terms)s", terms=', '.join(found)))
        return bool(found)

    def _cancel_closed(self):
        """Cancel reminders whose invoice is paid or excluded from collection; return the others."""
        closed = self.filtered(lambda r: r.move_id.state != 'posted' or r.move_id.amount_residual <= 0)
        closed._finish('cancelled', reason=self.env._("The invoice is paid or cancelled."))
        paused = (self - closed).filtered(lambda r: r.move_id.cobranza_excluded)
        for reminder in paused:
            reason = dict(reminder.move_id._fields['cobranza_exclusion_reason']._description_selection(self.env)).get(
                reminder.move_id.cobranza_exclusion_reason, '')
            reminder._finish('cancelled', reason=self.env._("Excluded from collection: %(reason)s", reason=reason))
        return self - closed - paused

    def _recipient(self):
        """(recipient, skip reason) of this group's debtor for its channel."""
        partner = self[0].partner_id
        channel = self[0].channel
        if partner[f'cobranza_optout_{channel}']:
            return None, self.env._("The debtor opted out of this channel.")
        preferred = partner.cobranza_preferred_channel
        if preferred and preferred != channel and self[0].rule_id[f'channel_{preferred}'] \
                and not partner[f'cobranza_optout_{preferred}']:
            return None, self.env._("The debtor prefers another channel (%(channel)s).",
                                    channel=dict(CHANNELS)[preferred])
        if channel == 'email':
            if not partner.email:
                return None, self.env._("The debtor has no e-mail address.")
            return partner.email, None
        if channel in ('sms', 'whatsapp'):
            if not partner.cobranza_phone_e164:
                return None, self.env._("Invalid phone number %(phone)s: %(reason)s", phone=partner.phone or '',
                                        reason=partner.cobranza_phone_error or 'empty')
            return partner.cobranza_phone_e164, None
        if not (partner.street and partner.city):
            return None, self.env._("The debtor has no postal address.")
        return ', '.join(filter(None, [partner.street, partner.city, partner.state_id.name, partner.zip])), None

    def _next_allowed_by_cap(self, window, now_utc, tz_name, cap):
        """None when the daily cap of this debtor and channel allows a message now, else the next moment."""
        sent = self.env['cobranza.contact.log'].search_fetch([
            ('partner_id', '=', self[0].partner_id.id), ('channel', '=', self[0].channel),
            ('result', 'in', ('queued', 'sent')), ('date', '>=', now_utc.replace(tzinfo=None) - timedelta(days=2)),
        ], ['date']).mapped('date')
        if cw.cap_allows(sent, now_utc, tz_name, cap):
            return None
        return cw.next_allowed_moment(sent, now_utc, tz_name, cap, window=window)

    def _defer(self, when_utc, reason):
        self.write({'state': 'deferred', 'scheduled_at': when_utc.astimezone(pytz.utc).replace(tzinfo=None),
                    'reason': reason})

    def _finish(self, state, reason=None, provider_message_id=None, log_result=None, text=None):
        if not self:
            return
        vals = {'state': state, 'reason': reason or False}
        if provider_message_id:
            vals['provider_message_id'] = provider_message_id
        if state in ('sent', 'delivered', 'read'):
            vals['sent_at'] = fields.Datetime.now()
        self.write(vals)
        self[0]._log(log_result or state, detail=reason, text=text, reminders=self)

    def _log(self, result, detail=None, text=None, reminders=None):
        """Insert the contact log row of this attempt (for the whole group)."""
        self.ensure_one()
        reminders = reminders or self
        tz_name = self.partner_id._cobranza_timezone()
        now = fields.Datetime.now()
        local = pytz.utc.localize(now).astimezone(pytz.timezone(tz_name))
        template = {
            'email': self.rule_id.mail_template_id.name,
            'whatsapp': self.rule_id.whatsapp_template,
            'letter': self.env._("Reminder letter"),
        }.get(self.channel) or self.rule_id.name
        return self.env['cobranza.contact.log'].sudo().create({
            'date': now,
            'local_time': f"{local.strftime('%Y-%m-%d %H:%M:%S')} {tz_name}",
            'company_id': self.company_id.id,
            'partner_id': self.partner_id.id,
            'account_id': self.account_id.id,
            'move_ids': [fields.Command.set(reminders.move_id.ids)],
            'reminder_id': self.id,
            'rule_id': self.rule_id.id,
            'user_id': self.env.user.id,
            'channel': self.channel,
            'recipient': self.recipient,
            'template': template,
            'body': text,
            'provider_message_id': self.provider_message_id,
            'result': result,
            'detail': detail,
        })

    # ------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------
    def _send_email(self, group, recipient, text, now, commit, values=None):
        template = self.rule_id.mail_template_id or self.env.ref('cobranza_mx.mail_template_reminder')
        mail = self.env['mail.mail'].sudo().browse(template.send_mail(self.id, force_send=False, email_values={
            'email_to': recipient, 'recipient_ids': []}))
        # The template is rendered once; what it rendered is checked before anything goes out.
        if group._refuse_forbidden(mail.subject or '', mail.body_html or ''):
            mail.unlink()
            return
        report = self.env.ref('account.account_invoices')
        attachments = self.env['ir.attachment']
        for move in group.move_id:
            content, _type = self.env['ir.actions.report']._render_qweb_pdf(report, move.ids)
            attachments |= self.env['ir.attachment'].create({
                'name': f"{move.name.replace('/', '_')}.pdf",
                'raw': content,
                'res_model': 'account.move',
                'res_id': move.id,
                'mimetype': 'application/pdf',
            })
        mail.attachment_ids = attachments
        group.mail_id = mail
        group._finish('sent', log_result='queued', text=str(mail.body_html or ''))

    def _send_sms(self, group, recipient, text, now, commit, values=None):
        sms = self.env['sms.sms'].sudo().create({
            'number': recipient, 'body': text, 'partner_id': self.partner_id.id, 'state': 'outgoing'})
        group.sms_id = sms
        group._finish('sent', log_result='queued', text=text)

    def _send_letter(self, group, recipient, text, now, commit, values=None):
        report = self.env.ref('cobranza_mx.action_report_reminder_letter')
        content, _type = self.env['ir.actions.report'].with_context(
            lang=self.partner_id.lang or 'es_MX')._render_qweb_pdf(report, self.ids)
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("Reminder letter %(partner)s.pdf", partner=self.partner_id.name),
            'raw': content,
            'res_model': 'cobranza.reminder',
            'res_id': self.id,
            'mimetype': 'application/pdf',
        })
        group.letter_attachment_id = attachment
        group._finish('sent', log_result='queued', text=self.env._("Printed reminder letter, ready to mail."))

    def _send_whatsapp(self, group, recipient, text, now, commit, values=None):
        company = self.company_id
        if not (company.cobranza_whatsapp_token and company.cobranza_whatsapp_phone_number_id):
            group._finish('skipped', reason=self.env._("WhatsApp is not configured for %(company)s.",
                                                       company=company.name))
            return
        if not self.rule_id.whatsapp_template:
            group._finish('failed', reason=self.env._("The rule %(rule)s has no WhatsApp template.",
                                                      rule=self.rule_id.name))
            return
        # Record the attempt before calling the provider: a killed process leaves "sending",
        # which the provider's status webhook confirms or _recover_interrupted resends.
        group.write({'state': 'sending', 'attempt_count': self.attempt_count + 1, 'sending_since': now})
        if commit:
            self.env['ir.cron']._commit_progress(0)
        values = values or self._placeholders()
        client = WhatsAppClient(company.cobranza_whatsapp_api_url, company.cobranza_whatsapp_token,
                                company.cobranza_whatsapp_phone_number_id,
                                api_version=company.cobranza_whatsapp_api_version or 'v21.0',
                                timeout=company.cobranza_whatsapp_timeout or 10)
        try:
            message_id = client.send_template(
                recipient.lstrip('+'), self.rule_id.whatsapp_template, self.rule_id.whatsapp_language or 'es_MX',
                # The Cloud API refuses an empty parameter.
                [values[name] or '-' for name in self._whatsapp_param_names()],
                callback_data=f'cobranza.reminder:{self.id}')
        except TransientProviderError as e:
            attempts = self.attempt_count
            if attempts >= MAX_ATTEMPTS:
                group._finish('failed', reason=self.env._(
                    "Provider unavailable after %(count)s attempts: %(error)s", count=attempts, error=e))
                return
            retry_at = now + timedelta(seconds=backoff_seconds(attempts, getattr(e, 'retry_after', None)))
            group.write({'state': 'scheduled', 'scheduled_at': retry_at, 'reason': str(e)})
            self._log('retry', detail=self.env._("%(error)s Next attempt at %(when)s UTC.", error=e,
                                                 when=fields.Datetime.to_string(retry_at)),
                      text=text, reminders=group)
            return
        except PermanentProviderError as e:
            group._finish('failed', reason=self.env._("Rejected by the provider: %(error)s", error=e), text=text)
            return
        group._finish('sent', provider_message_id=message_id, text=text)

    # ------------------------------------------------------------------
    # Provider statuses
    # ------------------------------------------------------------------
    @api.model
    def _apply_whatsapp_statuses(self, statuses, companies=None):
        """Apply (message_id, status, timestamp, error, callback_data) from the webhook; returns updated reminders.

        With ``companies`` (those whose app secret signed the webhook), a status is applied only to
        the reminders of those companies; the others are left alone and counted in one warning.
        """
        order = {'sending': 0, 'scheduled': 0, 'sent': 1, 'delivered': 2, 'read': 3}
        updated = self.browse()
        foreign = 0
        for message_id, status, _timestamp, error, callback_data in statuses:
            if not isinstance(message_id, str) or not message_id or '\x00' in message_id or not isinstance(status, str):
                continue
            reminders = self.search([('provider_message_id', '=', message_id)])
            if not reminders:
                leader = self._whatsapp_callback_leader(callback_data, message_id)
                reminders = leader | self.search([('leader_id', '=', leader.id)]) if leader else reminders
            if companies is not None:
                theirs = reminders.filtered(lambda r: r.company_id in companies)
                foreign += len(reminders) - len(theirs)
                reminders = theirs
            if not reminders:
                continue
            if status == 'failed':
                reminders._finish('failed', reason=error or self.env._("Failed at the provider."),
                                  provider_message_id=message_id)
            elif status in ('sent', 'delivered', 'read') and order.get(reminders[0].state, 9) < order[status]:
                reminders._finish(status, provider_message_id=message_id)
            updated |= reminders
        if foreign:
            _logger.warning("WhatsApp webhook: ignored the statuses of %d reminders of a company whose app secret "
                            "did not sign the payload", foreign)
        return updated

    @api.model
    def _whatsapp_callback_leader(self, callback_data, message_id):
        """The reminder named by a ``cobranza.reminder:<id>`` callback data, if it has no other message id."""
        prefix, _sep, digits = callback_data.partition(':') if isinstance(callback_data, str) else ('', '', '')
        # isdigit() alone accepts other scripts' digits; a PostgreSQL integer stops at 2**31 - 1.
        if prefix != 'cobranza.reminder' or not (digits.isascii() and digits.isdigit()) or len(digits) > 10 \
                or not 0 < int(digits) < 2 ** 31:
            return self.browse()
        leader = self.browse(int(digits)).exists()
        return leader if leader.provider_message_id in (False, message_id) else self.browse()
