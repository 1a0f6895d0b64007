from datetime import date
from unittest import TestCase

from ...tools import agreements as ta


class TestSchedule(TestCase):
    start = date(2026, 1, 31)

    def test_equal_installments_add_up(self):
        rows = ta.generate_schedule(1000.0, 0.0, 3, 'monthly', self.start)
        self.assertEqual([r['amount'] for r in rows], [333.33, 333.33, 333.34])
        self.assertEqual([r['date'] for r in rows], [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)])
        self.assertFalse(any(r['down_payment'] for r in rows))

    def test_down_payment_first_without_interest(self):
        rows = ta.generate_schedule(1200.0, 200.0, 2, 'biweekly', date(2026, 6, 1), monthly_rate=3.0,
                                    down_payment_date=date(2026, 5, 25))
        self.assertEqual(rows[0], {'date': date(2026, 5, 25), 'amount': 200.0, 'principal': 200.0,
                                   'interest': 0.0, 'down_payment': True})
        self.assertEqual([r['date'] for r in rows[1:]], [date(2026, 6, 1), date(2026, 6, 15)])
        self.assertAlmostEqual(sum(r['principal'] for r in rows), 1200.0, places=2)
        # 3 % a month is 1.4 % in 14 days, on the balance: 14.00 on 1000, then on what is left.
        self.assertEqual(rows[1]['interest'], 14.0)
        self.assertLess(rows[2]['interest'], rows[1]['interest'])
        self.assertAlmostEqual(rows[1]['amount'], rows[2]['amount'], delta=0.02)

    def test_french_amortization_monthly(self):
        rows = ta.generate_schedule(10000.0, 0.0, 12, 'monthly', date(2026, 7, 15), monthly_rate=2.0)
        # The textbook payment of 10,000 at 2 % a month in 12: 945.60.
        self.assertEqual(rows[0]['amount'], 945.6)
        self.assertAlmostEqual(sum(r['principal'] for r in rows), 10000.0, places=2)
        self.assertEqual(rows[0]['interest'], 200.0)

    def test_semimonthly_and_weekly_dates(self):
        self.assertEqual(ta.installment_dates(date(2026, 3, 5), 4, 'semimonthly'),
                         [date(2026, 3, 5), date(2026, 3, 20), date(2026, 4, 5), date(2026, 4, 20)])
        self.assertEqual(ta.installment_dates(date(2026, 3, 5), 2, 'weekly'), [date(2026, 3, 5), date(2026, 3, 12)])

    def test_bad_input(self):
        for args in ((0, 0, 3), (100, 100, 3), (100, -1, 3), (100, 0, 0)):
            with self.assertRaises(ValueError):
                ta.generate_schedule(*args, 'monthly', self.start)
        with self.assertRaises(ValueError):
            ta.generate_schedule(100, 0, 2, 'yearly', self.start)
        with self.assertRaises(ValueError):
            ta.generate_schedule(100, 0, 2, 'monthly', self.start, monthly_rate=-1)


class TestAllocation(TestCase):
    day = date(2026, 6, 15)

    def test_in_order_and_spilling(self):
        self.assertEqual(ta.allocate_payments([300, 300, 400], 0), [0.0, 0.0, 0.0])
        self.assertEqual(ta.allocate_payments([300, 300, 400], 450), [300.0, 150.0, 0.0])
        self.assertEqual(ta.allocate_payments([300, 300, 400], 2000), [300.0, 300.0, 400.0])
        self.assertEqual(ta.allocate_payments([300, 300], -5), [0.0, 0.0])

    def test_verdict(self):
        schedule = [(date(2026, 6, 1), 300.0), (date(2026, 7, 1), 300.0), (date(2026, 8, 1), 400.0)]
        verdict, rows = ta.agreement_verdict(schedule, 300, date(2026, 7, 3), grace_days=5)
        self.assertEqual(verdict, ta.ACTIVE, "the second is late but within the grace")
        self.assertEqual([state for _paid, state in rows], [ta.PAID, ta.PENDING, ta.PENDING])
        verdict, rows = ta.agreement_verdict(schedule, 450, date(2026, 7, 7), grace_days=5)
        self.assertEqual(verdict, ta.BROKEN)
        self.assertEqual(rows[1], (150.0, ta.LATE))
        self.assertEqual(ta.agreement_verdict(schedule, 1000, date(2026, 6, 2))[0], ta.COMPLETED)
        self.assertEqual(ta.agreement_verdict(schedule, 999.5, date(2026, 9, 2), tolerance=1.0)[0], ta.COMPLETED)

    def test_installment_state(self):
        self.assertEqual(ta.installment_state(100, 50, self.day, self.day), ta.PARTIAL)
        self.assertEqual(ta.installment_state(100, 0, self.day, date(2026, 6, 16)), ta.LATE)
        self.assertEqual(ta.installment_state(100, 0, self.day, date(2026, 6, 16), grace_days=1), ta.PENDING)


class TestApproval(TestCase):
    limits = {'collector': (6, 5.0), 'supervisor': (12, 20.0)}

    def test_months(self):
        self.assertEqual(ta.months_spanned(date(2026, 1, 15), date(2026, 3, 16)), 3)
        self.assertEqual(ta.months_spanned(date(2026, 1, 15), date(2026, 3, 15)), 2)
        self.assertEqual(ta.months_spanned(date(2026, 1, 15), date(2026, 1, 1)), 0)

    def test_roles(self):
        self.assertEqual(ta.required_role(6, 5.0, self.limits), 'collector')
        self.assertEqual(ta.required_role(7, 0.0, self.limits), 'supervisor')
        self.assertEqual(ta.required_role(3, 5.01, self.limits), 'supervisor')
        self.assertEqual(ta.required_role(13, 0.0, self.limits), 'manager')
        self.assertEqual(ta.required_role(1, 25.0, self.limits), 'manager')
        self.assertTrue(ta.role_allows('manager', 'supervisor'))
        self.assertFalse(ta.role_allows('collector', 'supervisor'))
        self.assertFalse(ta.role_allows(None, 'collector'))


class TestSplit(TestCase):
    def test_proportional_and_exact(self):
        self.assertEqual(ta.split_amount([1000, 3000], 400), [100.0, 300.0])
        parts = ta.split_amount([100, 100, 100], 100)
        self.assertEqual(parts, [33.33, 33.33, 33.34])
        with self.assertRaises(ValueError):
            ta.split_amount([100], 101)
        with self.assertRaises(ValueError):
            ta.split_amount([100], 0)
