from datetime import date

from odoo.tests import tagged

from odoo.addons.cobranza_mx.tests.test_withholding import WithholdingCommon


@tagged('post_install', '-at_install')
class TestBankUsdDemo(WithholdingCommon):
    """The demo's USD bank journal: its lines are matched in the invoices' currency, the exact one reconciled."""

    def test_usd_bank_demo(self):
        today = date(2026, 6, 30)
        # As the portfolio generator leaves it: one USD rate, today's.
        usd = self.env.ref('base.USD')
        usd.active = True
        self.env['res.currency.rate'].create({'currency_id': usd.id, 'company_id': self.company.id,
                                              'name': today, 'rate': 1 / 18.5})
        summary = self.env['cobranza.bank.usd.demo']._generate(self.company, today)
        self.assertEqual((summary['usd_lines'], summary['proposals'], summary['exact_state']), (5, 4, 'paid'))
        matches = self.env['cobranza.bank.match'].search([('company_id', '=', self.company.id)])
        by_label = {match.label.split()[1]: match for match in matches}
        self.assertEqual(sorted((match.match_currency_id.name, match.state, match.reasons.count(',') + 1)
                                for match in matches), sorted([
            ('USD', 'reconciled', 2), ('USD', 'proposed', 2), ('MXN', 'proposed', 2), ('USD', 'proposed', 3)]))
        self.assertEqual(by_label['MFR0606066F6'].withholding_data[0]['amount'], '150.00')
        # The exact one: 2,320 USD at 18.9 on the line's date against 18.5 when invoiced.
        reconciled = matches.filtered(lambda match: match.state == 'reconciled')
        counterpart = reconciled.statement_line_id.move_id.line_ids.filtered(
            lambda aml: aml.account_type == 'asset_receivable')
        self.assertEqual((counterpart.currency_id, counterpart.amount_currency, counterpart.balance),
                         (usd, -2320.0, -43848.0))
        exchange = counterpart.full_reconcile_id.reconciled_line_ids.move_id.filtered(
            lambda move: move.journal_id == self.company.currency_exchange_journal_id)
        self.assertEqual(len(exchange), 1)
        self.assertAlmostEqual(sum(exchange.line_ids.filtered(
            lambda aml: aml.account_type == 'asset_receivable').mapped('balance')), 2320 * (18.9 - 18.5))
        # The MXN invoice paid from the USD account, 1,227.51 USD at the line's rate: exact within the cent of
        # the dollar (23,200 - 23,199.94).
        paid_in_usd = by_label['PAGO']
        self.assertEqual((paid_in_usd.reasons, paid_in_usd.difference), ('invoice number, exact amount', 0.06))
        # Once.
        self.assertEqual(self.env['cobranza.bank.usd.demo']._generate(self.company, today), {})
