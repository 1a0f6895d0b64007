from datetime import date
from decimal import Decimal
from unittest import TestCase

from ...tools.account_figures import (
    ACCOUNT_FIGURES,
    InvoiceTotals,
    account_figures,
    closed_account_figures,
    figures_changed,
)
from ...tools.stages import STAGE_RANK, WRITTEN_OFF

RUN = date(2026, 6, 15)
EARLIER = date(2026, 5, 1)


def as_dict(values):
    return dict(zip(ACCOUNT_FIGURES, values, strict=True))


def replaced(values, name, value):
    return tuple(value if field == name else old for field, old in zip(ACCOUNT_FIGURES, values, strict=True))


class TestAccountFigures(TestCase):
    """The figures the daily run writes on a collection account."""

    def test_figures_of_an_account_entering_a_stage(self):
        figures = as_dict(account_figures(
            RUN, 7, 2, InvoiceTotals(Decimal('1500.50'), Decimal('1000.25'), 75, 3, date(2026, 9, 1))))
        self.assertEqual(figures, {
            'stage_id': 7, 'stage_code': 'extrajudicial', 'stage_date': RUN, 'total_due': 1500.5,
            'total_overdue': 1000.25, 'oldest_overdue_days': 75, 'open_invoice_count': 3,
            'overdue_bucket': '61_90',
            # rank 2 * 1000 + 75 days + log10(1001.25) * 50 = 2000 + 75 + 150.03
            'priority': 2225.03,
            'next_action_date': date(2026, 9, 1), 'last_run_date': RUN,
        })
        self.assertIsInstance(figures['total_due'], float)

    def test_stage_date_kept_while_the_stage_stays(self):
        same = as_dict(account_figures(RUN, 7, 2, InvoiceTotals(100, 100, 70, 1), old_stage_id=7,
                                       old_stage_date=EARLIER))
        self.assertEqual(same['stage_date'], EARLIER)
        moved = as_dict(account_figures(RUN, 8, 3, InvoiceTotals(100, 100, 200, 1), old_stage_id=7,
                                        old_stage_date=EARLIER))
        self.assertEqual(moved['stage_date'], RUN)
        left = as_dict(account_figures(RUN, None, None, InvoiceTotals(100, 0, 0, 1), old_stage_id=7,
                                       old_stage_date=EARLIER))
        self.assertIsNone(left['stage_date'])

    def test_stage_unknown_to_the_run(self):
        """A stage of no rule of the run (rank None): no family, and the priority of no stage."""
        figures = as_dict(account_figures(RUN, 99, None, InvoiceTotals(500, 0, 0, 1)))
        self.assertIsNone(figures['stage_code'])
        self.assertEqual(figures['overdue_bucket'], 'not_due')
        # rank -1: -1000 + 0 days + log10(1) * 50
        self.assertEqual(figures['priority'], -1000.0)
        self.assertEqual(figures['stage_date'], RUN)

    def test_closed_account(self):
        self.assertEqual(as_dict(closed_account_figures(RUN)), {
            'stage_id': None, 'stage_code': None, 'stage_date': None, 'total_due': 0.0, 'total_overdue': 0.0,
            'oldest_overdue_days': 0, 'open_invoice_count': 0, 'overdue_bucket': 'not_due', 'priority': 0.0,
            'next_action_date': None, 'last_run_date': RUN,
        })

    def test_change_detection(self):
        new = account_figures(RUN, 7, 2, InvoiceTotals(1500.5, 1000.25, 75, 3), old_stage_id=7,
                              old_stage_date=EARLIER)
        # As read back from the database: numerics are Decimals, the last run an earlier day.
        stored = (7, 'extrajudicial', EARLIER, Decimal('1500.50'), Decimal('1000.25'), 75, 3, '61_90',
                  Decimal('2225.03'), None, EARLIER)
        self.assertFalse(figures_changed(stored, new), "the run date alone is no change")
        self.assertTrue(figures_changed(replaced(stored, 'total_overdue', Decimal('1000.26')), new))
        self.assertTrue(figures_changed(replaced(stored, 'stage_date', RUN), new))
        self.assertTrue(figures_changed(replaced(stored, 'next_action_date', date(2026, 9, 1)), new))
        self.assertFalse(figures_changed(closed_account_figures(EARLIER), closed_account_figures(RUN)))
        self.assertTrue(figures_changed(closed_account_figures(RUN), new))

    def test_written_off_account_is_last_in_the_worklists(self):
        candidate = as_dict(account_figures(RUN, 5, STAGE_RANK['uncollectable'], InvoiceTotals(0, 0, 0, 0)))
        written_off = as_dict(account_figures(RUN, 6, STAGE_RANK[WRITTEN_OFF], InvoiceTotals(0, 0, 0, 0)))
        self.assertEqual(written_off['stage_code'], WRITTEN_OFF)
        self.assertGreater(candidate['priority'], 0)
        self.assertLess(written_off['priority'], 0, "below an account without stage")
        # A new invoice of a written-off debtor counts without the stage's weight.
        active = as_dict(account_figures(RUN, 6, STAGE_RANK[WRITTEN_OFF], InvoiceTotals(700, 700, 5, 1)))
        self.assertEqual(active['priority'], as_dict(account_figures(RUN, None, None, InvoiceTotals(700, 700, 5, 1)))
                         ['priority'])
