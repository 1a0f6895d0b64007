"""Stage placement and priority scoring for the daily collection run.

Plain Python, no ORM: the run gathers rows with SQL, calls these functions and
writes back only what changed.
"""
import math
from dataclasses import dataclass
from datetime import date, timedelta

# Order of the stage families, from the least to the most advanced. ``written_off`` is no rule of the
# run: the write-off of a dictamen puts the credits there, and the run leaves them there.
WRITTEN_OFF = 'written_off'
STAGE_CODES = ('preventive', 'administrative', 'extrajudicial', 'judicial', 'uncollectable', WRITTEN_OFF)
STAGE_RANK = {code: rank for rank, code in enumerate(STAGE_CODES)}


@dataclass(frozen=True, slots=True)
class StageRule:
    """One stage of a policy, as the run sees it."""
    id: int
    days_from: int
    min_amount: float = 0.0
    sequence: int = 0
    rank: int = 0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an open invoice stands on a given day."""
    stage_id: int | None
    days_overdue: int
    priority: float
    next_action_date: date | None


def days_overdue(due_date, run_date):
    """Days between the due date and the run date; negative before the due date."""
    return (run_date - due_date).days


def sort_rules(rules):
    """Rules in the order in which an invoice walks through them."""
    return sorted(rules, key=lambda r: (r.days_from, r.sequence, r.id))


def select_stage(rules, days, amount):
    """The most advanced stage whose entry rule the invoice meets, or None.

    ``rules`` must be sorted with :func:`sort_rules`. A stage is met when the
    invoice is at least ``days_from`` days past due (negative: before due) and
    its open amount reaches the stage's minimum.
    """
    selected = None
    for rule in rules:
        if rule.days_from > days:
            break
        if amount >= rule.min_amount:
            selected = rule
    return selected


def next_stage_date(rules, current, due_date, amount):
    """The date on which the invoice will enter its next stage, if any."""
    current_from = current.days_from if current else None
    for rule in rules:
        if current_from is not None and rule.days_from <= current_from:
            continue
        if amount >= rule.min_amount:
            return due_date + timedelta(days=rule.days_from)
    return None


def priority_score(overdue_amount, days, stage_rank, promises_due=0):
    """A sortable priority: the stage weighs most, then age, then amount.

    Broken or due promises (later issues) push an account up the worklist.
    The score is rounded so that two runs on the same data give the same value.
    """
    overdue_days = max(days, 0)
    score = (
        stage_rank * 1000.0
        + min(overdue_days, 730) * 1.0
        + math.log10(max(overdue_amount, 0.0) + 1.0) * 50.0
        + promises_due * 200.0
    )
    return round(score, 2)


def invoice_priority(amount, days, stage_rank):
    """Priority of one invoice: its open amount counts only once it is overdue."""
    return priority_score(amount if days > 0 else 0.0, days, stage_rank)


def place_invoice(rules, due_date, run_date, amount):
    """Place one open invoice: stage, days overdue, priority and next action date."""
    days = days_overdue(due_date, run_date)
    rule = select_stage(rules, days, amount)
    return Placement(
        stage_id=rule.id if rule else None,
        days_overdue=days,
        priority=invoice_priority(amount, days, rule.rank if rule else -1),
        next_action_date=next_stage_date(rules, rule, due_date, amount),
    )
