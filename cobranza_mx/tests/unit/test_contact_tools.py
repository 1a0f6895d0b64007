"""The pure groundwork of the reminders: contact window, reminder moments, frequency cap, phones, WhatsApp.

Every expected UTC instant below is written by hand from the 2026 offsets (Tijuana UTC-8, and UTC-7
from 2026-03-08 10:00 UTC to 2026-11-01 09:00 UTC; Mexico City UTC-6, Cancún UTC-5, Hermosillo
UTC-7 all year), never computed with the code under test.
"""
import dataclasses
import json
import time
from datetime import date, datetime, timedelta, timezone
from unittest import TestCase

import pytz
import requests
from requests.adapters import HTTPAdapter

from ...tools.contact_window import (
    MX_STATE_TZ,
    ContactWindow,
    cap_allows,
    debtor_tz,
    group_key,
    group_reminders,
    is_open,
    next_allowed_moment,
    next_opening,
    reminder_moment,
    tz_for_state,
)
from ...tools.phone import InvalidPhoneError, normalize_mx_phone
from ...tools.whatsapp import (
    PermanentProviderError,
    TransientProviderError,
    UnknownOutcomeError,
    WhatsAppClient,
    backoff_seconds,
    parse_status_webhook,
    verify_challenge,
    verify_signature,
)
from ..whatsapp_server import MALFORMED, RESET, TIMEOUT, FakeWhatsAppServer, status_payload

TIJUANA = 'America/Tijuana'
MEXICO_CITY = 'America/Mexico_City'
CANCUN = 'America/Cancun'
HERMOSILLO = 'America/Hermosillo'
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


def utc(*args):
    return datetime(*args)


class TestContactWindow(TestCase):
    """Legal window, preferences, DST, reminder moments and the daily cap."""

    def test_state_zones(self):
        # That the states are exactly Odoo's is checked against its data in the Odoo suite (test_install).
        self.assertEqual(len(MX_STATE_TZ), 32)
        self.assertEqual(set(MX_STATE_TZ.values()) - pytz.all_timezones_set, set())
        self.assertEqual(tz_for_state('BCN'), TIJUANA)
        self.assertEqual(tz_for_state(' roo '), CANCUN)
        self.assertEqual(tz_for_state('SON'), HERMOSILLO)
        self.assertEqual(tz_for_state('CHH'), 'America/Chihuahua')
        self.assertEqual(tz_for_state('SIN'), 'America/Mazatlan')
        self.assertEqual(tz_for_state('NAY'), 'America/Mazatlan')
        self.assertEqual(tz_for_state('BCS'), 'America/Mazatlan')
        self.assertEqual(tz_for_state('JAL'), MEXICO_CITY)
        self.assertEqual(tz_for_state('XXX', default=CANCUN), CANCUN)
        self.assertEqual(tz_for_state(False), MEXICO_CITY)
        # The partner's own zone wins over the state's, an unknown one does not.
        self.assertEqual(debtor_tz(HERMOSILLO, 'BCN'), HERMOSILLO)
        self.assertEqual(debtor_tz('Mars/Olympus_Mons', 'ROO'), CANCUN)
        self.assertEqual(debtor_tz(False, False), MEXICO_CITY)

    def test_installed_zone_data(self):
        """The offsets the other tests are written with: a stale tzdata must fail here first."""
        expected = {TIJUANA: (-8, -7), MEXICO_CITY: (-6, -6), CANCUN: (-5, -5), HERMOSILLO: (-7, -7),
                    'America/Chihuahua': (-6, -6), 'America/Mazatlan': (-7, -7)}
        for zone, (january, july) in expected.items():
            tz = pytz.timezone(zone)
            offsets = tuple(pytz.utc.localize(utc(2026, month, 15, 12)).astimezone(tz).utcoffset()
                            for month in (1, 7))
            self.assertEqual(offsets, (timedelta(hours=january), timedelta(hours=july)), zone)

    def test_boundaries_in_four_zones(self):
        window = ContactWindow()
        # Wednesday 2026-01-14: 07:00 local and 22:00 local in UTC, and the local midnight before.
        cases = {
            TIJUANA: (utc(2026, 1, 14, 15), utc(2026, 1, 15, 6), utc(2026, 1, 14, 8)),
            MEXICO_CITY: (utc(2026, 1, 14, 13), utc(2026, 1, 15, 4), utc(2026, 1, 14, 6)),
            CANCUN: (utc(2026, 1, 14, 12), utc(2026, 1, 15, 3), utc(2026, 1, 14, 5)),
            HERMOSILLO: (utc(2026, 1, 14, 14), utc(2026, 1, 15, 5), utc(2026, 1, 14, 7)),
        }
        for zone, (opens, closes, midnight) in cases.items():
            with self.subTest(zone=zone):
                self.assertFalse(is_open(window, midnight, zone))
                self.assertFalse(is_open(window, opens - SECOND, zone))
                self.assertTrue(is_open(window, opens, zone))
                self.assertTrue(is_open(window, closes - SECOND, zone))
                self.assertFalse(is_open(window, closes, zone))
                self.assertFalse(is_open(window, midnight - SECOND, zone))
                self.assertEqual(next_opening(window, midnight, zone), opens)
                self.assertEqual(next_opening(window, opens - SECOND, zone), opens)
                self.assertEqual(next_opening(window, opens, zone), opens)
                self.assertEqual(next_opening(window, closes - SECOND, zone), closes - SECOND)
                self.assertEqual(next_opening(window, closes, zone), opens + DAY)
        # One instant, four answers: 13:30 UTC is 05:30, 07:30, 08:30 and 06:30 local.
        instant = utc(2026, 1, 14, 13, 30)
        self.assertEqual(
            [is_open(window, instant, zone) for zone in (TIJUANA, MEXICO_CITY, CANCUN, HERMOSILLO)],
            [False, True, True, False],
        )

    def test_tijuana_spring_forward_2026(self):
        window = ContactWindow()
        # Saturday 2026-03-07 still PST (UTC-8): 07:00 = 15:00 UTC, 22:00 = 06:00 UTC the next day.
        self.assertTrue(is_open(window, utc(2026, 3, 8, 5, 59, 59), TIJUANA))
        self.assertFalse(is_open(window, utc(2026, 3, 8, 6), TIJUANA))
        # Sunday 2026-03-08, clocks go from 02:00 PST to 03:00 PDT: 07:00 is 14:00 UTC.
        self.assertEqual(next_opening(window, utc(2026, 3, 8, 6), TIJUANA), utc(2026, 3, 8, 14))
        self.assertFalse(is_open(window, utc(2026, 3, 8, 13, 59, 59), TIJUANA))
        # The same UTC time is closed on Saturday (06:30 PST) and open on Sunday (07:30 PDT).
        self.assertFalse(is_open(window, utc(2026, 3, 7, 14, 30), TIJUANA))
        self.assertTrue(is_open(window, utc(2026, 3, 8, 14, 30), TIJUANA))
        # Mexico City and Cancún have no daylight saving any more: 07:00 stays 13:00 and 12:00 UTC.
        self.assertEqual(next_opening(window, utc(2026, 3, 8, 6), MEXICO_CITY), utc(2026, 3, 8, 13))
        self.assertEqual(next_opening(window, utc(2026, 3, 8, 6), CANCUN), utc(2026, 3, 8, 12))
        self.assertEqual(next_opening(window, utc(2026, 3, 8, 6), HERMOSILLO), utc(2026, 3, 8, 14))

    def test_tijuana_skipped_hour(self):
        # A window opening at 02:30, a time that does not exist on 2026-03-08: it opens at the
        # change itself, 10:00 UTC, when the clock jumps from 01:59:59 PST to 03:00 PDT.
        early = ContactWindow(start=2.5)
        self.assertEqual(next_opening(early, utc(2026, 3, 8, 9), TIJUANA), utc(2026, 3, 8, 10))
        self.assertFalse(is_open(early, utc(2026, 3, 8, 9, 59, 59), TIJUANA))
        # A Sunday window that lies entirely in the skipped hour waits for the next Sunday (PDT).
        inside_gap = ContactWindow(start=2.25, end=2.75, weekdays={6})
        self.assertEqual(next_opening(inside_gap, utc(2026, 3, 8, 9), TIJUANA), utc(2026, 3, 15, 9, 15))

    def test_tijuana_fall_back_2026(self):
        window = ContactWindow()
        # Saturday 2026-10-31 PDT (UTC-7): 22:00 = 05:00 UTC. Sunday 2026-11-01 is PST: 07:00 = 15:00 UTC.
        self.assertTrue(is_open(window, utc(2026, 11, 1, 4, 59, 59), TIJUANA))
        self.assertEqual(next_opening(window, utc(2026, 11, 1, 5), TIJUANA), utc(2026, 11, 1, 15))
        self.assertFalse(is_open(window, utc(2026, 11, 1, 14, 30), TIJUANA))
        # 22:00 PST on Sunday is 06:00 UTC on Monday.
        self.assertTrue(is_open(window, utc(2026, 11, 2, 5, 59, 59), TIJUANA))
        self.assertFalse(is_open(window, utc(2026, 11, 2, 6), TIJUANA))

    def test_tijuana_repeated_hour(self):
        # 01:30 happens twice on 2026-11-01: 08:30 UTC (PDT) and 09:30 UTC (PST). The first counts.
        window = ContactWindow(start=1.5)
        self.assertEqual(next_opening(window, utc(2026, 11, 1, 8), TIJUANA), utc(2026, 11, 1, 8, 30))
        # From the second 01:00 (09:00 UTC), 01:30 comes again at 09:30 UTC.
        self.assertEqual(next_opening(window, utc(2026, 11, 1, 9), TIJUANA), utc(2026, 11, 1, 9, 30))
        # A window closing at 01:30: closed at 01:40 PDT, open again when the clock goes back to 01:00.
        night = ContactWindow(start=0, end=1.5)
        self.assertFalse(is_open(night, utc(2026, 11, 1, 8, 40), TIJUANA))
        self.assertEqual(next_opening(night, utc(2026, 11, 1, 8, 40), TIJUANA), utc(2026, 11, 1, 9))
        self.assertTrue(is_open(night, utc(2026, 11, 1, 9, 20), TIJUANA))
        self.assertFalse(is_open(night, utc(2026, 11, 1, 9, 30), TIJUANA))

    def test_aware_datetimes(self):
        window = ContactWindow()
        answer = next_opening(window, datetime(2026, 3, 8, 6, tzinfo=timezone.utc), TIJUANA)
        self.assertEqual(answer, datetime(2026, 3, 8, 14, tzinfo=timezone.utc))
        self.assertEqual(answer.utcoffset(), timedelta(0))
        # 23:00 in Mexico City on 2026-03-07 is 05:00 UTC, 21:00 PST in Tijuana: open, given back in UTC.
        local = pytz.timezone(MEXICO_CITY).localize(datetime(2026, 3, 7, 23))
        self.assertTrue(is_open(window, local, TIJUANA))
        self.assertFalse(is_open(window, local, MEXICO_CITY))
        answer = next_opening(window, local, TIJUANA)
        self.assertEqual(answer, datetime(2026, 3, 8, 5, tzinfo=timezone.utc))
        self.assertEqual(answer.tzinfo, timezone.utc)
        self.assertIsNone(next_opening(window, utc(2026, 3, 8, 14), TIJUANA).tzinfo)

    def test_weekdays_in_local_time(self):
        weekdays = ContactWindow(weekdays={0, 1, 2, 3, 4})
        # Friday 2026-01-16 22:00 in Mexico City (Saturday 04:00 UTC) -> Monday 2026-01-19 07:00.
        self.assertEqual(next_opening(weekdays, utc(2026, 1, 17, 4), MEXICO_CITY), utc(2026, 1, 19, 13))
        self.assertFalse(is_open(weekdays, utc(2026, 1, 17, 18), MEXICO_CITY))
        # The weekday is the debtor's: Friday 21:00 local is Saturday in UTC, Sunday 21:00 is Monday.
        all_day = ContactWindow(start=0, end=24, weekdays={0, 1, 2, 3, 4})
        self.assertTrue(is_open(all_day, utc(2026, 1, 17, 3), MEXICO_CITY))
        self.assertFalse(is_open(all_day, utc(2026, 1, 19, 3), MEXICO_CITY))
        self.assertEqual(ContactWindow(weekdays=[0, 1]), ContactWindow(weekdays=frozenset({0, 1})))

    def test_preferred_hours_narrow(self):
        # 2026-01-14 in Mexico City: local hour h is (h + 6) UTC.
        evening = ContactWindow(preferred_start=18, preferred_end=23)
        self.assertEqual(evening.hours, ((18.0, 22.0),))
        self.assertTrue(evening.preference_applies)
        self.assertFalse(is_open(evening, utc(2026, 1, 14, 23, 59, 59), MEXICO_CITY))
        self.assertTrue(is_open(evening, utc(2026, 1, 15, 0), MEXICO_CITY))
        self.assertFalse(is_open(evening, utc(2026, 1, 15, 4), MEXICO_CITY))  # 22:00: the law wins
        self.assertEqual(next_opening(evening, utc(2026, 1, 14, 14), MEXICO_CITY), utc(2026, 1, 15, 0))
        # A preference for 06:00 does not open the window before 07:00.
        early = ContactWindow(preferred_start=6)
        self.assertEqual(early.hours, ((7.0, 22.0),))
        self.assertFalse(is_open(early, utc(2026, 1, 14, 12, 30), MEXICO_CITY))
        self.assertEqual(ContactWindow(preferred_end=12).hours, ((7.0, 12.0),))
        # Mornings and evenings (a range across midnight).
        split = ContactWindow(preferred_start=20, preferred_end=9)
        self.assertEqual(split.hours, ((7.0, 9.0), (20.0, 22.0)))
        self.assertTrue(is_open(split, utc(2026, 1, 14, 14, 59, 59), MEXICO_CITY))
        self.assertFalse(is_open(split, utc(2026, 1, 14, 15), MEXICO_CITY))
        self.assertEqual(next_opening(split, utc(2026, 1, 14, 15), MEXICO_CITY), utc(2026, 1, 15, 2))
        # A preference with no legal hour in it cannot be honoured: the legal window applies.
        night = ContactWindow(preferred_start=23, preferred_end=6)
        self.assertFalse(night.preference_applies)
        self.assertEqual(night.hours, ((7.0, 22.0),))

    def test_invalid_windows(self):
        for kwargs in ({'start': 22, 'end': 7}, {'start': 8, 'end': 8}, {'start': -1}, {'end': 24.5},
                       {'start': True}, {'weekdays': set()}, {'weekdays': {7}},
                       {'preferred_start': 9, 'preferred_end': 9}, {'preferred_end': 30}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError):
                ContactWindow(**kwargs)
        window = ContactWindow()
        with self.assertRaises(dataclasses.FrozenInstanceError):
            window.start = 6
        with self.assertRaises(ValueError):
            is_open(window, utc(2026, 1, 14, 12), None)
        with self.assertRaises(ValueError):
            is_open(window, utc(2026, 1, 14, 12), 'America/Atlantis')
        with self.assertRaises(TypeError):
            is_open(window, date(2026, 1, 14), MEXICO_CITY)

    def test_reminder_moment_offsets(self):
        due = date(2026, 1, 20)  # Mexico City, 09:00 local = 15:00 UTC
        self.assertEqual(reminder_moment(due, -48, MEXICO_CITY), utc(2026, 1, 18, 15))
        self.assertEqual(reminder_moment(due, -24, MEXICO_CITY), utc(2026, 1, 19, 15))
        self.assertEqual(reminder_moment(due, 0, MEXICO_CITY), utc(2026, 1, 20, 15))
        self.assertEqual(reminder_moment(due, 24, MEXICO_CITY), utc(2026, 1, 21, 15))
        self.assertEqual(reminder_moment(due, 168, MEXICO_CITY), utc(2026, 1, 27, 15))
        self.assertEqual(reminder_moment(due, 0, CANCUN), utc(2026, 1, 20, 14))
        self.assertEqual(reminder_moment(due, 0, HERMOSILLO), utc(2026, 1, 20, 16))
        self.assertEqual(reminder_moment(due, 0, TIJUANA), utc(2026, 1, 20, 17))
        # -36 h is 21:00 local two days before (inside); -35 h is 22:00 (closed) -> 07:00 next morning.
        self.assertEqual(reminder_moment(due, -36, MEXICO_CITY), utc(2026, 1, 19, 3))
        self.assertEqual(reminder_moment(due, -35, MEXICO_CITY), utc(2026, 1, 19, 13))

    def test_reminder_moment_calendar_days_across_dst(self):
        # Whole days are calendar days: 09:00 local every time, 23 h or 25 h apart around a change.
        due = date(2026, 3, 9)
        self.assertEqual(reminder_moment(due, -48, TIJUANA), utc(2026, 3, 7, 17))  # PST
        self.assertEqual(reminder_moment(due, -24, TIJUANA), utc(2026, 3, 8, 16))  # PDT
        self.assertEqual(reminder_moment(due, 0, TIJUANA), utc(2026, 3, 9, 16))
        due = date(2026, 11, 2)
        self.assertEqual(reminder_moment(due, -48, TIJUANA), utc(2026, 10, 31, 16))  # PDT
        self.assertEqual(reminder_moment(due, -24, TIJUANA), utc(2026, 11, 1, 17))  # PST
        # A send hour in the skipped hour starts at the change; in the repeated hour, at its first time.
        self.assertEqual(reminder_moment(date(2026, 3, 9), -24, TIJUANA, send_hour=2.5,
                                         window=ContactWindow(start=2)), utc(2026, 3, 8, 10))
        self.assertEqual(reminder_moment(date(2026, 11, 2), -24, TIJUANA, send_hour=1.5,
                                         window=ContactWindow(start=1)), utc(2026, 11, 1, 8, 30))

    def test_reminder_moment_deferral(self):
        due = date(2026, 1, 20)
        # Before the window (06:00) -> 07:00; after it (22:30) -> 07:00 the next day.
        self.assertEqual(reminder_moment(due, 0, CANCUN, send_hour=6), utc(2026, 1, 20, 12))
        self.assertEqual(reminder_moment(due, 0, CANCUN, send_hour=22.5), utc(2026, 1, 21, 12))
        # Weekdays only: -48 before Monday 2026-01-19 is Saturday -> Monday 07:00.
        weekdays = ContactWindow(weekdays={0, 1, 2, 3, 4})
        self.assertEqual(reminder_moment(date(2026, 1, 19), -48, MEXICO_CITY, window=weekdays), utc(2026, 1, 19, 13))
        # not_before moves a past moment forward, and the window still applies to the result.
        self.assertEqual(reminder_moment(due, -48, MEXICO_CITY, not_before=utc(2026, 1, 19, 20)), utc(2026, 1, 19, 20))
        self.assertEqual(reminder_moment(due, -48, MEXICO_CITY, not_before=utc(2026, 1, 20, 5)), utc(2026, 1, 20, 13))
        self.assertEqual(reminder_moment(due, -48, MEXICO_CITY, not_before=utc(2026, 1, 1)), utc(2026, 1, 18, 15))
        with self.assertRaises(TypeError):
            reminder_moment(datetime(2026, 1, 20, 12), 0, MEXICO_CITY)

    def test_frequency_cap_local_day(self):
        sent = [utc(2026, 1, 20, 15)]  # 09:00 in Mexico City
        now = utc(2026, 1, 20, 20)
        self.assertFalse(cap_allows(sent, now, MEXICO_CITY, 1))
        self.assertTrue(cap_allows(sent, now, MEXICO_CITY, 2))
        self.assertTrue(cap_allows(sent, now, MEXICO_CITY, None))
        self.assertTrue(cap_allows([], now, MEXICO_CITY, 1))
        # Next local day: midnight (06:00 UTC), or 07:00 (13:00 UTC) inside the window.
        self.assertEqual(next_allowed_moment(sent, now, MEXICO_CITY, 1), utc(2026, 1, 21, 6))
        self.assertEqual(next_allowed_moment(sent, now, MEXICO_CITY, 1, ContactWindow()), utc(2026, 1, 21, 13))
        self.assertEqual(next_allowed_moment(sent, now, MEXICO_CITY, 2, ContactWindow()), now)
        # The day is the debtor's: 21:00 local on the 20th is the 21st in UTC.
        late = [utc(2026, 1, 21, 3)]
        self.assertFalse(cap_allows(late, utc(2026, 1, 21, 5, 30), MEXICO_CITY, 1))
        self.assertTrue(cap_allows(late, utc(2026, 1, 21, 6), MEXICO_CITY, 1))
        # Sent at 05:30 UTC on the 21st, asked at 07:00 UTC: in Mexico City that is 23:30 then 01:00
        # (a new day), in Tijuana 21:30 then 23:00 (the same day).
        self.assertTrue(cap_allows([utc(2026, 1, 21, 5, 30)], utc(2026, 1, 21, 7), MEXICO_CITY, 1))
        self.assertFalse(cap_allows([utc(2026, 1, 21, 5, 30)], utc(2026, 1, 21, 7), TIJUANA, 1))

    def test_frequency_cap_skips_full_days(self):
        # The 20th and 21st already have their message: the next is on the 22nd at 07:00.
        sent = [utc(2026, 1, 20, 15), utc(2026, 1, 21, 15), utc(2026, 1, 21, 16)]
        self.assertEqual(next_allowed_moment(sent, utc(2026, 1, 20, 20), MEXICO_CITY, 1, ContactWindow()),
                         utc(2026, 1, 22, 13))
        self.assertEqual(next_allowed_moment(sent, utc(2026, 1, 20, 20), MEXICO_CITY, 2, ContactWindow()),
                         utc(2026, 1, 20, 20))
        # Across the Tijuana change: Saturday 09:00 PST sent -> Sunday 07:00 PDT = 14:00 UTC.
        aware = next_allowed_moment([utc(2026, 3, 7, 17)], datetime(2026, 3, 7, 18, tzinfo=timezone.utc),
                                    TIJUANA, 1, ContactWindow())
        self.assertEqual(aware, datetime(2026, 3, 8, 14, tzinfo=timezone.utc))
        for cap in (0, -1, 1.5, True):
            with self.subTest(cap=cap), self.assertRaises(ValueError):
                cap_allows(sent, utc(2026, 1, 20, 20), MEXICO_CITY, cap)

    def test_grouping(self):
        self.assertEqual(group_key(7, 'whatsapp'), (7, 'whatsapp'))
        self.assertNotEqual(group_key(7, 'whatsapp'), group_key(7, 'sms'))
        reminders = [
            {'id': 1, 'partner': 7, 'channel': 'sms'},
            {'id': 2, 'partner': 8, 'channel': 'sms'},
            {'id': 3, 'partner': 7, 'channel': 'sms'},
            {'id': 4, 'partner': 7, 'channel': 'whatsapp'},
        ]
        groups = group_reminders(reminders, lambda r: group_key(r['partner'], r['channel']))
        self.assertEqual(list(groups), [(7, 'sms'), (8, 'sms'), (7, 'whatsapp')])
        self.assertEqual([r['id'] for r in groups[(7, 'sms')]], [1, 3])


class TestMxPhone(TestCase):
    """Phone numbers to E.164, with the reason when one cannot be used."""

    def test_good_numbers(self):
        cases = {
            '55 1234 5678': '+525512345678',
            '(33) 1234-5678': '+523312345678',
            '81.8123.4567': '+528181234567',
            '+52 55 1234 5678': '+525512345678',
            '+52 1 55 1234 5678': '+525512345678',
            '521 55 1234 5678': '+525512345678',
            '044 55 1234 5678': '+525512345678',
            '045 33 1234 5678': '+523312345678',
            '01 664 123 4567': '+526641234567',
            '0052 55 1234 5678': '+525512345678',
            '55 1234 5678 ext. 12': '+525512345678',
            5512345678: '+525512345678',
            '+1 619 555 0100': '+16195550100',
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(normalize_mx_phone(raw), expected)

    def test_bad_numbers(self):
        cases = {
            None: 'empty',
            False: 'empty',
            '   ': 'empty',
            'abc': 'not a number',
            'no tiene': 'not a number',
            '1234': 'too short',
            '55-1234-567': 'too short',
            '55 1234 5678 9': 'too long',
            '123 456 7890': 'invalid for Mexico',
            '+999 1234 5678': 'invalid country code',
            '+1 202 555 01': 'invalid number',
        }
        for raw, reason in cases.items():
            with self.subTest(raw=raw):
                with self.assertRaises(InvalidPhoneError) as caught:
                    normalize_mx_phone(raw)
                self.assertEqual(caught.exception.reason, reason)
                self.assertEqual(str(caught.exception), reason)
                self.assertEqual(caught.exception.raw, raw)
        with self.assertRaises(InvalidPhoneError) as caught:
            normalize_mx_phone('+1 619 555 0100', allow_foreign=False)
        self.assertEqual(caught.exception.reason, 'not a Mexican number')
        self.assertIsInstance(caught.exception, ValueError)


class _ClientTimeoutAdapter(HTTPAdapter):
    """Odoo's test harness raises every requests timeout under 10 s to 10 s; this adapter puts the
    client's own back, so that the timeout test takes half a second instead of ten."""

    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    # requests' Session.send passes the adapter's options by keyword: only the timeout is replaced.
    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        kwargs['timeout'] = self._timeout
        return super().send(request, **kwargs)


def _response(status, body, headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response.headers.update(headers or {})
    return response


class TestWhatsAppClient(TestCase):
    """The Cloud API client against the local fake server; signatures and status webhooks."""

    TEMPLATES = {'recordatorio_pago': 2, 'aviso_simple': 0}

    def setUp(self):
        super().setUp()
        self.server = FakeWhatsAppServer(templates=self.TEMPLATES).start()
        self.addCleanup(self.server.stop)
        self.client = WhatsAppClient(self.server.url, self.server.token, self.server.phone_number_id)

    def _send(self, client=None, to='+525512345678', template='recordatorio_pago', params=('Ana', '1,250.00')):
        return (client or self.client).send_template(to, template, 'es_MX', list(params))

    def test_send_template(self):
        message_id = self.client.send_template('+525512345678', 'recordatorio_pago', 'es_MX',
                                               ['Ana López', '$1,250.00'], callback_data='reminder-42')
        [request] = self.server.requests
        self.assertEqual(message_id, request.message_id)
        self.assertTrue(message_id.startswith('wamid.'))
        self.assertEqual(request.path, f'/v21.0/{self.server.phone_number_id}/messages')
        self.assertEqual(request.headers['Authorization'], 'Bearer test-token')
        self.assertEqual(request.headers['Content-Type'], 'application/json')
        self.assertEqual(request.body, {
            'messaging_product': 'whatsapp',
            'recipient_type': 'individual',
            'to': '+525512345678',
            'type': 'template',
            'template': {
                'name': 'recordatorio_pago',
                'language': {'code': 'es_MX'},
                'components': [{'type': 'body', 'parameters': [
                    {'type': 'text', 'text': 'Ana López'},
                    {'type': 'text', 'text': '$1,250.00'},
                ]}],
            },
            'biz_opaque_callback_data': 'reminder-42',
        })
        # A second message gets another id; a template without parameters sends no components.
        other = self._send(template='aviso_simple', params=())
        self.assertNotEqual(other, message_id)
        self.assertNotIn('components', self.server.requests[1].body['template'])
        named = WhatsAppClient.build_template_payload('+525512345678', 'x', 'es_MX', {'nombre': 'Ana'})
        self.assertEqual(named['template']['components'][0]['parameters'],
                         [{'type': 'text', 'parameter_name': 'nombre', 'text': 'Ana'}])

    def test_context_manager_and_api_version(self):
        with FakeWhatsAppServer(token='other', phone_number_id='42') as server:
            client = WhatsAppClient(server.url + '/', 'other', 42, api_version='v19.0')
            client.send_template('+523312345678', 'cualquiera', 'es', ['1'])
            self.assertEqual(server.requests[0].path, '/v19.0/42/messages')
        # Stopped: nothing answers on that port any more.
        with self.assertRaises(TransientProviderError):
            client.send_template('+523312345678', 'cualquiera', 'es', ['1'])

    def test_server_error_is_transient(self):
        self.server.fail_next(1, status=500)
        with self.assertRaises(TransientProviderError) as caught:
            self._send()
        self.assertEqual(caught.exception.http_status, 500)
        self.assertIsNone(caught.exception.retry_after)
        self.assertIn('An unknown error has occurred.', caught.exception.provider_message)
        self.assertEqual(self.server.requests, [])
        # The fault was for one call only.
        self.assertTrue(self._send().startswith('wamid.'))
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(len(self.server.received), 2)

    def test_rate_limit_with_retry_after(self):
        self.server.fail_next(2, status=429, retry_after=7)
        for _attempt in range(2):
            with self.assertRaises(TransientProviderError) as caught:
                self._send()
            self.assertEqual(caught.exception.retry_after, 7)
            self.assertEqual(caught.exception.http_status, 429)
            self.assertEqual(caught.exception.code, 130429)
            self.assertIn('Rate limit hit', str(caught.exception))
        self._send()
        self.assertEqual([r.status for r in self.server.received], [429, 429, 200])

    def _quick_client(self, timeout=0.5):
        session = requests.Session()
        session.mount('http://', _ClientTimeoutAdapter(timeout))
        return WhatsAppClient(self.server.url, self.server.token, self.server.phone_number_id, timeout=timeout,
                              session=session)

    def test_timeout_is_unknown_outcome(self):
        """A request written but not answered in time may have been accepted: never a transient error."""
        client = self._quick_client()
        self.server.fail_next(1, status=TIMEOUT, delay=5)
        started = time.monotonic()
        with self.assertRaises(UnknownOutcomeError) as caught:
            self._send(client)
        self.assertNotIsInstance(caught.exception, TransientProviderError)
        self.assertLess(time.monotonic() - started, 3)
        self.assertIn('time limit', str(caught.exception))
        self.assertIn('may have been accepted', str(caught.exception))
        self.assertEqual(self.server.requests, [])
        # The provider that was only slow did send it: the same error, nothing else to know.
        self.server.fail_next(1, status=TIMEOUT, delay=1, accept=True)
        with self.assertRaises(UnknownOutcomeError):
            self._send(client)

    def test_reset_after_sending_is_unknown_outcome(self):
        for accept in (True, False):
            with self.subTest(accept=accept):
                self.server.reset()
                self.server.fail_next(1, status=RESET, accept=accept)
                with self.assertRaises(UnknownOutcomeError) as caught:
                    self._send()
                self.assertIn('lost after the message was sent', str(caught.exception))
                self.assertEqual(len(self.server.requests), int(accept))
                self.assertEqual(len(self.server.received), 1)
        # The connection after a reset works again.
        self.assertTrue(self._send().startswith('wamid.'))

    def test_connection_refused_is_transient(self):
        with FakeWhatsAppServer() as server:
            url = server.url
        client = WhatsAppClient(url, 'test-token', '106540352242922')
        with self.assertRaises(TransientProviderError) as caught:
            client.send_template('+523312345678', 'cualquiera', 'es', ['1'])
        self.assertIn('could not be reached', str(caught.exception))

    def test_rejections_are_permanent(self):
        with self.assertRaises(PermanentProviderError) as caught:
            self._send(template='no_existe')
        self.assertEqual(caught.exception.http_status, 400)
        self.assertEqual(caught.exception.code, 132001)
        self.assertIn('Template name does not exist in the translation', caught.exception.provider_message)
        self.assertIn('(#132001)', str(caught.exception))
        with self.assertRaises(PermanentProviderError) as caught:
            self._send(params=['solo uno'])
        self.assertEqual(caught.exception.code, 132000)
        with self.assertRaises(PermanentProviderError) as caught:
            self._send(params=['Ana', ' '])
        self.assertEqual(caught.exception.code, 131008)
        wrong_token = WhatsAppClient(self.server.url, 'stolen', self.server.phone_number_id)
        with self.assertRaises(PermanentProviderError) as caught:
            self._send(wrong_token)
        self.assertEqual((caught.exception.http_status, caught.exception.code), (401, 190))
        wrong_number = WhatsAppClient(self.server.url, self.server.token, '999')
        with self.assertRaises(PermanentProviderError) as caught:
            self._send(wrong_number)
        self.assertEqual(caught.exception.code, 100)
        self.assertEqual(self.server.requests, [])
        self.assertEqual(len(self.server.received), 5)

    def test_answer_without_id_is_permanent(self):
        # The message may have gone out: retrying could send it twice.
        self.server.fail_next(1, status=MALFORMED)
        with self.assertRaises(PermanentProviderError) as caught:
            self._send()
        self.assertEqual(caught.exception.http_status, 200)

    def test_fault_per_recipient(self):
        self.server.fail_for('+52 55 1111 2222', status=503)
        with self.assertRaises(TransientProviderError):
            self._send(to='+525511112222')
        self._send(to='+525512345678')
        self.server.clear_faults()
        self._send(to='+525511112222')
        self.assertEqual([r.body['to'] for r in self.server.requests], ['+525512345678', '+525511112222'])

    def test_error_classification(self):
        classify = WhatsAppClient._http_error
        throttled = classify(_response(429, {'error': {'message': 'Slow down', 'code': 9999}}, {'Retry-After': '12'}))
        self.assertIsInstance(throttled, TransientProviderError)
        self.assertEqual(throttled.retry_after, 12)
        self.assertIsInstance(classify(_response(502, {})), TransientProviderError)
        pair_limit = classify(_response(400, {'error': {'message': '(#131056) pair rate limit hit', 'code': 131056}}))
        self.assertIsInstance(pair_limit, TransientProviderError)
        flagged = classify(_response(400, {'error': {'message': 'Try later', 'code': 9999, 'is_transient': True}}))
        self.assertIsInstance(flagged, TransientProviderError)
        http_date = classify(_response(503, b'<html>Service Unavailable</html>',
                                       {'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT'}))
        self.assertIsInstance(http_date, TransientProviderError)
        self.assertEqual(http_date.retry_after, 0)  # a date in the past: no wait
        self.assertEqual(http_date.provider_message, '<html>Service Unavailable</html>')
        bad_request = classify(_response(400, {'error': {'message': '(#100) Invalid parameter', 'code': 100,
                                                         'error_data': {'details': 'to is not a number'}}}))
        self.assertIsInstance(bad_request, PermanentProviderError)
        self.assertEqual(bad_request.provider_message, '(#100) Invalid parameter (to is not a number)')
        self.assertIsInstance(classify(_response(403, {})), PermanentProviderError)

    def test_backoff(self):
        self.assertEqual([backoff_seconds(n) for n in (1, 2, 3, 6, 7, 40)], [60, 120, 240, 1920, 3600, 3600])
        self.assertEqual(backoff_seconds(1, retry_after=300), 300)
        self.assertEqual(backoff_seconds(3, retry_after=7), 240)
        self.assertEqual(backoff_seconds(1, retry_after=7200), 7200)  # the server's wish beats the cap
        jittered = [backoff_seconds(1, jitter=0.2, key=key) for key in range(20)]
        self.assertEqual(jittered, [backoff_seconds(1, jitter=0.2, key=key) for key in range(20)])
        self.assertTrue(all(48 <= value <= 72 for value in jittered), jittered)
        self.assertGreater(len(set(jittered)), 10)
        with self.assertRaises(ValueError):
            backoff_seconds(0)

    def test_signature(self):
        body, headers = self.server.status_webhook('wamid.A', 'delivered', timestamp=1772985600)
        header = headers['X-Hub-Signature-256']
        self.assertTrue(verify_signature('test-app-secret', body, header))
        self.assertTrue(verify_signature(b'test-app-secret', bytearray(body), 'sha256=' + header[7:].upper()))
        self.assertFalse(verify_signature('another-secret', body, header))
        self.assertFalse(verify_signature('test-app-secret', body.replace(b'delivered', b'read'), header))
        self.assertFalse(verify_signature('test-app-secret', body, header[len('sha256='):]))
        self.assertFalse(verify_signature('test-app-secret', body, None))
        self.assertFalse(verify_signature('', body, header))
        bad_body, bad_headers = self.server.status_webhook('wamid.A', 'delivered', app_secret='forged')
        self.assertFalse(verify_signature('test-app-secret', bad_body, bad_headers['X-Hub-Signature-256']))
        with self.assertRaises(TypeError):
            verify_signature('test-app-secret', body.decode(), header)

    def test_verification_challenge(self):
        params = {'hub.mode': 'subscribe', 'hub.verify_token': 'cobranza', 'hub.challenge': '1158201444'}
        self.assertEqual(verify_challenge(params, 'cobranza'), '1158201444')
        self.assertIsNone(verify_challenge(params, 'other'))
        self.assertIsNone(verify_challenge(dict(params, **{'hub.mode': 'unsubscribe'}), 'cobranza'))
        self.assertIsNone(verify_challenge(params, ''))

    def test_parse_status_webhook(self):
        body, _headers = self.server.status_webhook(
            'wamid.B', 'failed', timestamp=1772985600, callback_data='reminder-42',
            errors=[{'code': 131026, 'title': 'Message undeliverable', 'message': 'Message undeliverable',
                     'error_data': {'details': 'Receiver is incapable of receiving this message'}}])
        [event] = parse_status_webhook(body)
        self.assertEqual(event.message_id, 'wamid.B')
        self.assertEqual(event.status, 'failed')
        self.assertEqual(event.timestamp, utc(2026, 3, 8, 16))
        self.assertEqual(event.error, '131026: Message undeliverable (Receiver is incapable of receiving this message)')
        self.assertEqual(event.callback_data, 'reminder-42')

        payload = status_payload([
            {'id': 'wamid.C', 'status': 'sent', 'timestamp': '1772985600', 'recipient_id': '525512345678'},
            {'id': 'wamid.C', 'status': 'DELIVERED', 'timestamp': '1772985660', 'recipient_id': '525512345678'},
            {'status': 'read', 'timestamp': '1772985700'},  # no id: skipped
            'garbage',
        ], self.server.phone_number_id)
        # An incoming message in the same delivery is not a status.
        payload['entry'][0]['changes'].append({'field': 'messages', 'value': {
            'messaging_product': 'whatsapp', 'metadata': {'phone_number_id': self.server.phone_number_id},
            'messages': [{'from': '525512345678', 'id': 'wamid.IN', 'type': 'text', 'text': {'body': 'Ya pagué'}}],
        }})
        events = parse_status_webhook(payload)
        self.assertEqual([(e.message_id, e.status) for e in events], [('wamid.C', 'sent'), ('wamid.C', 'delivered')])
        self.assertEqual(events[1].timestamp, utc(2026, 3, 8, 16, 1))
        self.assertIsNone(events[0].error)
        self.assertEqual(parse_status_webhook(payload, phone_number_id='another'), [])
        self.assertEqual(len(parse_status_webhook(json.dumps(payload), phone_number_id=self.server.phone_number_id)), 2)
        self.assertEqual(parse_status_webhook({'object': 'whatsapp_business_account'}), [])
