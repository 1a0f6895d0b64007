from datetime import timedelta

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestPromises(CobranzaCommon):
    """Promises to pay: made by the collector in the contact form, settled by payments and the daily cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        cls.account_b.collector_id = cls.collector_2
        # Always inside the contact window: these tests are about promises, not hours.
        cls.policy.write({'contact_hour_start': 0.0, 'contact_hour_end': 24.0, 'supervisor_user_id': cls.supervisor.id})
        cls.today = cls.run_date

    def _promise(self, amount=1000.0, days=5, user=None, account=None, lang='en_US'):
        account = account or self.account_a
        with freeze_time(f'{self.today} 17:00:00'):
            wizard = Form(self.env['cobranza.contact.wizard'].with_user(user or self.collector_1).with_context(
                default_account_id=account.id, lang=lang))
            wizard.result = 'promise'
            wizard.promise_amount = amount
            wizard.promise_date = self.today + timedelta(days=days)
            wizard.note = 'Paga el viernes con transferencia'
            wizard.save().action_log()
        return self.env['cobranza.promise'].search([('account_id', '=', account.id)], limit=1)

    def _pay(self, invoice, amount, date=None):
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids) \
            .create({'payment_date': date or self.today, 'amount': amount})._create_payments()

    def _check_cron(self, day):
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_promises')
        with freeze_time(f'{day} 13:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()

    def test_promise_logged_and_flag_on_invoice(self):
        promise = self._promise()
        self.assertEqual(promise.state, 'open')
        self.assertEqual(promise.collector_id, self.collector_1)
        self.assertEqual(promise.move_ids, self.invoice_a)
        self.assertEqual(promise.residual_at_promise, 1000.0)
        log = self.env['cobranza.contact.log'].search([('promise_id', '=', promise.id)])
        self.assertEqual((log.result, log.channel, log.user_id, log.reached), ('promise', 'call_out',
                                                                             self.collector_1, 'debtor'))
        self.assertTrue(log.local_time.endswith('America/Mexico_City'))
        self.assertTrue(self.invoice_a.cobranza_promise_open, "reminders pause on this flag")
        self.assertEqual(self.invoice_a._cobranza_open_promise(), promise)
        self.assertFalse(self.invoice_b.cobranza_promise_open)
        # The collector's next step is to check the payment the day after the promise.
        self.assertEqual(self.account_a.next_step_date, self.today + timedelta(days=6))

    def test_kept_at_reconciliation(self):
        promise = self._promise(amount=600.0)
        with freeze_time(f'{self.today + timedelta(days=2)} 17:00:00'):
            self._pay(self.invoice_a, 300.0)
            self.assertEqual(promise.state, 'open', "half the promise is not the promise")
            self.assertEqual(promise.paid_amount, 300.0)
            self._pay(self.invoice_a, 300.0)
        self.assertEqual(promise.state, 'kept')
        self.assertEqual(promise.resolved_date, self.today + timedelta(days=2))
        self.assertFalse(self.invoice_a.cobranza_promise_open)

    def test_tolerance_of_the_policy(self):
        promise = self._promise(amount=1000.0)
        with freeze_time(f'{self.today + timedelta(days=1)} 17:00:00'):
            self._pay(self.invoice_a, 985.0)
        self.assertEqual(promise.state, 'open', "1.5 % short is beyond the 1 % tolerance")
        self.policy.promise_tolerance_percent = 2.0
        self._check_cron(self.today + timedelta(days=2))
        self.assertEqual(promise.state, 'kept')

    def test_broken_the_day_after_by_the_cron(self):
        promise = self._promise(days=3)
        due = promise.date
        self._check_cron(due)
        self.assertEqual(promise.state, 'open', "the promised day is not over")
        self._check_cron(due + timedelta(days=1))
        self.assertEqual(promise.state, 'broken')
        self.assertEqual(promise.resolved_date, due + timedelta(days=1))
        self.assertFalse(self.invoice_a.cobranza_promise_open)
        activities = self.account_a.activity_ids
        self.assertEqual(set(activities.mapped('user_id').ids), {self.collector_1.id, self.supervisor.id},
                         "the collector and, escalated by the policy, the supervisor")
        self.policy.promise_escalate = False
        other = self._promise(days=1)
        self._check_cron(other.date + timedelta(days=1))
        self.assertEqual(other.state, 'broken')
        self.assertEqual(len(self.account_a.activity_ids.filtered(lambda a: a.user_id == self.supervisor)), 1)

    def test_partially_kept(self):
        promise = self._promise(amount=800.0, days=2)
        with freeze_time(f'{self.today + timedelta(days=1)} 17:00:00'):
            self._pay(self.invoice_a, 200.0)
        self._check_cron(promise.date + timedelta(days=1))
        self.assertEqual(promise.state, 'partially_kept')
        self.assertEqual(promise.paid_amount, 200.0)

    def test_policy_limits(self):
        self.policy.write({'promise_max_days': 15, 'promise_min_percent': 25.0})
        with self.assertRaisesRegex(ValidationError, 'beyond 2026-06-30'):
            self._promise(days=16)
        with self.assertRaisesRegex(ValidationError, 'at least'):
            self._promise(amount=200.0)
        with self.assertRaisesRegex(ValidationError, 'more than what is due'):
            self._promise(amount=1500.0)
        with self.assertRaisesRegex(ValidationError, 'past'):
            self._promise(days=-1)
        self.assertTrue(self._promise(amount=250.0, days=15))

    def test_limit_message_is_translated(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.collector_1.lang = 'es_MX'
        with self.assertRaisesRegex(ValidationError, 'no permite promesas posteriores al 2026-07-15'):
            self._promise(days=60, lang='es_MX')

    def test_kept_rate_per_collector_and_debtor(self):
        kept = self._promise(amount=500.0, days=1)
        with freeze_time(f'{self.today} 18:00:00'):
            self._pay(self.invoice_a, 500.0)
        self.assertEqual(kept.state, 'kept')
        broken = self._promise(amount=500.0, days=1)
        self._check_cron(broken.date + timedelta(days=1))
        self.assertEqual(broken.state, 'broken')
        Promise = self.env['cobranza.promise']
        self.assertEqual(Promise._kept_rate_by('collector_id'), {self.collector_1.id: 50.0})
        self.assertEqual(Promise._kept_rate_by('partner_id'), {self.customer_a.id: 50.0})
        self.assertEqual(self.account_a.promise_kept_rate, 50.0)
        self.assertEqual(self.customer_a.cobranza_promise_kept_rate, 50.0)
        self.assertEqual(self.customer_a.cobranza_promise_ids, kept | broken)
        self.assertEqual(self.account_a.promise_count, 2)
        self.assertEqual(sum(Promise.search([]).mapped('kept_count')), 1)
        self.assertEqual(sum(Promise.search([]).mapped('resolved_count')), 2)

    def test_collector_sees_only_own_promises(self):
        promise = self._promise()
        self.assertFalse(self.env['cobranza.promise'].with_user(self.collector_2).search([]))
        with self.assertRaises(AccessError):
            promise.with_user(self.collector_2).read(['amount'])
        with self.assertRaises(AccessError):
            self._promise(user=self.collector_1, account=self.account_b)
        self.assertEqual(self.env['cobranza.promise'].with_user(self.supervisor).search([]), promise)
        with self.assertRaises(AccessError):
            promise.with_user(self.collector_1).write({'state': 'kept'})
        with self.assertRaises(UserError):
            promise.with_user(self.collector_1).action_cancel()
        promise.with_user(self.supervisor).action_cancel()
        self.assertEqual(promise.state, 'cancelled')
        with self.assertRaises(UserError):
            promise.unlink()

    def test_company_rule(self):
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        promise = self._promise()
        boss = self._new_user('supervisor_other', 'cobranza_mx.group_cobranza_supervisor', company=other)
        self.assertFalse(self.env['cobranza.promise'].with_user(boss).search([('id', '=', promise.id)]))

    def test_promise_needs_invoices_of_its_account(self):
        with self.assertRaises(ValidationError):
            self.env['cobranza.promise'].create({
                'account_id': self.account_a.id, 'move_ids': [Command.set((self.invoice_a | self.invoice_b).ids)],
                'amount': 1000.0, 'date': self.today + timedelta(days=1)})
