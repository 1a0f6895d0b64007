import os
import signal
import time
from datetime import date, datetime, timedelta

import pytz
from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import MockSMS

from .common import CobranzaCommon
from .whatsapp_server import RESET, TIMEOUT, FakeWhatsAppServer


class SimulatedKill(BaseException):
    """What a SIGKILL does to a worker: nothing after it runs, nothing uncommitted survives."""


class KillingWhatsAppServer(FakeWhatsAppServer):
    """Accepts messages like the Cloud API; can signal the Odoo worker right after accepting the n-th one."""

    kill_after = None

    def _record(self, handler, raw, body, status, message_id=None):
        result = super()._record(handler, raw, body, status, message_id)
        if message_id and len(self.requests) == self.kill_after:
            # The provider has the message; the worker dies before reading the answer.
            os.kill(os.getpid(), signal.SIGALRM)
        return result

    def message_id_for(self, to):
        return next(r.message_id for r in self.requests if r.body['to'] == to)


def local(tz_name, *args):
    """A naive UTC datetime for a local wall-clock time in ``tz_name``."""
    return pytz.timezone(tz_name).localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class ReminderCommon(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        mx = cls.env.ref('base.mx')
        states = {code: cls.env['res.country.state'].search([('country_id', '=', mx.id), ('code', '=', code)])
                  for code in ('BCN', 'ROO', 'SON', 'DIF', 'NLE')}
        cls.customer_a.write({
            'email': 'pagos@abarrotes-esperanza.example.com', 'phone': '+52 55 1234 5678', 'lang': 'en_US',
            'street': 'Av. Insurgentes Sur 1602', 'city': 'Ciudad de México', 'zip': '03940',
            'state_id': states['DIF'].id, 'country_id': mx.id, 'tz': False,
        })
        cls.customer_b.write({
            'email': 'maria.lopez@example.com.mx', 'phone': '664 123 4567', 'lang': 'en_US',
            'street': 'Blvd. Agua Caliente 4558', 'city': 'Tijuana', 'zip': '22420',
            'state_id': states['BCN'].id, 'country_id': mx.id, 'tz': False,
        })
        cls.customer_c.write({
            'email': 'cxc@transportes-bajio.example.com', 'phone': '998 765 4321', 'lang': 'en_US',
            'street': 'Av. Tulum 200', 'city': 'Cancún', 'zip': '77500',
            'state_id': states['ROO'].id, 'country_id': mx.id, 'tz': False,
        })
        cls.customer_d = cls.env['res.partner'].create({
            'name': 'Mariscos del Golfo de California S.A. de C.V.', 'is_company': True,
            'email': 'admin@mariscos-golfo.example.com', 'phone': '662 210 3344', 'lang': 'en_US',
            'street': 'Blvd. Kino 305', 'city': 'Hermosillo', 'zip': '83150',
            'state_id': states['SON'].id, 'country_id': mx.id,
        })
        cls.company.write({
            'phone': '+52 81 8000 1234', 'email': 'cobranza@comercializadora.example.com',
            'cobranza_whatsapp_token': 'test-token', 'cobranza_whatsapp_phone_number_id': '1098765432',
            'cobranza_whatsapp_app_secret': 'app-secret', 'cobranza_whatsapp_verify_token': 'verify-me',
            'cobranza_whatsapp_timeout': 1,
        })
        cls.Reminder = cls.env['cobranza.reminder'].sudo()  # the crons run as the superuser
        # Rules under test are enabled by each test.
        cls.env['cobranza.reminder.rule'].search([]).active = False
        cls.rule_email_48 = cls.env.ref('cobranza_mx.reminder_rule_minus_48')
        cls.rule_sms_24 = cls.env.ref('cobranza_mx.reminder_rule_minus_24')
        cls.rule_due = cls.env.ref('cobranza_mx.reminder_rule_due')
        cls.rule_weekly = cls.env.ref('cobranza_mx.reminder_rule_plus_168')

    def _start_whatsapp_server(self, server_class=FakeWhatsAppServer):
        """A local Cloud API server for the company's WhatsApp number, stopped after the test."""
        server = server_class(token='test-token', phone_number_id='1098765432', app_secret='app-secret')
        server.start()
        self.addCleanup(server.stop)
        self.company.cobranza_whatsapp_api_url = server.url
        return server

    def _open_invoice(self, partner, due, amount=1000.0):
        invoice = self._invoice(partner, due, amount=amount, invoice_date=due - timedelta(days=30))
        self._run(due - timedelta(days=10))
        return invoice

    def _process(self, now):
        with freeze_time(now):
            self.Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company, now)
            self.Reminder._send_due(now)
        self.env.invalidate_all()
        return self.Reminder.search([])


@tagged('post_install', '-at_install')
class TestReminderScheduling(ReminderCommon):

    def test_offsets_and_channels(self):
        self.rule_email_48.write({'active': True, 'channel_whatsapp': False})
        self.rule_sms_24.active = True
        due = date(2026, 6, 20)
        invoice = self._open_invoice(self.customer_a, due)
        tz = 'America/Mexico_City'
        # Before the -48 h moment nothing is created.
        self.assertFalse(self._process(local(tz, 2026, 6, 18, 8, 0)))
        reminders = self._process(local(tz, 2026, 6, 18, 9, 30))
        self.assertEqual(reminders.mapped('channel'), ['email'])
        self.assertEqual(reminders.move_id, invoice)
        self.assertEqual(reminders.state, 'sent')
        reminders = self._process(local(tz, 2026, 6, 19, 9, 30))
        sms = reminders.filtered(lambda r: r.channel == 'sms')
        self.assertEqual(sms.state, 'sent')
        self.assertEqual(sms.sms_id.number, '+525512345678')
        self.assertIn(invoice.name, sms.sms_id.body)
        self.assertIn(self.company.name, sms.sms_id.body)
        # Running again creates and sends nothing more.
        log_count = self.env['cobranza.contact.log'].search_count([])
        self.assertEqual(len(self._process(local(tz, 2026, 6, 19, 10, 0))), 2)
        self.assertEqual(self.env['cobranza.contact.log'].search_count([]), log_count)

    def test_email_record(self):
        self.rule_due.active = True
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 20, 12, 0))
        self.assertEqual(reminder.state, 'sent')
        mail = reminder.mail_id
        self.assertEqual(mail.email_to, 'pagos@abarrotes-esperanza.example.com')
        self.assertIn(invoice.name, mail.body_html)
        self.assertIn(self.company.name, mail.subject)
        self.assertIn('never to a collector', mail.body_html)
        self.assertTrue(mail.attachment_ids.filtered(lambda a: a.name.endswith('.pdf')))
        log = reminder.log_ids
        self.assertEqual((log.result, log.channel, log.recipient), ('queued', 'email', mail.email_to))
        self.assertEqual(len(log.body_hash), 64)

    def test_spanish_texts(self):
        """A debtor whose language is es_MX gets the e-mail and the SMS in Spanish."""
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.customer_a.lang = 'es_MX'
        self.rule_due.active = True
        self.rule_sms_24.active = True
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 20))
        sms = self._process(local('America/Mexico_City', 2026, 6, 19, 12, 0)).sms_id
        self.assertIn('le recordamos que', sms.body)
        self.assertIn(f'Pague únicamente a {self.company.name}', sms.body)
        self.assertIn(invoice.name, sms.body)
        mail = self._process(local('America/Mexico_City', 2026, 6, 20, 12, 0)).mail_id
        self.assertIn('Apreciable', mail.body_html)
        self.assertIn('nunca a un gestor de cobranza', mail.body_html)
        self.assertNotIn('Dear', mail.body_html)

    def test_window_defers_in_debtor_time_zone(self):
        """23:30 in Tijuana is outside the window: the e-mail waits for 07:00 Tijuana time."""
        self.rule_due.active = True
        self._open_invoice(self.customer_b, date(2026, 6, 20))
        tz = 'America/Tijuana'
        reminder = self._process(local(tz, 2026, 6, 20, 23, 30))
        self.assertEqual(reminder.state, 'deferred')
        self.assertEqual(reminder.scheduled_at, local(tz, 2026, 6, 21, 7, 0))
        self.assertFalse(reminder.mail_id)
        self.assertEqual(self._process(local(tz, 2026, 6, 21, 6, 59)).state, 'deferred')
        self.assertEqual(self._process(local(tz, 2026, 6, 21, 7, 0)).state, 'sent')

    def test_window_edges_in_four_zones(self):
        """22:00 and 06:59 local are closed, 07:00 and 21:59 open, in each debtor's own zone."""
        self.policy.reminder_daily_cap = 5
        self.rule_due.write({'active': True, 'channel_email': False, 'channel_sms': True,
                             'sms_body': '{company}: {partner}, {amount} due {due_date}. {company_phone}'})
        cases = [
            (self.customer_a, 'America/Mexico_City'), (self.customer_b, 'America/Tijuana'),
            (self.customer_c, 'America/Cancun'), (self.customer_d, 'America/Hermosillo'),
        ]
        for partner, tz in cases:
            with self.subTest(tz=tz):
                self.assertEqual(partner._cobranza_timezone(), tz)
                first = self._open_invoice(partner, date(2026, 3, 3))
                second = self._open_invoice(partner, date(2026, 3, 4))

                def state_of(invoice, moment):
                    return self._process(moment).filtered(lambda r, i=invoice: r.move_id == i)

                reminder = state_of(first, local(tz, 2026, 3, 3, 22, 0))
                self.assertEqual(reminder.state, 'deferred')
                self.assertEqual(reminder.scheduled_at, local(tz, 2026, 3, 4, 7, 0))
                self.assertEqual(state_of(first, local(tz, 2026, 3, 4, 6, 59)).state, 'deferred')
                self.assertEqual(state_of(first, local(tz, 2026, 3, 4, 7, 0)).state, 'sent')
                self.assertEqual(state_of(second, local(tz, 2026, 3, 4, 21, 59)).state, 'sent')
                sent_at = [pytz.utc.localize(log.date).astimezone(pytz.timezone(tz))
                           for log in self.env['cobranza.contact.log'].search([('partner_id', '=', partner.id)])]
                self.assertTrue(all(7 <= moment.hour < 22 for moment in sent_at), sent_at)

    def test_tijuana_daylight_saving(self):
        """On 2026-03-08 Tijuana moves to UTC-7: 07:00 local is 14:00 UTC, not 15:00 as the day before."""
        self.rule_due.active = True
        self._open_invoice(self.customer_b, date(2026, 3, 7))
        reminder = self._process(datetime(2026, 3, 8, 6, 0))  # 22:00 of the 7th in Tijuana (UTC-8)
        self.assertEqual(reminder.state, 'deferred')
        self.assertEqual(reminder.scheduled_at, datetime(2026, 3, 8, 14, 0))
        self.assertEqual(self._process(datetime(2026, 3, 8, 13, 59)).state, 'deferred')
        self.assertEqual(self._process(datetime(2026, 3, 8, 14, 0)).state, 'sent')

    def test_frequency_cap_groups_invoices(self):
        self.rule_due.active = True
        self.rule_email_48.write({'active': True, 'channel_whatsapp': False})
        due = date(2026, 6, 20)
        invoices = self._open_invoice(self.customer_a, due) | self._invoice(
            self.customer_a, due, amount=2500.0, invoice_date=due - timedelta(days=30)) | self._invoice(
            self.customer_a, due, amount=300.0, invoice_date=due - timedelta(days=30))
        self._run(due - timedelta(days=10))
        reminders = self._process(local('America/Mexico_City', 2026, 6, 20, 10, 0))
        on_due = reminders.filtered(lambda r: r.rule_id == self.rule_due)
        self.assertEqual(len(on_due), 3)
        self.assertEqual(on_due.mapped('state'), ['sent'] * 3)
        self.assertEqual(len(on_due.mail_id), 1, "one e-mail for the three invoices")
        for invoice in invoices:
            self.assertIn(invoice.name, on_due.mail_id.body_html)
        # The -48 h reminders are obsolete (more than a day old): none was created.
        self.assertFalse(reminders.filtered(lambda r: r.rule_id == self.rule_email_48))
        # A second rule due the same day waits for tomorrow's window: at most one e-mail a day.
        self.rule_weekly.write({'active': True, 'offset_hours': -1})
        reminders = self._process(local('America/Mexico_City', 2026, 6, 20, 11, 0))
        weekly = reminders.filtered(lambda r: r.rule_id == self.rule_weekly)
        self.assertEqual(set(weekly.mapped('state')), {'deferred'})
        self.assertEqual(weekly[0].scheduled_at, local('America/Mexico_City', 2026, 6, 21, 7, 0))

    def test_weekly_repetition_while_overdue(self):
        self.rule_weekly.active = True
        invoice = self._open_invoice(self.customer_a, date(2026, 5, 1))
        tz = 'America/Mexico_City'
        self._process(local(tz, 2026, 5, 8, 10, 0))
        self._process(local(tz, 2026, 5, 15, 10, 0))
        reminders = self._process(local(tz, 2026, 5, 16, 10, 0))
        self.assertEqual(sorted(reminders.mapped('occurrence')), [0, 1])
        self.assertEqual(set(reminders.mapped('state')), {'sent'})
        self.assertEqual(reminders.move_id, invoice)

    def test_opt_out_and_invalid_phone(self):
        self.rule_sms_24.active = True
        self.customer_a.cobranza_optout_sms = True
        self.customer_b.phone = '123'
        self.assertTrue(self.customer_b.cobranza_phone_invalid)
        self.assertTrue(self.customer_b.cobranza_phone_error)
        self.assertFalse(self.customer_a.cobranza_phone_invalid)
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self._open_invoice(self.customer_b, date(2026, 6, 20))
        reminders = self._process(local('America/Mexico_City', 2026, 6, 19, 12, 0))
        a = reminders.filtered(lambda r: r.partner_id == self.customer_a)
        b = reminders.filtered(lambda r: r.partner_id == self.customer_b)
        self.assertEqual((a.state, b.state), ('skipped', 'skipped'))
        self.assertIn('opted out', a.reason)
        self.assertIn('123', b.reason)
        self.assertFalse(self.env['sms.sms'].search([('partner_id', 'in', (self.customer_a + self.customer_b).ids)]))
        self.assertEqual(b.log_ids.result, 'skipped')

    def test_payment_cancels_pending(self):
        self.rule_due.active = True
        invoice = self._open_invoice(self.customer_b, date(2026, 6, 20))
        reminder = self._process(local('America/Tijuana', 2026, 6, 20, 23, 0))
        self.assertEqual(reminder.state, 'deferred')
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids).create(
            {'payment_date': date(2026, 6, 20)})._create_payments()
        reminder = self._process(local('America/Tijuana', 2026, 6, 21, 8, 0))
        self.assertEqual(reminder.state, 'cancelled')
        self.assertFalse(reminder.mail_id)
        self.assertEqual(reminder.log_ids.result, 'cancelled')

    def test_forbidden_language(self):
        with self.assertRaises(ValidationError) as raised:
            self.rule_sms_24.sms_body = '{partner}, pague hoy o irá a la CARCEL. {company}'
        self.assertIn('"cárcel"', str(raised.exception))
        template = self.env.ref('cobranza_mx.mail_template_reminder')
        with self.assertRaises(ValidationError) as raised:
            template.body_html = '<p>Se girará una orden de aprehension en su contra</p>'
        self.assertIn('"orden de aprehensión"', str(raised.exception))
        self.assertNotIn('aprehension', template.body_html)
        # A term added after the template was saved is still caught when sending.
        template.subject = 'Ultimatum de {{ object.company_id.name }}'
        self.env['cobranza.forbidden.term'].create({'term': 'ultimátum', 'category': 'threat'})
        self.rule_due.active = True
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 20, 12, 0))
        self.assertEqual(reminder.state, 'failed')
        self.assertIn('ultimátum', reminder.reason)
        self.assertFalse(reminder.mail_id)
        self.assertFalse(self.env['mail.mail'].search([('email_to', '=', self.customer_a.email)]),
                         "the refused e-mail is not left in the queue")

    def test_contact_log_is_immutable(self):
        self.rule_due.active = True
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        log = self._process(local('America/Mexico_City', 2026, 6, 20, 12, 0)).log_ids
        self.assertEqual(len(log), 1)
        self.assertEqual(log.with_user(self.supervisor).read(['result'])[0]['result'], 'queued')
        with self.assertRaises(AccessError):
            log.with_user(self.collector_1).read(['result'])
        with self.assertRaises(UserError):  # AccessError is a UserError
            log.with_user(self.supervisor).write({'result': 'failed'})
        with self.assertRaises(UserError):
            log.with_user(self.supervisor).unlink()
        with self.assertRaises(UserError):
            log.write({'result': 'failed'})
        with self.assertRaises(UserError):
            log.unlink()
        with self.assertRaises(UserError):
            log.sudo().unlink()
        action = log.with_user(self.supervisor).action_export_xlsx()
        attachment = self.env['ir.attachment'].browse(int(action['url'].split('/')[3].split('?')[0]))
        self.assertTrue(attachment.raw.startswith(b'PK'), "an XLSX file is a zip archive")


@tagged('post_install', '-at_install')
class TestReminderIsolation(ReminderCommon):

    def test_failing_group_does_not_stop_the_others(self):
        """A debtor whose e-mail cannot be rendered is failed with the error; the others go out."""
        template = self.env.ref('cobranza_mx.mail_template_reminder').copy()
        # Renders for a debtor with a reference, raises for one without.
        template.subject = "{{ object.partner_id.ref.upper() }}: {{ object.company_id.name }}"
        self.rule_due.write({'active': True, 'mail_template_id': template.id})
        self.customer_c.ref = 'tb-07'
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self._open_invoice(self.customer_c, date(2026, 6, 20))
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_reminders')
        with freeze_time(local('America/Mexico_City', 2026, 6, 20, 12, 0)), self.enter_registry_test_mode(), \
                self.assertLogs('odoo.addons.cobranza_mx.models.cobranza_reminder_channels', 'ERROR') as logged:
            cron.method_direct_trigger()
        # The batch fails, then each debtor is tried alone: only the broken one fails.
        self.assertIn('sending its debtors one by one', logged.output[0])
        self.assertEqual(len([line for line in logged.output if 'could not be sent' in line]), 1)
        self.env.invalidate_all()
        self.assertTrue(cron.active, "the cron did not fail")
        reminders = self.Reminder.search([])
        broken = reminders.filtered(lambda r: r.partner_id == self.customer_a)
        fine = reminders.filtered(lambda r: r.partner_id == self.customer_c)
        self.assertEqual((broken.state, fine.state), ('failed', 'sent'))
        self.assertIn('Could not be sent', broken.reason)
        self.assertFalse(broken.mail_id)
        self.assertEqual(broken.log_ids.result, 'failed')
        self.assertEqual(broken.log_ids.detail_text, broken.reason)
        self.assertIn('TB-07', fine.mail_id.subject)
        # The next run does not try the failed one again.
        self.assertEqual(self._process(local('America/Mexico_City', 2026, 6, 20, 13, 0)).mapped('state'),
                         reminders.mapped('state'))


@tagged('post_install', '-at_install')
class TestReminderSendWindow(ReminderCommon, MockEmail, MockSMS):
    """The contact window is checked again when the mail and SMS queues hand a message to the provider."""

    def test_email_queue_respects_window(self):
        self.rule_due.active = True
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        tz = 'America/Mexico_City'
        reminder = self._process(local(tz, 2026, 6, 20, 21, 59))
        mail = reminder.mail_id
        self.assertEqual((reminder.state, mail.state), ('sent', 'outgoing'))
        self.assertEqual(mail.scheduled_date, local(tz, 2026, 6, 20, 21, 59))
        # The mail queue runs at 22:05 debtor time: the window has closed, nothing leaves.
        with freeze_time(local(tz, 2026, 6, 20, 22, 5)), self.mock_mail_gateway():
            self.env['mail.mail'].sudo().process_email_queue()
        self.assertFalse(self._mails)
        self.assertEqual(mail.state, 'outgoing')
        self.assertEqual(mail.scheduled_date, local(tz, 2026, 6, 21, 7, 0))
        # Even sent on purpose, it waits.
        with freeze_time(local(tz, 2026, 6, 21, 6, 59)), self.mock_mail_gateway():
            mail.send()
        self.assertFalse(self._mails)
        self.assertEqual(mail.state, 'outgoing')
        # The mail queue's own cron after 07:00 sends it.
        cron = self.env.ref('mail.ir_cron_mail_scheduler_action')
        with freeze_time(local(tz, 2026, 6, 21, 7, 1)), self.mock_mail_gateway(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual([m['email_to'] for m in self._mails], [[mail.email_to]])
        self.assertEqual(mail.state, 'sent')

    def test_other_emails_are_not_held(self):
        mail = self.env['mail.mail'].sudo().create({'email_to': 'contabilidad@example.com', 'subject': 'Hola',
                                                    'body_html': '<p>Hola</p>'})
        with freeze_time(local('America/Mexico_City', 2026, 6, 20, 23, 30)), self.mock_mail_gateway():
            self.env['mail.mail'].sudo().process_email_queue()
        self.assertEqual(mail.state, 'sent')

    def test_sms_queue_respects_window(self):
        self.rule_sms_24.active = True
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        tz = 'America/Mexico_City'
        reminder = self._process(local(tz, 2026, 6, 19, 21, 59))
        sms = reminder.sms_id
        self.assertEqual((reminder.state, sms.state), ('sent', 'outgoing'))
        self.assertEqual(sms.cobranza_scheduled_date, local(tz, 2026, 6, 19, 21, 59))
        # The SMS queue's cron runs at 22:05 debtor time: the window has closed, nothing leaves.
        cron = self.env.ref('sms.ir_cron_sms_scheduler_action')
        with freeze_time(local(tz, 2026, 6, 19, 22, 5)), self.mockSMSGateway(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertFalse(self._sms)
        self.assertEqual(sms.state, 'outgoing')
        self.assertEqual(sms.cobranza_scheduled_date, local(tz, 2026, 6, 20, 7, 0))
        # Before its moment it is held even when sent on purpose.
        with freeze_time(local(tz, 2026, 6, 20, 6, 30)), self.mockSMSGateway():
            sms.send()
        self.assertFalse(self._sms)
        self.assertEqual(sms.state, 'outgoing')
        with freeze_time(local(tz, 2026, 6, 20, 7, 1)), self.mockSMSGateway(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual([s['number'] for s in self._sms], ['+525512345678'])
        self.assertEqual(sms.state, 'pending')

    def test_held_sms_do_not_block_the_queue(self):
        """A reminder SMS held until its window opens leaves the queue to the SMS behind it."""
        self.rule_sms_24.active = True
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        tz = 'America/Mexico_City'
        held = self._process(local(tz, 2026, 6, 19, 21, 59)).sms_id
        held.cobranza_scheduled_date = local(tz, 2026, 6, 20, 7, 0)
        other = self.env['sms.sms'].create({'number': '+525587654321', 'body': 'Otro aviso', 'state': 'outgoing'})
        self.assertLess(held.id, other.id)
        self.env['ir.config_parameter'].sudo().set_param('sms.session.batch.size', 1)
        cron = self.env.ref('sms.ir_cron_sms_scheduler_action')
        with freeze_time(local(tz, 2026, 6, 19, 22, 5)), self.mockSMSGateway(), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual([s['number'] for s in self._sms], ['+525587654321'])
        self.assertEqual(held.state, 'outgoing')


@tagged('post_install', '-at_install')
class TestReminderStop(ReminderCommon):
    """What ends or suspends collection stops the pending reminders in the same transaction, no cron."""

    def _pending(self, partner=None):
        self.rule_due.active = True
        invoice = self._open_invoice(partner or self.customer_b, date(2026, 6, 20))
        reminder = self._process(local('America/Tijuana', 2026, 6, 20, 23, 0))
        self.assertEqual(reminder.state, 'deferred')
        return invoice, reminder

    def _pay(self, invoice, amount=None):
        vals = {'payment_date': date(2026, 6, 20)}
        if amount:
            vals['amount'] = amount
        self.env['account.payment.register'].with_context(
            active_model='account.move', active_ids=invoice.ids).create(vals)._create_payments()

    def test_payment_cancels_at_once(self):
        invoice, reminder = self._pending()
        self._pay(invoice, amount=400.0)
        self.assertEqual(invoice.amount_residual, 600.0)
        self.assertEqual(reminder.state, 'deferred', "a partial payment does not cancel")
        self._pay(invoice)
        self.assertEqual(reminder.state, 'cancelled')
        self.assertIn('paid', reminder.reason)
        self.assertEqual(reminder.log_ids.result, 'cancelled')

    def test_credit_note_cancels_at_once(self):
        invoice, reminder = self._pending()
        invoice._reverse_moves(cancel=True)
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual(reminder.state, 'cancelled')

    def test_cancelled_invoice_cancels_at_once(self):
        invoice, reminder = self._pending()
        invoice.button_draft()
        self.assertEqual(reminder.state, 'cancelled')

    def test_exclusion_pauses_then_inclusion_resumes(self):
        invoice, reminder = self._pending()
        self.env['cobranza.exclusion.wizard'].create(
            {'move_ids': invoice.ids, 'reason': 'dispute'}).action_exclude()
        self.assertEqual(reminder.state, 'paused')
        self.assertIn('Dispute', reminder.reason)
        self.assertEqual(reminder.log_ids.result, 'paused')
        # A paused reminder is not sent.
        self.assertEqual(self._process(local('America/Tijuana', 2026, 6, 21, 9, 0)).state, 'paused')
        with freeze_time(local('America/Tijuana', 2026, 6, 21, 8, 0)):
            invoice.action_cobranza_include()
        self.assertEqual(reminder.state, 'scheduled')
        self.assertEqual(self._process(local('America/Tijuana', 2026, 6, 21, 9, 0)).state, 'sent')

    def test_open_promise_pauses_until_settled(self):
        invoice, reminder = self._pending()
        with freeze_time(local('America/Tijuana', 2026, 6, 21, 8, 0)):
            promise = self.env['cobranza.promise'].create({
                'account_id': invoice.cobranza_account_id.id, 'move_ids': [Command.set(invoice.ids)],
                'amount': invoice.amount_residual, 'date': date(2026, 6, 25)})
        self.assertTrue(invoice.cobranza_promise_open)
        self.assertEqual(reminder.state, 'paused', "paused in the transaction that made the promise")
        self.assertIn('promised', reminder.reason)
        self.assertEqual(self._process(local('America/Tijuana', 2026, 6, 21, 9, 0)).state, 'paused')
        # An exclusion lifted while the promise is open does not restart the reminders.
        invoice.cobranza_excluded = True
        with freeze_time(local('America/Tijuana', 2026, 6, 21, 8, 0)):
            invoice.action_cobranza_include()
        self.assertEqual(reminder.state, 'paused')
        with freeze_time(local('America/Tijuana', 2026, 6, 21, 8, 0)):
            promise.action_cancel()
        self.assertFalse(invoice.cobranza_promise_open)
        self.assertEqual(reminder.state, 'scheduled')
        self.assertEqual(self._process(local('America/Tijuana', 2026, 6, 21, 9, 0)).state, 'sent')


@tagged('post_install', '-at_install')
class TestReminderWhatsApp(ReminderCommon):

    def setUp(self):
        super().setUp()
        self.server = KillingWhatsAppServer(token='test-token', phone_number_id='1098765432',
                                            app_secret='app-secret')
        self.server.start()
        self.addCleanup(self.server.stop)
        self.company.cobranza_whatsapp_api_url = self.server.url
        self.rule_email_48.write({'active': True, 'channel_email': False, 'channel_whatsapp': True,
                                  'whatsapp_template': 'recordatorio_previo'})

    def test_template_message_sent(self):
        invoice = self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 18, 10, 0))
        self.assertEqual(reminder.state, 'sent')
        self.assertTrue(reminder.provider_message_id.startswith('wamid.'))
        [request] = self.server.requests
        self.assertEqual(request.headers['Authorization'], 'Bearer test-token')
        self.assertEqual(request.body['to'], '525512345678')
        self.assertEqual(request.body['template']['name'], 'recordatorio_previo')
        self.assertEqual(request.body['template']['language']['code'], 'es_MX')
        params = [p['text'] for p in request.body['template']['components'][0]['parameters']]
        self.assertEqual(params[0], self.customer_a.name)
        self.assertIn(invoice.name, params)
        self.assertEqual(reminder.log_ids.provider_message_id, reminder.provider_message_id)

    def test_not_configured_is_skipped(self):
        self.company.cobranza_whatsapp_token = False
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 18, 10, 0))
        self.assertEqual(reminder.state, 'skipped')
        self.assertIn('not configured', reminder.reason)
        self.assertFalse(self.server.received)

    def _assert_retry(self, reminder, now):
        self.assertEqual(reminder.state, 'scheduled')
        self.assertGreater(reminder.scheduled_at, now)
        self.assertEqual(reminder.attempt_count, 1)
        self.assertEqual(reminder.log_ids.result, 'retry')

    def test_server_error_is_retried(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self.server.fail_next(1, status=500)
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        reminder = self._process(now)
        self._assert_retry(reminder, now)
        reminder = self._process(reminder.scheduled_at)
        self.assertEqual(reminder.state, 'sent')
        self.assertEqual(reminder.attempt_count, 2)
        self.assertEqual(len(self.server.requests), 1, "only the successful call was accepted")

    def test_rate_limit_honours_retry_after(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self.server.fail_next(1, status=429, retry_after=120)
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        reminder = self._process(now)
        self._assert_retry(reminder, now)
        self.assertGreaterEqual(reminder.scheduled_at, now + timedelta(seconds=120))

    def _assert_unconfirmed(self, reminder):
        self.assertEqual(reminder.state, 'unconfirmed')
        self.assertEqual(reminder.attempt_count, 1)
        self.assertIn('not sent again automatically', reminder.reason)
        self.assertEqual(reminder.log_ids.result, 'unconfirmed')

    def test_timeout_is_unconfirmed(self):
        """A request written but never answered may have been accepted: unconfirmed, never retried."""
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        # Past the 10 s that Odoo's test harness imposes as the shortest requests timeout; the slow
        # provider did accept the message.
        self.server.fail_next(1, status=TIMEOUT, delay=11, accept=True)
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        reminder = self._process(now)
        self._assert_unconfirmed(reminder)
        self.assertIn('time limit', reminder.reason)
        # Later runs leave it alone: no second message.
        self._process(now + timedelta(hours=2))
        self.assertEqual(reminder.state, 'unconfirmed')
        # The slow provider records the message when it answers, a second after the client gave up.
        deadline = time.monotonic() + 5
        while not self.server.received and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(self.server.received), 1)
        # The provider's status webhook settles it, by the callback data (the message id was never read).
        [accepted] = self.server.requests
        self.Reminder._apply_whatsapp_statuses([(accepted.message_id, 'delivered', '1781798400', None,
                                                 f'cobranza.reminder:{reminder.id}')])
        self.assertEqual(reminder.state, 'delivered')
        self.assertEqual(reminder.provider_message_id, accepted.message_id)

    def test_reset_after_sending_is_unconfirmed(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self.server.fail_next(1, status=RESET, accept=True)
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        reminder = self._process(now)
        self._assert_unconfirmed(reminder)
        self.assertIn('connection to WhatsApp was lost', reminder.reason)
        self._process(now + timedelta(hours=2))
        self.assertEqual(len(self.server.received), 1, "no second message")
        # A failed status settles it too.
        self.Reminder._apply_whatsapp_statuses([('wamid.unknown', 'failed', '1781798400', '131026: Undeliverable',
                                                 f'cobranza.reminder:{reminder.id}')])
        self.assertEqual(reminder.state, 'failed')

    def test_connection_refused_is_retried(self):
        """Nothing listens: the provider has nothing, the message is retried with backoff."""
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        url = self.server.url
        self.server.stop()
        self.company.cobranza_whatsapp_api_url = url
        now = local('America/Mexico_City', 2026, 6, 18, 10, 0)
        reminder = self._process(now)
        self._assert_retry(reminder, now)
        self.assertIn('could not be reached', reminder.reason)

    def test_permanent_error_fails(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        self.server.fail_next(1, status=400)
        reminder = self._process(local('America/Mexico_City', 2026, 6, 18, 10, 0))
        self.assertEqual(reminder.state, 'failed')
        self.assertIn('Parameter value is not valid', reminder.reason)
        self.assertEqual(reminder.log_ids.result, 'failed')

    def test_statuses_update_reminder(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 18, 10, 0))
        self.Reminder._apply_whatsapp_statuses([
            (reminder.provider_message_id, 'delivered', '1781798400', None, None)])
        self.assertEqual(reminder.state, 'delivered')
        self.Reminder._apply_whatsapp_statuses([(reminder.provider_message_id, 'read', '1781798500', None, None)])
        self.Reminder._apply_whatsapp_statuses([
            (reminder.provider_message_id, 'delivered', '1781798400', None, None)])
        self.assertEqual(reminder.state, 'read', "a late 'delivered' does not undo 'read'")
        self.assertEqual(reminder.log_ids.mapped('result'), ['read', 'delivered', 'sent'])

    def test_killed_mid_batch_then_rerun(self):
        """A worker killed while sending a batch: nothing is sent twice, nothing is lost."""
        invoices = self.env['account.move']
        partners = self.customer_a + self.customer_c + self.customer_d
        for partner in partners:
            invoices |= self._invoice(partner, date(2026, 6, 20), invoice_date=date(2026, 5, 20))
        self._run(date(2026, 6, 10))
        # One call at a time: which messages the provider has when the worker dies is then known.
        self.company.cobranza_whatsapp_concurrency = 1
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_reminders')
        now = local('America/Mexico_City', 2026, 6, 18, 12, 0)

        def kill(signum, frame):
            raise SimulatedKill()

        previous = signal.signal(signal.SIGALRM, kill)
        self.addCleanup(signal.signal, signal.SIGALRM, previous)
        # The provider accepts the second message, then the worker dies before hearing back.
        self.server.kill_after = 2
        killed = False
        with freeze_time(now), self.enter_registry_test_mode():
            # Not assertRaises: it would roll back what the worker had committed before dying.
            try:
                cron.method_direct_trigger()
            except SimulatedKill:
                killed = True
        self.assertTrue(killed)
        reminders = self.Reminder.search([])
        self.assertEqual(len(reminders), 3)
        # The whole batch was claimed: one sent (recorded), one handed to the provider, one not yet.
        self.assertEqual(sorted(reminders.mapped('state')), ['sending', 'sending', 'sent'])
        in_doubt = reminders.filtered(lambda r: r.state == 'sending' and r.sending_since)
        never_called = reminders.filtered(lambda r: r.state == 'sending' and not r.sending_since)
        self.assertEqual((len(in_doubt), len(never_called)), (1, 1))
        self.assertEqual(len(self.server.requests), 2)
        # A claim lives ten minutes: before that, another worker would leave it alone.
        with freeze_time(now + timedelta(minutes=5)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(len(self.server.requests), 2)
        # The next run does not resend the message in doubt, and sends the one never handed over.
        with freeze_time(now + timedelta(minutes=15)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(len({r.body['to'] for r in self.server.requests}), 3, "no message twice")
        self.env.invalidate_all()
        self.assertEqual(never_called.state, 'sent')
        self.assertEqual(in_doubt.state, 'sending')
        # An hour later nobody confirmed it: unconfirmed, still not resent.
        with freeze_time(now + timedelta(minutes=75)), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(len(self.server.requests), 3)
        self.env.invalidate_all()
        self.assertEqual(in_doubt.state, 'unconfirmed')
        # The provider's status webhook confirms it: nothing lost, nothing resent.
        wamid = self.server.message_id_for(in_doubt.recipient.lstrip('+'))
        self.Reminder._apply_whatsapp_statuses([(wamid, 'sent', '1781798400', None,
                                                 f'cobranza.reminder:{in_doubt.id}')])
        self.assertEqual(set(self.Reminder.search([]).mapped('state')), {'sent'})
        self.assertEqual(in_doubt.provider_message_id, wamid)

    def test_interrupted_message_is_unconfirmed_then_resent_by_hand(self):
        """A message left "sending" is never resent automatically; a supervisor may resend it, logged."""
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        now = local('America/Mexico_City', 2026, 6, 18, 12, 0)
        with freeze_time(now):
            self.Reminder._schedule(self.env['cobranza.reminder.rule'].search([]), self.company, now)
        reminder = self.Reminder.search([])
        reminder.write({'state': 'sending', 'sending_since': now, 'attempt_count': 1})
        self._process(now + timedelta(minutes=30))
        self.assertEqual(reminder.state, 'sending', "still within the grace period")
        with freeze_time(now + timedelta(minutes=61)):
            self.Reminder._recover_interrupted(now + timedelta(minutes=61))
        self._process(now + timedelta(minutes=61))
        self._process(now + timedelta(hours=5))
        self.assertEqual(reminder.state, 'unconfirmed')
        self.assertIn('not sent again automatically', reminder.reason)
        self.assertFalse(self.server.received, "nothing was sent again")
        self.assertEqual(reminder.log_ids.mapped('result'), ['unconfirmed'])
        # Supervisors find it under the Unconfirmed filter; only they may resend it.
        search_view = self.env['cobranza.reminder'].get_views([(False, 'search')])['views']['search']['arch']
        self.assertIn('name="unconfirmed"', search_view)
        self.assertEqual(self.env['cobranza.reminder'].with_user(self.supervisor).search(
            [('state', '=', 'unconfirmed')]), reminder)
        with self.assertRaises(UserError):
            reminder.with_user(self.collector_1).action_resend()
        with freeze_time(now + timedelta(hours=5)):
            reminder.with_user(self.supervisor).action_resend()
        self.assertEqual(reminder.state, 'scheduled')
        retry = reminder.log_ids.filtered(lambda log: log.result == 'retry')
        self.assertEqual(retry.user_id, self.supervisor)
        self.assertIn(self.supervisor.name, retry.detail_text)
        # The cron sends it under the usual checks: the unconfirmed message counts in today's cap.
        reminder = self._process(now + timedelta(hours=5))
        self.assertEqual(reminder.state, 'deferred')
        self.assertIn('Daily limit', reminder.reason)
        reminder = self._process(now + timedelta(days=1))
        self.assertEqual(reminder.state, 'sent')
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(reminder.attempt_count, 2)
        with self.assertRaises(UserError):
            reminder.with_user(self.supervisor).action_resend()


@tagged('post_install', '-at_install')
class TestWhatsAppWebhook(ReminderCommon, HttpCase):

    def setUp(self):
        super().setUp()
        self.server = self._start_whatsapp_server()
        self.rule_email_48.write({'active': True, 'channel_email': False, 'channel_whatsapp': True})

    def test_verification_challenge(self):
        url = '/cobranza/whatsapp/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token='
        response = self.url_open(url + 'verify-me')
        self.assertEqual((response.status_code, response.text), (200, '1158201444'))
        self.assertEqual(self.url_open(url + 'wrong').status_code, 403)

    def test_signed_statuses(self):
        self._open_invoice(self.customer_a, date(2026, 6, 20))
        reminder = self._process(local('America/Mexico_City', 2026, 6, 18, 10, 0))
        self.assertEqual(reminder.state, 'sent')
        body, headers = self.server.status_webhook(reminder.provider_message_id, 'delivered',
                                                   callback_data=f'cobranza.reminder:{reminder.id}')
        bad_body, bad_headers = self.server.status_webhook(reminder.provider_message_id, 'read',
                                                           app_secret='not-the-secret')
        response = self.url_open('/cobranza/whatsapp/webhook', data=bad_body, headers=bad_headers)
        self.assertEqual(response.status_code, 403)
        self.env.invalidate_all()
        self.assertEqual(reminder.state, 'sent', "an unsigned status changes nothing")
        response = self.url_open('/cobranza/whatsapp/webhook', data=body, headers=headers)
        self.assertEqual(response.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(reminder.state, 'delivered')
        self.assertEqual(reminder.log_ids[0].result, 'delivered')
