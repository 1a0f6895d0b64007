from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from odoo.addons.cobranza_mx.tests.test_withholding import WithholdingCommon


@tagged('post_install', '-at_install')
class TestBankMatchingOcaKeepMode(WithholdingCommon):
    """A journal in OCA's *keep* mode (the bank line's entry kept with its suspense line): a confirmed proposal
    is reconciled as OCA's own screen reconciles in that mode (account_reconcile_oca's
    ``_reconcile_bank_line_keep``), and OCA's Unreconcile undoes it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a.vat = 'AAA010101AAA'
        cls.Match = cls.env['cobranza.bank.match']
        cls.bank_journal.reconcile_mode = 'keep'
        cls.suspense_account = cls.bank_journal.suspense_account_id
        cls.suspense_account.reconcile = True

    def _bank_line(self, label, amount, journal=None):
        return self.env['account.bank.statement.line'].create({
            'journal_id': (journal or self.bank_journal).id, 'date': self.pay_date, 'payment_ref': label,
            'amount': amount})

    @staticmethod
    def _receivable(move):
        return move.line_ids.filtered(lambda aml: aml.account_type == 'asset_receivable')

    def _reconciliation(self, line):
        """What a reconciliation left: the line's own entry, and the entries reconciled with its suspense line,
        as sorted (account code, balance, partner set)."""
        _liquidity, suspense, _other = line._seek_for_lines()
        entries = (suspense._all_reconciled_lines() - suspense).move_id

        def items(moves):
            return sorted((aml.account_id.code, aml.balance, bool(aml.partner_id)) for aml in moves.line_ids)
        return items(line.move_id), entries, items(entries)

    def test_keep_mode_as_oca_screen(self):
        by_oca = self._services_invoice(self.customer_a)
        by_match = self._services_invoice(self.customer_b)
        # OCA's screen, in keep mode: the invoice's receivable added to the line, then Reconcile.
        oca_line = self._bank_line("SPEI RECIBIDO ABARROTES", 11600.0)
        with Form(oca_line, view='account_reconcile_oca.bank_statement_line_form_reconcile_view') as form:
            form.add_account_move_line_id = self._receivable(by_oca)
        oca_line.reconcile_bank_line()
        self.assertTrue(oca_line.is_reconciled)
        self.assertEqual((oca_line.reconcile_mode, by_oca.payment_state), ('keep', 'paid'))
        # The matching's proposal, confirmed.
        line = self._bank_line(f"SPEI RECIBIDO PAGO FACTURA {by_match.name}", 11600.0)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.statement_line_id, match.move_id), (line, by_match))
        match.with_user(self.supervisor).action_reconcile()
        self.assertEqual(match.state, 'reconciled')
        self.assertTrue(line.is_reconciled)
        self.assertEqual((line.reconcile_mode, by_match.payment_state), ('keep', 'paid'))
        # The same as OCA's: the line's entry kept (bank and suspense), a posted entry of the bank journal
        # reversing the suspense line against the invoice's receivable, the suspense line reconciled.
        own, entry, items = self._reconciliation(line)
        oca_own, oca_entry, oca_items = self._reconciliation(oca_line)
        self.assertEqual(own, oca_own)
        self.assertEqual([code for code, _balance, _partner in own],
                         sorted([self.bank_journal.default_account_id.code, self.suspense_account.code]))
        self.assertEqual(items, oca_items)
        self.assertEqual((len(entry), entry.journal_id, entry.state), (1, self.bank_journal, 'posted'))
        self.assertEqual((oca_entry.journal_id, oca_entry.state), (self.bank_journal, 'posted'))
        self.assertTrue(line._seek_for_lines()[1].reconciled)
        self.assertEqual(self._receivable(entry).full_reconcile_id, self._receivable(by_match).full_reconcile_id)
        # OCA's screen shows both alike.
        self.assertEqual(sorted(item['kind'] for item in line.reconcile_data_info['data']),
                         sorted(item['kind'] for item in oca_line.reconcile_data_info['data']))
        # OCA's Unreconcile reverses the entry: the invoice open again, the line back to reconcile.
        line.unreconcile_bank_line()
        self.assertTrue(entry.reversal_move_ids)
        self.assertFalse(line.is_reconciled)
        self.assertEqual(by_match.payment_state, 'not_paid')
        self.assertEqual(self.Match._match_company(self.company, auto=False).move_id, by_match)

    def test_keep_mode_usd_journal_net_of_withholdings(self):
        usd = self.setup_other_currency('USD', rates=[('2026-01-01', 0.05), ('2026-06-15', 0.04)])
        journal = self.env['account.journal'].create({
            'name': 'BBVA USD', 'code': 'BUSD', 'type': 'bank', 'currency_id': usd.id,
            'company_id': self.company.id, 'reconcile_mode': 'keep'})
        journal.suspense_account_id.reconcile = True
        invoice = self._services_invoice(self.customer_a, amount=1000.0, currency=usd)
        # 1,160 USD net of ISR 10 % (100.00) and IVA 10.6667 % (106.67) in USD.
        line = self._bank_line("WIRE AAA010101AAA", 953.33, journal=journal)
        match = self.Match._match_company(self.company)
        self.assertEqual((match.move_id, match.match_currency_id), (invoice, usd))
        match.action_reconcile()
        self.assertTrue(line.is_reconciled)
        self.assertEqual((invoice.payment_state, invoice.amount_residual), ('paid', 0.0))
        own, entry, _items = self._reconciliation(line)
        self.assertEqual(len(own), 2)  # kept: bank and suspense
        self.assertEqual(entry.journal_id, journal)
        writeoffs = entry.line_ids.filtered(lambda aml: aml.account_id in (self.isr_account | self.iva_account))
        self.assertEqual(sorted((aml.amount_currency, aml.balance) for aml in writeoffs),
                         [(100.0, 2500.0), (106.67, 2666.75)])
        counterpart = self._receivable(entry)
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (usd, -1160.0, -29000.0))
        # Odoo's exchange difference: 1,160 USD at 25 against 23,200 MXN when invoiced.
        exchange = counterpart.full_reconcile_id.reconciled_line_ids - counterpart - self._receivable(invoice)
        self.assertEqual(exchange.move_id.journal_id, self.company.currency_exchange_journal_id)
        self.assertAlmostEqual(sum(exchange.mapped('balance')), 5800.0)
        line.unreconcile_bank_line()
        self.assertFalse(line.is_reconciled)
        self.assertEqual(invoice.payment_state, 'not_paid')

    def test_keep_mode_needs_a_reconcilable_suspense_account(self):
        self.suspense_account.reconcile = False
        invoice = self._services_invoice(self.customer_a)
        line = self._bank_line(f"PAGO {invoice.name}", 11600.0)
        self.company.cobranza_bank_auto_confidence = 50
        match = self.Match._match_company(self.company)
        # Not reconciled automatically, and refused when confirmed: nothing changed.
        self.assertEqual(match.state, 'proposed')
        with self.assertRaises(UserError):
            match.action_reconcile()
        self.assertFalse(line.is_reconciled)
        self.assertEqual((match.state, invoice.payment_state), ('proposed', 'not_paid'))
