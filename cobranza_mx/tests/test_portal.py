import re
from datetime import datetime, timedelta
from urllib.parse import urlparse

from odoo.tests import HttpCase, new_test_user, tagged

from .common import CobranzaCommon
from .test_payment_proof import CEP, PNG


class PortalCommon(CobranzaCommon, HttpCase):
    """Two debtors with an account each (A to collector 1, B to collector 2) and a portal user each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a2 = cls._invoice(cls.customer_a, cls.run_date + timedelta(days=10), amount=2500.0)
        cls._setup_three_accounts()
        cls.contact_a = cls.env['res.partner'].create({'name': 'Rosa Ávila', 'parent_id': cls.customer_a.id,
                                                       'email': 'rosa@abarrotes.example'})
        cls.portal_a = new_test_user(cls.env, login='portal_a', groups='base.group_portal',
                                     partner_id=cls.contact_a.id)
        cls.portal_b = new_test_user(cls.env, login='portal_b', groups='base.group_portal',
                                     partner_id=cls.customer_b.id)
        cls.Log = cls.env['cobranza.contact.log']

    def _path(self, url):
        parsed = urlparse(url)
        return f"{parsed.path}?{parsed.query}" if parsed.query else parsed.path

    def _csrf(self, path):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _token(self, account):
        return account._cobranza_portal_token()


@tagged('post_install', '-at_install')
class TestDebtorPortal(PortalCommon):

    def test_token_opens_own_page_only(self):
        url = self.account_a._cobranza_portal_url()
        self.assertTrue(url.startswith(self.account_a.get_base_url() + f'/my/cobranza/{self.account_a.id}?token='))
        page = self.url_open(self._path(url))
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.invoice_a.name, page.text)
        self.assertIn(self.invoice_a2.name, page.text)
        self.assertNotIn(self.invoice_b.name, page.text)
        self.assertNotIn(self.invoice_c.name, page.text)
        base = f'/my/cobranza/{self.account_a.id}'
        expired = self.account_a._cobranza_portal_token(expiration=datetime.now() - timedelta(minutes=1))
        for token in (self._token(self.account_b), expired, 'bm90LWEtdG9rZW4', ''):
            response = self.url_open(f'{base}?token={token}')
            self.assertEqual(response.status_code, 403, token)
            self.assertNotIn(self.invoice_a.name, response.text)
        self.assertEqual(self.url_open(f'{base}/statement?token={self._token(self.account_b)}').status_code, 403)
        self.assertEqual(self.url_open(f'/my/cobranza/999999?token={self._token(self.account_a)}').status_code, 404)
        # Account B's token opens B's page, not A's.
        page_b = self.url_open(f'/my/cobranza/{self.account_b.id}?token={self._token(self.account_b)}')
        self.assertIn(self.invoice_b.name, page_b.text)
        self.assertNotIn(self.invoice_a.name, page_b.text)

    def test_page_in_debtor_language(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.customer_a.lang = 'es_MX'
        page = self.url_open(f'/my/cobranza/{self.account_a.id}?token={self._token(self.account_a)}').text
        for text in ('Mi saldo', 'Ya pagué: enviar mi comprobante de pago', 'Pagaré en una fecha',
                     'No estoy de acuerdo con una factura', 'Transferencia SPEI', 'Depósito bancario',
                     'días de atraso'):
            self.assertIn(text, page)
        denied = self.url_open(f'/my/cobranza/{self.account_a.id}?token={self._token(self.account_b)}')
        self.assertEqual(denied.status_code, 403)

    def test_portal_url_of_partner(self):
        url = self.customer_a._cobranza_portal_url()
        self.assertIn(f'/my/cobranza/{self.account_a.id}?token=', url)
        self.assertFalse(self.env['res.partner'].create({'name': 'Sin cuenta'})._cobranza_portal_url())
        # Expiring: the policy's days.
        self.policy.portal_link_days = 1
        token = self.account_a._cobranza_portal_token()
        self.assertEqual(self.url_open(f'/my/cobranza/{self.account_a.id}?token={token}').status_code, 200)

    def test_portal_users_see_their_own_account(self):
        self.authenticate('portal_a', 'portal_a')
        home = self.url_open('/my')
        self.assertIn('/my/cobranza', home.text)
        page = self.url_open('/my/cobranza')
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.url.endswith(f'/my/cobranza/{self.account_a.id}'))
        self.assertIn(self.invoice_a.name, page.text)
        self.assertEqual(self.url_open(f'/my/cobranza/{self.account_b.id}').status_code, 403)
        self.authenticate('portal_b', 'portal_b')
        self.assertIn(self.invoice_b.name, self.url_open(f'/my/cobranza/{self.account_b.id}').text)
        self.assertEqual(self.url_open(f'/my/cobranza/{self.account_a.id}').status_code, 403)

    def test_statement_pdf(self):
        response = self.url_open(f'/my/cobranza/{self.account_a.id}/statement?token={self._token(self.account_a)}')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'application/pdf')
        # Under test, Odoo renders reports as HTML unless forced: the statement's content is what is served.
        self.assertIn(self.invoice_a.name.encode(), response.content)
        self.assertNotIn(self.invoice_b.name.encode(), response.content)
        pdf = self.account_a.sudo().with_context(force_report_rendering=True)._portal_statement_pdf()
        self.assertTrue(pdf.startswith(b'%PDF'))
        log = self.Log.search([('account_id', '=', self.account_a.id)], limit=1)
        self.assertEqual((log.channel, log.result), ('portal', 'statement_downloaded'))

    def test_upload_proof(self):
        token = self._token(self.account_a)
        base = f'/my/cobranza/{self.account_a.id}'
        csrf = self._csrf(f'{base}?token={token}')
        response = self.url_open(f'{base}/proof', data={
            'csrf_token': csrf, 'token': token, 'amount': '1000.00', 'payment_date': '2026-06-12',
            'proof_type': 'spei', 'move_ids': [str(self.invoice_a.id)],
        }, files={'file': ('cep.xml', CEP, 'text/xml')})
        self.assertEqual(response.status_code, 200)
        self.assertIn('we received your payment proof', response.text)
        proof = self.env['cobranza.payment.proof'].search([('partner_id', '=', self.customer_a.id)])
        self.assertEqual((proof.state, proof.source, proof.amount, proof.reference, proof.move_ids),
                         ('in_review', 'portal', 1000.0, 'MBAN01002606120000458712', self.invoice_a))
        log = self.Log.search([('account_id', '=', self.account_a.id)], limit=1)
        self.assertEqual((log.channel, log.result), ('portal', 'proof_received'))
        self.assertIn(proof.name, log.detail)
        activity = self.account_a.activity_ids
        self.assertEqual(activity.user_id, self.collector_1)
        self.assertIn(proof.name, activity.summary)
        # The collector finds it in their list; the other collector does not.
        self.assertEqual(self.env['cobranza.payment.proof'].with_user(self.collector_1).search([]), proof)
        self.assertFalse(self.env['cobranza.payment.proof'].with_user(self.collector_2).search([]))

    def test_bad_file_refused_nothing_stored(self):
        token = self._token(self.account_a)
        base = f'/my/cobranza/{self.account_a.id}'
        csrf = self._csrf(f'{base}?token={token}')
        attachments = self.env['ir.attachment'].search_count([])
        response = self.url_open(f'{base}/proof', data={
            'csrf_token': csrf, 'token': token, 'amount': '1000', 'payment_date': '2026-06-12',
        }, files={'file': ('comprobante.pdf', b'MZ\x90\x00 an executable', 'application/pdf')})
        self.assertEqual(response.status_code, 200)
        self.assertIn('is not a PDF', response.text)
        self.assertFalse(self.env['cobranza.payment.proof'].search([]))
        self.assertEqual(self.env['ir.attachment'].search_count([]), attachments)
        self.assertFalse(self.Log.search([('result', '=', 'proof_received')]))

    def test_cannot_post_for_another_debtor(self):
        token_b = self._token(self.account_b)
        csrf = self._csrf(f'/my/cobranza/{self.account_b.id}?token={token_b}')
        response = self.url_open(f'/my/cobranza/{self.account_a.id}/proof', data={
            'csrf_token': csrf, 'token': token_b, 'amount': '1000', 'payment_date': '2026-06-12',
        }, files={'file': ('a.png', PNG, 'image/png')})
        self.assertEqual(response.status_code, 403)
        # Nor B's own page with A's invoices.
        response = self.url_open(f'/my/cobranza/{self.account_b.id}/promise', data={
            'csrf_token': csrf, 'token': token_b, 'amount': '500', 'promise_date': '2099-01-01',
            'move_ids': [str(self.invoice_a.id)]})
        self.assertIn('Choose one or more of your open invoices', response.text)
        self.assertFalse(self.env['cobranza.payment.proof'].search([]))
        self.assertFalse(self.account_a.promise_ids | self.account_b.promise_ids)

    def test_promise_inside_policy_limits(self):
        token = self._token(self.account_a)
        base = f'/my/cobranza/{self.account_a.id}'
        csrf = self._csrf(f'{base}?token={token}')
        today = self.env['account.move']._cobranza_today()
        too_late = today + timedelta(days=self.policy.promise_max_days + 1)
        response = self.url_open(f'{base}/promise', data={
            'csrf_token': csrf, 'token': token, 'amount': '1000', 'promise_date': str(too_late),
            'move_ids': [str(self.invoice_a.id)]})
        self.assertIn('does not allow promises beyond', response.text)
        self.assertFalse(self.account_a.promise_ids)
        promised = today + timedelta(days=5)
        response = self.url_open(f'{base}/promise', data={
            'csrf_token': csrf, 'token': token, 'amount': '1000', 'promise_date': str(promised),
            'move_ids': [str(self.invoice_a.id)]})
        self.assertIn('your promise to pay was recorded', response.text)
        promise = self.account_a.promise_ids
        self.assertEqual((promise.amount, promise.date, promise.channel, promise.collector_id, promise.move_ids),
                         (1000.0, promised, 'portal', self.collector_1, self.invoice_a))
        log = self.Log.search([('account_id', '=', self.account_a.id)], limit=1)
        self.assertEqual((log.channel, log.result, log.promise_id), ('portal', 'promise', promise))
        self.assertTrue(self.account_a.activity_ids.filtered(lambda a: a.user_id == self.collector_1))

    def test_dispute_pauses_invoice(self):
        token = self._token(self.account_a)
        base = f'/my/cobranza/{self.account_a.id}'
        csrf = self._csrf(f'{base}?token={token}')
        response = self.url_open(f'{base}/dispute', data={
            'csrf_token': csrf, 'token': token, 'move_id': str(self.invoice_a.id),
            'reason': 'La mercancía llegó dañada'}, files={'file': ('foto.png', PNG, 'image/png')})
        self.assertIn('Your dispute was recorded', response.text)
        self.assertEqual((self.invoice_a.cobranza_excluded, self.invoice_a.cobranza_exclusion_reason),
                         (True, 'dispute'))
        self.assertIn('La mercancía llegó dañada', self.invoice_a.cobranza_exclusion_note)
        attachment = self.env['ir.attachment'].search([('res_model', '=', 'account.move'),
                                                       ('res_id', '=', self.invoice_a.id)])
        self.assertEqual(attachment.raw, PNG)
        log = self.Log.search([('account_id', '=', self.account_a.id)], limit=1)
        self.assertEqual((log.channel, log.result), ('portal', 'dispute'))
        self.assertFalse(self.invoice_a2.cobranza_excluded)
        # The page shows it.
        self.assertIn('In dispute', self.url_open(f'{base}?token={token}').text)

    def test_dispute_without_reason_or_with_xml_refused(self):
        token = self._token(self.account_a)
        base = f'/my/cobranza/{self.account_a.id}'
        csrf = self._csrf(f'{base}?token={token}')
        response = self.url_open(f'{base}/dispute', data={
            'csrf_token': csrf, 'token': token, 'move_id': str(self.invoice_a.id), 'reason': ' '})
        self.assertIn('Tell us why', response.text)
        response = self.url_open(f'{base}/dispute', data={
            'csrf_token': csrf, 'token': token, 'move_id': str(self.invoice_a.id), 'reason': 'No reconozco'},
            files={'file': ('cep.xml', CEP, 'text/xml')})
        self.assertIn('Attach a PDF or a photo', response.text)
        self.assertFalse(self.invoice_a.cobranza_excluded)


@tagged('post_install', '-at_install')
class TestDebtorPortalTour(PortalCommon):
    # A debtor's phone.
    browser_size = '375x667'
    touch_enabled = True

    def test_debtor_uploads_proof_and_promises_on_phone(self):
        url = self._path(self.account_a._cobranza_portal_url())
        self.start_tour(url, 'cobranza_portal_debtor')
        proof = self.env['cobranza.payment.proof'].search([('partner_id', '=', self.customer_a.id)])
        self.assertEqual((proof.state, proof.source, proof.amount, proof.reference, proof.move_ids),
                         ('in_review', 'portal', 1000.0, 'SPEI-778899', self.invoice_a))
        self.assertEqual(proof.attachment_ids.mimetype, 'image/png')
        promise = self.account_a.promise_ids
        self.assertEqual((promise.amount, promise.channel, promise.move_ids), (2500.0, 'portal', self.invoice_a2))
        self.assertEqual(promise.date, self.env['account.move']._cobranza_today() + timedelta(days=7))
        results = self.Log.search([('account_id', '=', self.account_a.id)]).mapped('result')
        self.assertEqual(sorted(results), ['promise', 'proof_received'])
