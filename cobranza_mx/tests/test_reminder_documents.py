"""Document reminders through the reminder engine: the agreement's PDF, the dictamen notice, the missing
withholding certificates (monthly too); the attachment on the e-mail, the contact log, the contact window,
the portal's token."""
import base64
import re
from contextlib import ExitStack
from datetime import date

from freezegun import freeze_time
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.mail.tests.common import MockEmail
from odoo.addons.sms.tests.common import MockSMS

from ..tools import cfdi_retenciones
from .test_agreements import AgreementCommon
from .test_dictamen import DictamenCommon
from .test_reminders import ReminderCommon, local
from .test_withholding import WithholdingCommon

TZ = 'America/Mexico_City'
AS_OF_RUN = date(2026, 6, 15)


class DocumentCronMixin:

    def _reminders_cron(self, now):
        """The real reminders' cron, at ``now`` (naive UTC)."""
        with freeze_time(now), ExitStack() as stack:
            if not type(self)._registry_patched:  # an HttpCase is in test mode already
                stack.enter_context(self.enter_registry_test_mode())
            result = self.env.ref('cobranza_mx.ir_cron_cobranza_reminders').method_direct_trigger()
        # The cron logs its error and returns it: it must not be missed.
        self.assertIs(result, True, result if result is True else result['params']['data'])
        self.env.invalidate_all()

    def _documents(self, **domain):
        return self.env['cobranza.reminder'].sudo().search(
            [('rule_id.trigger', '=', 'document'), *[(k, '=', v) for k, v in domain.items()]], order='id')


@tagged('post_install', '-at_install')
class TestAgreementDocument(DocumentCronMixin, AgreementCommon, MockEmail, MockSMS):
    """The agreement's PDF sent to the debtor by the engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.env.ref('cobranza_mx.reminder_rule_document_agreement')
        cls.rule.active = True
        # The legal window again (AgreementCommon opens the whole day).
        cls.policy.write({'contact_hour_start': 7.0, 'contact_hour_end': 22.0})

    def _send(self, agreement, now, user=None):
        with freeze_time(now):
            return agreement.with_user(user or self.collector_1).action_send_to_debtor()

    def test_pdf_attached_to_the_email_and_logged(self):
        agreement = self._confirm(self._agreement())
        self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        with self.assertRaisesRegex(UserError, 'already on its way'):
            self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        [reminder] = self._documents(document_ref=f'cobranza.agreement,{agreement.id}')
        self.assertEqual((reminder.channel, reminder.state), ('email', 'scheduled'))
        attachment = reminder.document_attachment_id
        self.assertEqual((attachment.res_model, attachment.res_id), ('cobranza.agreement', agreement.id))
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        self.assertEqual(reminder.state, 'sent')
        mail = reminder.mail_id
        self.assertEqual(mail.attachment_ids, attachment, "that PDF, and no invoice PDF")
        self.assertEqual(mail.email_to, self.customer_a.email)
        self.assertIn(agreement.name, mail.subject)
        [log] = reminder.log_ids
        self.assertEqual((log.channel, log.result, log.recipient), ('email', 'queued', self.customer_a.email))
        self.assertEqual((log.agreement_id, log.document_ref), (agreement, agreement))
        self.assertIn(agreement.name, log.body)
        self.assertEqual(log.rule_id, self.rule)
        # A cancelled draft has nothing to send.
        draft = self._agreement(moves=self.invoice_b, user=self.collector_2)
        draft.sudo().action_cancel()
        with self.assertRaisesRegex(UserError, 'closed'):
            self._send(draft, local(TZ, 2026, 6, 16, 11, 0), user=self.collector_2)

    def test_email_in_the_debtors_language(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.customer_a.lang = 'es_MX'
        agreement = self._confirm(self._agreement())
        self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        [reminder] = self._documents()
        mail = reminder.mail_id
        self.assertIn(f'Convenio de pago {agreement.name}', mail.subject)
        self.assertIn('Le enviamos adjunto', mail.body_html)
        self.assertEqual(mail.attachment_ids.name, f"Convenio {agreement.name.replace('/', '-')}.pdf")

    def test_outside_the_window_waits_for_it(self):
        self.customer_a.write({'cobranza_contact_hour_from': 12.0, 'cobranza_contact_hour_to': 18.0})
        agreement = self._confirm(self._agreement())
        result = self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        self.assertIn('closed', result['params']['message'])
        self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        [reminder] = self._documents()
        self.assertEqual(reminder.state, 'deferred')
        self.assertEqual(reminder.scheduled_at, local(TZ, 2026, 6, 16, 12, 0))
        self.assertFalse(reminder.mail_id or reminder.log_ids)
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 6, 16, 12, 5))
        self.assertEqual(reminder.state, 'sent')
        self.assertEqual(reminder.mail_id.attachment_ids, reminder.document_attachment_id)

    def test_sms_with_the_portal_link_when_no_email(self):
        self.customer_a.write({'email': False, 'cobranza_preferred_channel': 'sms'})
        agreement = self._confirm(self._agreement())
        self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        with self.mockSMSGateway():
            self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        [reminder] = self._documents()
        self.assertEqual((reminder.channel, reminder.state), ('sms', 'sent'))
        body = reminder.log_ids.body
        attachment = reminder.document_attachment_id
        match = re.search(rf'/my/cobranza/{self.account_a.id}/document/{attachment.id}\?token=(\S+)', body)
        self.assertTrue(match, body)
        self.assertIn(agreement.name, body)
        public = self.env(user=self.env.ref('base.public_user'))['cobranza.account']
        with freeze_time(local(TZ, 2026, 6, 17, 10, 0)):
            account = public._cobranza_portal_account(self.account_a.id, match.group(1))
            self.assertEqual(account._portal_document(attachment.id), attachment)
            with self.assertRaises(AccessError):
                public._cobranza_portal_account(self.account_b.id, match.group(1))
            with self.assertRaises(MissingError):
                public._cobranza_portal_account(self.account_b.id, self.account_b._cobranza_portal_token()) \
                    ._portal_document(attachment.id)

    def test_cancelled_agreement_is_not_sent(self):
        self.customer_a.write({'cobranza_contact_hour_from': 12.0, 'cobranza_contact_hour_to': 18.0})
        agreement = self._confirm(self._agreement())
        self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        agreement.with_user(self.supervisor).action_cancel()
        self._reminders_cron(local(TZ, 2026, 6, 16, 12, 5))
        [reminder] = self._documents()
        self.assertEqual((reminder.state, reminder.reason_code), ('cancelled', 'document_gone'))
        self.assertFalse(reminder.mail_id)

    def test_unreachable_debtor_and_missing_rule(self):
        agreement = self._confirm(self._agreement())
        self.rule.active = False
        with self.assertRaisesRegex(UserError, 'no rule to send'):
            self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        self.rule.active = True
        self.rule.channel_email = False
        self.customer_a.write({'phone': False, 'street': False})
        with self.assertRaisesRegex(UserError, 'cannot be reached'):
            self._send(agreement, local(TZ, 2026, 6, 16, 10, 0))
        Reminder = self.env['cobranza.reminder']
        with self.assertRaisesRegex(UserError, 'no rule to send'):
            Reminder._queue_document(self.account_a, 'email', None, agreement)


@tagged('post_install', '-at_install')
class TestDictamenNoticeDocument(DocumentCronMixin, DictamenCommon, ReminderCommon):
    """The dictamen's notice letter through the engine: e-mail with the PDF, else the printed letter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref('cobranza_mx.reminder_rule_document_notice').active = True
        cls.invoice_1 = cls._invoice(cls.customer_a, date(2025, 1, 10), amount=150000.0)
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=AS_OF_RUN)

    def _notice(self, now):
        dictamen = self._dictamen(self.customer_a, self.invoice_1)
        with freeze_time(now):
            attachment = dictamen._send_notice()
        return dictamen, attachment

    def test_notice_by_email(self):
        dictamen, attachment = self._notice(local(TZ, 2026, 6, 16, 10, 0))
        self.assertFalse(dictamen.notice_date, "queued, not sent yet")
        self.assertTrue(dictamen.message_ids.filtered(lambda m: attachment in m.attachment_ids))
        [reminder] = self._documents(document_ref=f'cobranza.dictamen,{dictamen.id}')
        self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        self.assertEqual((reminder.channel, reminder.state), ('email', 'sent'))
        self.assertEqual(reminder.mail_id.attachment_ids, attachment)
        self.assertEqual(reminder.log_ids.result, 'queued')
        self.assertEqual(reminder.log_ids.document_ref, dictamen)
        self.assertEqual(dictamen.notice_date, date(2026, 6, 16))

    def test_notice_as_letter_without_email(self):
        self.customer_a.email = False
        dictamen, attachment = self._notice(local(TZ, 2026, 6, 16, 23, 0))
        self._reminders_cron(local(TZ, 2026, 6, 16, 23, 1))
        [reminder] = self._documents()
        self.assertEqual((reminder.channel, reminder.state), ('letter', 'deferred'), "at night it waits")
        self._reminders_cron(local(TZ, 2026, 6, 17, 7, 5))
        self.assertEqual(reminder.state, 'sent')
        self.assertEqual(reminder.letter_attachment_id, attachment, "the notice itself is printed")
        log = reminder.log_ids
        self.assertEqual((log.channel, log.result), ('letter', 'queued'))
        self.assertIn('Av. Insurgentes Sur 1602', log.recipient)
        self.assertEqual(dictamen.notice_date, date(2026, 6, 17))

    def test_button_says_when_it_goes(self):
        dictamen = self._dictamen(self.customer_a, self.invoice_1)
        with freeze_time(local(TZ, 2026, 6, 16, 23, 0)):
            result = dictamen.action_send_notice()
        self.assertIn('closed', result['params']['message'])
        self.assertEqual(self._documents().document_ref, dictamen)

    def test_no_email_nor_address(self):
        self.customer_a.write({'email': False, 'street': False})
        with self.assertRaisesRegex(UserError, 'neither by e-mail nor by letter'):
            self._notice(local(TZ, 2026, 6, 16, 10, 0))
        self.assertFalse(self._documents())


@tagged('post_install', '-at_install')
class TestWithholdingReminderDocument(DocumentCronMixin, WithholdingCommon, ReminderCommon, MockEmail):
    """The reminder of the missing withholding certificates: from the report's button and monthly by the cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = 'EKU9003173C9'
        cls.customer_a.vat = 'AAA010101AAA'
        cls.rule = cls.env.ref('cobranza_mx.reminder_rule_document_withholding')
        cls.rule.active = True
        cls.Certificate = cls.env['cobranza.withholding.certificate']

    def _short_payment(self):
        """Customer A pays its June invoice of 11,600.00 less the ISR and IVA it withholds (2,066.67)."""
        wizard = self._wizard(self._services_invoice(self.customer_a), 9533.33)
        wizard.action_propose()
        wizard.action_confirm()

    def _withholding_reminders(self):
        return self._documents(partner_id=self.customer_a.id)

    def test_monthly_by_the_cron_once_per_month(self):
        self._short_payment()
        cert = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        self.assertEqual(cert.period, '2026-06')
        # June's certificate is not asked for in June, nor in July before the rule's day (the 10th, 09:00).
        self._reminders_cron(local(TZ, 2026, 6, 25, 10, 0))
        self._reminders_cron(local(TZ, 2026, 7, 9, 10, 0))
        self.assertFalse(self._withholding_reminders())
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 7, 10, 9, 5))
            self._reminders_cron(local(TZ, 2026, 7, 10, 9, 20))
            self._reminders_cron(local(TZ, 2026, 7, 20, 9, 20))
        [reminder] = self._withholding_reminders()
        self.assertEqual((reminder.channel, reminder.state, reminder.document_key),
                         ('email', 'sent', 'withholding:2026-07'))
        self.assertIn('2026-06', reminder.mail_id.body_html)
        self.assertIn('1,066.67', reminder.mail_id.body_html)
        self.assertIn('CFDI de Retenciones', reminder.mail_id.subject)
        self.assertFalse(reminder.mail_id.attachment_ids)
        [log] = reminder.log_ids
        self.assertEqual((log.channel, log.result, log.recipient), ('email', 'queued', self.customer_a.email))
        self.assertIn('2026-06', log.body)
        # Still missing in August: one more, in August.
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 8, 10, 9, 5))
            self._reminders_cron(local(TZ, 2026, 8, 10, 9, 20))
        self.assertEqual(self._withholding_reminders().mapped('document_key'),
                         ['withholding:2026-07', 'withholding:2026-08'])

    def test_button_then_no_second_one_this_month(self):
        self._short_payment()
        cert = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        with freeze_time(local(TZ, 2026, 7, 5, 23, 0)):
            reminder = cert.with_user(self.supervisor).action_send_reminder()
        self.assertEqual((reminder.channel, reminder.document_key), ('email', 'withholding:2026-07'))
        self._reminders_cron(local(TZ, 2026, 7, 5, 23, 5))
        self.assertEqual(reminder.state, 'deferred', "the debtor's night")
        with self.mock_mail_gateway():
            self._reminders_cron(local(TZ, 2026, 7, 6, 7, 5))
            self._reminders_cron(local(TZ, 2026, 7, 10, 9, 5))
        self.assertEqual(reminder.state, 'sent')
        self.assertEqual(self._withholding_reminders(), reminder, "reminded this month already")
        self.assertEqual(reminder.log_ids.mapped('result'), ['queued'])

    def test_received_before_sending_cancels_it(self):
        self._short_payment()
        cert = self.Certificate.search([('partner_id', '=', self.customer_a.id)])
        self.customer_a.write({'cobranza_contact_hour_from': 12.0, 'cobranza_contact_hour_to': 18.0})
        with freeze_time(local(TZ, 2026, 7, 6, 10, 0)):
            reminder = cert.action_send_reminder()
        self._reminders_cron(local(TZ, 2026, 7, 6, 10, 5))
        self.assertEqual(reminder.state, 'deferred')
        cert.write({'xml_file': self._xml(), 'xml_filename': 'retenciones.xml'})
        self.assertEqual(cert.state, 'matched')
        self._reminders_cron(local(TZ, 2026, 7, 6, 12, 5))
        self.assertEqual((reminder.state, reminder.reason_code), ('cancelled', 'document_gone'))
        self.assertFalse(reminder.mail_id)
        with self.assertRaisesRegex(UserError, 'missing'):
            cert.action_send_reminder()

    def _xml(self):
        return base64.b64encode(cfdi_retenciones.build(
            uuid='5FB2822E-396D-4725-8521-CDC4BDD20CCF', issuer_rfc='AAA010101AAA', receiver_rfc='EKU9003173C9',
            year=2026, month_from=6, month_to=6, total_operation=10000,
            taxes=[('isr', 10000, 1000), ('iva', 1600, 1066.67)]))


@tagged('post_install', '-at_install')
class TestDocumentPortal(DocumentCronMixin, AgreementCommon, HttpCase):
    """The agreement on the debtor's portal, over real HTTP: its own token or its own portal user only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref('cobranza_mx.reminder_rule_document_agreement').active = True
        cls.portal_b = new_test_user(cls.env, login='portal_doc_b', groups='base.group_portal',
                                     partner_id=cls.customer_b.id)

    def test_agreement_on_the_portal(self):
        agreement = self._confirm(self._agreement())
        with freeze_time(local(TZ, 2026, 6, 16, 10, 0)):
            agreement.with_user(self.collector_1).action_send_to_debtor()
        self._reminders_cron(local(TZ, 2026, 6, 16, 10, 1))
        [reminder] = self._documents()
        attachment = reminder.document_attachment_id
        token_a = self.account_a._cobranza_portal_token()
        token_b = self.account_b._cobranza_portal_token()
        base_a = f'/my/cobranza/{self.account_a.id}'
        page = self.url_open(f'{base_a}?token={token_a}')
        self.assertEqual(page.status_code, 200)
        self.assertIn(f'{base_a}/agreement/{agreement.id}?token={token_a}', page.text.replace('&amp;', '&'))
        pdf = self.url_open(f'{base_a}/agreement/{agreement.id}?token={token_a}')
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(agreement.name.replace('/', '-'), pdf.headers['Content-Disposition'])
        self.assertIn(agreement.name, pdf.text)
        self.assertEqual(self._portal_logs(agreement), ['document_downloaded'])
        document = self.url_open(f'{base_a}/document/{attachment.id}?token={token_a}')
        self.assertEqual((document.status_code, document.content), (200, attachment.raw))
        # Another debtor's token, no token, a forged one: refused, nothing leaks.
        for token in (token_b, '', 'bm90LWEtdG9rZW4'):
            for path in (f'{base_a}/agreement/{agreement.id}', f'{base_a}/document/{attachment.id}'):
                response = self.url_open(f'{path}?token={token}')
                self.assertEqual(response.status_code, 403, (path, token))
                self.assertNotIn(agreement.name, response.text)
        # B's own token on B's page does not open A's agreement or document.
        base_b = f'/my/cobranza/{self.account_b.id}'
        for path in (f'{base_b}/agreement/{agreement.id}', f'{base_b}/document/{attachment.id}'):
            self.assertEqual(self.url_open(f'{path}?token={token_b}').status_code, 404, path)
        # B's portal user neither.
        self.authenticate('portal_doc_b', 'portal_doc_b')
        self.assertEqual(self.url_open(f'{base_a}/agreement/{agreement.id}').status_code, 403)
        self.assertEqual(self.url_open(f'{base_b}/agreement/{agreement.id}').status_code, 404)
        self.assertEqual(self._portal_logs(agreement), ['document_downloaded'])

    def _portal_logs(self, agreement):
        return self.env['cobranza.contact.log'].search(
            [('agreement_id', '=', agreement.id), ('channel', '=', 'portal')]).mapped('result')
