from odoo.tests import tagged

from .test_withholding import WithholdingCommon


@tagged('post_install', '-at_install')
class TestBankMatchingCurrency(WithholdingCommon):
    """Bank lines of a USD journal, and MXN lines with a foreign USD amount, matched in the invoice's currency
    and reconciled with Odoo's exchange difference entry."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.vat = 'AAA010101AAA'
        cls.Match = cls.env['cobranza.bank.match']
        # 20 MXN per USD on the invoices' date, 25 on the payments' date.
        cls.usd = cls.setup_other_currency('USD', rates=[('2026-01-01', 0.05), ('2026-06-15', 0.04)])
        cls.usd_journal = cls.env['account.journal'].create({
            'name': 'BBVA USD', 'code': 'BUSD', 'type': 'bank', 'currency_id': cls.usd.id,
            'company_id': cls.company.id})

    def _line(self, label, amount, journal=None, **vals):
        return self.env['account.bank.statement.line'].create({
            'journal_id': (journal or self.usd_journal).id, 'date': self.pay_date, 'payment_ref': label,
            'amount': amount, **vals})

    def _exchange(self, counterpart, receivable):
        """The exchange difference items of the reconciliation of ``counterpart`` with ``receivable``."""
        lines = counterpart.full_reconcile_id.reconciled_line_ids - receivable - counterpart
        self.assertEqual(lines.move_id.journal_id, self.company.currency_exchange_journal_id)
        return lines

    @staticmethod
    def _receivable(move):
        return move.line_ids.filtered(lambda aml: aml.account_type == 'asset_receivable')

    def test_usd_journal_line_pays_usd_invoice_with_exchange_difference(self):
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=self.usd)
        self.assertEqual(self._receivable(invoice).balance, 23200.0)  # 1,160 USD at 20
        line = self._line(f"WIRE TRANSFER {invoice.name}", 1160.0)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.statement_line_id, match.move_id, match.match_currency_id),
                         (line, invoice, self.usd))
        self.assertEqual((match.amount, match.residual, match.difference, match.confidence),
                         (1160.0, 1160.0, 0.0, 75))
        match.with_user(self.supervisor).action_reconcile()
        self.assertEqual(match.state, 'reconciled')
        self.assertTrue(line.is_reconciled)
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ('paid', 0.0))
        counterpart = self._receivable(line.move_id)
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (self.usd, -1160.0, -29000.0))
        # 1,160 USD at 25 on the line's date against 23,200 MXN when invoiced: 5,800 MXN of exchange gain,
        # booked by Odoo's reconciliation in the exchange journal.
        exchange = self._exchange(counterpart, self._receivable(invoice))
        self.assertAlmostEqual(sum(exchange.mapped('balance')), 5800.0)
        gain = exchange.move_id.line_ids.filtered(
            lambda aml: aml.account_id == self.company.income_currency_exchange_account_id)
        self.assertAlmostEqual(gain.balance, -5800.0)

    def test_mxn_line_with_foreign_usd_amount(self):
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=self.usd)
        # The bank converted 1,160 USD at its own rate: 28,500 MXN credited to the MXN account.
        line = self._line(f"SPEI USD {invoice.name}", 28500.0, journal=self.bank_journal,
                          foreign_currency_id=self.usd.id, amount_currency=1160.0)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.move_id, match.match_currency_id, match.residual, match.confidence),
                         (invoice, self.usd, 1160.0, 75))
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'paid')
        counterpart = self._receivable(line.move_id)
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (self.usd, -1160.0, -28500.0))
        exchange = self._exchange(counterpart, self._receivable(invoice))
        self.assertAlmostEqual(sum(exchange.mapped('balance')), 28500.0 - 23200.0)

    def test_usd_invoice_net_of_isr_and_iva_in_usd(self):
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=self.usd)
        # ISR 10 % of 1,000 USD = 100.00 USD, IVA 10.6667 % = 106.67 USD: 953.33 USD received.
        line = self._line("WIRE AAA010101AAA HONORARIOS", 1160.0 - 100.0 - 106.67)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.move_id, match.match_currency_id, match.confidence), (invoice, self.usd, 45))
        self.assertEqual(match.withholding_data, [
            {'code': 'isr_10', 'base': '1000.00', 'amount': '100.00', 'move_id': invoice.id},
            {'code': 'iva_2_3', 'base': '1000.00', 'amount': '106.67', 'move_id': invoice.id}])
        self.assertIn('100.00', match.withholding_label)
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ('paid', 0.0))
        writeoffs = line.move_id.line_ids.filtered(lambda aml: aml.account_id in (self.isr_account | self.iva_account))
        self.assertEqual(sorted((aml.account_id, aml.currency_id, aml.amount_currency, aml.balance)
                                for aml in writeoffs), sorted([
            (self.isr_account, self.usd, 100.0, 2500.0), (self.iva_account, self.usd, 106.67, 2666.75)]))
        counterpart = self._receivable(line.move_id)
        self.assertEqual((counterpart.amount_currency, counterpart.balance), (-1160.0, -29000.0))
        self.assertAlmostEqual(sum(self._exchange(counterpart, self._receivable(invoice)).mapped('balance')),
                               5800.0)
        # Expected for the certificate in MXN, at the line's rate.
        rows = self.env['cobranza.withholding'].search([('move_id', '=', invoice.id)])
        self.assertEqual(sorted((row.code, row.base, row.amount) for row in rows),
                         [('isr_10', 25000.0, 2500.0), ('iva_2_3', 25000.0, 2666.75)])
        self.assertEqual(rows.certificate_id.state, 'expected')

    def test_mxn_invoice_paid_from_usd_journal(self):
        invoice = self._services_invoice(self.customer_a)  # 11,600 MXN
        other = self._services_invoice(self.customer_b, amount=5000.0)  # 5,800 MXN
        # 464 USD at 25 on the line's date = 11,600 MXN.
        line = self._line(f"WIRE {invoice.name}", 464.0)
        # 232.01 USD = 5,800.25 MXN: within a cent of the line's currency (and its rounding), matched.
        over = self._line(f"WIRE {other.name}", 232.01)
        matches = self.Match._match_company(self.company)
        match = matches.filtered(lambda m: m.statement_line_id == line)
        match_over = matches.filtered(lambda m: m.statement_line_id == over)
        self.assertEqual((match.move_id, match.match_currency_id, match.residual, match.confidence),
                         (invoice, self.company.currency_id, 11600.0, 75))
        self.assertEqual((match_over.move_id, match_over.confidence), (other, 75))
        self.assertAlmostEqual(match_over.difference, -0.25)
        matches.action_reconcile()
        self.assertTrue(line.is_reconciled and over.is_reconciled)
        self.assertEqual((invoice + other).mapped('payment_state'), ['paid', 'paid'])
        # The items in the line's currency at its rate, as Odoo's; the MXN invoice closed by 11,600 MXN.
        counterpart = self._receivable(line.move_id)
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (self.usd, -464.0, -11600.0))
        self.assertTrue(counterpart.reconciled)
        # The cent paid over is not written off silently: it stays open as the customer's credit.
        counterpart = self._receivable(over.move_id)
        self.assertEqual((counterpart.amount_currency, counterpart.balance), (-232.01, -5800.25))
        self.assertEqual((counterpart.reconciled, counterpart.amount_residual, counterpart.amount_residual_currency),
                         (False, -0.25, -0.01))

    def test_usd_journal_line_with_a_foreign_mxn_amount(self):
        invoice = self._services_invoice(self.customer_a)  # 11,600 MXN
        other = self._services_invoice(self.customer_b)  # 11,600 MXN too
        # The bank says what the line is worth in MXN: no conversion, so no tolerance beyond the cent.
        line = self._line("WIRE AAA010101AAA", 470.0, foreign_currency_id=self.company.currency_id.id,
                          amount_currency=11600.0)
        self._line("WIRE AAA010101AAA", 470.0, foreign_currency_id=self.company.currency_id.id,
                   amount_currency=11600.3, partner_id=self.customer_b.id)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.statement_line_id, match.move_id, match.match_currency_id, match.difference),
                         (line, invoice, self.company.currency_id, 0.0))
        match.action_reconcile()
        self.assertEqual((invoice + other).mapped('payment_state'), ['paid', 'not_paid'])
        counterpart = self._receivable(line.move_id)
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (self.company.currency_id, -11600.0, -11600.0))
        self.assertTrue(counterpart.reconciled)

    def test_not_matched_when_the_amount_differs(self):
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=self.usd)
        mxn_invoice = self._services_invoice(self.customer_a)
        # 1,100 USD: neither 1,160 USD nor net of a withholding combination; 27,500 MXN is not 11,600.
        line = self._line("WIRE AAA010101AAA", 1100.0)
        foreign = self._line("SPEI AAA010101AAA", 27000.0, journal=self.bank_journal,
                             foreign_currency_id=self.usd.id, amount_currency=1100.0)
        self.assertFalse(self.Match._match_company(self.company))
        self.assertFalse(line.is_reconciled or foreign.is_reconciled)
        self.assertEqual((invoice + mxn_invoice).mapped('payment_state'), ['not_paid', 'not_paid'])
        # Naming the invoice with another amount: a partial payment, proposed by its reference only.
        partial = self._line(f"WIRE {invoice.name}", 1100.0)
        match = self.Match._match_company(self.company, lines=partial)
        self.assertEqual((match.move_id, match.confidence, match.difference), (invoice, 50, 60.0))
        match.action_reconcile()
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ('partial', 60.0))
