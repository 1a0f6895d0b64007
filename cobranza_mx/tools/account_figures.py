"""The figures of a collection account written by the daily run, from its open invoices."""
from dataclasses import dataclass
from decimal import Decimal

from .aging import aging_bucket
from .stages import STAGE_CODES, WRITTEN_OFF, priority_score

# The columns of cobranza_account the run writes, in the order of the tuples below.
ACCOUNT_FIGURES = (
    'stage_id', 'stage_code', 'stage_date', 'total_due', 'total_overdue', 'oldest_overdue_days',
    'open_invoice_count', 'overdue_bucket', 'priority', 'next_action_date', 'last_run_date',
)


@dataclass(frozen=True)
class InvoiceTotals:
    """What the open invoices of an account add up to."""
    total_due: object
    total_overdue: object
    oldest_overdue_days: int
    open_invoice_count: int
    next_action_date: object = None


def account_figures(run_date, stage_id, rank, totals, old_stage_id=None, old_stage_date=None):
    """The figures of an account with open invoices, in :data:`ACCOUNT_FIGURES` order.

    :param totals: the :class:`InvoiceTotals` of its open invoices
    :param stage_id: the most advanced stage of its invoices (None: none in a stage)
    :param rank: the rank of that stage in :data:`.stages.STAGE_CODES`, None when the stage is not
        one the run knows (no stage family then, and the priority of an account without stage)
    :param old_stage_id, old_stage_date: what the account had; the date in stage is kept while the
        stage stays, and is the run date when it changes.
    """
    stage_date = old_stage_date if old_stage_id == stage_id else (run_date if stage_id else None)
    total_overdue = float(totals.total_overdue)
    oldest_overdue_days = totals.oldest_overdue_days
    code = STAGE_CODES[rank] if rank is not None else None
    # Written off: out of collection, last in every worklist whatever the stage's rank.
    priority_rank = -1 if rank is None or code == WRITTEN_OFF else rank
    return (
        stage_id, code, stage_date, float(totals.total_due), total_overdue,
        oldest_overdue_days, totals.open_invoice_count, aging_bucket(oldest_overdue_days),
        priority_score(total_overdue, oldest_overdue_days, priority_rank),
        totals.next_action_date, run_date,
    )


def closed_account_figures(run_date):
    """The figures of an account left without open invoice."""
    return (None, None, None, 0.0, 0.0, 0, 0, aging_bucket(None), 0.0, None, run_date)


def figures_changed(old, new):
    """Whether ``new`` figures differ from ``old`` ones: numbers compare by value, and the run date
    alone is no change (an idle run writes nothing)."""
    return _comparable(old) != _comparable(new)


def _comparable(values):
    return tuple(float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else v
                 for v in values[:-1])
