"""Which occurrence of a reminder rule is due, and when: plain arguments, no ORM."""
from datetime import timedelta

from .contact_window import reminder_moment

# A one-off reminder whose moment is older than this is obsolete and not created any more.
STALE_HOURS = 24


def reminder_occurrence(due_date, tz_name, now, offset_hours, repeat_interval_hours=0, repeat_max=0,
                        stale_hours=STALE_HOURS):
    """``(occurrence, moment)`` of a reminder due at ``now`` (naive UTC), or ``(None, None)``.

    The first moment is :func:`reminder_moment` of ``due_date`` and ``offset_hours`` in ``tz_name``;
    nothing is due before it. A repeating rule (``repeat_interval_hours`` > 0) is at its latest
    occurrence started by ``now``, numbered from 0 and capped at ``repeat_max - 1`` when
    ``repeat_max`` is set. A one-off rule is due only within ``stale_hours`` of its moment.
    """
    return occurrence_after(reminder_moment(due_date, offset_hours, tz_name), now, repeat_interval_hours, repeat_max,
                            stale_hours)


def occurrence_after(base, now, repeat_interval_hours=0, repeat_max=0, stale_hours=STALE_HOURS):
    """:func:`reminder_occurrence` from the rule's first moment ``base`` (naive UTC), already computed."""
    if base > now:
        return None, None
    if repeat_interval_hours > 0:
        interval = timedelta(hours=repeat_interval_hours)
        occurrence = int((now - base) / interval)
        if repeat_max:
            occurrence = min(occurrence, repeat_max - 1)
        return occurrence, base + occurrence * interval
    if now - base > timedelta(hours=stale_hours):
        return None, None
    return 0, base


def next_reminder_moment(due_date, tz_name, now, offset_hours, repeat_interval_hours=0, repeat_max=0):
    """The first moment of a reminder rule strictly after ``now`` (naive UTC), or None when it has none.

    The same moments as :func:`reminder_occurrence`: the first one, then every
    ``repeat_interval_hours`` up to ``repeat_max`` occurrences (0: no end).
    """
    return moment_after(reminder_moment(due_date, offset_hours, tz_name), now, repeat_interval_hours, repeat_max)


def moment_after(base, now, repeat_interval_hours=0, repeat_max=0):
    """:func:`next_reminder_moment` from the rule's first moment ``base`` (naive UTC), already computed."""
    if base > now:
        return base
    if repeat_interval_hours <= 0:
        return None
    interval = timedelta(hours=repeat_interval_hours)
    occurrence = int((now - base) / interval) + 1
    if repeat_max and occurrence > repeat_max - 1:
        return None
    return base + occurrence * interval
