"""The state of a promise to pay from what has been paid since it was made. Plain Python, no ORM."""
from datetime import timedelta

OPEN, KEPT, PARTIALLY_KEPT, BROKEN, CANCELLED = 'open', 'kept', 'partially_kept', 'broken', 'cancelled'
# Below a cent a payment is rounding, not a payment.
_CENT = 0.005


def promise_state(amount, paid, promise_date, today, tolerance_percent=0.0):
    """The state of a promise of ``amount`` due on ``promise_date``, ``paid`` having been paid since.

    Kept as soon as the payments reach the amount less the tolerance (even before the date); open
    until the end of its date; from the day after it, partially kept when something was paid and
    broken when nothing was.
    """
    target = amount * (1.0 - (tolerance_percent or 0.0) / 100.0)
    if paid + _CENT >= target:
        return KEPT
    if today <= promise_date:
        return OPEN
    return PARTIALLY_KEPT if paid > _CENT else BROKEN


def promise_limit_errors(amount, promise_date, today, debt, max_days, min_percent):
    """The limits a new promise breaks, as ``(code, value)`` pairs; empty when it is acceptable.

    ``debt`` is the open amount of the promised invoices; ``max_days`` the longest date from
    ``today``; ``min_percent`` the smallest share of ``debt`` the promise must cover.
    """
    errors = []
    if amount <= 0:
        errors.append(('amount_positive', 0.0))
    elif amount > debt + _CENT:
        errors.append(('amount_above_debt', debt))
    elif amount + _CENT < debt * (min_percent or 0.0) / 100.0:
        errors.append(('amount_share', debt * min_percent / 100.0))
    if promise_date < today:
        errors.append(('date_past', today))
    elif max_days is not None and promise_date > today + timedelta(days=max_days):
        errors.append(('date_far', today + timedelta(days=max_days)))
    return errors


def kept_rate(counts):
    """Share (0-100) of the resolved promises that were kept, from ``{state: count}``; None if none resolved."""
    resolved = sum(counts.get(state, 0) for state in (KEPT, PARTIALLY_KEPT, BROKEN))
    if not resolved:
        return None
    return round(100.0 * counts.get(KEPT, 0) / resolved, 1)
