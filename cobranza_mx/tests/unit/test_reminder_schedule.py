"""Reminder occurrences; every expected UTC instant is written by hand (Mexico City is UTC-6 all year)."""
from datetime import date, datetime
from unittest import TestCase

from ...tools.reminder_schedule import reminder_occurrence

MEXICO_CITY = 'America/Mexico_City'
TIJUANA = 'America/Tijuana'
DUE = date(2026, 6, 15)  # a Monday
# The due date at 09:00 in Mexico City.
AT_DUE = datetime(2026, 6, 15, 15)


class TestReminderOccurrence(TestCase):

    def test_one_off(self):
        # Two days before the due date at 09:00 local.
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 13, 14, 59), -48), (None, None))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 13, 15), -48),
                         (0, datetime(2026, 6, 13, 15)))
        # Still due 24 hours after its moment, obsolete one second later.
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 16, 15), 0), (0, AT_DUE))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 16, 15, 0, 1), 0), (None, None))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 17, 15), 0, stale_hours=48),
                         (0, AT_DUE))

    def test_repeating(self):
        # Every 72 hours from the first day overdue at 09:00 local (2026-06-16 15:00 UTC).
        first = datetime(2026, 6, 16, 15)
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 16, 14), 24, 72), (None, None))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, first, 24, 72), (0, first))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 19, 14, 59), 24, 72), (0, first))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 19, 15), 24, 72),
                         (1, datetime(2026, 6, 19, 15)))
        # Never stale: weeks later it is the latest occurrence.
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 7, 1, 16), 24, 72),
                         (5, datetime(2026, 7, 1, 15)))

    def test_repeat_max(self):
        # At most 3 occurrences: the third (number 2) stays the one due.
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 6, 22, 15), 24, 72, repeat_max=3),
                         (2, datetime(2026, 6, 22, 15)))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 8, 1), 24, 72, repeat_max=3),
                         (2, datetime(2026, 6, 22, 15)))
        self.assertEqual(reminder_occurrence(DUE, MEXICO_CITY, datetime(2026, 8, 1), 24, 72, repeat_max=1),
                         (0, datetime(2026, 6, 16, 15)))

    def test_debtor_zone(self):
        # 09:00 in Tijuana in June is 16:00 UTC (UTC-7).
        self.assertEqual(reminder_occurrence(DUE, TIJUANA, datetime(2026, 6, 15, 15, 30), 0), (None, None))
        self.assertEqual(reminder_occurrence(DUE, TIJUANA, datetime(2026, 6, 15, 16), 0),
                         (0, datetime(2026, 6, 15, 16)))
