"""The channels of collection reminders: e-mail, SMS, printed letter and WhatsApp, a batch at a time.

Each ``_send_<channel>_batch`` gets the groups of a claimed batch that passed the checks of
:mod:`.cobranza_reminder_send` (one :class:`~.cobranza_reminder_send.ReadyGroup` per debtor) and
records what became of each in the batch's ``Outcomes``. E-mails and SMS are queued with a date
inside the contact window; their queues check the window again when the message actually leaves
(``mail.mail`` and ``sms.sms``). WhatsApp calls the provider from a pool of threads, at the rate
of the phone number (:mod:`..tools.whatsapp_batch`).
"""
import logging
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import wait as wait_futures
from contextlib import contextmanager
from datetime import timedelta

from odoo import fields, models, sql_db
from odoo.tools import SQL

from ..tools.whatsapp import PermanentProviderError, TransientProviderError, UnknownOutcomeError, backoff_seconds
from ..tools.whatsapp_batch import LATE_TOLERANCE, ConcurrentSender, Job, clock, is_throttled, slot_interval
from .cobranza_reminder import UNCONFIRMED_STATE
from .cobranza_reminder_reason import because, provider_reason, reason_values

_logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A worker that would wait longer than this for its phone number's next free slot gives its claims
# back (scheduled at that slot) instead of holding them.
MAX_WAIT_SECONDS = 60
# Throttled by the provider (130429, 429): every worker of the phone number pauses at least this.
THROTTLE_PAUSE_SECONDS = 1.0


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    # ------------------------------------------------------------------
    # E-mail: rendered by template in batches, invoice PDFs rendered at most once
    # ------------------------------------------------------------------
    def _send_email_batch(self, items, now, outcomes, _commit=False):
        try:
            with self.env.cr.savepoint():
                self._queue_emails(items, now, outcomes)
        except Exception:  # pylint: disable=broad-exception-caught
            # Something in the batch raises: each debtor alone, in a savepoint, to fail only theirs.
            _logger.exception("Collection reminders: an e-mail batch failed, sending its debtors one by one")
            for item in items:
                try:
                    with self.env.cr.savepoint():
                        self._queue_emails([item], now, outcomes)
                except Exception as error:  # pylint: disable=broad-exception-caught
                    _logger.exception("Collection reminders %s could not be sent", item.group.ids)
                    outcomes.finish(item.group, 'failed', because('error', error=str(error) or type(error).__name__))

    def _queue_emails(self, items, now, outcomes):
        """Queue one e-mail per group, with the PDF of each of its invoices attached."""
        pdfs = self.env['account.move']._cobranza_invoice_pdfs(
            self.browse([r.id for item in items for r in item.group if r._attaches_invoice_pdfs()]).move_id)
        by_template = defaultdict(list)
        for item in items:
            leader = item.group[0]
            by_template[leader.rule_id.mail_template_id or leader._default_email_template()].append(item)
        terms = self.env['cobranza.forbidden.term'].sudo().search([('active', '=', True)]).mapped('term')
        for template, template_items in by_template.items():
            leaders = [item.group[0].id for item in template_items]
            # One compilation of the template for the batch (see ..models.ir_qweb).
            mails = template.sudo().with_context(cobranza_qweb_cache={}).send_mail_batch(
                leaders, email_values={'recipient_ids': [], 'scheduled_date': now})
            refused = mails.browse()
            attachment_rows = []
            for item, mail in zip(template_items, mails, strict=True):
                # The template is rendered once; what it rendered is checked before anything goes out.
                if item.group._forbidden_outcome(outcomes, terms, mail.subject or '', mail.body_html or ''):
                    refused |= mail
                    continue
                attachment_rows += [(mail.mail_message_id.id, attachment_id)
                                    for attachment_id in item.group._email_attachment_ids(pdfs)]
                outcomes.set(item.group, mail_id=mail.id)
                outcomes.finish(item.group, 'sent', log_result='queued', text=str(mail.body_html or ''))
            sent = [(mail.id, item.recipient) for item, mail in zip(template_items, mails, strict=True)
                    if mail not in refused]
            if sent:
                self.env.cr.execute(SQL(
                    "UPDATE mail_mail m SET email_to = v.email_to FROM (VALUES %s) AS v(id, email_to) "
                    "WHERE m.id = v.id",
                    SQL(', ').join(SQL('(%s::int4, %s::varchar)', mail_id, email) for mail_id, email in sent)))
            if attachment_rows:
                self.env.cr.execute(SQL(
                    """INSERT INTO message_attachment_rel (message_id, attachment_id) VALUES %s
                       ON CONFLICT DO NOTHING""",
                    SQL(', ').join(SQL('(%s, %s)', message_id, attachment_id)
                                   for message_id, attachment_id in attachment_rows)))
            mails.invalidate_recordset(['email_to', 'attachment_ids'])
            refused.unlink()

    def _email_attachment_ids(self, pdfs):
        """The attachments of this group's e-mail: its invoices' PDFs (``pdfs``, of the batch) when its rule
        attaches them (an event's e-mail does not, even when another group of the batch has its invoice)."""
        if not self[0]._attaches_invoice_pdfs():
            return []
        return [pdfs[move.id] for move in self.move_id if move.id in pdfs]

    # ------------------------------------------------------------------
    # SMS and letters
    # ------------------------------------------------------------------
    def _send_sms_batch(self, items, now, outcomes, _commit=False):
        sms_list = self.env['sms.sms'].sudo().create([{
            'number': item.recipient, 'body': item.text, 'partner_id': item.group[0].partner_id.id,
            'state': 'outgoing', 'cobranza_scheduled_date': now,
        } for item in items])
        for item, sms in zip(items, sms_list, strict=True):
            outcomes.set(item.group, sms_id=sms.id)
            outcomes.finish(item.group, 'sent', log_result='queued', text=item.text)

    def _send_letter_batch(self, items, _now, outcomes, _commit=False):
        report = self.env.ref('cobranza_mx.action_report_reminder_letter')
        for item in items:
            leader = item.group[0]
            content, _type = self.env['ir.actions.report'].with_context(
                lang=leader.partner_id.lang or 'es_MX')._render_qweb_pdf(report, leader.ids)
            attachment = self.env['ir.attachment'].create({
                'name': self.env._("Reminder letter %(partner)s.pdf", partner=leader.partner_id.name),
                'raw': content,
                'res_model': 'cobranza.reminder',
                'res_id': leader.id,
                'mimetype': 'application/pdf',
            })
            item.group.letter_attachment_id = attachment
            outcomes.finish(item.group, 'sent', log_result='queued',
                            text=self.env._("Printed reminder letter, ready to mail."))

    # ------------------------------------------------------------------
    # WhatsApp: concurrent calls at the phone number's rate
    # ------------------------------------------------------------------
    def _send_whatsapp_batch(self, items, now, outcomes, commit=False):
        """Send these groups (claimed, "sending") through the Cloud API; returns the ids given back unsent.

        Per company (one phone number): chunks of at most the pool's free threads get their slots
        from :meth:`_whatsapp_reserve` (shared by every worker on the database), are marked as handed
        to the provider (``sending_since``) and committed with the results recorded so far, then
        sent concurrently. A worker killed at any point leaves nothing that goes twice: what it had
        handed over is "sending" (unconfirmed after the grace period, settled by the status
        webhook), what it had not is scheduled again when its claim expires.
        """
        released = []
        by_company = defaultdict(list)
        for item in items:
            by_company[item.group[0].company_id].append(item)
        for company, company_items in by_company.items():
            sendable = []
            for item in company_items:
                if not (company.cobranza_whatsapp_token and company.cobranza_whatsapp_phone_number_id):
                    outcomes.finish(item.group, 'skipped', because('whatsapp_not_configured', company=company.name))
                elif not item.group[0].rule_id.whatsapp_template:
                    outcomes.finish(item.group, 'failed', because('no_whatsapp_template',
                                                                 rule=item.group[0].rule_id.name))
                else:
                    sendable.append(item)
            if sendable:
                released += self._whatsapp_send_company(company, sendable, now, outcomes, commit)
        return released

    # The pacing loop keeps its state in locals on purpose: one place to read it.
    def _whatsapp_send_company(self, company, items, now, outcomes, commit):  # pylint: disable=too-many-locals
        rate = company.cobranza_whatsapp_rate_limit or 80
        phone_number_id = company.cobranza_whatsapp_phone_number_id
        interval = slot_interval(rate)
        sender = ConcurrentSender(company.cobranza_whatsapp_api_url, company.cobranza_whatsapp_token,
                                  company.cobranza_whatsapp_phone_number_id,
                                  company.cobranza_whatsapp_api_version or 'v21.0',
                                  company.cobranza_whatsapp_timeout or 10,
                                  workers=company.cobranza_whatsapp_concurrency or 8)
        queue = deque(items)
        inflight = {}
        released = []
        # Attempts before this pass, read before anything is written (a message given a new slot is
        # still the same attempt).
        # (Read for every leader at once: a group's leader alone is a record of its own.)
        leaders = self.browse([item.group._ids[0] for item in items])
        attempts = {leader.id: leader.attempt_count + 1 for leader in leaders}
        # Every chunk handed over commits, which empties the ORM's cache: what the calls and the
        # contact log need is read now, once for the batch.
        outcomes.prime([item.group for item in items])
        specs = {item.group[0].id: (self._whatsapp_spec(item), attempts[item.group[0].id]) for item in items}
        try:
            while queue or inflight:
                free = sender.workers - len(inflight)
                # Hand over chunks of at least half the pool: fewer commits than one per message.
                if queue and free and (free * 2 >= sender.workers or len(queue) <= free or not inflight):
                    chunk = [queue.popleft() for _i in range(min(free, len(queue)))]
                    jobs, given_back = self._whatsapp_hand_over(phone_number_id, chunk, queue, interval, now, outcomes,
                                                                commit, specs)
                    released += given_back
                    for job, item in jobs:
                        inflight[sender.submit(job)] = item
                if not inflight:
                    continue
                done, _running = wait_futures(list(inflight), return_when=FIRST_COMPLETED)
                for future in done:
                    item = inflight.pop(future)
                    result = future.result()
                    if result.late:
                        # Its slot passed before it could start: never sent, it gets a new slot.
                        queue.appendleft(item)
                        continue
                    self._whatsapp_outcome(item, result, now, outcomes, attempts[item.group[0].id], commit)
        finally:
            sender.close()
        outcomes.flush()
        return released

    def _whatsapp_spec(self, item):
        """The :class:`Job` values of the call for ``item``'s group, but its slot."""
        leader = item.group[0]
        rule = leader.rule_id
        return {
            'key': leader.id, 'to': item.recipient.lstrip('+'), 'template': rule.whatsapp_template,
            'language': rule.whatsapp_language or 'es_MX',
            'params': [item.values[name] or '-' for name in leader._whatsapp_param_names()],  # the API refuses ''
            'callback_data': f'cobranza.reminder:{leader.id}',
        }

    def _whatsapp_hand_over(self, phone_number_id, chunk, queue, interval, now, outcomes, commit, specs):
        """Slots for ``chunk``, its hand-over made durable: ([(job, item)], ids given back unsent).

        When the number's next free slot is too far ahead, the chunk and the rest of ``queue`` are
        given back, scheduled at that slot. ``specs`` are the calls' :meth:`_whatsapp_spec` and
        attempt number, by leader.
        """
        first, db_now = self._whatsapp_reserve(phone_number_id, len(chunk), interval, separate=commit)
        wait = first - db_now
        given_back = []
        if wait > MAX_WAIT_SECONDS:
            retry_at = now + timedelta(seconds=wait)
            for item in [*chunk, *queue]:
                outcomes.set(item.group, state='scheduled', scheduled_at=retry_at, claimed_at=None, sending_since=None)
                given_back += item.group.ids
            queue.clear()
            chunk = []
        for item in chunk:
            outcomes.set(item.group, sending_since=now, attempt_count=specs[item.group._ids[0]][1])
        # What was decided so far and the chunk's hand-over, durable before any call.
        outcomes.flush()
        if commit:
            self.env['ir.cron']._commit_progress(0)
        start = clock() + max(wait, 0.0)
        jobs = []
        for index, item in enumerate(chunk):
            slot = start + index * interval
            jobs.append((Job(**specs[item.group._ids[0]][0], not_before=slot, not_after=slot + LATE_TOLERANCE), item))
        return jobs, given_back

    def _whatsapp_outcome(self, item, result, now, outcomes, attempts, commit=False):
        """Record what the provider answered for one group (its ``attempts``-th attempt)."""
        group = item.group
        leader = group[0]
        error = result.error
        if result.message_id:
            outcomes.finish(group, 'sent', provider_message_id=result.message_id, text=item.text)
        elif isinstance(error, TransientProviderError):
            throttled = is_throttled(error)
            if error.http_status == 429 or error.code == 130429:
                # The phone number's throughput: every worker of the number slows down.
                self._whatsapp_pause(leader.company_id.cobranza_whatsapp_phone_number_id,
                                     error.retry_after or THROTTLE_PAUSE_SECONDS, separate=commit)
            if not throttled and attempts >= MAX_ATTEMPTS:
                outcomes.finish(group, 'failed', because('provider_unavailable', count=attempts, error=error))
                return
            # Throttling is "not now", never a failure: its backoff stops growing at an hour.
            delay = backoff_seconds(min(attempts, MAX_ATTEMPTS), error.retry_after, jitter=0.2, key=leader.id)
            retry_at = now + timedelta(seconds=delay)
            outcomes.set(group, state='scheduled', scheduled_at=retry_at, sending_since=None, claimed_at=None,
                         **reason_values(provider_reason(error)))
            outcomes.log(group, 'retry', detail=because('retry', error=error, when=fields.Datetime.to_string(retry_at)),
                         text=item.text)
        elif isinstance(error, PermanentProviderError):
            outcomes.finish(group, 'failed', because('rejected', error=error), text=item.text)
        elif isinstance(error, UnknownOutcomeError):
            # The provider may have it: a retry could send it twice. Its status webhook settles it.
            outcomes.finish(group, UNCONFIRMED_STATE, because('outcome_unknown', error=error), text=item.text)
        else:
            # Whatever it is, the request may have reached the provider: never "failed", which would
            # invite a resend.
            _logger.error("Collection reminders %s: error around the provider call: %r", group.ids, error)
            outcomes.finish(group, UNCONFIRMED_STATE, because('send_error', error=str(error) or type(error).__name__),
                            text=item.text)

    @contextmanager
    def _whatsapp_slot_cursor(self, separate):
        """The cursor of the phone number's slots: with ``separate`` (the cron's commits), a short
        READ COMMITTED transaction of its own.

        Odoo's cursors are REPEATABLE READ: two workers updating the number's row in their own
        transactions, the second fails ("could not serialize access due to concurrent update")
        once the first commits. READ COMMITTED waits for the row and updates its latest value, and
        the row is held for one statement, not until the worker's next commit. Without
        ``separate`` (one transaction, as the tests' calls), the current cursor.
        """
        if not separate:
            yield self.env.cr
            return
        with self.env.registry.cursor() as cr:
            if isinstance(cr, sql_db.Cursor):  # not the tests' cursor, which is a savepoint of theirs
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            yield cr

    def _whatsapp_reserve(self, phone_number_id, count, interval, separate=False):
        """Reserve ``count`` consecutive slots of ``interval`` seconds for ``phone_number_id``.

        Returns (start of the first slot, now), in seconds of the database's clock: every worker of
        every Odoo server on this database takes its slots from the same row, so together they never
        exceed the number's rate. With ``separate``, committed at once (:meth:`_whatsapp_slot_cursor`).
        """
        span = count * interval
        with self._whatsapp_slot_cursor(separate) as cr:
            cr.execute(SQL(
                """INSERT INTO cobranza_whatsapp_throttle AS t (phone_number_id, next_free)
                   VALUES (%(number)s, extract(epoch FROM clock_timestamp()) + %(span)s)
                   ON CONFLICT (phone_number_id) DO UPDATE
                      SET next_free = GREATEST(t.next_free, extract(epoch FROM clock_timestamp())) + %(span)s
                   RETURNING t.next_free - %(span)s, extract(epoch FROM clock_timestamp())""",
                number=phone_number_id, span=span))
            return cr.fetchone()

    def _whatsapp_pause(self, phone_number_id, seconds, separate=False):
        """The provider throttled this number: its next free slot is at least ``seconds`` from now."""
        with self._whatsapp_slot_cursor(separate) as cr:
            cr.execute(SQL(
                """UPDATE cobranza_whatsapp_throttle
                      SET next_free = GREATEST(next_free, extract(epoch FROM clock_timestamp()) + %s)
                    WHERE phone_number_id = %s""", float(seconds), phone_number_id))


class CobranzaWhatsappThrottle(models.Model):
    """The next free sending slot of each WhatsApp phone number, shared by every worker on the database."""
    _name = 'cobranza.whatsapp.throttle'
    _description = 'WhatsApp Sending Slots'
    _log_access = False

    phone_number_id = fields.Char(required=True, readonly=True)
    next_free = fields.Float(string="Next Free Slot (epoch seconds)", readonly=True)

    _phone_number_uniq = models.Constraint('UNIQUE(phone_number_id)', 'One row per phone number.')
