from datetime import date

from freezegun import freeze_time
from odoo.tests import tagged

from .test_dictamen import AS_OF, DictamenCommon


@tagged('post_install', '-at_install')
class TestDictamenWrittenOffStage(DictamenCommon):
    """The write-off puts the debtor in the written-off stage ("Incobrable"); the run leaves it there; the
    reversal brings it back to the stage the run computes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stage_written_off = cls.env.ref('cobranza_mx.stage_written_off')
        cls.invoice_1 = cls._invoice(cls.customer_a, date(2025, 1, 10), amount=150000.0)
        cls.invoice_2 = cls._invoice(cls.customer_a, date(2025, 3, 10), amount=50000.0)
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=AS_OF)
        cls.account = cls.invoice_1.cobranza_account_id

    def _written_off(self):
        dictamen = self._dictamen(self.customer_a, self.invoice_1 | self.invoice_2)
        self._document(dictamen, 'notice')
        dictamen.with_user(self.supervisor).action_submit()
        dictamen.with_user(self.manager_1).action_approve()
        with freeze_time('2026-06-16 18:00:00'):
            dictamen.with_user(self.manager_1).action_write_off()
        return dictamen

    def test_written_off_stays_uncollectable_and_reversal_returns_to_the_run(self):
        invoices = self.invoice_1 | self.invoice_2
        self.assertEqual(self.account.stage_id, self.stage_uncollectable, "a candidate before the dictamen")
        dictamen = self._written_off()
        self.assertEqual(invoices.cobranza_stage_id, self.stage_written_off)
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.assertEqual(self.stage_written_off.with_context(lang='es_MX').name, 'Incobrable')
        self.assertEqual(self.account.stage_id, self.stage_written_off)
        self.assertEqual(self.account.stage_code, 'written_off')
        history = self.env['cobranza.stage.history'].search([('move_id', 'in', invoices.ids),
                                                             ('reason', '=', 'write_off')])
        self.assertEqual(len(history), 2)
        self.assertEqual(history.from_stage_id, self.stage_uncollectable)
        self.assertEqual(sorted(history.mapped('amount_residual')), [50000.0, 150000.0])
        # The daily run leaves them where the write-off put them: closed, but not out of collection.
        run = self.env['cobranza.run']._run_for_company(self.company, run_date=date(2026, 6, 17))
        self.assertEqual(run.closed_count, 0)
        self.assertEqual(run.changed_count, 0)
        self.assertEqual(invoices.cobranza_stage_id, self.stage_written_off)
        self.assertEqual(self.account.stage_id, self.stage_written_off)
        self.assertEqual(self.account.total_due, 0.0)
        self.assertEqual(self.account.open_invoice_count, 0)
        self.assertEqual(self.account.oldest_overdue_days, 0)
        self.assertLess(self.account.priority, 0.0, "last in every worklist")
        self.assertFalse(self.account.invoice_ids, "nothing left to collect")
        # A new invoice of the debtor is collected; the account stays written off.
        new = self._invoice(self.customer_a, date(2026, 6, 10), amount=700.0)
        self.env['cobranza.run']._run_for_company(self.company, run_date=date(2026, 6, 17))
        self.assertEqual(new.cobranza_stage_id, self.stage_administrative)
        self.assertEqual(self.account.stage_id, self.stage_written_off)
        self.assertEqual(self.account.total_due, 700.0)
        self.assertEqual(self.account.open_invoice_count, 1)
        # Reversed: each invoice goes to the stage the run computes, and the run then changes nothing.
        with freeze_time('2026-06-18 18:00:00'):
            dictamen.with_user(self.manager_1).action_reverse_write_off()
        self.assertEqual(invoices.cobranza_stage_id, self.stage_uncollectable)
        self.assertEqual(self.account.stage_id, self.stage_uncollectable)
        self.assertEqual(self.env['cobranza.stage.history'].search_count(
            [('move_id', 'in', invoices.ids), ('reason', '=', 'write_off_reversed')]), 2)
        run = self.env['cobranza.run']._run_for_company(self.company, run_date=date(2026, 6, 18))
        self.assertEqual(run.changed_count, 0, "the reversal placed them where the run does")
        self.assertEqual(invoices.cobranza_stage_id, self.stage_uncollectable)
        self.assertEqual(self.account.stage_id, self.stage_uncollectable)
        self.assertEqual(self.account.total_due, 200700.0)

    def test_policy_without_a_written_off_stage_gets_one(self):
        policy = self.env['cobranza.policy'].create({'name': 'Cartera cedida', 'sequence': 1,
                                                     'partner_domain': f"[('id', '=', {self.customer_a.id})]"})
        self.env['cobranza.run']._run_for_company(self.company, run_date=AS_OF)
        self.assertEqual(self.invoice_1.cobranza_policy_id, policy)
        self._written_off()
        stage = self.invoice_1.cobranza_stage_id
        self.assertEqual((stage.code, stage.policy_id), ('written_off', policy))
        self.assertNotEqual(stage, self.stage_written_off)
        self.assertEqual(stage.name, self.stage_written_off.name)
        self.assertEqual(self.account.stage_id, stage)
        run = self.env['cobranza.run']._run_for_company(self.company, run_date=date(2026, 6, 17))
        self.assertEqual(run.closed_count, 0)
        self.assertEqual(self.account.stage_id, stage)
