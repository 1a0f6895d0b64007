"""Mexican withholdings on customer payments: which combination explains a short payment.

Pure Python (no Odoo): the payment wizard and the bank matching give the untaxed bases of the
invoices paid and the difference between what was due and what arrived; this module answers which
withholdings the customer applied.

The law (LISR art. 106 and 113-J, LIVA art. 1-A, RLIVA art. 3):
- ISR 10 % of the untaxed base: professional services and rent paid by legal entities to individuals;
- ISR 1.25 % of the untaxed base: suppliers in the simplified regime (RESICO, LISR art. 113-J);
- IVA two thirds of the 16 % IVA, i.e. 10.6667 % of the untaxed base: services and rent of individuals;
- IVA 4 % of the untaxed base: road freight (autotransporte terrestre de bienes).
The 6 % IVA withholding on personnel services of 2020 was repealed in 2021 and is not offered.
A customer applies at most one ISR rate and one IVA rate to an invoice.

Each withholding is rounded to cents half up, per invoice, as the CFDI does (Base x TasaOCuota,
rounded to the currency's decimals). For the two-thirds IVA customers write 0.106667 or 0.106666
as TasaOCuota, or take exactly two thirds of the IVA: every variant is accepted, the nominal
0.106667 one is proposed and the few cents between them are within the tolerance.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import product

CENT = Decimal('0.01')


@dataclass(frozen=True)
class Rate:
    """One withholding rate: ``factors`` are the accepted ways of computing it, the first is nominal."""
    code: str
    tax: str  # 'isr' or 'iva' (SAT's c_Impuesto 001 / 002)
    percent: Decimal
    factors: tuple
    label: str


RATES = (
    Rate('isr_10', 'isr', Decimal('10'), (Decimal('0.10'),), 'ISR 10 %'),
    Rate('isr_1_25', 'isr', Decimal('1.25'), (Decimal('0.0125'),), 'ISR 1.25 % RESICO'),
    Rate('iva_2_3', 'iva', Decimal('10.6667'),
         (Decimal('0.106667'), Decimal('0.106666'), Decimal('0.16') * 2 / 3), 'IVA 2/3 (10.6667 %)'),
    Rate('iva_4', 'iva', Decimal('4'), (Decimal('0.04'),), 'IVA 4 % freight'),
)
RATES_BY_CODE = {rate.code: rate for rate in RATES}
SAT_TAX_CODES = {'isr': '001', 'iva': '002'}

# Every combination a customer can apply to one invoice: at most one ISR and one IVA rate.
COMBINATIONS = tuple(
    tuple(code for code in (isr, iva) if code)
    for isr in (None, 'isr_10', 'isr_1_25')
    for iva in (None, 'iva_2_3', 'iva_4')
)

# Above this many invoices every invoice is assumed to carry the same combination (9**n otherwise).
MAX_INVOICES_PER_INVOICE_SEARCH = 4


def to_decimal(value):
    """``value`` (float, int, str or Decimal) as a Decimal of cents."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def round_cents(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def withholding_amount(base, code, factor=None):
    """The withholding ``code`` on the untaxed ``base``, rounded to cents half up."""
    rate = RATES_BY_CODE[code]
    return round_cents(to_decimal(base) * (factor if factor is not None else rate.factors[0]))


def _amount_range(base, code):
    amounts = [withholding_amount(base, code, factor) for factor in RATES_BY_CODE[code].factors]
    return min(amounts), max(amounts)


@dataclass(frozen=True)
class Line:
    """One withholding of one invoice: ``index`` is the invoice's position in the bases given."""
    index: int
    code: str
    base: Decimal
    amount: Decimal

    @property
    def tax(self):
        return RATES_BY_CODE[self.code].tax


@dataclass(frozen=True)
class Proposal:
    """A set of withholdings explaining ``total``; ``gap`` = difference - total (rounding, within tolerance)."""
    lines: tuple
    total: Decimal
    gap: Decimal

    @property
    def codes(self):
        """The rates used, per invoice: a tuple of tuples of codes."""
        return tuple(sorted({(line.index, line.code) for line in self.lines}))

    def amounts_by_code(self):
        totals = {}
        for line in self.lines:
            totals[line.code] = totals.get(line.code, Decimal(0)) + line.amount
        return totals

    def label(self):
        parts = []
        for code, amount in sorted(self.amounts_by_code().items(), key=lambda item: -item[1]):
            parts.append(f"{RATES_BY_CODE[code].label}: {amount:,.2f}")
        return ' + '.join(parts)


@dataclass(frozen=True)
class Solution:
    """``status``: 'paid' (no difference), 'unique', 'ambiguous' (several proposals) or 'unexplained'."""
    status: str
    difference: Decimal
    proposals: tuple


def propose(bases, difference, tolerance=CENT, codes=None):
    """Which withholdings explain that ``difference`` is missing from the payment of invoices of ``bases``.

    :param bases: the untaxed base of each invoice paid (in the payment's currency).
    :param difference: what was due minus what was received (positive when the payment is short).
    :param tolerance: accepted gap per invoice, for rounding (a Decimal, default one cent).
    :param codes: the rate codes allowed (default all of :data:`RATES`).
    :return: a :class:`Solution`; its proposals are sorted by gap, then by number of withholdings.
    """
    bases = [to_decimal(base) for base in bases]
    difference = to_decimal(difference)
    tolerance = Decimal(str(tolerance)) * max(len(bases), 1)
    if abs(difference) <= tolerance:
        return Solution('paid', difference, ())
    if difference < 0 or not bases:
        return Solution('unexplained', difference, ())
    allowed = set(codes or RATES_BY_CODE)
    combinations = [combo for combo in COMBINATIONS if set(combo) <= allowed]
    # Amount ranges per (invoice, code), computed once.
    ranges = {(index, code): _amount_range(base, code) for index, base in enumerate(bases) for code in allowed}
    if len(bases) <= MAX_INVOICES_PER_INVOICE_SEARCH:
        assignments = product(combinations, repeat=len(bases))
    else:
        assignments = ((combo,) * len(bases) for combo in combinations)
    proposals = []
    for assignment in assignments:
        pairs = [(index, code) for index, combo in enumerate(assignment) for code in combo]
        if not pairs:
            continue
        low = sum(ranges[pair][0] for pair in pairs)
        high = sum(ranges[pair][1] for pair in pairs)
        if not low - tolerance <= difference <= high + tolerance:
            continue
        lines = tuple(Line(index, code, bases[index], withholding_amount(bases[index], code)) for index, code in pairs)
        total = sum(line.amount for line in lines)
        proposals.append(Proposal(lines, total, difference - total))
    proposals.sort(key=lambda p: (abs(p.gap), len(p.lines), p.codes))
    proposals = _distinct(proposals)
    if not proposals:
        return Solution('unexplained', difference, ())
    return Solution('unique' if len(proposals) == 1 else 'ambiguous', difference, tuple(proposals))


def _distinct(proposals):
    """Drop proposals with the same withholdings (same invoice, code and amount) as a better one."""
    seen, result = set(), []
    for proposal in proposals:
        key = tuple(sorted((line.index, line.code, line.amount) for line in proposal.lines))
        if key not in seen:
            seen.add(key)
            result.append(proposal)
    return result


def settle(proposal):
    """The proposal's lines with its rounding gap put on its largest withholding, so they sum to the difference."""
    lines = list(proposal.lines)
    if proposal.gap and lines:
        largest = max(range(len(lines)), key=lambda i: lines[i].amount)
        line = lines[largest]
        lines[largest] = Line(line.index, line.code, line.base, line.amount + proposal.gap)
    return tuple(lines)
