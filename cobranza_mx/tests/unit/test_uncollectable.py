from datetime import date
from decimal import Decimal
from unittest import TestCase

from ...tools import amount_words as aw
from ...tools import uncollectable as uc

DUE = date(2025, 3, 10)
UDI = {DUE: Decimal('8.000000'), date(2025, 4, 10): Decimal('8.100000')}


def debtor(*debts, **kwargs):
    return uc.Debtor('p', tuple(uc.Credit(index, due, Decimal(str(amount)))
                                for index, (due, amount) in enumerate(debts)), **kwargs)


class TestBasis(TestCase):

    def test_one_credit_both_sides_of_the_limit(self):
        # 30,000 UDIS at 8.0 = 240,000.00 pesos: at the limit is (a), a cent above is not.
        at_limit = uc.evaluate(debtor((DUE, '240000.00')), UDI, date(2026, 3, 11))
        self.assertEqual(at_limit.basis, uc.BASIS_SMALL)
        self.assertEqual(at_limit.total_udis, Decimal('30000'))
        above = uc.evaluate(debtor((DUE, '240000.01')), UDI, date(2026, 3, 11))
        self.assertIsNone(above.basis)
        self.assertFalse(above.is_candidate)

    def test_credits_of_one_debtor_add_up(self):
        # 150,000 / 8.0 + 100,000 / 8.1 = 18,750 + 12,345.679 > 30,000: neither is (a) on its own limit.
        result = uc.evaluate(debtor((DUE, 150000), (date(2025, 4, 10), 100000)), UDI, date(2026, 6, 1))
        self.assertEqual(result.total_udis, Decimal('18750') + Decimal('12345.679012'))
        self.assertIsNone(result.basis)
        judicial = uc.evaluate(debtor((DUE, 150000), (date(2025, 4, 10), 100000), judicial=True), UDI,
                               date(2026, 6, 1))
        self.assertEqual(judicial.basis, uc.BASIS_JUDICIAL)
        self.assertEqual(judicial.missing, [uc.EV_RULING])
        self.assertEqual(len(judicial.eligible), 2)

    def test_both_sides_of_one_year(self):
        # Due 10 March 2025, in default from the 11th: one year on 11 March 2026.
        self.assertEqual(uc.one_year_of_default(DUE), date(2026, 3, 11))
        before = uc.evaluate(debtor((DUE, 1000)), UDI, date(2026, 3, 10))
        self.assertIsNone(before.basis)
        on = uc.evaluate(debtor((DUE, 1000)), UDI, date(2026, 3, 11))
        self.assertEqual(on.basis, uc.BASIS_SMALL)
        self.assertEqual(on.month, date(2026, 3, 1))
        self.assertEqual(on.missing, [])

    def test_only_the_credits_a_year_late_are_eligible(self):
        result = uc.evaluate(debtor((DUE, 1000), (date(2025, 4, 10), 1000), business_activity=True),
                             UDI, date(2026, 4, 1))
        self.assertEqual([r.credit.key for r in result.eligible], [0])
        self.assertEqual(result.missing, [uc.EV_NOTICE])

    def test_insolvency(self):
        result = uc.evaluate(debtor((DUE, 500000), insolvency_date=date(2025, 9, 3)), UDI, date(2025, 10, 1))
        self.assertEqual(result.basis, uc.BASIS_INSOLVENCY)
        self.assertEqual(result.month, date(2025, 9, 1))
        self.assertEqual(result.missing, [uc.EV_INSOLVENCY])
        # A ruling in the future does not count yet.
        later = uc.evaluate(debtor((DUE, 500000), insolvency_date=date(2025, 11, 3)), UDI, date(2025, 10, 1))
        self.assertIsNone(later.basis)

    def test_missing_udi_value_is_an_error(self):
        with self.assertRaises(uc.MissingUdiError) as caught:
            uc.evaluate(debtor((DUE, 1000), (date(2025, 5, 1), 10)), UDI, date(2026, 6, 1))
        self.assertEqual(caught.exception.dates, [date(2025, 5, 1)])

    def test_leap_day(self):
        self.assertEqual(uc.add_years(date(2024, 2, 29), 1), date(2025, 3, 1))
        self.assertEqual(uc.one_year_of_default(date(2024, 2, 28)), date(2025, 3, 1))

    def test_basis_errors(self):
        self.assertEqual(uc.basis_errors(uc.BASIS_SMALL, Decimal(100), [DUE], date(2026, 3, 11), set(), False), [])
        codes = [c for c, _d in uc.basis_errors(uc.BASIS_SMALL, Decimal(30001), [DUE], date(2026, 3, 10),
                                                set(), True)]
        self.assertEqual(codes, ['above_limit', 'not_one_year', 'missing_notice'])
        codes = [c for c, _d in uc.basis_errors(uc.BASIS_JUDICIAL, Decimal(40000), [DUE], DUE, set(), False)]
        self.assertEqual(codes, ['missing_ruling'])
        self.assertEqual(uc.basis_errors(uc.BASIS_JUDICIAL, Decimal(40000), [DUE], DUE, {'ruling'}, False), [])
        codes = [c for c, _d in uc.basis_errors(uc.BASIS_INSOLVENCY, Decimal(1), [DUE], DUE, set(), False)]
        self.assertEqual(codes, ['no_insolvency', 'missing_insolvency_ruling'])


class TestAmountInWords(TestCase):

    def test_mexican_amounts(self):
        cases = {
            '0.01': 'CERO PESOS 01/100 M.N.',
            '1.00': 'UN PESO 00/100 M.N.',
            '21.21': 'VEINTIÚN PESOS 21/100 M.N.',
            '1000000.00': 'UN MILLÓN DE PESOS 00/100 M.N.',
            '123456.78': 'CIENTO VEINTITRÉS MIL CUATROCIENTOS CINCUENTA Y SEIS PESOS 78/100 M.N.',
            '21001.50': 'VEINTIÚN MIL UN PESOS 50/100 M.N.',
            '2000000': 'DOS MILLONES DE PESOS 00/100 M.N.',
            '1000101.999': 'UN MILLÓN CIENTO DOS PESOS 00/100 M.N.',
        }
        for amount, words in cases.items():
            with self.subTest(amount=amount):
                self.assertEqual(aw.amount_in_words(Decimal(amount)), words)
        self.assertEqual(aw.amount_in_words(1, 'USD'), 'UN DÓLAR 00/100 USD')
        with self.assertRaises(ValueError):
            aw.amount_in_words(-1)
