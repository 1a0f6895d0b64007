"""Reminders at the providers' speed: batches, claims, the WhatsApp rate limit, PDFs rendered once."""
import base64
import io
import time
from contextlib import contextmanager
from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time
from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models.ir_actions_report import _wkhtml

from .test_reminders import ReminderCommon, local
from .whatsapp_server import FakeWhatsAppServer

NOW = local('America/Mexico_City', 2026, 6, 18, 10, 0)


class ThroughputCommon(ReminderCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mx = cls.env.ref('base.mx')
        cmx = cls.env['res.country.state'].search([('country_id', '=', mx.id), ('code', '=', 'DIF')])
        cls.debtors = cls.env['res.partner'].create([{
            'name': f'Deudor {i:02d} S.A. de C.V.', 'is_company': True, 'phone': f'+52 55 2000 {i:04d}',
            'email': f'cxp{i}@deudor.example.com.mx', 'lang': 'en_US', 'country_id': mx.id, 'state_id': cmx.id,
            'street': f'Calle {i}', 'city': 'Ciudad de México',
        } for i in range(24)])
        cls.invoices = cls.env['account.move']
        for partner in cls.debtors:
            cls.invoices |= cls._invoice(partner, date(2026, 6, 20), invoice_date=date(2026, 5, 20))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=date(2026, 6, 10))

    def _whatsapp_rule(self):
        self.rule_email_48.write({'active': True, 'channel_email': False, 'channel_whatsapp': True,
                                  'whatsapp_template': 'recordatorio_previo'})


@tagged('post_install', '-at_install')
class TestWhatsAppRate(ThroughputCommon):

    def setUp(self):
        super().setUp()
        self.server = FakeWhatsAppServer(token='test-token', phone_number_id='1098765432').start()
        self.addCleanup(self.server.stop)
        self.company.cobranza_whatsapp_api_url = self.server.url
        self._whatsapp_rule()

    def test_rate_limit_is_never_exceeded(self):
        """At the number's rate (here 8/s, the provider strict at 8 in any second): no 130429, all sent."""
        self.server.rate_limit = 8
        self.server.latency = 0.05
        self.company.write({'cobranza_whatsapp_rate_limit': 8, 'cobranza_whatsapp_concurrency': 4})
        started = time.monotonic()
        reminders = self._process(NOW)
        elapsed = time.monotonic() - started
        self.assertEqual(len(reminders), 24)
        self.assertEqual(set(reminders.mapped('state')), {'sent'})
        self.assertEqual(self.server.throttled, 0)
        self.assertLessEqual(self.server.max_per_second(), 8)
        # 24 messages at 7 per second (one slot of headroom) take at least 23/7 s: paced, not bursted.
        self.assertGreaterEqual(elapsed, 23 / 7 - 0.2)
        self.assertEqual(len({r.body['to'] for r in self.server.requests}), 24)

    def test_throttled_by_the_provider_is_retried(self):
        """130429 (throughput) and 131056 (pair rate limit) are "not now": rescheduled, never failed."""
        # The provider allows 3 per second, the setting says 50: it answers 130429 to the rest.
        self.server.rate_limit = 3
        self.company.write({'cobranza_whatsapp_rate_limit': 50, 'cobranza_whatsapp_concurrency': 8})
        reminders = self._process(NOW)
        self.assertGreater(self.server.throttled, 0)
        throttled = reminders.filtered(lambda r: r.state == 'scheduled')
        self.assertTrue(throttled)
        self.assertEqual(set(reminders.mapped('state')), {'sent', 'scheduled'})
        self.assertTrue(all('130429' in r.reason for r in throttled))
        self.assertTrue(all(r.scheduled_at > NOW for r in throttled))
        self.assertEqual(throttled.log_ids.mapped('result'), ['retry'] * len(throttled))
        # Every worker of the number pauses: its next free slot moved at least a second ahead.
        throttle = self.env['cobranza.whatsapp.throttle'].search([('phone_number_id', '=', '1098765432')])
        self.assertEqual(len(throttle), 1)
        # Throttled more times than a failing provider is allowed: still not failed.
        self.server.rate_limit = None
        debtor = throttled[0]
        for attempt in range(1, 8):
            self.server.fail_for(debtor.recipient, status='pair_limit')
            moment = NOW + timedelta(minutes=30 * attempt)
            self._process(moment)
            self.assertEqual(debtor.state, 'scheduled', f"attempt {attempt}")
            self.assertIn('131056', debtor.reason)
        self.server.clear_faults()
        self._process(NOW + timedelta(hours=5))
        self.assertEqual(set(reminders.mapped('state')), {'sent'})
        self.assertEqual(len(self.server.requests), 24, "each debtor got exactly one message")

    def test_query_count_does_not_grow(self):
        """Sending twice as many messages costs no more queries per message (batch statements)."""
        self.company.write({'cobranza_whatsapp_rate_limit': 1000, 'cobranza_whatsapp_concurrency': 8})
        schedule = self.env['cobranza.reminder.rule'].search([])
        with freeze_time(NOW):
            created = self.Reminder._schedule(schedule, self.company, NOW)
            self.assertEqual(len(created), 24)
            # Half the debtors first, then the other half twice as many: compare.
            later = created[8:]
            later.write({'scheduled_at': NOW + timedelta(minutes=1)})
            self.env.flush_all()
            queries = sql_db.sql_counter
            self.Reminder._send_due(NOW)
            small = sql_db.sql_counter - queries
            queries = sql_db.sql_counter
            self.Reminder._send_due(NOW + timedelta(minutes=1))
            large = sql_db.sql_counter - queries
        self.assertEqual(created.mapped('state'), ['sent'] * 24, created.mapped('reason'))
        # What a batch costs whatever its size (its claim, reading the debtors, rules...) plus a few
        # queries per message; how the chunks of the pool fall varies by a handful of statements.
        self.assertLessEqual(large - small, 8 * 7, f"{small} queries for 8 messages, {large} for 16")
        # Twice the messages, less than twice the queries: the batch's own cost is paid once.
        self.assertLess(large, small * 2, f"{small} queries for 8 messages, {large} for 16")

    def test_claims_of_two_workers(self):
        """A debtor's group goes to one worker whole; another worker's debtor is left alone."""
        rule_sms = self.rule_sms_24
        rule_sms.write({'active': True, 'offset_hours': -48, 'channel_sms': True, 'channel_email': False})
        moment = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        with freeze_time(moment):
            created = self.Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company, moment)
        whatsapp = created.filtered(lambda r: r.channel == 'whatsapp')
        # A second invoice of the first debtor: its group has two reminders.
        second = self._invoice(self.debtors[0], date(2026, 6, 20), invoice_date=date(2026, 5, 21))
        self._run(date(2026, 6, 11))
        with freeze_time(moment):
            whatsapp |= self.Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company,
                                                moment).filtered(lambda r: r.channel == 'whatsapp')
        first_group = whatsapp.filtered(lambda r: r.partner_id == self.debtors[0])
        self.assertEqual(first_group.move_id, self.invoices[0] | second)
        # A limit of one reminder claims the whole group of its debtor.
        first_group.write({'scheduled_at': moment - timedelta(hours=1)})
        claimed = self.Reminder._claim(moment, ('whatsapp',), 1)
        self.assertEqual(claimed, first_group)
        self.assertEqual(set(claimed.mapped('state')), {'sending'})
        # A debtor with a message still "sending" is not claimed again, for any reminder of the channel.
        late = self.Reminder.create({
            'company_id': self.company.id, 'partner_id': self.debtors[0].id, 'move_id': second.id,
            'rule_id': self.rule_due.id, 'channel': 'whatsapp', 'due_at': moment, 'scheduled_at': moment})
        self.assertNotIn(late, self.Reminder._claim(moment, ('whatsapp',), 100))
        # The group of a debtor that another worker holds (its transaction lock) is skipped.
        other_debtor = self.debtors[5]
        sms = self.Reminder.search([('channel', '=', 'sms')])
        with self._other_worker() as other:
            other.cr.execute("SELECT pg_advisory_lock(%s::bigint * 4294967296 + %s::bigint * 4 + 1)",
                             [0x636F62, other_debtor.id])
            claimed = self.Reminder._claim(moment, ('sms',), 100)
            other.cr.execute("SELECT pg_advisory_unlock_all()")
        self.assertEqual(claimed, sms.filtered(lambda r: r.partner_id != other_debtor))

    def test_claim_locks_only_its_groups(self):
        """A claim takes the transaction locks of the debtors it claims, not of every debtor due.

        Written as one flat join, PostgreSQL evaluated the lock on every pending reminder it
        scanned: a worker claiming 2 debtors locked the whole queue away from the others.
        """
        self.rule_sms_24.write({'active': True, 'offset_hours': -48, 'channel_sms': True, 'channel_email': False})
        with freeze_time(NOW):
            created = self.Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company, NOW)
        self.assertEqual(len(created.filtered(lambda r: r.channel == 'sms')), 24)
        advisory = SQL("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        [[before]] = self.env.execute_query(advisory)
        # The plan PostgreSQL picks for a long queue (hash joins), whatever this small table's statistics say.
        self.env.cr.execute("SET LOCAL enable_nestloop = off; SET LOCAL enable_mergejoin = off")
        claimed = self.Reminder._claim(NOW, ('sms',), 2)
        self.env.cr.execute("RESET enable_nestloop; RESET enable_mergejoin")
        self.assertEqual(len(claimed.partner_id), 2)
        [[after]] = self.env.execute_query(advisory)
        self.assertEqual(after - before, 2, "one lock per debtor claimed")
        # The next claim of the same worker takes the next debtors, the first ones stay its own.
        following = self.Reminder._claim(NOW, ('sms',), 2, skip_ids=claimed.ids)
        self.assertEqual(len(following.partner_id), 2)
        self.assertFalse(following & claimed)

    def test_two_workers_reserve_slots(self):
        """Two workers (real connections, Odoo's REPEATABLE READ) take slots of one number in turn:
        neither fails with a serialization error, each slot after the other's."""
        number = 'test-two-workers'
        try:
            with self._other_worker() as first, self._other_worker() as second:
                Reminder, Other = first['cobranza.reminder'], second['cobranza.reminder']
                Other._whatsapp_reserve(number, 1, 0.5, separate=True)
                first.cr.execute("SELECT 1")  # the first worker's transaction and its snapshot
                Other._whatsapp_reserve(number, 1, 0.5, separate=True)
                # In the worker's own transaction, the other's committed slot makes it fail...
                with self.assertRaises(psycopg2.errors.SerializationFailure):
                    Reminder._whatsapp_reserve(number, 1, 0.5)
                first.cr.rollback()
                first.cr.execute("SELECT 1")
                other_start, _now = Other._whatsapp_reserve(number, 1, 0.5, separate=True)
                # ... in a transaction of its own it waits its turn.
                start, _now = Reminder._whatsapp_reserve(number, 1, 0.5, separate=True)
                self.assertGreaterEqual(start, other_start + 0.5 - 1e-6)
                first.cr.rollback()
        finally:
            with self._other_worker() as cleanup:
                cleanup.cr.execute("DELETE FROM cobranza_whatsapp_throttle WHERE phone_number_id = %s", [number])
                cleanup.cr.commit()

    @contextmanager
    def _other_worker(self):
        """A real second connection to the database, as another Odoo worker's."""
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            cr.close()


@tagged('post_install', '-at_install')
class TestReminderPlanning(ThroughputCommon):

    def test_only_due_invoices_are_read(self):
        """A pass reads the invoices whose next reminder moment came; the others wait at no cost."""
        self.rule_weekly.active = True
        rules = self.env['cobranza.reminder.rule'].search([])
        due_moment = self.rule_weekly.offset_hours
        self.assertGreater(due_moment, 0)
        first_pass = local('America/Mexico_City', 2026, 6, 28, 10, 0)
        with freeze_time(first_pass):
            created = self.Reminder._schedule(rules, self.company, first_pass)
        self.assertEqual(len(created), 24)
        planned = self.invoices.mapped('cobranza_reminder_next_at')
        self.assertTrue(all(moment > first_pass for moment in planned))
        # The next passes of the week read no invoice and create nothing.
        with freeze_time(first_pass + timedelta(hours=1)):
            queries = sql_db.sql_counter
            again = self.Reminder._schedule(rules, self.company, first_pass + timedelta(hours=1))
            idle_queries = sql_db.sql_counter - queries
        self.assertFalse(again)
        self.assertLessEqual(idle_queries, 3)
        # A week later, the next occurrence of every invoice.
        week_later = first_pass + timedelta(days=7)
        with freeze_time(week_later):
            created_next = self.Reminder._schedule(rules, self.company, week_later)
        self.assertEqual(len(created_next), 24)
        self.assertEqual(set(created_next.mapped('occurrence')), {created[0].occurrence + 1})
        # Changing a rule plans its policy's invoices again at the next pass.
        self.rule_weekly.repeat_interval_hours = 24
        self.env.invalidate_all()
        self.assertFalse(any(self.invoices.mapped('cobranza_reminder_next_at')))
        with freeze_time(week_later + timedelta(hours=1)):
            self.Reminder._schedule(rules, self.company, week_later + timedelta(hours=1))
        self.assertTrue(all(self.invoices.mapped('cobranza_reminder_next_at')))

    def test_plan_query_count_does_not_grow(self):
        """Planning twice as many invoices costs the same statements: rows go as arrays, moments are memoized."""
        self.rule_weekly.active = True
        rules = self.env['cobranza.reminder.rule'].search([])
        moment = local('America/Mexico_City', 2026, 6, 28, 10, 0)
        counts = []
        # The first pass reads what any pass reads once (rules, caches): the next two are compared.
        for invoices in (self.invoices[:4], self.invoices[:8], self.invoices[8:]):
            # Only ``invoices`` in collection this time (as SQL: no exclusion side effect to count).
            self.env.cr.execute(SQL("UPDATE account_move SET cobranza_excluded = (id != ALL(%s)) WHERE id = ANY(%s)",
                                    invoices.ids, self.invoices.ids))
            self.env.cr.execute("DELETE FROM cobranza_reminder_plan")
            self.env.cr.execute("DELETE FROM cobranza_reminder")
            self.env.invalidate_all()
            with freeze_time(moment):
                queries = sql_db.sql_counter
                created = self.Reminder._schedule(rules, self.company, moment)
                counts.append(sql_db.sql_counter - queries)
            self.assertEqual(created.move_id, invoices)
            self.assertEqual(len(self.env['cobranza.reminder.plan'].search([('move_id', 'in', invoices.ids)])),
                             len(invoices))
        self.assertEqual(counts[1], counts[2], f"8 invoices: {counts[1]} queries, 16: {counts[2]}")

    def test_stage_change_plans_again(self):
        """An invoice that the daily run moves to another stage is planned again (stage filters of rules)."""
        self.rule_weekly.write({'active': True})
        rules = self.env['cobranza.reminder.rule'].search([])
        moment = local('America/Mexico_City', 2026, 6, 28, 10, 0)
        with freeze_time(moment):
            self.Reminder._schedule(rules, self.company, moment)
        invoice = self.invoices[0]
        self.assertTrue(invoice.cobranza_reminder_next_at)
        stage = invoice.cobranza_stage_id
        self._run(date(2026, 8, 25))  # 66 days overdue: Extrajudicial
        invoice.invalidate_recordset()
        self.assertNotEqual(invoice.cobranza_stage_id, stage)
        self.assertFalse(invoice.cobranza_reminder_next_at)


@tagged('post_install', '-at_install')
class TestInvoicePdfs(ThroughputCommon, HttpCase):
    """Real PDFs: wkhtmltopdf fetches the report assets from this test server."""

    def test_each_invoice_rendered_once(self):
        self.rule_email_48.write({'active': True, 'channel_email': True, 'channel_whatsapp': False})
        self.rule_due.write({'active': True, 'channel_email': True})
        Report = type(self.env['ir.actions.report'])
        stored = self.invoices[0]
        # The PDF Odoo keeps on an invoice sent with Send & Print is the one attached.
        stored.invoice_pdf_report_file = base64.b64encode(b'%PDF-1.4 kept by Odoo')
        odoo_pdf = stored.invoice_pdf_report_id
        self.assertTrue(odoo_pdf)
        calls = []
        original = Report._run_wkhtmltopdf

        def counting(report_self, bodies, *args, **kwargs):
            calls.append(len(bodies))
            return original(report_self, bodies, *args, **kwargs)

        delays = []
        original_args = Report._build_wkhtmltopdf_args

        def recording_args(report_self, *args, **kwargs):
            command = original_args(report_self, *args, **kwargs)
            delays.append(command[command.index('--javascript-delay') + 1])
            return command

        self.env['ir.config_parameter'].sudo().set_param('report.print_delay', '1000')
        with patch.object(Report, '_run_wkhtmltopdf', counting), \
                patch.object(Report, '_build_wkhtmltopdf_args', recording_args), \
                patch('odoo.addons.cobranza_mx.models.account_move_reminder.PDF_CHUNK', 10):
            # Not under freezegun: the test server serves wkhtmltopdf the report's assets.
            reminders = self._send_now(NOW)
            # 23 invoices to render, each once: 10 per wkhtmltopdf call when it can convert several
            # documents in one call (patched Qt), else one by one.
            self.assertEqual(calls, [10, 10, 3] if _wkhtml().is_patched_qt else [1] * 23)
            self.assertEqual(set(reminders.mapped('state')), {'sent'})
            pdfs = reminders.mail_id.attachment_ids
            self.assertEqual(len(pdfs), 24)
            self.assertIn(odoo_pdf, pdfs)
            for reminder in reminders.filtered(lambda r: r.move_id != stored):
                [attachment] = reminder.mail_id.attachment_ids
                self.assertTrue(attachment.raw.startswith(b'%PDF'))
                self.assertEqual(attachment.res_id, reminder.move_id.id)
                self.assertEqual(attachment.name, reminder.move_id.name.replace('/', '_') + '.pdf')
            # Printed after 200 ms, not Odoo's second for every report, and as complete: the same pages
            # and content as Odoo's own rendering of that invoice (Debian's wkhtmltopdf embeds its text
            # as glyphs, so the PDFs are compared, not their text).
            self.assertEqual(set(delays), {'200'})
            sample = reminders.filtered(lambda r: r.move_id != stored)[0]
            ours = sample.mail_id.attachment_ids.raw
            odoo_pdf_raw, _kind = self.env['ir.actions.report'].with_context(force_report_rendering=True) \
                ._render_qweb_pdf('account.account_invoices', sample.move_id.ids)
            self.assertEqual(delays[-1], '1000')
            pages = [len(PdfFileReader(io.BytesIO(raw)).pages) for raw in (ours, odoo_pdf_raw)]
            self.assertEqual(pages[0], pages[1])
            self.assertAlmostEqual(len(ours), len(odoo_pdf_raw), delta=len(odoo_pdf_raw) * 0.02)
            # Two days later the due-date reminders reuse the same PDFs: no new rendering.
            calls.clear()
            later = self._send_now(local('America/Mexico_City', 2026, 6, 20, 10, 0)) - reminders
        self.assertEqual(len(later), 24)
        self.assertEqual(calls, [])
        self.assertEqual(later.mail_id.attachment_ids, pdfs)

    def _send_now(self, moment):
        Reminder = self.Reminder.with_context(force_report_rendering=True)
        Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company, moment)
        Reminder._send_due(moment)
        self.env.invalidate_all()
        return self.Reminder.search([])


@tagged('post_install', '-at_install')
class TestEmailBatch(ThroughputCommon):

    def test_template_compiled_once_per_batch(self):
        """The 24 e-mails of a batch compile their QWeb body once, each rendered with its own debtor."""
        self.rule_email_48.write({'active': True, 'channel_email': True, 'channel_whatsapp': False})
        IrQweb = type(self.env['ir.qweb'])
        original = IrQweb._generate_code_uncached
        compiled = []

        def counting(qweb_self, template):
            compiled.append(template)
            return original(qweb_self, template)

        with patch.object(IrQweb, '_generate_code_uncached', counting):
            reminders = self._process(NOW)
        self.assertEqual(len(reminders), 24)
        self.assertEqual(set(reminders.mapped('state')), {'sent'}, reminders.mapped('reason'))
        inline = [template for template in compiled if not isinstance(template, int | str)]
        self.assertLessEqual(len(inline), 2, "the body is compiled once per batch, not once per e-mail")
        for reminder in reminders:
            self.assertIn(reminder.partner_id.name, str(reminder.mail_id.body_html))
            self.assertIn(reminder.move_id.name, str(reminder.mail_id.body_html))
