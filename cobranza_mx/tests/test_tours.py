
from odoo.tests import HttpCase, tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestCollectionTours(CobranzaCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()

    def test_collector_worklist_on_phone(self):
        # HttpCase reads these when the tour starts: set on this test only, as Odoo's own tests do.
        self.browser_size = '375x667'  # pylint: disable=attribute-defined-outside-init
        self.touch_enabled = True  # pylint: disable=attribute-defined-outside-init
        self.start_tour('/odoo/my-collections', 'cobranza_collector_worklist', login='collector_1')

    def test_supervisor_assigns_collector(self):
        self.assertFalse(self.account_b.collector_id)
        self.start_tour('/odoo/collection-accounts', 'cobranza_supervisor_assign', login='supervisor_1')
        self.assertEqual(self.account_b.collector_id, self.collector_2)
        self.assertEqual(self.invoice_b.cobranza_collector_id, self.collector_2)
