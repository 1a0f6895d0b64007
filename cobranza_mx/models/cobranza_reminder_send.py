"""Sending of collection reminders: a debtor's due reminders of one channel go out as one message.

Before anything is sent: the invoice is still in collection, the debtor has not opted out and has a
recipient for the channel, the legal contact window is open in the debtor's time zone, the daily cap
allows one more message and the text has no forbidden language. Every attempt and result is written
to the contact log. The channels themselves are in :mod:`.cobranza_reminder_channels`.
"""
from collections import defaultdict
from datetime import timedelta

import pytz
from odoo import api, fields, models

from ..tools import contact_window as cw
from .cobranza_reminder import PENDING_STATES
from .cobranza_reminder_rule import CHANNELS

# A WhatsApp message left in "sending" by a killed process is resent only if the provider
# never confirmed it (its status webhook) within this grace period.
SENDING_GRACE_MINUTES = 60
SEND_BATCH = 200
# Reminders queued (e-mail, SMS, letter) between two commits of the sending cron.
COMMIT_EVERY = 100


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

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
        closed = self.filtered(lambda r: not r.move_id._cobranza_is_open())
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
            ('company_id', '=', self[0].company_id.id),
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
