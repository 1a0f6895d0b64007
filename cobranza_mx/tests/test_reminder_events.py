"""Event reminders through the reminder engine: the day before a promise, a confirmed visit, the statement."""
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import MockSMS

from .test_reminders import ReminderCommon, local

TZ = 'America/Mexico_City'


@tagged('post_install', '-at_install')
class TestEventReminders(ReminderCommon, MockEmail, MockSMS):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule_promise = cls.env.ref('cobranza_mx.reminder_rule_promise_eve')
        cls.rule_visit = cls.env.ref('cobranza_mx.reminder_rule_visit')
        cls.rule_statement = cls.env.ref('cobranza_mx.reminder_rule_statement')
        (cls.rule_promise | cls.rule_visit | cls.rule_statement).active = True
        cls.cron = cls.env.ref('cobranza_mx.ir_cron_cobranza_reminders')

    def setUp(self):
        super().setUp()
        self.server = self._start_whatsapp_server()

    def _cron(self, now):
        """The real cron, at ``now`` (naive UTC)."""
        # In registry test mode: else the cron runs on a cursor of its own, which cannot see this
        # test's records, and an error of its job is returned, not raised.
        with freeze_time(now), self.enter_registry_test_mode():
            result = self.cron.method_direct_trigger()
        self.assertIs(result, True, result)
        self.env.invalidate_all()

    def _promise(self, invoice, amount, day):
        account = invoice.cobranza_account_id
        with freeze_time(datetime.combine(day - timedelta(days=5), datetime.min.time()) + timedelta(hours=18)):
            return self.env['cobranza.promise'].create({
                'account_id': account.id, 'move_ids': [Command.set(invoice.ids)], 'amount': amount, 'date': day,
                'collector_id': self.env.user.id, 'channel': 'call_out'})

    def _events(self, **domain):
        return self.Reminder.search([('trigger', '!=', 'invoice_due'), *[(k, '=', v) for k, v in domain.items()]])

    # -- promise ----------------------------------------------------------------------------------------
    def test_reminder_the_day_before_a_promise(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        promise = self._promise(invoice, 400.0, date(2026, 6, 20))
        self._cron(local(TZ, 2026, 6, 18, 10, 0))
        self.assertFalse(self._events(), "two days before: nothing yet")
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self._cron(local(TZ, 2026, 6, 19, 10, 0))
        reminders = self._events(promise_id=promise.id)
        self.assertEqual(sorted(reminders.mapped('channel')), ['email', 'sms'])
        self.assertEqual(set(reminders.mapped('state')), {'sent'})
        sms = reminders.filtered(lambda r: r.channel == 'sms')
        self.assertIn('400.00 on 06/20/2026', sms.log_ids.body)
        self.assertIn('06/20/2026', sms.log_ids.body)
        self.assertIn(f'/my/cobranza/{invoice.cobranza_account_id.id}?token=', sms.log_ids.body)
        mail = reminders.filtered(lambda r: r.channel == 'email').mail_id
        self.assertIn('400.00', mail.subject)
        self.assertFalse(mail.attachment_ids, "a promise's reminder carries no invoice PDF")
        # The invoice's own reminders stay paused while the promise is open, and nothing goes twice.
        self._cron(local(TZ, 2026, 6, 19, 12, 0))
        self.assertEqual(len(self._events(promise_id=promise.id)), 2)

    def test_settled_promise_is_not_reminded(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        promise = self._promise(invoice, 400.0, date(2026, 6, 20))
        # The debtor is contacted from noon only: created in the morning, cancelled before it goes out.
        self.customer_a.write({'cobranza_contact_hour_from': 12.0, 'cobranza_contact_hour_to': 18.0})
        self._cron(local(TZ, 2026, 6, 19, 10, 0))
        pending = self._events(promise_id=promise.id)
        self.assertEqual(set(pending.mapped('state')), {'deferred'})
        promise.sudo().action_cancel()
        self._cron(local(TZ, 2026, 6, 19, 12, 5))
        self.assertEqual(set(pending.mapped('state')), {'cancelled'})
        self.assertFalse(pending.mail_id or pending.sms_id)

    # -- visit ------------------------------------------------------------------------------------------
    def _visit(self, invoice, start_local):
        return self.env['cobranza.visit'].create({
            'account_id': invoice.cobranza_account_id.id, 'planned_start': local(TZ, *start_local),
            'collector_id': self.collector_1.id})

    def test_visit_confirmation_before_its_day(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        visit = self._visit(invoice, (2026, 6, 26, 11, 0))
        self._cron(local(TZ, 2026, 6, 24, 10, 0))
        self.assertFalse(self._events(), "a planned visit is not announced before it is confirmed")
        visit.action_confirm()
        with self.mockSMSGateway():
            self._cron(local(TZ, 2026, 6, 24, 10, 15))
        sms = self._events(visit_id=visit.id, channel='sms')
        self.assertEqual(sms.state, 'sent')
        self.assertIn('06/26/2026', sms.log_ids.body)
        self.assertIn('11:00', sms.log_ids.body)
        self.assertEqual(sms.log_ids.rule_id, self.rule_visit)

    def test_visit_far_ahead_waits_and_cancelled_visit_is_not_announced(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        # The debtor asked to be contacted from noon: what is due in the morning waits for it.
        self.customer_a.write({'cobranza_contact_hour_from': 12.0, 'cobranza_contact_hour_to': 18.0})
        visit = self._visit(invoice, (2026, 7, 10, 13, 0))
        visit.action_confirm()
        self._cron(local(TZ, 2026, 6, 24, 12, 30))
        self.assertFalse(self._events(visit_id=visit.id), "announced 48 hours before its day, not weeks before")
        self._cron(local(TZ, 2026, 7, 8, 9, 30))
        pending = self._events(visit_id=visit.id)
        self.assertEqual(len(pending), 2)
        self.assertEqual(set(pending.mapped('state')), {'deferred'})
        visit.action_cancel()
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self._cron(local(TZ, 2026, 7, 8, 12, 5))
        self.assertEqual(set(pending.mapped('state')), {'cancelled'})
        self.assertFalse(pending.mail_id or pending.sms_id)

    # -- statement --------------------------------------------------------------------------------------
    def test_statement_by_whatsapp(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        account = invoice.cobranza_account_id
        with freeze_time(local(TZ, 2026, 6, 24, 10, 0)):
            account.action_cobranza_send_statement_whatsapp()
            with self.assertRaisesRegex(UserError, 'already on its way'):
                account.action_cobranza_send_statement_whatsapp()
        self._cron(local(TZ, 2026, 6, 24, 10, 1))
        [reminder] = self._events(trigger='statement')
        self.assertEqual(reminder.state, 'sent')
        [request] = self.server.requests
        self.assertEqual(request.body['template']['name'], 'estado_de_cuenta')
        params = [p['text'] for p in request.body['template']['components'][0]['parameters']]
        self.assertEqual(params[0], self.customer_a.name)
        url = urlparse(params[3])
        self.assertEqual(url.path, f'/my/cobranza/{account.id}/statement')
        token = parse_qs(url.query)['token'][0]
        # The link opens this debtor's account for a visitor without a password, and no other.
        public = self.env(user=self.env.ref('base.public_user'))
        other = self._open_invoice(self.customer_b, date(2026, 6, 1)).cobranza_account_id
        with freeze_time(local(TZ, 2026, 6, 25, 10, 0)):
            self.assertEqual(public['cobranza.account']._cobranza_portal_account(account.id, token), account.sudo())
            with self.assertRaises(AccessError):
                public['cobranza.account']._cobranza_portal_account(other.id, token)
        with freeze_time(local(TZ, 2026, 6, 24, 10, 0) + timedelta(days=self.policy.portal_link_days + 1)), \
                self.assertRaises(AccessError):
            public['cobranza.account']._cobranza_portal_account(account.id, token)
        self.assertEqual(reminder.log_ids.result, 'sent')
        # A second one can be asked for once the first went out.
        with freeze_time(local(TZ, 2026, 6, 24, 11, 0)):
            account.action_cobranza_send_statement_whatsapp()
        self.assertEqual(len(self._events(trigger='statement')), 2)

    def test_statement_outside_the_window_waits(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        with freeze_time(local(TZ, 2026, 6, 24, 22, 30)):
            result = invoice.cobranza_account_id.action_cobranza_send_statement_whatsapp()
        self.assertIn('closed', result['params']['message'])
        self._cron(local(TZ, 2026, 6, 24, 22, 31))
        [reminder] = self._events(trigger='statement')
        self.assertEqual(reminder.state, 'deferred')
        self.assertFalse(self.server.requests)
        start = self.policy.contact_hour_start
        self.assertEqual(reminder.scheduled_at, local(TZ, 2026, 6, 25, int(start), int(start % 1 * 60)))

    def test_policy_without_statement_rule(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 1))
        self.rule_statement.active = False
        with self.assertRaisesRegex(UserError, 'no statement-of-account rule'):
            invoice.cobranza_account_id.action_cobranza_send_statement_whatsapp()

    def test_event_email_carries_no_invoice_pdf_of_its_batch(self):
        """An invoice reminder and a statement of the same debtor and invoice go in one batch: the invoice's
        PDF is attached to the invoice reminder's e-mail only."""
        self.rule_email_48.write({'active': True, 'channel_whatsapp': False})
        self.rule_statement.channel_email = True
        self.policy.reminder_daily_cap = 5
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 20))
        moment = local(TZ, 2026, 6, 18, 10, 0)
        with freeze_time(moment):
            self.Reminder._queue_statement(invoice.cobranza_account_id, 'email')
        with self.mock_mail_gateway():
            self._cron(moment + timedelta(minutes=1))
        reminder = self.Reminder.search([('move_id', '=', invoice.id), ('rule_id', '=', self.rule_email_48.id)])
        [statement] = self._events(trigger='statement')
        self.assertEqual((reminder.state, statement.state), ('sent', 'sent'))
        self.assertEqual(statement.move_id, invoice)
        invoice_pdf = reminder.mail_id.attachment_ids
        self.assertEqual(len(invoice_pdf), 1)
        self.assertEqual(invoice_pdf.res_id, invoice.id)
        self.assertFalse(invoice_pdf & statement.mail_id.attachment_ids)

    # -- the link of every reminder -----------------------------------------------------------------------
    def test_invoice_reminder_links_to_the_debtor_portal(self):
        self.rule_sms_24.active = True
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 20))
        with self.mockSMSGateway():
            self._cron(local(TZ, 2026, 6, 19, 10, 0))
        reminder = self.Reminder.search([('move_id', '=', invoice.id), ('rule_id', '=', self.rule_sms_24.id)])
        self.assertEqual(reminder.state, 'sent')
        self.assertIn(f'/my/cobranza/{invoice.cobranza_account_id.id}?token=', reminder.log_ids.body)


@tagged('post_install', '-at_install')
class TestReminderReasons(ReminderCommon):
    """Reasons are stored as codes and read in the reader's language."""

    def test_reason_is_a_code_shown_in_the_readers_language(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.rule_email_48.write({'active': True, 'channel_whatsapp': False})
        self.customer_a.cobranza_optout_email = True
        self._open_invoice(self.customer_b, date(2026, 6, 20))
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        # The cron runs in English; at 23:00 in Tijuana the debtor b is outside the legal window.
        reminders = self._process(local('America/Tijuana', 2026, 6, 18, 23, 0))
        opted = reminders.filtered(lambda r: r.partner_id == self.customer_a)
        deferred = reminders.filtered(lambda r: r.partner_id == self.customer_b)
        self.assertEqual((opted.state, opted.reason_code), ('skipped', 'opted_out'))
        self.assertEqual((deferred.state, deferred.reason_code), ('deferred', 'outside_window'))
        self.assertEqual(deferred.reason_args, {'tz': 'America/Tijuana'})
        self.assertEqual(opted.with_context(lang='en_US').reason, "The debtor opted out of this channel.")
        spanish = opted.with_context(lang='es_MX')
        self.assertNotEqual(spanish.reason, opted.with_context(lang='en_US').reason)
        self.assertIn('canal', spanish.reason)
        self.assertIn('America/Tijuana', deferred.with_context(lang='es_MX').reason)
        self.assertIn('ventana de contacto', deferred.with_context(lang='es_MX').reason)
        # The contact log row says the same, in the reader's language too.
        log = opted.log_ids
        self.assertEqual(log.reason_code, 'opted_out')
        self.assertFalse(log.detail)
        self.assertEqual(log.with_context(lang='es_MX').detail_text, spanish.reason)
        # A code's own arguments are codes too: the preferred channel is shown by its label.
        self.customer_a.write({'cobranza_optout_email': False, 'cobranza_preferred_channel': 'sms'})
        self.rule_email_48.channel_sms = True
        self._open_invoice(self.customer_a, date(2026, 6, 27))
        reminders = self._process(local(TZ, 2026, 6, 25, 10, 0))
        other = reminders.filtered(lambda r: r.reason_code == 'other_channel')
        self.assertEqual(other.reason_args, {'channel': 'sms'})
        self.assertEqual(other.with_context(lang='en_US').reason, "The debtor prefers another channel (SMS).")
