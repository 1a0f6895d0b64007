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
import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import NamedTuple

import pytz
from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import contact_window as cw
from ..tools.compliance import find_forbidden
from .cobranza_reminder import PENDING_STATES, UNCONFIRMED_STATE
from .cobranza_reminder_reason import NO_REASON, Reason, because, reason_values
from .cobranza_reminder_rule import TRIGGER_INVOICE

_logger = logging.getLogger(__name__)

# A WhatsApp message handed to the provider and still "sending" after this may have been accepted
# by it before its worker died: it becomes "unconfirmed", never resent automatically.
SENDING_GRACE_MINUTES = 60
# A claim never handed to the provider after this belongs to a worker that died: scheduled again.
# A worker gives its unsent claims back long before (it never waits more than MAX_WAIT_SECONDS).
CLAIM_TIMEOUT_MINUTES = 10
# Reminders (their debtors' whole groups) claimed per batch, and per commit of the cron.
SEND_BATCH = 200
# Channels queued in Odoo (mail, SMS queues, a printed letter): nothing leaves before the commit.
QUEUED_CHANNELS = ('email', 'sms', 'letter')
# High bits of the transaction locks that keep a debtor's group with one worker ("cob" in ASCII).
CLAIM_LOCK_BASE = 0x636F62

# Columns an Outcomes row may set, with their PostgreSQL types.
OUTCOME_COLUMNS = {
    'state': 'varchar', 'reason_code': 'varchar', 'reason_args': 'jsonb', 'scheduled_at': 'timestamp',
    'attempt_count': 'int4',
    'recipient': 'varchar', 'provider_message_id': 'varchar', 'sent_at': 'timestamp',
    'sending_since': 'timestamp', 'claimed_at': 'timestamp', 'leader_id': 'int4', 'mail_id': 'int4',
    'sms_id': 'int4',
}


def _log_detail(detail):
    """The contact log's values of ``detail``: a :class:`Reason` as its code, a text as it is."""
    if isinstance(detail, Reason):
        return {**detail.values(), 'detail': False}
    return {'detail': detail or False}


def local_time_label(now, tz_name):
    """The contact log's local time of ``now`` (naive UTC) in ``tz_name`` (``2026-06-16 10:00:00 America/…``)."""
    local = pytz.utc.localize(now).astimezone(pytz.timezone(tz_name))
    return f"{local.strftime('%Y-%m-%d %H:%M:%S')} {tz_name}"


def _sql_value(column, value):
    """``value`` as the parameter of its column (JSON columns get their text)."""
    if OUTCOME_COLUMNS[column] == 'jsonb' and value is not None:
        return json.dumps(value)
    return value


class BatchContext(NamedTuple):
    """What the groups of a batch are checked against, read once for the batch."""
    now_utc: object
    sent: dict
    terms: list


class ReadyGroup(NamedTuple):
    """A debtor's group that passed the checks: what its channel sends."""
    group: object
    recipient: str
    text: str
    values: dict


class Outcomes:
    """What a batch decided for its reminders, written at once.

    :meth:`flush` writes the reminders with one ``UPDATE ... FROM (VALUES ...)`` per set of
    columns (a handful per batch) and inserts the contact log rows with one ``create``.
    """

    def __init__(self, env):
        self.env = env
        self.values = {}
        self.logs = []
        # {leader id: (contact log values of its group, debtor's zone)}, read by :meth:`prime`.
        self.log_bases = {}

    def set(self, reminders, **values):
        for reminder_id in reminders.ids:
            self.values.setdefault(reminder_id, {}).update(values)

    def finish(self, group, state, reason=None, provider_message_id=None, log_result=None, text=None):
        values = {'state': state, **reason_values(reason)}
        if provider_message_id:
            values['provider_message_id'] = provider_message_id
        if state in ('sent', 'delivered', 'read'):
            values['sent_at'] = fields.Datetime.now()
        self.set(group, **values)
        self.log(group, log_result or state, detail=reason, text=text, provider_message_id=provider_message_id)

    def prime(self, groups):
        """Read now what the contact log rows of ``groups`` repeat (debtor, invoices, rule, template…).

        For a channel that commits while it sends (WhatsApp hands each chunk over durably): every
        commit empties the ORM's cache, and each row would read its records again, a few queries
        per message. The values that depend on the attempt (date, result, detail, text, provider
        id) are set by :meth:`log`.
        """
        for group in groups:
            leader = group[0].with_prefetch(group._prefetch_ids)
            recipient = self.values.get(leader.id, {}).get('recipient') or leader.recipient
            self.log_bases[leader.id] = (leader._log_values('queued', reminders=group, recipient=recipient),
                                         leader.partner_id._cobranza_timezone())

    def log(self, group, result, detail=None, text=None, provider_message_id=None):
        primed = self.log_bases.get(group._ids[0])
        if primed:
            base, tz_name = primed
            now = fields.Datetime.now()
            self.logs.append({
                **base, 'date': now, 'local_time': local_time_label(now, tz_name), 'result': result, 'body': text,
                'recipient': self.values.get(group._ids[0], {}).get('recipient') or base['recipient'],
                'provider_message_id': provider_message_id or base['provider_message_id'],
                **_log_detail(detail)})
            return
        # With the batch's prefetch (``group[0]`` alone has none): its fields re-read after a flush
        # are fetched once for the batch, not one query per group.
        leader = group[0].with_prefetch(group._prefetch_ids)
        recipient = self.values.get(leader.id, {}).get('recipient') or leader.recipient
        self.logs.append(leader._log_values(result, detail=detail, text=text, reminders=group, recipient=recipient,
                                            provider_message_id=provider_message_id or leader.provider_message_id))

    def defer(self, group, when_utc, reason):
        self.set(group, state='deferred', scheduled_at=when_utc.astimezone(pytz.utc).replace(tzinfo=None),
                 **reason_values(reason))

    def flush(self):
        by_columns = defaultdict(list)
        for reminder_id, values in self.values.items():
            by_columns[tuple(sorted(values))].append((reminder_id, values))
        for columns, rows in by_columns.items():
            placeholders = ', '.join(['%s::int4'] + [f'%s::{OUTCOME_COLUMNS[column]}' for column in columns])
            values_sql = SQL(', ').join(
                SQL(f'({placeholders})', reminder_id, *[_sql_value(column, values[column]) for column in columns])
                for reminder_id, values in rows)
            assignments = SQL(', ').join(SQL('%s = v.%s', SQL.identifier(column), SQL.identifier(column))
                                         for column in columns)
            self.env.cr.execute(SQL(
                """UPDATE cobranza_reminder r SET %(assignments)s, write_date = now() AT TIME ZONE 'UTC',
                          write_uid = %(uid)s
                     FROM (VALUES %(values)s) AS v(id, %(columns)s) WHERE r.id = v.id""",
                assignments=assignments, uid=self.env.uid, values=values_sql,
                columns=SQL(', ').join(SQL.identifier(column) for column in columns)))
        if self.values:
            self.env['cobranza.reminder'].invalidate_model(list(OUTCOME_COLUMNS))
        if self.logs:
            self.env['cobranza.contact.log'].sudo().create(self.logs)
        self.values, self.logs = {}, []


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    @api.model
    def _recover_interrupted(self, now):
        """Reminders left "sending" by a worker that died, each back where it belongs.

        Claimed but never handed to the provider (no ``sending_since``) for longer than a claim
        lives: scheduled again, nothing can have gone out. Handed to the provider: the provider may
        have accepted it, so after the grace period it becomes "unconfirmed", never sent again
        automatically; its status webhook settles it, or a supervisor resends it.
        """
        unstarted = self.search([
            ('state', '=', 'sending'), ('sending_since', '=', False),
            ('claimed_at', '<', now - timedelta(minutes=CLAIM_TIMEOUT_MINUTES)),
        ])
        unstarted.write({'state': 'scheduled', 'scheduled_at': now, 'claimed_at': False})
        stale = self.search([
            ('state', '=', 'sending'),
            ('sending_since', '<', now - timedelta(minutes=SENDING_GRACE_MINUTES)),
        ])
        for leader in stale.filtered(lambda r: r.leader_id not in stale):
            group = stale.filtered(lambda r, leader=leader: leader in (r, r.leader_id))
            group._finish(UNCONFIRMED_STATE, reason=because('interrupted'))
        return stale

    @api.model
    def _send_due(self, now, commit=False, limit=SEND_BATCH):
        """Send the reminders due at ``now``, claimed in batches; returns the number of messages handled.

        E-mails, SMS and letters are queued in the transaction that claimed them, one commit per
        batch (with ``commit``, the cron's): a batch lost to a crash is redone whole, without a
        duplicate, because nothing left before its commit. WhatsApp batches are committed as
        "sending" before the provider is called (see :meth:`_send_whatsapp_batch`).
        Several workers (cron threads, Odoo servers on the same database) may run this at once:
        each takes other debtors (:meth:`_claim`).
        """
        handled = 0
        for channels in (QUEUED_CHANNELS, ('whatsapp',)):
            released = []
            while True:
                if commit and 'email' in channels:
                    self._prepare_email_pdfs(now, limit, released)
                batch = self._claim(now, channels, limit, skip_ids=released)
                if not batch:
                    break
                groups, released_now = batch._send_batch(now, commit=commit)
                handled += groups
                released += released_now
                self.env.flush_all()
                if commit:
                    remaining_time = self.env['ir.cron']._commit_progress(len(batch))
                    if remaining_time <= 0:
                        return handled
        return handled

    @api.model
    def _prepare_email_pdfs(self, now, limit, skip_ids=()):
        """The invoice PDFs of the next batch of due e-mails, rendered and committed before it is claimed.

        Rendering an invoice writes on it (Odoo's computes of its lines), and the PDFs are rendered
        by several workers on cursors of their own: in the claim's transaction, which holds locks on
        these invoices (their portal tokens), they would wait for it forever. The claim then finds
        every PDF stored. Nothing is claimed here: a PDF rendered by two workers at once is kept twice,
        no message goes twice.
        """
        rows = self.env.execute_query(SQL(
            """WITH due AS (
                   SELECT r.partner_id FROM cobranza_reminder r
                    WHERE r.state IN %(pending)s AND r.scheduled_at <= %(now)s AND r.channel = 'email'
                      AND r.id != ALL(%(skip)s)
                    ORDER BY r.scheduled_at, r.id LIMIT %(limit)s)
               SELECT DISTINCT r.move_id FROM cobranza_reminder r
                WHERE r.partner_id IN (SELECT partner_id FROM due) AND r.channel = 'email'
                  AND r.state IN %(pending)s AND r.scheduled_at <= %(now)s AND r.move_id IS NOT NULL""",
            pending=PENDING_STATES, now=now, skip=list(skip_ids) or [0], limit=limit))
        if not rows:
            return
        moves = self.env['account.move'].browse(row[0] for row in rows).exists()
        moves._cobranza_ensure_access_tokens()
        self.env['ir.cron']._commit_progress(0)
        self.env['account.move']._cobranza_invoice_pdfs(moves, parallel=True)
        self.env['ir.cron']._commit_progress(0)

    @api.model
    def _claim(self, now, channels, limit, skip_ids=()):
        """Take the due reminders of up to ``limit`` reminders' debtors, whole groups of a debtor and channel.

        ``FOR UPDATE SKIP LOCKED`` plus a transaction lock per debtor and channel: two workers never
        hold the same group, nor parts of one. A debtor with a message of the channel still "sending"
        waits for it. WhatsApp reminders are marked "sending" (claimed, not yet handed to the
        provider); the others stay locked until the transaction that queues them ends.
        """
        self.env.flush_all()
        channel_index = SQL("CASE r.channel WHEN 'email' THEN 0 WHEN 'sms' THEN 1 WHEN 'whatsapp' THEN 2 ELSE 3 END")
        locked = SQL(
            """
            WITH due AS (
                SELECT r.partner_id, r.channel
                  FROM cobranza_reminder r
                 WHERE r.state IN %(pending)s AND r.scheduled_at <= %(now)s AND r.channel IN %(channels)s
                   AND r.id != ALL(%(skip)s)
                 ORDER BY r.scheduled_at, r.id
                 LIMIT %(limit)s
                 -- Another worker's batch is skipped, not waited for nor taken again: it gets the next one.
                   FOR UPDATE OF r SKIP LOCKED
            ), grp AS (SELECT DISTINCT partner_id, channel FROM due),
            -- Materialized: the transaction locks below are taken for these groups only. Written as
            -- one flat join, PostgreSQL may evaluate the lock on every pending reminder it scans,
            -- locking every debtor of the queue away from the other workers.
            candidate AS MATERIALIZED (
                SELECT r.id, r.partner_id
                  FROM cobranza_reminder r
                  JOIN grp ON grp.partner_id = r.partner_id AND grp.channel = r.channel
                 WHERE r.state IN %(pending)s AND r.scheduled_at <= %(now)s AND r.id != ALL(%(skip)s)
                   AND NOT EXISTS (SELECT 1 FROM cobranza_reminder s
                                    WHERE s.partner_id = r.partner_id AND s.channel = r.channel
                                      AND s.state = 'sending')
            )
            SELECT r.id
              FROM candidate c
              JOIN cobranza_reminder r ON r.id = c.id
             WHERE pg_try_advisory_xact_lock(%(base)s::bigint * 4294967296 + c.partner_id::bigint * 4 + %(index)s)
             ORDER BY r.id
               FOR UPDATE OF r SKIP LOCKED
            """,
            pending=PENDING_STATES, now=now, channels=tuple(channels), skip=list(skip_ids) or [0],
            limit=limit, base=CLAIM_LOCK_BASE, index=channel_index)
        if 'whatsapp' in channels:
            rows = self.env.execute_query(SQL(
                """UPDATE cobranza_reminder SET state = 'sending', claimed_at = %(now)s, sending_since = NULL
                    WHERE id IN (%(locked)s) RETURNING id""", now=now, locked=locked))
            self.invalidate_model(['state', 'claimed_at', 'sending_since'])
        else:
            rows = self.env.execute_query(locked)
        return self.browse(sorted(row[0] for row in rows))

    def _send_batch(self, now, commit=False):
        """Check and send these claimed reminders, one message per debtor and channel.

        Returns (groups handled, ids released unsent). The checks run in Python on data read once
        for the batch; what they decide is written in a few statements (:class:`Outcomes`).
        """
        outcomes = Outcomes(self.env)
        pending = self._cancel_closed()
        if not pending:
            return 0, []
        context = pending._batch_context(now)
        ready = defaultdict(list)
        groups = pending.grouped(lambda r: r._group_key()).values()
        for group in groups:
            try:
                item = group._check_group(now, context, outcomes)
            except Exception as error:  # pylint: disable=broad-exception-caught
                # One debtor's error, whatever it is, must not stop the others (as a cron's records).
                _logger.exception("Collection reminders %s could not be checked", group.ids)
                outcomes.finish(group, 'failed', because('error', error=str(error) or type(error).__name__))
                continue
            if item:
                ready[item.group[0].channel].append(item)
        outcomes.flush()
        released = []
        for channel, items in ready.items():
            released += getattr(self, f'_send_{channel}_batch')(items, now, outcomes, commit) or []
        outcomes.flush()
        return len(groups), released

    def _batch_context(self, now):
        """What every group of this batch is checked against, read once: terms, messages already sent.

        The records the checks and the texts read are fetched here for the whole batch: a group's
        leader (``group[0]``) is a record of its own for the ORM, whose reads would otherwise fetch
        its debtor, invoices and grouped invoices one query each.
        """
        self.move_id._cobranza_ensure_access_tokens()
        # Reading a field of the whole recordset fetches the columns of every one of its records.
        (self.move_id | self.grouped_move_ids).mapped('name')
        self.partner_id.state_id.mapped('code')
        # The portal links' tokens sign the account's customer.
        self.account_id.mapped('partner_id')
        self.rule_id.policy_id.mapped('portal_link_days')
        sent = defaultdict(list)
        # An unconfirmed message may have reached the debtor: it counts.
        for partner_id, channel, company_id, date in self.env.execute_query(SQL(
                """SELECT partner_id, channel, company_id, date FROM cobranza_contact_log
                    WHERE partner_id = ANY(%s) AND channel = ANY(%s) AND result IN ('queued', 'sent', %s)
                      AND date >= %s""",
                self.partner_id.ids, list(set(self.mapped('channel'))), UNCONFIRMED_STATE, now - timedelta(days=2))):
            sent[(partner_id, channel, company_id)].append(date)
        terms = self.env['cobranza.forbidden.term'].sudo().search([('active', '=', True)]).mapped('term')
        return BatchContext(now_utc=pytz.utc.localize(now), sent=sent, terms=terms)

    def _check_group(self, _now, context, outcomes):
        """Checks of one debtor and channel: a :class:`ReadyGroup` to send, or None (outcome recorded)."""
        channel = self[0].channel
        policy = self[0].rule_id.policy_id
        recipient, reason = self._recipient()
        if reason:
            outcomes.finish(self, 'skipped', reason)
            return None
        # The legal contact window in the debtor's time zone, then the daily cap.
        window, tz_name = self[0]._contact_window()
        if not cw.is_open(window, context.now_utc, tz_name):
            opening = cw.next_opening(window, context.now_utc, tz_name)
            outcomes.defer(self, opening, because('outside_window', tz=tz_name))
            return None
        next_allowed = self._next_allowed_by_cap(context, window, tz_name, policy.reminder_daily_cap)
        if next_allowed:
            outcomes.defer(self, next_allowed, because('daily_cap'))
            return None
        leader = self[0]
        if len(self) > 1:
            leader.grouped_move_ids = self.move_id
            outcomes.set(self - leader, leader_id=leader.id)
        outcomes.set(self, recipient=recipient)
        values = leader._placeholders() if channel in ('sms', 'whatsapp') else {}
        text = leader._render_text(values) if values else ''
        # Compliance of what is actually sent (an e-mail is checked once rendered).
        if text and self._forbidden_outcome(outcomes, context.terms, text):
            return None
        return ReadyGroup(self, recipient, text, values)

    def _forbidden_outcome(self, outcomes, terms, *texts):
        """Fail this group when ``texts`` contain forbidden language (``terms``); return whether it did."""
        found = []
        for text in texts:
            found += [term for term in find_forbidden(text, terms) if term not in found]
        if found:
            outcomes.finish(self, 'failed', because('forbidden', terms=', '.join(found)))
        return bool(found)

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

    def _cancel_closed(self):
        """Cancel reminders whose invoice is paid or cancelled, pause those excluded from collection;
        return the others. The invoice's own hook (:meth:`_stop_for_moves`) normally did it already."""
        events = self.filtered(lambda r: r.rule_id.trigger != TRIGGER_INVOICE)
        invoices = self - events
        closed = invoices.filtered(lambda r: not r.move_id._cobranza_is_open())
        closed._stop('paid')
        paused = (invoices - closed).filtered(lambda r: r.move_id.cobranza_excluded)
        paused._stop('excluded')
        promised = (invoices - closed - paused).filtered(lambda r: r.move_id.cobranza_promise_open)
        promised._stop('promise')
        return (invoices - closed - paused - promised) | events._cancel_stale_events()

    @api.model
    def _stop_for_moves(self, moves, reason_code):
        """Cancel or pause, in the current transaction, the pending reminders of ``moves``.

        The one hook of everything that ends or suspends the collection of an invoice: payment,
        credit note, cancellation (cancel), exclusion from collection, dispute (pause), and later
        promises and agreements. ``reason_code`` is a key of :meth:`_stop_reasons`. Only invoice
        reminders: an event's (a promise's eve, a visit, a statement) follows its event
        (:meth:`_cancel_stale_events`).
        """
        reminders = self.sudo().search([('move_id', 'in', moves.ids), ('state', 'in', PENDING_STATES),
                                        ('trigger', '=', TRIGGER_INVOICE)])
        reminders._stop(reason_code)
        return reminders

    @api.model
    def _resume_for_moves(self, moves):
        """Pending again: the paused reminders of ``moves``, included again in collection."""
        reminders = self.sudo().search([('move_id', 'in', moves.ids), ('state', '=', 'paused')])
        now = fields.Datetime.now()
        for reminder in reminders:
            reminder.write({'state': 'scheduled', 'scheduled_at': max(reminder.scheduled_at, now), **NO_REASON})
        return reminders

    def _stop_reasons(self):
        """{reason code: (state, translated reason)} of :meth:`_stop`."""
        return {
            'paid': ('cancelled', because('paid')),
            'cancelled': ('cancelled', because('paid')),
            'excluded': ('paused', None),
            'promise': ('paused', because('promise')),
            'event_over': ('cancelled', because('event_over')),
        }

    def _stop(self, reason_code):
        """Cancel or pause these reminders, one contact log row per debtor and channel."""
        if not self:
            return
        state, stop_reason = self._stop_reasons()[reason_code]
        if reason_code == 'excluded':
            for reminder in self:
                reminder._finish('paused', reason=because('excluded',
                                                         reason=reminder.move_id.cobranza_exclusion_reason or ''))
            return
        for reminders in self.grouped(lambda r: (r.partner_id, r.channel)).values():
            reminders._finish(state, reason=stop_reason)

    # One return per skip reason, in the order they are checked: clearer than nesting them.
    def _recipient(self):  # pylint: disable=too-many-return-statements
        """(recipient, skip reason) of this group's debtor for its channel."""
        partner = self[0].partner_id
        channel = self[0].channel
        if partner[f'cobranza_optout_{channel}']:
            return None, because('opted_out')
        preferred = partner.cobranza_preferred_channel
        if preferred and preferred != channel and self._honours_preferred_channel() \
                and self[0].rule_id[f'channel_{preferred}'] and not partner[f'cobranza_optout_{preferred}']:
            return None, because('other_channel', channel=preferred)
        if channel == 'email':
            if not partner.email:
                return None, because('no_email')
            return partner.email, None
        if channel in ('sms', 'whatsapp'):
            if not partner.cobranza_phone_e164:
                return None, because('invalid_phone', phone=partner.phone or '',
                                    reason=partner.cobranza_phone_error or 'empty')
            return partner.cobranza_phone_e164, None
        if not (partner.street and partner.city):
            return None, because('no_address')
        return ', '.join(filter(None, [partner.street, partner.city, partner.state_id.name, partner.zip])), None

    def _honours_preferred_channel(self):
        """Whether this group is skipped when its debtor prefers another channel its rule has."""
        return True

    def _next_allowed_by_cap(self, context, window, tz_name, cap):
        """None when the daily cap of this debtor and channel allows a message now, else the next moment.

        The messages already sent are those of ``context`` (:meth:`_batch_context`), read once per batch.
        """
        sent = context.sent.get((self[0].partner_id.id, self[0].channel, self[0].company_id.id), [])
        if cw.cap_allows(sent, context.now_utc, tz_name, cap):
            return None
        return cw.next_allowed_moment(sent, context.now_utc, tz_name, cap, window=window)

    def _finish(self, state, reason=None, provider_message_id=None, log_result=None, text=None):
        if not self:
            return
        vals = {'state': state, **reason_values(reason)}
        if provider_message_id:
            vals['provider_message_id'] = provider_message_id
        if state in ('sent', 'delivered', 'read'):
            vals['sent_at'] = fields.Datetime.now()
        self.write(vals)
        self[0]._log(log_result or state, detail=reason, text=text, reminders=self)

    def _log(self, result, detail=None, text=None, reminders=None):
        """Insert the contact log row of this attempt (for the whole group)."""
        self.ensure_one()
        return self.env['cobranza.contact.log'].sudo().create(self._log_values(result, detail, text, reminders))

    def _log_values(self, result, detail=None, text=None, reminders=None, recipient=None, provider_message_id=None):
        """The values of the contact log row of this attempt (for the whole group ``reminders``)."""
        self.ensure_one()
        reminders = reminders or self
        tz_name = self.partner_id._cobranza_timezone()
        now = fields.Datetime.now()
        template = {
            'email': (self.rule_id.mail_template_id or self._default_email_template()).name,
            'whatsapp': self.rule_id.whatsapp_template,
            'letter': self.env._("Reminder letter"),
        }.get(self.channel) or self.rule_id.name
        return {
            'date': now,
            'local_time': local_time_label(now, tz_name),
            'company_id': self.company_id.id,
            'partner_id': self.partner_id.id,
            'account_id': self.account_id.id,
            'move_ids': [fields.Command.set(reminders.move_id.ids)],
            'reminder_id': self.id,
            'rule_id': self.rule_id.id,
            'user_id': self.env.user.id,
            'channel': self.channel,
            'recipient': recipient or self.recipient,
            'template': template,
            'body': text,
            'provider_message_id': provider_message_id or self.provider_message_id,
            'result': result,
            **_log_detail(detail),
        }
