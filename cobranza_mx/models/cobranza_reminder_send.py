"""Sending of collection reminders: a debtor's due reminders of one channel go out as one message.

Before anything is sent: the invoice is still in collection, the debtor has not opted out and has a
recipient for the channel, the legal contact window is open in the debtor's time zone, the daily cap
allows one more message and the text has no forbidden language. Every attempt and result is written
to the contact log. The channels themselves are in :mod:`.cobranza_reminder_channels`.

Each debtor group is sent in a savepoint of its own: a group that raises is failed with the error
and the others go out. Nothing is ever sent twice automatically: a WhatsApp message whose outcome is
unknown, or left "sending" by a killed process, becomes "unconfirmed" until the provider's status
webhook settles it or a supervisor resends it by hand.
"""
import logging
from collections import defaultdict
from datetime import timedelta

import pytz
from odoo import api, fields, models

from ..tools import contact_window as cw
from .cobranza_reminder import PENDING_STATES, UNCONFIRMED_STATE
from .cobranza_reminder_rule import CHANNELS

_logger = logging.getLogger(__name__)

# A WhatsApp message left in "sending" longer than this was interrupted (the client gives up after
# its timeout, seconds): it becomes "unconfirmed", never resent automatically.
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
        """WhatsApp messages left in "sending" by a killed process become "unconfirmed".

        The provider may have accepted them: they are never sent again automatically. Their status
        webhook settles them, or a supervisor resends them by hand.
        """
        stale = self.search([
            ('state', '=', 'sending'),
            ('sending_since', '<', now - timedelta(minutes=SENDING_GRACE_MINUTES)),
        ])
        for leader in stale.filtered(lambda r: r.leader_id not in stale):
            group = stale.filtered(lambda r, leader=leader: leader in (r, r.leader_id))
            group._finish(UNCONFIRMED_STATE, reason=self.env._(
                "Interrupted while sending: the provider may have the message. It is not sent again "
                "automatically; its status settles it, or a supervisor resends it."))
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
            groups = defaultdict(self.browse)
            for reminder in due:
                groups[(reminder.company_id.id, reminder.partner_id.id, reminder.channel)] |= reminder
            for group in groups.values():
                # Lock, then re-read: another worker may have taken the group since the search.
                group = group.try_lock_for_update()
                group.invalidate_recordset(['state', 'scheduled_at'])
                group = group.filtered(lambda r: r.state in PENDING_STATES and r.scheduled_at <= now)
                if not group:
                    continue
                group._send_group(now, commit=commit)
                sent_groups += 1
                uncommitted += len(group)
                # E-mails, SMS and letters are queued in the same transaction as their reminder: a batch
                # lost to a crash is redone whole, without a duplicate. A WhatsApp message leaves the
                # building at once: its group is committed on its own (before and after the call).
                if commit and (group[0].channel == 'whatsapp' or uncommitted >= COMMIT_EVERY):
                    remaining_time = self.env['ir.cron']._commit_progress(uncommitted)
                    uncommitted = 0
                    if remaining_time <= 0:
                        return sent_groups
            self.env.flush_all()
        if commit and uncommitted:
            self.env['ir.cron']._commit_progress(uncommitted)
        return sent_groups

    def _send_group(self, now, commit=False):
        """Send this group of one debtor and channel in savepoints: whatever raises fails this group only.

        The checks and the queuing run in one savepoint; a WhatsApp call runs after it, once its
        "sending" state is committed (with ``commit``), in a second one.
        """
        try:
            with self.env.cr.savepoint():
                call = self._process_group(now)
        except Exception as error:  # pylint: disable=broad-exception-caught
            # One debtor's error, whatever it is, must not stop the others (as a cron's records).
            _logger.exception("Collection reminders %s could not be sent", self.ids)
            self._finish_safely('failed', self.env._("Could not be sent: %(error)s",
                                                     error=str(error) or type(error).__name__))
            return
        if not call:
            return
        if commit:
            self.env['ir.cron']._commit_progress(0)
        try:
            with self.env.cr.savepoint():
                call()
        except Exception as error:  # pylint: disable=broad-exception-caught
            # Whatever it is, this group only fails. The request may have reached the provider: never
            # "failed", which would invite a resend.
            _logger.exception("Collection reminders %s: error around the provider call", self.ids)
            self._finish_safely(UNCONFIRMED_STATE, self.env._(
                "Error while sending, the provider may have the message: %(error)s",
                error=str(error) or type(error).__name__))

    def _finish_safely(self, state, reason):
        """Finish these reminders after an error, in a savepoint of its own; log when even that fails."""
        try:
            with self.env.cr.savepoint():
                self._finish(state, reason=reason)
        except Exception:  # pylint: disable=broad-exception-caught
            # The error being handled is already logged; this one only adds to the log.
            _logger.exception("Collection reminders %s could not be marked %s", self.ids, state)

    def _process_group(self, now):
        """Check, then send one message for these reminders of one debtor and channel.

        Returns the provider call still to make (WhatsApp) or None when the group is finished.
        """
        pending = self._cancel_closed()
        if not pending:
            return None
        channel = pending[0].channel
        policy = pending[0].rule_id.policy_id
        # Opt-out and recipient.
        recipient, reason = pending._recipient()
        if reason:
            pending._finish('skipped', reason=reason)
            return None
        # The legal contact window in the debtor's time zone, then the daily cap.
        window, tz_name = pending[0]._contact_window()
        now_utc = pytz.utc.localize(now)
        if not cw.is_open(window, now_utc, tz_name):
            opening = cw.next_opening(window, now_utc, tz_name)
            pending._defer(opening, self.env._("Outside the contact window of the debtor (%(tz)s).", tz=tz_name))
            return None
        next_allowed = pending._next_allowed_by_cap(window, now_utc, tz_name, policy.reminder_daily_cap)
        if next_allowed:
            pending._defer(next_allowed, self.env._("Daily limit of messages for this debtor and channel reached."))
            return None
        leader = pending[0]
        leader.grouped_move_ids = pending.move_id
        (pending - leader).leader_id = leader
        pending.recipient = recipient
        values = leader._placeholders() if channel in ('sms', 'whatsapp') else {}
        text = leader._render_text(values) if values else ''
        # Compliance of what is actually sent (an e-mail is checked once rendered, in _send_email).
        if text and pending._refuse_forbidden(text):
            return None
        # Every _send_<channel> takes (group, recipient, text, now, values), positionally: a sender that
        # does not need one of them names it with a leading underscore.
        return getattr(leader, f'_send_{channel}')(pending, recipient, text, now, values)

    def _contact_window(self):
        """(ContactWindow, IANA zone) of this reminder's debtor under its policy."""
        self.ensure_one()
        partner = self.partner_id
        policy = self.rule_id.policy_id
        window = cw.ContactWindow(
            start=policy.contact_hour_start, end=policy.contact_hour_end,
            weekdays=policy._contact_weekdays(),
            preferred_start=partner.cobranza_contact_hour_from or None,
            preferred_end=partner.cobranza_contact_hour_to or None)
        return window, partner._cobranza_timezone()

    def _window_reopens_at(self, now):
        """None when this reminder's debtor may be contacted at ``now`` (naive UTC), else the next
        opening of the window (naive UTC): what the mail and SMS queues check before handing a
        message to the provider."""
        window, tz_name = self._contact_window()
        if cw.is_open(window, now, tz_name):
            return None
        return cw.next_opening(window, now, tz_name)

    @api.model
    def _hold_closed_windows(self, messages, link_field, date_field, now):
        """The ``messages`` (``mail.mail`` or ``sms.sms``) of reminders whose debtor's window is closed at
        ``now``; each one's ``date_field`` is moved to the next opening, when its queue sends it."""
        held = messages.browse()
        reminders = self.sudo().search([(link_field, 'in', messages.ids)])
        for message, message_reminders in reminders.grouped(link_field).items():
            opening = message_reminders[0]._window_reopens_at(now)
            if opening:
                message.sudo()[date_field] = opening
                held |= message
        return held

    def _refuse_forbidden(self, *texts):
        """Fail these reminders when ``texts`` contain forbidden language; return whether they did."""
        found = self.env['cobranza.forbidden.term']._find_in(*texts)
        if found:
            self._finish('failed', reason=self.env._(
                "Refused: the message contains forbidden language: %(terms)s", terms=', '.join(found)))
        return bool(found)

    def _cancel_closed(self):
        """Cancel reminders whose invoice is paid or cancelled, pause those excluded from collection;
        return the others. The invoice's own hook (:meth:`_stop_for_moves`) normally did it already."""
        closed = self.filtered(lambda r: not r.move_id._cobranza_is_open())
        closed._stop('paid')
        paused = (self - closed).filtered(lambda r: r.move_id.cobranza_excluded)
        paused._stop('excluded')
        promised = (self - closed - paused).filtered(lambda r: r.move_id.cobranza_promise_open)
        promised._stop('promise')
        return self - closed - paused - promised

    @api.model
    def _stop_for_moves(self, moves, reason_code):
        """Cancel or pause, in the current transaction, the pending reminders of ``moves``.

        The one hook of everything that ends or suspends the collection of an invoice: payment,
        credit note, cancellation (cancel), exclusion from collection, dispute (pause), and later
        promises and agreements. ``reason_code`` is a key of :meth:`_stop_reasons`.
        """
        reminders = self.sudo().search([('move_id', 'in', moves.ids), ('state', 'in', PENDING_STATES)])
        reminders._stop(reason_code)
        return reminders

    @api.model
    def _resume_for_moves(self, moves):
        """Pending again: the paused reminders of ``moves``, included again in collection."""
        reminders = self.sudo().search([('move_id', 'in', moves.ids), ('state', '=', 'paused')])
        now = fields.Datetime.now()
        for reminder in reminders:
            reminder.write({'state': 'scheduled', 'scheduled_at': max(reminder.scheduled_at, now), 'reason': False})
        return reminders

    def _stop_reasons(self):
        """{reason code: (state, translated reason)} of :meth:`_stop`."""
        return {
            'paid': ('cancelled', self.env._("The invoice is paid or cancelled.")),
            'cancelled': ('cancelled', self.env._("The invoice is paid or cancelled.")),
            'excluded': ('paused', None),
            'promise': ('paused', self.env._("The debtor promised to pay: paused until the promise is settled.")),
        }

    def _stop(self, reason_code):
        """Cancel or pause these reminders, one contact log row per debtor and channel."""
        if not self:
            return
        state, reason = self._stop_reasons()[reason_code]
        if reason_code == 'excluded':
            for reminder in self:
                move = reminder.move_id
                label = dict(move._fields['cobranza_exclusion_reason']._description_selection(self.env)).get(
                    move.cobranza_exclusion_reason, '')
                reminder._finish('paused', reason=self.env._("Excluded from collection: %(reason)s", reason=label))
            return
        for reminders in self.grouped(lambda r: (r.partner_id, r.channel)).values():
            reminders._finish(state, reason=reason)

    # One return per skip reason, in the order they are checked: clearer than nesting them.
    def _recipient(self):  # pylint: disable=too-many-return-statements
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
            # An unconfirmed message may have reached the debtor: it counts.
            ('result', 'in', ('queued', 'sent', UNCONFIRMED_STATE)),
            ('date', '>=', now_utc.replace(tzinfo=None) - timedelta(days=2)),
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
