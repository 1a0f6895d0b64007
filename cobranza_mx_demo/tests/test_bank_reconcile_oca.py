from odoo.tests import tagged

from odoo.addons.cobranza_mx.tests.test_withholding import WithholdingCommon


@tagged('post_install', '-at_install')
class TestBankMatchingWithOcaReconcile(WithholdingCommon):
    """cobranza_mx's bank matching alongside OCA's account_reconcile_oca (installed with this demo module):
    a confirmed proposal leaves the statement line reconciled as OCA's reconciliation screen expects, and
    that screen can undo it as one of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.vat = 'AAA010101AAA'
        cls.Match = cls.env['cobranza.bank.match']

    def _bank_line(self, label, amount):
        return self.env['account.bank.statement.line'].create({
            'journal_id': self.bank_journal.id, 'date': self.pay_date, 'payment_ref': label, 'amount': amount})

    def _oca_data(self, line):
        """What OCA's screen shows of ``line``: its reconcile data, by kind."""
        line.invalidate_recordset()
        info = line.reconcile_data_info
        by_kind = {}
        for item in info['data']:
            by_kind.setdefault(item['kind'], []).append(item)
        return info, by_kind

    def test_oca_is_installed(self):
        module = self.env['ir.module.module'].search([('name', '=', 'account_reconcile_oca')])
        self.assertEqual(module.state, 'installed')
        self.assertIn('reconcile_data_info', self.env['account.bank.statement.line']._fields)

    def test_confirmed_proposal_is_reconciled_for_oca(self):
        invoice = self._services_invoice(self.customer_a)
        line = self._bank_line(f"SPEI RECIBIDO PAGO FACTURA {invoice.name}", 11600.0)
        # Before: OCA's screen offers the line to reconcile, with its suspense line.
        _info, by_kind = self._oca_data(line)
        self.assertFalse(line.is_reconciled)
        self.assertIn('suspense', by_kind)
        match = self.Match._match_company(self.company)
        match.with_user(self.supervisor).action_reconcile()
        self.assertEqual(match.state, 'reconciled')
        self.assertTrue(line.is_reconciled)
        self.assertEqual(line.reconcile_mode, 'edit')
        self.assertEqual(invoice.payment_state, 'paid')
        # After: no suspense line left, the bank (liquidity) line against the invoice's receivable.
        _info, by_kind = self._oca_data(line)
        self.assertNotIn('suspense', by_kind)
        self.assertEqual(sorted(by_kind), ['liquidity', 'other'])
        self.assertEqual([item['amount'] for item in by_kind['liquidity']], [11600.0])
        self.assertEqual([(item['move_id'], item['amount']) for item in by_kind['other']], [(invoice.id, -11600.0)])
        # OCA's own "to reconcile" list no longer holds it.
        pending = self.env['account.bank.statement.line'].search([('journal_id', '=', self.bank_journal.id),
                                                                  ('is_reconciled', '=', False)])
        self.assertNotIn(line, pending)
        # And OCA's Unreconcile button undoes it: the invoice is open again, the line back to reconcile.
        line.unreconcile_bank_line()
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'not_paid')
        _liquidity, suspense, _other = line._seek_for_lines()
        self.assertEqual(suspense.mapped('balance'), [-11600.0])
        self.assertIn(line, self.env['account.bank.statement.line'].search([('is_reconciled', '=', False)]))
        # OCA keeps the undone reconciliation as its proposal: the invoice, to confirm again on its screen.
        _info, by_kind = self._oca_data(line)
        self.assertEqual([item['move_id'] for item in by_kind['other']], [invoice.id])

    def test_several_invoices_net_of_withholdings_for_oca(self):
        first = self._services_invoice(self.customer_a)
        second = self._services_invoice(self.customer_a, amount=5000.0)
        line = self._bank_line(f"PAGO {first.name} {second.name}", 17400 - 3100.01)
        match = self.Match._match_company(self.company)
        self.assertEqual(match.move_ids, first + second)
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((first + second).mapped('payment_state'), ['paid', 'paid'])
        info, by_kind = self._oca_data(line)
        self.assertNotIn('suspense', by_kind)
        # The two invoices, and the four withholdings written off, each on its account.
        others = by_kind['other']
        self.assertEqual(sorted(item['move_id'] for item in others if item['move_id'] in (first + second).ids),
                         sorted((first + second).ids))
        withheld = sorted(round(item['amount'], 2) for item in others
                          if item['account_id'][0] in (self.isr_account | self.iva_account).ids)
        self.assertEqual(withheld, [500.0, 533.34, 1000.0, 1066.67])
        self.assertAlmostEqual(sum(item['amount'] for item in info['data']), 0.0, places=2)
        line.unreconcile_bank_line()
        self.assertEqual((first + second).mapped('payment_state'), ['not_paid', 'not_paid'])
