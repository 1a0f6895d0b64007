import re
from html import unescape

from odoo.tests import HttpCase, tagged

from odoo.addons.cobranza_mx.tests.common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestPortalOnlinePayment(CobranzaCommon, HttpCase):
    """A debtor opens the reminder link, follows "View and pay online" and pays with the demo provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        demo = cls.env.ref('payment.payment_provider_demo')
        provider = cls.env['payment.provider'].sudo().search(
            [('code', '=', 'demo'), ('company_id', '=', cls.company.id)], limit=1)
        cls.provider = provider or demo.copy({'company_id': cls.company.id})
        cls.provider.write({'state': 'test', 'is_published': True})
        cls.method = cls.env.ref('payment_demo.payment_method_demo')

    def test_pay_invoice_online(self):
        token = self.account_a._cobranza_portal_token()
        page = self.url_open(f'/my/cobranza/{self.account_a.id}?token={token}')
        link = unescape(re.search(r'class="btn btn-sm btn-primary mt-2 o_cobranza_pay" href="([^"]+)"',
                                  page.text).group(1))
        invoice_page = self.url_open(link)
        self.assertEqual(invoice_page.status_code, 200)
        self.assertIn(self.invoice_a.name, invoice_page.text)
        self.assertIn('o_payment_form', invoice_page.text)
        access_token = re.search(r'access_token=([\w-]+)', link).group(1)
        processing = self.make_jsonrpc_request(f'/invoice/transaction/{self.invoice_a.id}', {
            'access_token': access_token, 'amount': self.invoice_a.amount_residual,
            'provider_id': self.provider.id, 'payment_method_id': self.method.id, 'token_id': None,
            'flow': 'direct', 'tokenization_requested': False, 'landing_route': link,
        })
        self.make_jsonrpc_request('/payment/demo/simulate_payment', {
            'reference': processing['reference'], 'payment_details': '4242', 'simulated_state': 'done'})
        tx = self.env['payment.transaction'].search([('reference', '=', processing['reference'])])
        self.assertEqual((tx.state, tx.invoice_ids), ('done', self.invoice_a))
        with self.enter_registry_test_mode():
            self.env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()
        self.assertTrue(tx.payment_id)
        self.assertEqual(self.invoice_a.amount_residual, 0.0)
        self.assertIn(self.invoice_a.payment_state, ('paid', 'in_payment'))
        log = self.env['cobranza.contact.log'].search([('account_id', '=', self.account_a.id)], limit=1)
        self.assertEqual((log.channel, log.result), ('portal', 'paid_online'))
        self.assertIn(tx.reference, log.detail)
        self.assertEqual(self.account_a.activity_ids.user_id, self.collector_1)
        # Another debtor's invoice is not payable with this one's token.
        other = self.url_open(f'/my/cobranza/{self.account_b.id}?token={token}')
        self.assertEqual(other.status_code, 403)
