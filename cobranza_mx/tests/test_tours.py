
from datetime import timedelta

from freezegun import freeze_time
from odoo.tests import HttpCase, tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestCollectionTours(CobranzaCommon, HttpCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        # An account of collector 1 not yet in a stage (due in a month): no column of its own on the worklist.
        not_yet_due = cls._invoice(cls.customer_c, cls.run_date + timedelta(days=30))
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=cls.run_date)
        not_yet_due.cobranza_account_id.collector_id = cls.collector_1

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


@tagged('post_install', '-at_install')
class TestCollectorTodayTour(CobranzaCommon, HttpCase):
    # A collector's phone.
    browser_size = '375x667'
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.phone = '55 1234 5678'
        cls.customer_c.phone = '33 1234 5678'
        cls._setup_three_accounts()
        # The tour runs at whatever hour the suite runs: the window is open all day for it.
        cls.policy.write({'contact_hour_start': 0.0, 'contact_hour_end': 24.0})

    def test_collector_day_on_phone(self):
        self.start_tour('/odoo/collections-today', 'cobranza_collector_today', login='collector_1')
        logs = self.env['cobranza.contact.log'].search([('user_id', '=', self.collector_1.id)], order='id')
        self.assertEqual([(log.account_id, log.channel, log.result) for log in logs], [
            (self.account_c, 'call_out', 'attempt'),
            (self.account_c, 'call_out', 'promise'),
            (self.account_a, 'call_out', 'promise'),
        ])
        kept = self.account_c.promise_ids
        broken = self.account_a.promise_ids
        self.assertEqual((kept.amount, kept.state, broken.amount, broken.state), (4000.0, 'open', 1000.0, 'open'))
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=self.invoice_c.ids) \
            .create({'amount': 4000.0})._create_payments()
        self.assertEqual(kept.state, 'kept')
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_promises')
        with freeze_time(f'{broken.date} 13:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(broken.state, 'open')
        with freeze_time(f'{broken.date + timedelta(days=1)} 13:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(broken.state, 'broken')
        self.assertEqual(kept.state, 'kept')
