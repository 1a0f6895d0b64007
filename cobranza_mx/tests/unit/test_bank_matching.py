import random
import time
from decimal import Decimal
from unittest import TestCase

from ...tools.bank_matching import Invoice, Matcher, StatementLine, find_subsets


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


class TestFindSubsets(TestCase):
    """The bounded, deterministic subset-sum search of the combination matching."""

    def test_sizes_two_to_four(self):
        values = [1000, 2500, 4000, 7000, 15000]
        self.assertEqual(find_subsets(values, 3500), [(0, 1)])
        self.assertEqual(find_subsets(values, 7500), [(0, 1, 2)])
        self.assertEqual(find_subsets(values, 14500), [(0, 1, 2, 3)])
        self.assertEqual(find_subsets(values, 16000), [(0, 4)])
        self.assertEqual(find_subsets(values, 999999), [])
        self.assertEqual(find_subsets(values, 14500, max_size=3), [])
        # A single value is not a combination.
        self.assertEqual(find_subsets(values, 7000), [])

    def test_tolerance_per_value_and_limit(self):
        self.assertEqual(find_subsets([1000, 2500], 3502), [(0, 1)])  # 2 values: within 2 cents
        self.assertEqual(find_subsets([1000, 2500], 3503), [])
        # Two sets fit: both are returned (the caller calls it ambiguous), in a fixed order.
        self.assertEqual(find_subsets([1000, 2000, 1000, 2000], 3000), [(0, 1), (0, 3)])
        self.assertEqual(find_subsets([1000, 2000, 1000, 2000], 3000, limit=10),
                         [(0, 1), (0, 3), (1, 2), (2, 3)])

    def test_every_generated_combination_recovered(self):
        rnd = random.Random(7)
        for _case in range(200):
            values = rnd.sample(range(10_000, 5_000_000), 30)
            size = rnd.randint(2, 4)
            chosen = tuple(sorted(rnd.sample(range(30), size)))
            found = find_subsets(values, sum(values[i] for i in chosen), tolerance=0, limit=10)
            self.assertIn(chosen, found)
            for subset in found:
                self.assertEqual(sum(values[i] for i in subset), sum(values[i] for i in chosen))

    def test_bounded(self):
        # 40 values, no fit: the search answers at once (pairs indexed by their sum).
        values = [10 ** 6 + 7 * i for i in range(40)]
        started = time.perf_counter()
        self.assertEqual(find_subsets(values, 1), [])
        self.assertLess(time.perf_counter() - started, 1.0)


class TestSeveralInvoices(TestCase):
    """One bank line paying several open invoices of one debtor."""

    def setUp(self):
        super().setUp()
        self.invoices = [
            _inv(1, 'INV/2026/00101', 10, '11600.00', '10000.00', 'AAA010101AAA'),
            _inv(2, 'INV/2026/00102', 10, '5800.00', '5000.00', 'AAA010101AAA'),
            _inv(3, 'INV/2026/00103', 10, '3480.00', '3000.00', 'AAA010101AAA'),
            _inv(4, 'INV/2026/00104', 20, '5800.00', '5000.00', 'BBB010101BBB'),
        ]
        self.matcher = Matcher(self.invoices)

    def test_label_names_several_invoices_paid_exactly(self):
        match = self.matcher.match(StatementLine(1, 'PAGO FACTS INV/2026/00101 Y INV/2026/00103', Decimal('15080'), 10))
        self.assertEqual((match.invoice_ids, match.reasons, match.confidence),
                         ((1, 3), ('reference', 'partner', 'exact'), 100))
        self.assertEqual(match.difference, Decimal('0.00'))

    def test_label_names_several_invoices_paid_net(self):
        # 17,400 due; ISR 10 % + IVA 2/3 on both bases (10,000 and 5,000): 1,000 + 1,066.67 + 500 + 533.33.
        match = self.matcher.match(StatementLine(1, 'INV/2026/00101 INV/2026/00102', Decimal('14300.00')))
        self.assertEqual((match.invoice_ids, match.reasons), ((1, 2), ('reference', 'net')))
        self.assertEqual(match.proposal.amounts_by_code(),
                         {'isr_10': Decimal('1500.00'), 'iva_2_3': Decimal('1600.01')})  # 533.335 rounds up
        self.assertEqual({line.index for line in match.proposal.lines}, {0, 1})

    def test_references_of_two_debtors_are_not_combined(self):
        self.assertIsNone(self.matcher.match(StatementLine(1, 'INV/2026/00102 INV/2026/00104', Decimal('11600'))))

    def test_sum_of_the_debtors_invoices_without_reference(self):
        match = self.matcher.match(StatementLine(1, 'SPEI AAA010101AAA', Decimal('9280.00')))
        self.assertEqual((match.invoice_ids, match.reasons, match.confidence),
                         ((2, 3), ('partner', 'exact', 'combined'), 40))
        # Three invoices net of ISR 10 % + IVA 2/3 on each: 20,880 - 1,800 - 1,920.01, paid 17,160.00.
        match = self.matcher.match(StatementLine(2, 'DEPOSITO', Decimal('17160.00'), 10))
        self.assertEqual((match.invoice_ids, match.reasons), ((1, 2, 3), ('partner', 'net', 'combined')))
        self.assertEqual(sum(line.amount for line in match.proposal.lines), Decimal('3720.01'))
        self.assertEqual(match.difference - match.proposal.total, match.proposal.gap)
        self.assertLessEqual(abs(match.proposal.gap), Decimal('0.03'))

    def test_ambiguous_or_unknown_debtor_not_combined(self):
        matcher = Matcher([*self.invoices, _inv(5, 'INV/2026/00105', 10, '3480.00', '3000.00', 'AAA010101AAA')])
        # 5,800 + 3,480 with invoice 3 or invoice 5: two sets fit.
        self.assertIsNone(matcher.match(StatementLine(1, 'SPEI AAA010101AAA', Decimal('9280.00'))))
        # No debtor known: no combination search over everybody's invoices.
        self.assertIsNone(self.matcher.match(StatementLine(1, 'DEPOSITO', Decimal('9280.00'))))

    def test_one_invoice_fit_wins_over_a_combination(self):
        # 5,800 is invoice 2 alone, not a combination.
        self.assertEqual(self.matcher.match(StatementLine(1, 'DEPOSITO', Decimal('5800'), 10)).invoice_ids, (2,))

    def test_match_all_gives_each_invoice_once(self):
        matches = self.matcher.match_all([
            StatementLine(1, 'SPEI AAA010101AAA', Decimal('9280.00')),  # invoices 2 + 3, 40 points
            StatementLine(2, 'PAGO INV/2026/00103', Decimal('3480.00'), 10),  # invoice 3, 100 points
        ])
        self.assertEqual([(m.line_id, m.invoice_ids) for m in matches], [(2, (3,))])


class TestForeignCurrency(TestCase):
    """USD invoices paid in MXN: converted at the rate of each line's date."""

    def setUp(self):
        super().setUp()
        usd = Invoice(7, 'INV/2026/00700', 70, Decimal('1160.00'), Decimal('1000.00'), '', 'CCC010101CCC', False,
                      'USD')
        mxn = _inv(8, 'INV/2026/00800', 80, '5800.00', '5000.00')
        self.rates = {'2026-06-20': {'USD': Decimal('25')}, '2026-06-21': {'USD': Decimal('20.5')}}
        self.matcher = Matcher([usd, mxn], rates=self.rates)

    def test_reference_paid_at_the_rate_of_the_line_date(self):
        match = self.matcher.match(StatementLine(1, 'PAGO INV/2026/00700', Decimal('29000.00'), 0, '2026-06-20'))
        self.assertEqual((match.invoice_id, match.reasons, match.residual), (7, ('reference', 'exact'),
                                                                            Decimal('29000.00')))
        # The next day's rate: 1,160 x 20.5 = 23,780.
        match = self.matcher.match(StatementLine(2, 'PAGO INV/2026/00700', Decimal('23780.00'), 0, '2026-06-21'))
        self.assertEqual((match.reasons, match.difference), (('reference', 'exact'), Decimal('0.00')))
        # The first day's amount on the second day is more than due: matched by its reference only.
        match = self.matcher.match(StatementLine(3, 'PAGO INV/2026/00700', Decimal('29000.00'), 0, '2026-06-21'))
        self.assertEqual(match.reasons, ('reference',))

    def test_rfc_net_of_withholdings_converted(self):
        # Base 25,000 MXN at 25: ISR 2,500 + IVA 2/3 2,666.68.
        match = self.matcher.match(StatementLine(1, 'SPEI CCC010101CCC', Decimal('23833.32'), 0, '2026-06-20'))
        self.assertEqual((match.invoice_id, match.reasons), (7, ('partner', 'net')))
        self.assertEqual(match.proposal.amounts_by_code(),
                         {'isr_10': Decimal('2500.00'), 'iva_2_3': Decimal('2666.68')})

    def test_no_rate_no_candidate_and_company_currency_unaffected(self):
        self.assertIsNone(self.matcher.match(StatementLine(1, 'PAGO INV/2026/00700', Decimal('29000'), 0,
                                                           '2026-07-01')))
        self.assertEqual(self.matcher.match(StatementLine(2, 'DEPOSITO', Decimal('5800'), 80, '2026-07-01')).invoice_id,
                         8)

    def test_match_all_converts_date_by_date(self):
        matches = self.matcher.match_all([
            StatementLine(2, 'PAGO INV/2026/00700', Decimal('23780.00'), 0, '2026-06-21'),
            StatementLine(1, 'DEPOSITO', Decimal('5800'), 80, '2026-06-20'),
        ])
        self.assertEqual([(m.line_id, m.invoice_id, m.reasons) for m in matches],
                         [(1, 8, ('partner', 'exact')), (2, 7, ('reference', 'exact'))])


class TestBankMatchingLinesInOtherCurrencies(TestCase):
    """Lines of a USD journal, or with a foreign amount: matched in the invoice's currency."""

    def setUp(self):
        super().setUp()
        self.matcher = Matcher([
            # 1,160 USD (base 1,000 USD), 11,600 MXN (base 10,000), 580 USD of another customer.
            Invoice(21, 'INV/2026/02100', 60, Decimal('1160.00'), Decimal('1000.00'), '', 'DDD010101DDD', False,
                    'USD'),
            _inv(22, 'INV/2026/02200', 60, '11600.00', '10000.00', 'DDD010101DDD'),
            Invoice(23, 'INV/2026/02300', 70, Decimal('580.00'), Decimal('500.00'), '', '', False, 'USD'),
        ], rates={'2026-06-20': {'USD': Decimal('18.00')}})

    def _usd_line(self, id_, label, usd, mxn=None, partner=0):
        """A line of a USD journal: ``usd``, and its balance at 18 MXN (``mxn`` when given)."""
        mxn = Decimal(mxn) if mxn else Decimal(usd) * 18
        return StatementLine(id_, label, mxn, partner, '2026-06-20', {'USD': Decimal(usd)}, Decimal('0.28'))

    def test_usd_invoice_from_a_usd_journal(self):
        match = self.matcher.match(self._usd_line(1, 'WIRE INV/2026/02100', '1160.00'))
        self.assertEqual((match.invoice_id, match.reasons, match.currency, match.residual, match.difference),
                         (21, ('reference', 'exact'), 'USD', Decimal('1160.00'), Decimal('0.00')))

    def test_usd_invoice_net_of_withholdings_in_usd(self):
        # ISR 10 % of 1,000 USD = 100.00, IVA 2/3 = 106.67: 953.33 USD.
        match = self.matcher.match(self._usd_line(1, 'WIRE DDD010101DDD', '953.33'))
        self.assertEqual((match.invoice_id, match.reasons, match.currency), (21, ('partner', 'net'), 'USD'))
        self.assertEqual(match.proposal.amounts_by_code(), {'isr_10': Decimal('100.00'), 'iva_2_3': Decimal('106.67')})

    def test_mxn_line_with_a_foreign_usd_amount(self):
        line = StatementLine(1, 'SPEI INV/2026/02300', Decimal('10150.00'), 0, '2026-06-20', {'USD': Decimal('580')})
        match = self.matcher.match(line)
        self.assertEqual((match.invoice_id, match.reasons, match.currency), (23, ('reference', 'exact'), 'USD'))

    def test_mxn_invoice_from_a_usd_journal_at_the_line_rate(self):
        # 644.45 USD at 18 = 11,600.10 MXN: within the conversion's tolerance of the 11,600 MXN invoice.
        match = self.matcher.match(self._usd_line(1, 'WIRE INV/2026/02200', '644.45'))
        self.assertEqual((match.invoice_id, match.reasons, match.currency), (22, ('reference', 'exact'), ''))
        # Net of ISR 10 % + IVA 2/3 computed in MXN (1,000 + 1,066.67): 9,533.33 MXN = 529.63 USD (9,533.34).
        match = self.matcher.match(self._usd_line(2, 'DDD010101DDD', '529.63', '9533.34'))
        self.assertEqual((match.invoice_id, match.reasons, match.currency), (22, ('partner', 'net'), ''))

    def test_not_matched_when_the_amount_differs(self):
        self.assertIsNone(self.matcher.match(self._usd_line(1, 'WIRE DDD010101DDD', '1150.00')))
        match = self.matcher.match(self._usd_line(2, 'WIRE INV/2026/02100', '1150.00'))
        self.assertEqual((match.reasons, match.difference), (('reference',), Decimal('10.00')))

    def test_same_confidence_in_two_currencies_is_ambiguous(self):
        # 11,600 MXN and 1,160 USD x 10: both exact for the same customer.
        matcher = Matcher([
            Invoice(21, 'INV/2026/02100', 60, Decimal('1160.00'), Decimal('1000.00'), currency='USD'),
            _inv(22, 'INV/2026/02200', 60, '11600.00', '10000.00')])
        self.assertIsNone(matcher.match(StatementLine(1, 'WIRE', Decimal('11600.00'), 60, '2026-06-20',
                                                      {'USD': Decimal('1160.00')}, Decimal('0.16'))))
