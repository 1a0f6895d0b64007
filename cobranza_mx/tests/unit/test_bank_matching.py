from decimal import Decimal
from unittest import TestCase

from ...tools.bank_matching import Invoice, Matcher, StatementLine


def _inv(id_, name, partner, residual, base, rfc='', carries=False):
    return Invoice(id_, name, partner, Decimal(residual), Decimal(base), '', rfc, carries)


class TestBankMatching(TestCase):

    def setUp(self):
        super().setUp()
        self.matcher = Matcher([
            _inv(1, 'INV/2026/00012', 10, '11600.00', '10000.00', 'AAA010101AAA'),
            _inv(2, 'INV/2026/00013', 10, '5800.00', '5000.00', 'AAA010101AAA'),
            _inv(3, 'INV/2026/00014', 20, '2320.00', '2000.00', 'BBB010101BBB'),
            _inv(4, 'INV/2026/00015', 30, '5800.00', '5000.00'),
        ])

    def test_reference_partner_exact(self):
        match = self.matcher.match(StatementLine(1, 'Pago fact inv 2026 00012', Decimal('11600'), 10))
        self.assertEqual((match.invoice_id, match.confidence, match.reasons),
                         (1, 100, ('reference', 'partner', 'exact')))

    def test_reference_with_other_amount_is_partial(self):
        match = self.matcher.match(StatementLine(1, 'INV/2026/00012', Decimal('5000'), 0))
        self.assertEqual((match.invoice_id, match.confidence, match.reasons), (1, 50, ('reference',)))
        self.assertEqual(match.difference, Decimal('6600.00'))

    def test_rfc_and_amount_net_of_withholdings(self):
        match = self.matcher.match(StatementLine(1, 'SPEI AAA010101AAA', Decimal('9533.33'), 0))
        self.assertEqual((match.invoice_id, match.reasons), (1, ('partner', 'net')))
        self.assertEqual(match.proposal.amounts_by_code(),
                         {'isr_10': Decimal('1000.00'), 'iva_2_3': Decimal('1066.67')})

    def test_amount_alone_only_when_unique(self):
        self.assertEqual(self.matcher.match(StatementLine(1, 'DEPOSITO', Decimal('2320.00'))).invoice_id, 3)
        # 5,800 is owed by two customers: no match without more.
        self.assertIsNone(self.matcher.match(StatementLine(1, 'DEPOSITO', Decimal('5800.00'))))
        self.assertIsNone(self.matcher.match(StatementLine(1, 'DEPOSITO', Decimal('777.77'))))

    def test_one_invoice_per_line(self):
        matches = self.matcher.match_all([StatementLine(1, 'INV/2026/00014', Decimal('2320'), 20),
                                          StatementLine(2, 'INV/2026/00014', Decimal('2320'), 0)])
        self.assertEqual([(m.line_id, m.invoice_id) for m in matches], [(1, 3)])

    def test_customer_with_many_invoices_through_the_amount_index(self):
        invoices = [_inv(100 + i, f'INV/2026/{1000 + i:05d}', 50, f'{1160 + i}.00', f'{1000 + i}.00')
                    for i in range(60)]
        matcher = Matcher(invoices)
        # Invoice 110: residual 1,170, base 1,010; paid net of ISR 10 % (101.00) + IVA 10.6667 % (107.73).
        match = matcher.match(StatementLine(1, 'DEPOSITO', Decimal('961.27'), 50))
        self.assertEqual((match.invoice_id, match.reasons), (110, ('partner', 'net')))
        self.assertEqual(matcher.match(StatementLine(2, 'DEPOSITO', Decimal('1175.00'), 50)).invoice_id, 115)
        self.assertIsNone(matcher.match(StatementLine(3, 'DEPOSITO', Decimal('5.00'), 50)))
