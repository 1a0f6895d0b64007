import random
from decimal import Decimal
from unittest import TestCase

from ...tools.withholding import (
    COMBINATIONS,
    RATES_BY_CODE,
    propose,
    settle,
    to_decimal,
    withholding_amount,
)


def _d(value):
    return Decimal(value)


class TestWithholdingAmounts(TestCase):

    def test_rates_of_the_law(self):
        base = _d('10000.00')
        self.assertEqual(withholding_amount(base, 'isr_10'), _d('1000.00'))
        self.assertEqual(withholding_amount(base, 'isr_1_25'), _d('125.00'))
        self.assertEqual(withholding_amount(base, 'iva_2_3'), _d('1066.67'))
        self.assertEqual(withholding_amount(base, 'iva_4'), _d('400.00'))
        # The 6 % of 2020 was repealed in 2021: not offered.
        self.assertEqual(set(RATES_BY_CODE), {'isr_10', 'isr_1_25', 'iva_2_3', 'iva_4'})

    def test_rounding_half_up_to_cents(self):
        # 0.125 * 0.10 = 0.0125 -> 0.01; 0.15 * 0.10 = 0.015 -> 0.02 (half up, not banker's).
        self.assertEqual(withholding_amount('0.15', 'isr_10'), _d('0.02'))
        self.assertEqual(withholding_amount('1.20', 'isr_1_25'), _d('0.02'))
        self.assertEqual(withholding_amount('1234.56', 'iva_2_3'), _d('131.69'))

    def test_combinations_one_isr_and_one_iva_at_most(self):
        self.assertEqual(len(COMBINATIONS), 9)
        for combo in COMBINATIONS:
            taxes = [RATES_BY_CODE[code].tax for code in combo]
            self.assertEqual(len(taxes), len(set(taxes)))


class TestPropose(TestCase):

    def test_services_isr_and_iva(self):
        solution = propose([_d('10000')], _d('2066.67'))
        self.assertEqual(solution.status, 'unique')
        proposal = solution.proposals[0]
        self.assertEqual(proposal.amounts_by_code(), {'isr_10': _d('1000.00'), 'iva_2_3': _d('1066.67')})
        self.assertEqual(proposal.gap, 0)

    def test_full_payment(self):
        self.assertEqual(propose([_d('10000')], _d('0')).status, 'paid')
        self.assertEqual(propose([_d('10000')], _d('0.01')).status, 'paid')

    def test_unexplained(self):
        solution = propose([_d('10000')], _d('777.77'))
        self.assertEqual(solution.status, 'unexplained')
        self.assertEqual(solution.proposals, ())
        # Overpayment is never a withholding.
        self.assertEqual(propose([_d('10000')], _d('-100')).status, 'unexplained')

    def test_ambiguous_between_invoices(self):
        # Two equal invoices, ISR 10 % of one of them: which one cannot be told.
        solution = propose([_d('1000'), _d('1000')], _d('100'))
        self.assertEqual(solution.status, 'ambiguous')
        self.assertEqual({p.codes for p in solution.proposals[:2]}, {((0, 'isr_10'),), ((1, 'isr_10'),)})

    def test_ambiguous_on_a_tiny_base(self):
        # On 0.30 ISR 10 % (0.03) and IVA 10.6667 % (0.03) cannot be told apart.
        self.assertEqual(propose([_d('0.30')], _d('0.03'), tolerance=0).status, 'ambiguous')

    def test_two_thirds_variants_accepted(self):
        # Exactly two thirds of the IVA on a large base is a few cents below 0.106667 x base.
        base = _d('987654.32')
        exact = (base * _d('0.16') * 2 / 3).quantize(_d('0.01'))
        nominal = withholding_amount(base, 'iva_2_3')
        self.assertNotEqual(exact, nominal)
        solution = propose([base], exact)
        self.assertEqual(solution.status, 'unique')
        proposal = solution.proposals[0]
        self.assertEqual(proposal.codes, ((0, 'iva_2_3'),))
        self.assertEqual(proposal.gap, exact - nominal)
        settled = settle(proposal)
        self.assertEqual(sum(line.amount for line in settled), exact)

    def test_restricted_codes(self):
        self.assertEqual(propose([_d('10000')], _d('1000'), codes={'iva_4'}).status, 'unexplained')

    def test_generated_single_invoice_cases_all_recovered(self):
        """Every combination over random bases: the single invoice's combination is found, and only it."""
        rnd = random.Random(20260614)
        for _i in range(300):
            base = to_decimal(rnd.uniform(100, 2_000_000))
            for combo in COMBINATIONS:
                if not combo:
                    continue
                difference = sum(withholding_amount(base, code) for code in combo)
                with self.subTest(base=base, combo=combo):
                    solution = propose([base], difference)
                    self.assertEqual(solution.status, 'unique')
                    self.assertEqual(solution.proposals[0].codes, tuple((0, code) for code in sorted(combo)))

    def test_generated_multi_invoice_cases_recovered(self):
        """Several invoices with per-invoice combinations: the generated one is always among the proposals
        and, when the solver says 'unique', it is that one."""
        rnd = random.Random(42)
        for _i in range(200):
            count = rnd.randint(2, 4)
            bases = [to_decimal(rnd.uniform(500, 300_000)) for _j in range(count)]
            assignment = [rnd.choice(COMBINATIONS) for _j in range(count)]
            if not any(assignment):
                assignment[0] = ('isr_10', 'iva_2_3')
            difference = sum(withholding_amount(bases[i], code) for i, combo in enumerate(assignment) for code in combo)
            expected = tuple(sorted((i, code) for i, combo in enumerate(assignment) for code in combo))
            with self.subTest(bases=bases, assignment=assignment):
                solution = propose(bases, difference)
                self.assertIn(solution.status, ('unique', 'ambiguous'))
                self.assertIn(expected, [p.codes for p in solution.proposals])
                if solution.status == 'unique':
                    self.assertEqual(solution.proposals[0].codes, expected)

    def test_generated_uniform_cases_many_invoices(self):
        """More invoices than the per-invoice search: the same combination on all of them is recovered."""
        rnd = random.Random(7)
        for combo in COMBINATIONS:
            if not combo:
                continue
            bases = [to_decimal(rnd.uniform(500, 300_000)) for _j in range(8)]
            difference = sum(withholding_amount(base, code) for base in bases for code in combo)
            with self.subTest(combo=combo):
                solution = propose(bases, difference)
                self.assertEqual(solution.status, 'unique')
                self.assertEqual({code for _i, code in solution.proposals[0].codes}, set(combo))

    def test_generated_unexplained_differences(self):
        """A difference between every combination's total (more than the tolerance from each) is unexplained."""
        rnd = random.Random(99)
        for _i in range(200):
            base = to_decimal(rnd.uniform(1000, 500_000))
            totals = sorted(sum(withholding_amount(base, code) for code in combo) for combo in COMBINATIONS)
            k = rnd.randrange(1, len(totals) - 1)
            difference = to_decimal((totals[k] + totals[k + 1]) / 2)
            with self.subTest(base=base, difference=difference):
                self.assertEqual(propose([base], difference).status, 'unexplained')
