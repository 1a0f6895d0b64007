"""Uncollectable credits under LISR art. 27 fr. XV (text in force since 2022). Plain Python, no ORM.

"Notoria imposibilidad práctica de cobro" exists:

- (a) for credits whose principal at the due date is at most 30,000 UDIS — all the credits of the
  same debtor added up to test the limit — when one year has passed since the debtor defaulted;
  they are uncollectable in the month in which that year is reached;
- (b) above 30,000 UDIS, only with a final ruling, or proof that collection was exhausted in court
  (or that a favourable judgment could not be enforced);
- (c) when the debtor is declared bankrupt or in concurso mercantil (with the ruling).

A debtor with business activity must be told in writing before the deduction (a and b), and the
deducted credits are reported to SAT by 15 February of the next year.

Default ("mora") starts the day after the due date; the year has passed on its anniversary.
The principal of a credit is its open balance in the company currency at the invoice's own rate
(what is still owed and would be deducted), converted to UDIS with the UDI value of its due date.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from . import udi

UDI_LIMIT = Decimal(30000)
BASIS_SMALL = 'a'
BASIS_JUDICIAL = 'b'
BASIS_INSOLVENCY = 'c'

# Evidence codes (the document types of a dictamen).
EV_NOTICE = 'notice'  # the acknowledged written notice to a debtor with business activity
EV_RULING = 'ruling'  # final ruling, or proof that collection was exhausted in court
EV_INSOLVENCY = 'insolvency_ruling'  # the bankruptcy / concurso mercantil ruling


class MissingUdiError(ValueError):
    """No UDI value is known for these dates (sorted): the conversion is never guessed."""

    def __init__(self, dates):
        super().__init__(', '.join(day.isoformat() for day in dates))
        self.dates = list(dates)


@dataclass(frozen=True)
class Credit:
    """One open overdue invoice: ``key`` identifies it to the caller; amounts in the company currency."""
    key: object
    due_date: date
    principal: Decimal


@dataclass(frozen=True)
class Debtor:
    """What decides a debtor's basis: ``judicial`` when collection went to court, ``insolvency_date`` the
    date of the bankruptcy / concurso ruling, ``evidence`` the evidence codes already gathered."""
    key: object
    credits: tuple
    business_activity: bool = False
    judicial: bool = False
    insolvency_date: date | None = None
    evidence: frozenset = frozenset()


@dataclass
class CreditResult:
    credit: Credit
    udi_value: Decimal
    udis: Decimal
    deductible_from: date | None


@dataclass
class Candidate:  # pylint: disable=too-many-instance-attributes
    debtor: Debtor
    basis: str | None
    total: Decimal
    total_udis: Decimal
    credits: list = field(default_factory=list)
    eligible: list = field(default_factory=list)
    month: date | None = None
    missing: list = field(default_factory=list)

    @property
    def is_candidate(self):
        return self.basis is not None and bool(self.eligible)


def add_years(day, years):
    """``day`` the same date ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def one_year_of_default(due_date):
    """The day on which one year of default has passed: the anniversary of the first day in default."""
    return add_years(due_date + timedelta(days=1), 1)


def first_of_month(day):
    return day.replace(day=1)


def credit_udis(credit, udi_values):
    """``CreditResult`` of ``credit`` with the UDI value of its due date; MissingUdiError when unknown."""
    value = udi_values.get(credit.due_date)
    if value is None:
        raise MissingUdiError([credit.due_date])
    return CreditResult(credit, Decimal(str(value)), udi.to_udis(credit.principal, value), None)


def needed_udi_dates(debtors):
    """Every due date whose UDI value the evaluation of ``debtors`` needs."""
    return {credit.due_date for debtor in debtors for credit in debtor.credits}


def required_evidence(basis, business_activity):
    """The evidence codes a dictamen on ``basis`` needs."""
    required = []
    if basis == BASIS_JUDICIAL:
        required.append(EV_RULING)
    if basis == BASIS_INSOLVENCY:
        required.append(EV_INSOLVENCY)
    if basis in (BASIS_SMALL, BASIS_JUDICIAL) and business_activity:
        required.append(EV_NOTICE)
    return required


def evaluate(debtor, udi_values, as_of):
    """The ``Candidate`` of ``debtor`` on ``as_of``: its basis (None when it meets none), the credits that
    are deductible, the month in which the impossibility arises and the evidence still missing.

    Raises MissingUdiError naming every due date without a UDI value.
    """
    missing_udi = udi.missing_dates(needed_udi_dates([debtor]), udi_values)
    if missing_udi:
        raise MissingUdiError(missing_udi)
    results = [credit_udis(credit, udi_values) for credit in debtor.credits]
    total = sum((result.credit.principal for result in results), Decimal(0))
    total_udis = sum((result.udis for result in results), Decimal(0))
    candidate = Candidate(debtor, None, total, total_udis, results)
    if debtor.insolvency_date and debtor.insolvency_date <= as_of:
        candidate.basis = BASIS_INSOLVENCY
        for result in results:
            result.deductible_from = debtor.insolvency_date
        candidate.eligible = list(results)
    elif total_udis <= UDI_LIMIT:
        for result in results:
            result.deductible_from = one_year_of_default(result.credit.due_date)
        candidate.eligible = [result for result in results if result.deductible_from <= as_of]
        if candidate.eligible:
            candidate.basis = BASIS_SMALL
    elif debtor.judicial:
        candidate.basis = BASIS_JUDICIAL
        candidate.eligible = list(results)
    if candidate.eligible:
        dates = [result.deductible_from for result in candidate.eligible if result.deductible_from]
        candidate.month = first_of_month(min(dates)) if dates else None
        candidate.missing = [code for code in required_evidence(candidate.basis, debtor.business_activity)
                             if code not in debtor.evidence]
    return candidate


def basis_errors(basis, total_udis, credits_due, as_of, evidence, business_activity, insolvency_date=None):
    """Why a dictamen on ``basis`` cannot be submitted: a list of (code, detail) pairs, empty when it can.

    ``credits_due`` are the due dates of its credits, ``total_udis`` the sum of every open credit of the
    debtor in UDIS, ``evidence`` the evidence codes uploaded.
    """
    errors = []
    if basis == BASIS_SMALL:
        if total_udis > UDI_LIMIT:
            errors.append(('above_limit', total_udis))
        late = [due for due in credits_due if one_year_of_default(due) > as_of]
        if late:
            errors.append(('not_one_year', min(one_year_of_default(due) for due in late)))
    elif basis == BASIS_JUDICIAL:
        if total_udis <= UDI_LIMIT:
            errors.append(('below_limit', total_udis))
    elif basis == BASIS_INSOLVENCY and not insolvency_date:
        errors.append(('no_insolvency', None))
    for code in required_evidence(basis, business_activity):
        if code not in evidence:
            errors.append(('missing_' + code, None))
    return errors
