from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestCollectionTours(CobranzaCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice_a = cls._invoice(cls.customer_a, cls.run_date - timedelta(days=40))
        cls.invoice_b = cls._invoice(cls.customer_b, cls.run_date - timedelta(days=90))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.run_date)
        cls.account_a = cls.invoice_a.cobranza_account_id
        cls.account_b = cls.invoice_b.cobranza_account_id
        cls.account_a.collector_id = cls.collector_1

    def test_collector_worklist_on_phone(self):
        self.browser_size = '375x667'
        self.touch_enabled = True
        self.start_tour('/odoo/my-collections', 'cobranza_collector_worklist', login='collector_1')

    def test_supervisor_assigns_collector(self):
        self.assertFalse(self.account_b.collector_id)
        self.start_tour('/odoo/collection-accounts', 'cobranza_supervisor_assign', login='supervisor_1')
        self.assertEqual(self.account_b.collector_id, self.collector_2)
        self.assertEqual(self.invoice_b.cobranza_collector_id, self.collector_2)
