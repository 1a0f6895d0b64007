"""Payment agreements (convenios), restructures and condonations: plain arguments, no ORM.

- :func:`generate_schedule`: the installments of an agreement from a number and a frequency, with
  an optional monthly interest (French amortization: equal installments, interest on the balance).
- :func:`allocate_payments`: what was paid, allocated to the installments in order (a larger payment
  spills onto the next ones).
- :func:`agreement_verdict`: kept, broken (an installment late beyond the grace) or completed.
- :func:`months_spanned`, :func:`required_role`: the approval limits of a role.
- :func:`split_amount`: a condonation spread over invoices in proportion to what is due on each.
"""
import calendar
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

FREQUENCIES = ('weekly', 'biweekly', 'semimonthly', 'monthly')
# Days of a period, to turn the monthly interest rate into the rate of one period.
PERIOD_DAYS = {'weekly': 7, 'biweekly': 14, 'semimonthly': 15, 'monthly': 30}

PENDING, PARTIAL, PAID, LATE = 'pending', 'partial', 'paid', 'late'
ACTIVE, BROKEN, COMPLETED = 'active', 'broken', 'completed'
# Roles in the order of their authority; the last one has no limit.
ROLES = ('collector', 'supervisor', 'manager')


def _cents(value):
    return Decimal(str(value)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)


def add_months(day, months):
    """``day`` plus ``months`` calendar months, on the last day of a shorter month (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def installment_dates(first_date, count, frequency):
    """The ``count`` due dates from ``first_date``, one per period of ``frequency``."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    dates = []
    for index in range(count):
        if frequency == 'monthly':
            dates.append(add_months(first_date, index))
        elif frequency == 'semimonthly':
            # The same day of the month, and fifteen days later: 5 and 20, 15 and 30...
            base = add_months(first_date, index // 2)
            dates.append(base + timedelta(days=15) if index % 2 else base)
        else:
            dates.append(first_date + timedelta(days=PERIOD_DAYS[frequency] * index))
    return dates


def generate_schedule(total, down_payment, count, frequency, first_date, monthly_rate=0.0, down_payment_date=None):
    """The installments of an agreement: a list of dicts ``{date, amount, principal, interest, down_payment}``.

    ``total`` is the debt covered; ``down_payment`` (on ``down_payment_date``, default ``first_date``)
    is paid first and bears no interest; the rest is split in ``count`` installments of ``frequency``
    from ``first_date`` (or from one period after the down payment's date when it has its own).
    With ``monthly_rate`` (percent a month) each installment is equal and its interest is the
    period's rate on the balance still owed (French amortization). Amounts are in cents; the last
    installment takes the rounding, so the principals add up to ``total`` exactly.
    """
    total, down = _cents(total), _cents(down_payment or 0)
    if total <= 0:
        raise ValueError("the total of an agreement must be positive")
    if count < 1:
        raise ValueError("an agreement needs at least one installment")
    if down < 0 or down >= total:
        raise ValueError("the down payment must be less than the total")
    if monthly_rate < 0:
        raise ValueError("the interest rate cannot be negative")
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown frequency {frequency!r}")
    rows = []
    if down:
        rows.append({'date': down_payment_date or first_date, 'amount': float(down), 'principal': float(down),
                     'interest': 0.0, 'down_payment': True})
    financed = total - down
    rate = Decimal(str(monthly_rate)) / 100 * PERIOD_DAYS[frequency] / 30
    # Equal installments: the annuity of the financed balance, or its plain share without interest.
    payment = _cents(financed * rate / (1 - (1 + rate) ** -count)) if rate else _cents(financed / count)
    balance = financed
    for index, due in enumerate(installment_dates(first_date, count, frequency)):
        interest = _cents(balance * rate)
        principal = balance if index == count - 1 else min(payment - interest, balance)
        balance -= principal
        rows.append({'date': due, 'amount': float(principal + interest), 'principal': float(principal),
                     'interest': float(interest), 'down_payment': False})
    return rows


def allocate_payments(amounts, paid_total):
    """What ``paid_total`` pays of each installment of ``amounts``, in order: ``[paid, ...]``.

    The first installment is paid first; what exceeds it goes to the next one, and so on. What
    exceeds them all is not allocated (the agreement is completed).
    """
    left = _cents(max(paid_total, 0))
    allocated = []
    for amount in amounts:
        part = min(_cents(amount), left)
        allocated.append(float(part))
        left -= part
    return allocated


def installment_state(amount, paid, due_date, today, grace_days=0, tolerance=0.0):
    """``paid``, ``partial``, ``late`` (past its date and grace, not paid) or ``pending``.

    An installment is paid when what was paid reaches its amount less ``tolerance`` (an amount).
    """
    if _cents(paid) >= _cents(amount) - _cents(tolerance):
        return PAID
    if today > due_date + timedelta(days=grace_days):
        return LATE
    return PARTIAL if paid > 0 else PENDING


def agreement_verdict(installments, paid_total, today, grace_days=0, tolerance=0.0):
    """``(verdict, [(paid, state), ...])`` of an agreement's ``installments`` ``[(date, amount), ...]``.

    ``completed`` when every installment is paid, ``broken`` when one of them is late beyond the
    grace, else ``active``.
    """
    paid = allocate_payments([amount for _date, amount in installments], paid_total)
    states = [installment_state(amount, part, due, today, grace_days, tolerance)
              for (due, amount), part in zip(installments, paid, strict=True)]
    if all(state == PAID for state in states):
        verdict = COMPLETED
    elif LATE in states:
        verdict = BROKEN
    else:
        verdict = ACTIVE
    return verdict, list(zip(paid, states, strict=True))


def months_spanned(start, last):
    """Calendar months from ``start`` to ``last``, a started month counting whole (15 Jan → 16 Mar: 3)."""
    if last <= start:
        return 0
    months = (last.year - start.year) * 12 + last.month - start.month
    return months + 1 if last.day > start.day else months


def required_role(months, condonation_percent, limits):
    """The least role of :data:`ROLES` that may grant ``months`` of installments and ``condonation_percent``.

    ``limits`` maps ``collector`` and ``supervisor`` to ``(max months, max condonation %)``; the
    administrator (``manager``) has no limit.
    """
    for role in ROLES[:-1]:
        max_months, max_percent = limits[role]
        if months <= max_months and condonation_percent <= max_percent + 1e-9:
            return role
    return ROLES[-1]


def role_allows(role, needed):
    """Whether ``role`` has the authority of ``needed`` (both of :data:`ROLES`, or None for no role)."""
    return role is not None and ROLES.index(role) >= ROLES.index(needed)


def split_amount(residuals, amount):
    """``amount`` spread over invoices in proportion to their ``residuals``, in cents, adding up exactly.

    The last invoice takes the rounding; no invoice gets more than its residual.
    """
    amount = _cents(amount)
    total = sum(_cents(r) for r in residuals)
    if amount <= 0:
        raise ValueError("the amount forgiven must be positive")
    if amount > total:
        raise ValueError("the amount forgiven exceeds what is due")
    parts, left = [], amount
    for index, residual in enumerate(residuals):
        residual = _cents(residual)
        part = left if index == len(residuals) - 1 else min(_cents(amount * residual / total), left, residual)
        parts.append(float(part))
        left -= part
    return parts
