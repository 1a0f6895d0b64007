from datetime import date, timedelta
from unittest import TestCase

from ...tools.assignment import balance
from ...tools.stages import StageRule, place_invoice, priority_score, select_stage, sort_rules


class TestStageTools(TestCase):
    """The pure stage functions, without the ORM."""

    RULES = sort_rules([
        StageRule(3, 61, rank=2), StageRule(1, -5, rank=0), StageRule(2, 1, rank=1),
        StageRule(4, 181, min_amount=500.0, rank=3),
    ])

    def test_select_stage_boundaries(self):
        self.assertIsNone(select_stage(self.RULES, -6, 100))
        self.assertEqual(select_stage(self.RULES, -5, 100).id, 1)
        self.assertEqual(select_stage(self.RULES, 0, 100).id, 1)
        self.assertEqual(select_stage(self.RULES, 1, 100).id, 2)
        self.assertEqual(select_stage(self.RULES, 60, 100).id, 2)
        self.assertEqual(select_stage(self.RULES, 61, 100).id, 3)
        # The judicial stage needs 500 open: below it, the invoice stays extrajudicial.
        self.assertEqual(select_stage(self.RULES, 200, 499.99).id, 3)
        self.assertEqual(select_stage(self.RULES, 200, 500).id, 4)

    def test_place_invoice_next_action(self):
        due = date(2026, 1, 31)
        placement = place_invoice(self.RULES, due, date(2026, 2, 10), 1000.0)
        self.assertEqual(placement.stage_id, 2)
        self.assertEqual(placement.days_overdue, 10)
        self.assertEqual(placement.next_action_date, due + timedelta(days=61))
        before = place_invoice(self.RULES, due, date(2026, 1, 20), 1000.0)
        self.assertIsNone(before.stage_id)
        self.assertEqual(before.days_overdue, -11)
        self.assertEqual(before.next_action_date, due - timedelta(days=5))
        # The last stage has no next action; a small amount skips the judicial stage.
        self.assertIsNone(place_invoice(self.RULES, due, date(2027, 1, 1), 1000.0).next_action_date)
        self.assertIsNone(place_invoice(self.RULES, due, date(2026, 5, 1), 10.0).next_action_date)

    def test_priority_orders_stage_then_age_then_amount(self):
        self.assertGreater(priority_score(10, 5, 2), priority_score(1_000_000, 700, 1))
        self.assertGreater(priority_score(100, 40, 1), priority_score(100, 39, 1))
        self.assertGreater(priority_score(10_000, 40, 1), priority_score(100, 40, 1))
        self.assertGreater(priority_score(100, 40, 1, promises_due=1), priority_score(100, 40, 1))

    def test_balance_evens_loads(self):
        plan = balance([(1, 100), (2, 90), (3, 50), (4, 40), (5, 10)], {10: 0.0, 20: 0.0})
        loads = {10: 0, 20: 0}
        weights = {1: 100, 2: 90, 3: 50, 4: 40, 5: 10}
        for account_id, collector_id in plan.items():
            loads[collector_id] += weights[account_id]
        self.assertEqual(set(plan), set(weights))
        self.assertLessEqual(abs(loads[10] - loads[20]), 10)
        # A collector who already carries work gets the new accounts.
        self.assertEqual(set(balance([(1, 5), (2, 5)], {10: 1000.0, 20: 0.0}).values()), {20})
        self.assertEqual(balance([(1, 5)], {}), {})
