"""The legal contact window, reminder moments and the daily frequency cap, in the debtor's time zone.

Plain Python, no ORM. Instants go in and come out in UTC: a naive datetime is read as UTC (Odoo's
convention for Datetime fields) and gets a naive UTC answer, an aware one gets an aware UTC answer.
Local wall-clock times exist only inside this module, computed with pytz (the library Odoo uses for
``tz`` fields) from the debtor's IANA zone.

Daylight saving is handled from the zone data, never by fixed offsets: Tijuana (and the northern
border) follows the US changes, Mexico City, Cancún, Hermosillo, Mazatlán and Chihuahua have none
since the 2022 reform. Two local situations need a rule, and get it explicitly:

* a wall-clock time that does not exist (the hour skipped when clocks go forward): a window or a
  reminder set at such a time starts at the change itself, the first instant the clock reads later;
* a wall-clock time that exists twice (the hour repeated when clocks go back): the first occurrence
  counts, and a window that is open by the clock is open during both occurrences.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

import pytz

DEFAULT_TZ = 'America/Mexico_City'

# Odoo's Mexican state codes (base/data/res.country.state.csv, rows state_mx_*) and the zone of
# most of each state. The exceptions inside a state (Ciudad Juárez and Ojinaga in Chihuahua, the
# border strip of Coahuila, Nuevo León and Tamaulipas with US daylight saving, Bahía de Banderas in
# Nayarit) need the zone set on the partner itself.
MX_STATE_TZ = {
    'AGU': 'America/Mexico_City',
    'BCN': 'America/Tijuana',
    'BCS': 'America/Mazatlan',
    'CAM': 'America/Mexico_City',
    'CHH': 'America/Chihuahua',
    'CHP': 'America/Mexico_City',
    'CMX': 'America/Mexico_City',
    'COA': 'America/Mexico_City',
    'COL': 'America/Mexico_City',
    'DUR': 'America/Mexico_City',
    'GRO': 'America/Mexico_City',
    'GUA': 'America/Mexico_City',
    'HID': 'America/Mexico_City',
    'JAL': 'America/Mexico_City',
    'MEX': 'America/Mexico_City',
    'MIC': 'America/Mexico_City',
    'MOR': 'America/Mexico_City',
    'NAY': 'America/Mazatlan',
    'NLE': 'America/Mexico_City',
    'OAX': 'America/Mexico_City',
    'PUE': 'America/Mexico_City',
    'QUE': 'America/Mexico_City',
    'ROO': 'America/Cancun',
    'SIN': 'America/Mazatlan',
    'SLP': 'America/Mexico_City',
    'SON': 'America/Hermosillo',
    'TAB': 'America/Mexico_City',
    'TAM': 'America/Mexico_City',
    'TLA': 'America/Mexico_City',
    'VER': 'America/Mexico_City',
    'YUC': 'America/Mexico_City',
    'ZAC': 'America/Mexico_City',
}

ALL_WEEKDAYS = frozenset(range(7))  # Monday = 0, as datetime.weekday()
_DAY_SECONDS = 86400
# Offsets of real zones lie within -12 h and +14 h: the instants at which a clock reads a given
# wall time are within 15 h of that wall time read as UTC.
_PROBE = timedelta(hours=15)
# next_opening looks this many local days ahead: a week for the weekdays, plus room for a window
# that falls entirely in a skipped hour on its only weekday.
_SEARCH_DAYS = 16


def tz_for_state(code, default=DEFAULT_TZ):
    """The IANA zone of a Mexican state given by its Odoo code ('BCN', 'ROO', ...), else ``default``."""
    if not code:
        return default
    return MX_STATE_TZ.get(str(code).strip().upper(), default)


def debtor_tz(tz_name=None, state_code=None, default=DEFAULT_TZ):
    """The zone to evaluate a debtor's contact window in.

    The debtor's own ``tz`` when pytz knows it, else the zone of their Mexican state, else ``default``.
    """
    if tz_name and tz_name in pytz.all_timezones_set:
        return tz_name
    return tz_for_state(state_code, default)


def _seconds(hours, label):
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 24:
        raise ValueError(f"The {label} hour must be a number between 0 and 24, not {hours!r}.")
    return round(hours * 3600)


@dataclass(frozen=True, slots=True)
class ContactWindow:
    """When a debtor may be contacted, in their local time.

    ``start`` and ``end`` are hours of the day (7.5 is 07:30): contact is allowed from ``start``
    included to ``end`` excluded, on the ``weekdays`` (Monday = 0). The legal window never crosses
    midnight. The debtor's preferred hours narrow it, never widen it: ``preferred_start`` or
    ``preferred_end`` alone cut one side, both together give a range that may cross midnight (20 to
    9 means evenings and mornings). A preference with no hour in common with the legal window cannot
    be honoured: the legal window applies alone and ``preference_applies`` is False.
    """
    start: float = 7.0
    end: float = 22.0
    weekdays: frozenset = ALL_WEEKDAYS
    preferred_start: float | None = None
    preferred_end: float | None = None
    spans: tuple = field(init=False, repr=False, compare=False)
    preference_applies: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        start, end = _seconds(self.start, 'start'), _seconds(self.end, 'end')
        if start >= end:
            raise ValueError(f"The contact window must start before it ends ({self.start} to {self.end}).")
        weekdays = frozenset(self.weekdays)
        if not weekdays or not weekdays <= ALL_WEEKDAYS:
            raise ValueError("The contact days must be weekday numbers from 0 (Monday) to 6 (Sunday).")
        object.__setattr__(self, 'weekdays', weekdays)

        pref_start = None if self.preferred_start is None else _seconds(self.preferred_start, 'preferred start')
        pref_end = None if self.preferred_end is None else _seconds(self.preferred_end, 'preferred end')
        if pref_start is not None and pref_start == pref_end:
            raise ValueError("The preferred contact hours must not start and end at the same time.")
        if pref_start is None or pref_end is None:
            preferred = [(pref_start or 0, _DAY_SECONDS if pref_end is None else pref_end)]
        elif pref_start < pref_end:
            preferred = [(pref_start, pref_end)]
        else:  # crosses midnight
            preferred = [(0, pref_end), (pref_start, _DAY_SECONDS)]
        spans = tuple(
            (max(start, low), min(end, high)) for low, high in preferred if max(start, low) < min(end, high)
        )
        object.__setattr__(self, 'preference_applies', bool(spans))
        object.__setattr__(self, 'spans', spans or ((start, end),))

    @property
    def hours(self):
        """The effective ranges of the day as (start, end) hours, after the preference."""
        return tuple((low / 3600, high / 3600) for low, high in self.spans)


def _tz(tz_name):
    if isinstance(tz_name, tzinfo):
        return tz_name
    if not tz_name:
        # No silent default: 07:00 in Mexico City is 05:00 in Tijuana.
        raise ValueError("A time zone is required to evaluate a contact window.")
    try:
        return pytz.timezone(tz_name)
    except pytz.UnknownTimeZoneError:
        raise ValueError(f"Unknown time zone: {tz_name}.") from None


def _as_utc(value):
    """(naive UTC datetime, whether the value was aware)."""
    if not isinstance(value, datetime):
        raise TypeError(f"Expected a datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        return value, False
    return value.astimezone(timezone.utc).replace(tzinfo=None), True


def _out(instant, aware):
    return instant.replace(tzinfo=timezone.utc) if aware else instant


def _wall(tz, instant):
    """The naive local wall-clock time of a naive UTC instant."""
    return pytz.utc.localize(instant).astimezone(tz).replace(tzinfo=None)


def _offset(tz, instant):
    return pytz.utc.localize(instant).astimezone(tz).utcoffset()


def _instants(tz, wall):
    """The naive UTC instants, ascending, at which the local clock reads ``wall``.

    One in general; two in the hour repeated when clocks go back; none in the hour skipped when
    they go forward.
    """
    found = set()
    for probe in (wall - _PROBE, wall, wall + _PROBE):
        instant = wall - _offset(tz, probe)
        if _wall(tz, instant) == wall:
            found.add(instant)
    return sorted(found)


def _bisect(low, high, predicate):
    """The first instant in (low, high] at which ``predicate`` holds, to the second.

    ``predicate`` is false at ``low``, true at ``high`` and changes once in between (zone changes
    happen on whole seconds).
    """
    low_s, high_s = 0, int((high - low).total_seconds())
    while high_s - low_s > 1:
        middle = (low_s + high_s) // 2
        if predicate(low + timedelta(seconds=middle)):
            high_s = middle
        else:
            low_s = middle
    return low + timedelta(seconds=high_s)


def _first_instant(tz, wall):
    """The first instant at which the local clock reads ``wall`` or later.

    The first occurrence of a repeated time; for a skipped time, the instant of the change.
    """
    found = _instants(tz, wall)
    if found:
        return found[0]
    # The offsets before and after the change put one candidate on each side of it.
    candidates = sorted(wall - _offset(tz, probe) for probe in (wall - _PROBE, wall + _PROBE))
    return _bisect(candidates[0], candidates[-1], lambda instant: _wall(tz, instant) >= wall)


def _open_at_wall(window, wall):
    if wall.weekday() not in window.weekdays:
        return False
    seconds = wall.hour * 3600 + wall.minute * 60 + wall.second + wall.microsecond / 1e6
    return any(low <= seconds < high for low, high in window.spans)


def _opening_candidates(tz, day, low, high):
    """Instants at which the span (low, high) of ``day`` may open.

    The occurrences of its start (or the change that skips over it) and, when its end lies in a
    repeated hour, the change itself: the clock then goes back into the span.
    """
    midnight = datetime.combine(day, time())
    start_wall = midnight + timedelta(seconds=low)
    candidates = _instants(tz, start_wall) or [_first_instant(tz, start_wall)]
    ends = _instants(tz, midnight + timedelta(seconds=high))
    if len(ends) == 2:
        second_offset = _offset(tz, ends[1])
        candidates.append(_bisect(ends[0], ends[1], lambda instant: _offset(tz, instant) == second_offset))
    return candidates


def is_open(window, utc_dt, tz_name):
    """Whether contact is allowed at the instant ``utc_dt`` for a debtor living in ``tz_name``."""
    instant, _aware = _as_utc(utc_dt)
    return _open_at_wall(window, _wall(_tz(tz_name), instant))


def next_opening(window, utc_dt, tz_name):
    """The first instant at or after ``utc_dt`` at which contact is allowed in the debtor's zone.

    ``utc_dt`` itself when the window is open then. The answer is naive UTC for a naive ``utc_dt``
    and aware UTC for an aware one.
    """
    tz = _tz(tz_name)
    instant, aware = _as_utc(utc_dt)
    local = _wall(tz, instant)
    if _open_at_wall(window, local):
        return _out(instant, aware)
    best = best_wall = None
    # From the day before: the clock going back can repeat the end of the previous day.
    first_day = local.date() - timedelta(days=1)
    for index in range(_SEARCH_DAYS):
        day = first_day + timedelta(days=index)
        if best_wall is not None and datetime.combine(day, time()) - timedelta(days=1) > best_wall:
            break  # every later candidate reads a clock more than a day later: it cannot come first
        if day.weekday() not in window.weekdays:
            continue
        for low, high in window.spans:
            for candidate in _opening_candidates(tz, day, low, high):
                if candidate < instant or (best is not None and candidate >= best):
                    continue
                candidate_wall = _wall(tz, candidate)
                if _open_at_wall(window, candidate_wall):
                    best, best_wall = candidate, candidate_wall
    if best is None:
        raise ValueError(f"The contact window never opens in the next {_SEARCH_DAYS:d} days.")
    return _out(best, aware)


def reminder_moment(due_date, offset_hours, tz_name, send_hour=9.0, window=None, not_before=None):
    """The naive UTC instant at which a reminder ``offset_hours`` from ``due_date`` may go out.

    Convention: the anchor is the due date at ``send_hour`` in the debtor's local time, and the
    offset moves the local wall clock, so whole days are calendar days whatever daylight saving
    does in between: -48 is two days before the due date at 09:00, 0 is the due date at 09:00, +24
    the first day overdue at 09:00, -36 the evening before the day before at 21:00. The moment is
    then moved to ``not_before`` when earlier, and deferred to the next opening of ``window`` (the
    default legal window when None).
    """
    if isinstance(due_date, datetime) or not isinstance(due_date, date):
        raise TypeError(f"The due date must be a date, got {due_date!r}.")
    tz = _tz(tz_name)
    wall = datetime.combine(due_date, time()) + timedelta(hours=send_hour) + timedelta(hours=offset_hours)
    instant = _first_instant(tz, wall)
    if not_before is not None:
        instant = max(instant, _as_utc(not_before)[0])
    return next_opening(window or ContactWindow(), instant, tz)


def group_key(debtor_id, channel):
    """The key under which pending reminders share one message and one daily cap."""
    return (debtor_id, channel)


def group_reminders(items, key):
    """``items`` grouped by ``key(item)`` into a dict of lists, in the order of first appearance."""
    groups = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def _check_cap(cap_per_day):
    if cap_per_day is not None and (isinstance(cap_per_day, bool) or not isinstance(cap_per_day, int)
                                    or cap_per_day < 1):
        raise ValueError("The daily message cap must be a whole number of at least 1, or empty for no cap.")


def _sent_per_local_day(tz, sent):
    return Counter(_wall(tz, _as_utc(stamp)[0]).date() for stamp in sent)


def cap_allows(sent, now, tz_name, cap_per_day):
    """Whether one more message may go at ``now`` under the cap of messages per local day.

    ``sent`` holds the instants of the messages already sent to this debtor on this channel (see
    :func:`group_key`); ``cap_per_day`` None means no cap.
    """
    _check_cap(cap_per_day)
    if cap_per_day is None:
        return True
    tz = _tz(tz_name)
    today = _wall(tz, _as_utc(now)[0]).date()
    return _sent_per_local_day(tz, sent)[today] < cap_per_day


def next_allowed_moment(sent, now, tz_name, cap_per_day, window=None):
    """The first instant at or after ``now`` when one more message may go.

    Under the cap of messages per local day of the debtor and, when ``window`` is given, inside the
    contact window. ``now`` itself when both allow it; naive or aware UTC like ``now``.
    """
    _check_cap(cap_per_day)
    tz = _tz(tz_name)
    instant, aware = _as_utc(now)
    per_day = _sent_per_local_day(tz, sent)
    # Each turn that does not answer skips a local day that reached the cap.
    for _turn in range(len(per_day) + 2):
        if window is not None:
            instant = next_opening(window, instant, tz)
        day = _wall(tz, instant).date()
        if cap_per_day is None or per_day[day] < cap_per_day:
            return _out(instant, aware)
        instant = _first_instant(tz, datetime.combine(day + timedelta(days=1), time()))
    raise ValueError("No moment found under the daily message cap.")  # unreachable with a valid cap
