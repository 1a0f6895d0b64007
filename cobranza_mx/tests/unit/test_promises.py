from datetime import date
from unittest import TestCase

from ...tools import promises as tp


class TestPromiseState(TestCase):
    day = date(2026, 6, 15)

    def test_states_around_the_date(self):
        self.assertEqual(tp.promise_state(1000, 0, self.day, self.day), tp.OPEN)
        self.assertEqual(tp.promise_state(1000, 0, self.day, date(2026, 6, 16)), tp.BROKEN)
        self.assertEqual(tp.promise_state(1000, 10, self.day, date(2026, 6, 16)), tp.PARTIALLY_KEPT)
        self.assertEqual(tp.promise_state(1000, 1000, self.day, date(2026, 6, 1)), tp.KEPT)
        self.assertEqual(tp.promise_state(1000, 990, self.day, self.day, 1.0), tp.KEPT)
        self.assertEqual(tp.promise_state(1000, 989.98, self.day, self.day, 1.0), tp.OPEN)

    def test_limits(self):
        ok = tp.promise_limit_errors(100, self.day, self.day, 1000, 30, 10)
        self.assertEqual(ok, [])
        self.assertEqual(tp.promise_limit_errors(99, self.day, self.day, 1000, 30, 10)[0][0], 'amount_share')
        self.assertEqual(tp.promise_limit_errors(1001, self.day, self.day, 1000, 30, 10)[0][0], 'amount_above_debt')
        self.assertEqual(tp.promise_limit_errors(0, self.day, self.day, 1000, 30, 10)[0][0], 'amount_positive')
        self.assertEqual(tp.promise_limit_errors(500, date(2026, 7, 16), self.day, 1000, 30, 10)[0][0], 'date_far')
        self.assertEqual(tp.promise_limit_errors(500, date(2026, 6, 14), self.day, 1000, 30, 10)[0][0], 'date_past')

    def test_kept_rate(self):
        self.assertIsNone(tp.kept_rate({'open': 3}))
        self.assertEqual(tp.kept_rate({'kept': 1, 'broken': 2, 'partially_kept': 1, 'open': 5}), 25.0)
