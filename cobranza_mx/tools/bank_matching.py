"""Match bank statement lines with open invoices: pure Python, no Odoo.

A line is matched with one invoice by what its label says and what it amounts to:
- the invoice's number or reference appears in the label (``reference``, 50 points);
- the line's partner, or an RFC in the label, is the invoice's customer (``partner``, 25 points);
- the amount is the invoice's residual (``exact``, 25 points), or the residual net of one combination
  of Mexican withholdings found by :func:`..withholding.propose` (``net``, 20 points).
Without a reference, a line is matched only with the one invoice of its partner (or, without a
partner, the one open invoice in the whole set) that has exactly that amount, exact or net.
Confidence is the sum of the points (100 at most); a reference with another amount is a partial
payment, proposed with the points of the reference and the partner only.

One line may pay several invoices of one debtor:
- the label names them all: the line is matched with all of them when it pays their sum, exact or
  net of the withholdings the solver finds (each invoice its own combination, up to four invoices);
- the label names none, but the debtor is known (the line's partner or an RFC): when no single
  invoice fits, :func:`find_subsets` searches the debtor's open invoices (at most
  ``MAX_COMBINATION_POOL`` of them, the oldest first, by id) for the one set of two to
  ``MAX_COMBINATION_SIZE`` invoices whose sum is the amount, exact or net of one withholding
  combination applied to every invoice of the set (a customer withholds the same taxes on the
  same kind of service). Two sets that fit make the line ambiguous: not matched. Such a match is
  ``combined`` (10 points less than a match of one invoice by the same reasons).
The search is bounded (pairs are indexed by their sum, so at most pool² / 2 sums per size) and
deterministic (the invoices are taken in the order of their ids).

Invoices in another currency (a USD invoice paid with MXN into an MXN account) are matched at the
rate of the line's date, given per date and currency (``rates``: company currency per unit): they
are indexed again, converted, for each date of the lines (the lines are matched date by date), and
then matched like the others (reference, partner, amount exact or net, several invoices). Without
a rate for a line's date, the foreign invoices are not candidates for that line.

Lines in another currency (of a USD bank journal, or with a foreign amount, say an MXN line whose
foreign amount is in USD) give their amounts per currency (``StatementLine.amounts``: the journal's
amount in its currency, the foreign amount in the foreign currency). An invoice in one of these
currencies is matched in its own currency, against that amount, with the withholdings computed on
its base in its currency (the invoices of each currency are indexed once, in it). The other invoices
are matched against the line's company-currency amount (the bank line's balance, converted by Odoo
at the rate of the line's date), with the tolerance the conversion needs (``StatementLine.tolerance``).
The best of these matches wins; two different matches of the same confidence leave the line unmatched.
A line in the company currency without a foreign amount is matched as before, in one pass.

Everything is indexed once (dictionaries by token, RFC, partner and amount in cents), so 10,000 lines
against 100,000 invoices take a few seconds.
"""
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .withholding import CENT, COMBINATIONS, RATES_BY_CODE, Line, Proposal, propose, to_decimal, withholding_amount

RFC_RE = re.compile(r'\b([A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3})\b')
TOKEN_RE = re.compile(r'[A-Z0-9][A-Z0-9/\-_.]*[A-Z0-9]|[A-Z0-9]')
POINTS = {'reference': 50, 'partner': 25, 'exact': 25, 'net': 20, 'combined': -10}
# The most a customer withholds, as a share of the base: ISR 10 % + IVA two thirds.
MAX_WITHHELD_SHARE = max(sum(RATES_BY_CODE[code].percent for code in combo) for combo in COMBINATIONS) / 100
# A partner with more open invoices than this is searched through the amount index, not invoice by invoice.
MAX_POOL_SCAN = 40
# The combination search: a line pays at most this many invoices, among at most this many of its debtor.
MAX_COMBINATION_SIZE = 4
MAX_COMBINATION_POOL = 40
# A reference is looked up in single tokens and runs of up to this many ('INV 2026 00012').
MAX_KEY_TOKENS = 3


@dataclass
class Invoice:
    id: int
    name: str
    partner_id: int
    residual: Decimal
    base: Decimal  # untaxed base of the residual
    ref: str = ''
    rfc: str = ''
    carries_withholdings: bool = False
    currency: str = ''  # another currency than the company's: residual and base are in it


@dataclass
class StatementLine:
    id: int
    label: str
    amount: Decimal
    partner_id: int = 0
    date: object = None  # the rate of this date converts the foreign invoices
    amounts: dict = field(default_factory=dict)  # {currency: amount} in the line's currencies but the company's
    tolerance: Decimal = None  # of the company-currency amount (default the matcher's) when it is converted


@dataclass
class Match:
    """``invoice_id`` is the first invoice paid, ``invoice_ids`` all of them (in the proposal's index order)."""
    line_id: int
    invoice_id: int
    confidence: int
    reasons: tuple
    proposal: object = None  # a withholding.Proposal when the amount is net of withholdings
    difference: Decimal = field(default=Decimal(0))  # residual(s) - line amount
    invoice_ids: tuple = ()
    residual: Decimal = field(default=Decimal(0))  # of the invoices, in ``currency`` (at the line's date)
    currency: str = ''  # the currency of the amounts (residual, difference, proposal): '' the company's

    def __post_init__(self):
        if not self.invoice_ids:
            self.invoice_ids = (self.invoice_id,)


def _cents(amount):
    return int(to_decimal(amount) * 100)


def find_subsets(values, target, max_size=MAX_COMBINATION_SIZE, tolerance=1, limit=2):
    """The sets of 2 to ``max_size`` (at most 4) positions of ``values`` (integers, e.g. cents) that sum to ``target``.

    A set of ``k`` values fits when its sum is within ``k * tolerance`` of ``target``. Pure and
    deterministic: the sets are tuples of increasing positions, found by size, then in the order of
    their first positions; the search stops after ``limit`` sets (two are enough to say "ambiguous").
    Bounded: singles and pairs are indexed by value, so each size costs at most ``len(values)**2 / 2``
    look-ups.
    """
    by_value = {}
    for index, value in enumerate(values):
        by_value.setdefault(value, []).append(index)
    pairs = {}
    if max_size >= 4:
        for i, j in _index_pairs(len(values)):
            pairs.setdefault(values[i] + values[j], []).append((i, j))
    found = []
    for size in range(2, min(max_size, 4) + 1):
        window = range(-size * tolerance, size * tolerance + 1)
        if size == 2:
            sets = {(i, j) for i in range(len(values)) for delta in window
                    for j in by_value.get(target - values[i] + delta, ()) if j > i}
        elif size == 3:
            sets = {(i, j, k) for i, j in _index_pairs(len(values)) for delta in window
                    for k in by_value.get(target - values[i] - values[j] + delta, ()) if k > j}
        else:
            sets = {(i, j, k, m) for i, j in _index_pairs(len(values)) for delta in window
                    for k, m in pairs.get(target - values[i] - values[j] + delta, ()) if k > j}
        found.extend(sorted(sets))
        if len(found) >= limit:
            return found[:limit]
    return found


def _index_pairs(n):
    return ((i, j) for i in range(n) for j in range(i + 1, n))


def normalize(text):
    return re.sub(r'\s+', ' ', (text or '').upper()).strip()


def _key(text):
    """Reference key: upper case, without separators, so 'INV/2026/00012' matches 'INV2026 00012'."""
    return re.sub(r'[^A-Z0-9]', '', normalize(text))


class _Index:
    """The invoices by reference key, partner and payable amount."""

    def __init__(self):
        self.by_key = {}
        self.by_partner = {}
        self.by_amount = {}

    def add(self, invoice, amounts):
        for text in (invoice.name, invoice.ref):
            key = _key(text)
            if len(key) >= 4:
                self.by_key.setdefault(key, []).append(invoice)
        self.by_partner.setdefault(invoice.partner_id, []).append(invoice)
        for amount in amounts:
            self.by_amount.setdefault(amount, []).append(invoice)


class Matcher:
    """Indexes the open ``invoices`` once; :meth:`match` then answers for each statement line.

    ``rates``: ``{date: {currency: rate}}``, the company currency per unit of each foreign currency
    of the invoices on each date of the lines.
    """

    def __init__(self, invoices, tolerance=Decimal('0.01'), rates=None):
        self.tolerance = tolerance
        self.rates = rates or {}
        self.by_rfc = {}
        self.main = _Index()
        self.fx = _Index()
        self.fx_date = None
        self.foreign = []
        self.native = {}  # currency: _Index of its invoices in it, built when a line has an amount in it
        # The space of the current comparison: a currency's own index (None: the company currency, main + fx,
        # without the invoices of the currencies ``fx_skip``), its currency and its tolerance.
        self.space, self.space_currency, self.fx_skip, self.space_tolerance = None, '', (), tolerance
        for invoice in invoices:
            if invoice.rfc:
                self.by_rfc.setdefault(invoice.rfc.upper(), set()).add(invoice.partner_id)
            if invoice.currency:
                self.foreign.append(invoice)
            else:
                self.main.add(invoice, self._payable_amounts(invoice))

    def _use_date(self, date):
        """Index the foreign invoices converted at the rates of ``date`` (once per date)."""
        if not self.foreign or date == self.fx_date:
            return
        self.fx_date, self.fx = date, _Index()
        rates = self.rates.get(date, {})
        for invoice in self.foreign:
            rate = rates.get(invoice.currency)
            if rate:
                converted = replace(invoice, residual=to_decimal(invoice.residual * rate),
                                    base=to_decimal(invoice.base * rate))
                self.fx.add(converted, self._payable_amounts(converted))

    def _native(self, currency):
        """The invoices in ``currency`` indexed in it (once)."""
        if currency not in self.native:
            index = self.native[currency] = _Index()
            for invoice in self.foreign:
                if invoice.currency == currency:
                    index.add(invoice, self._payable_amounts(invoice))
        return self.native[currency]

    def _lookup(self, index, key):
        """The invoices under ``key`` of the index ``index`` ('by_key', ...) of the current space: the company
        currency's (the company's invoices, and the foreign ones converted) or a currency's own."""
        if self.space is not None:
            return getattr(self.space, index).get(key, ())
        found = getattr(self.main, index).get(key, ())
        foreign = getattr(self.fx, index).get(key)
        if foreign and self.fx_skip:
            foreign = [invoice for invoice in foreign if invoice.currency not in self.fx_skip]
        return [*found, *foreign] if foreign else found

    def _payable_amounts(self, invoice):
        """The amounts that pay ``invoice``: its residual, and its residual net of each withholding combination."""
        amounts = {invoice.residual}
        if not invoice.carries_withholdings:
            withheld = {code: withholding_amount(invoice.base, code) for code in RATES_BY_CODE}
            for combo in COMBINATIONS:
                if combo:
                    amounts.add(invoice.residual - sum(withheld[code] for code in combo))
        return amounts

    def _references(self, label):
        tokens = TOKEN_RE.findall(label)
        found = {}
        # Single tokens, and runs of up to three tokens ('INV 2026 00012').
        for size in range(1, MAX_KEY_TOKENS + 1):
            for start in range(len(tokens) - size + 1):
                key = _key(''.join(tokens[start:start + size]))
                for invoice in self._lookup('by_key', key):
                    found[invoice.id] = invoice
        return list(found.values())

    def _amount_fit(self, invoice, amount):
        """('exact', None), ('net', proposal) or (None, None) for ``invoice`` paid with ``amount``."""
        tolerance = self.space_tolerance
        if abs(invoice.residual - amount) <= tolerance:
            return 'exact', None
        difference = invoice.residual - amount
        if invoice.carries_withholdings or difference <= 0 \
                or difference > invoice.base * MAX_WITHHELD_SHARE + tolerance + CENT:
            return None, None
        solution = propose([invoice.base], invoice.residual - amount, tolerance=tolerance)
        if solution.status == 'unique':
            return 'net', solution.proposals[0]
        return None, None

    def match(self, line):
        """The best :class:`Match` of ``line``, or None: in the company currency, and in each of the line's
        other currencies against the invoices in it."""
        self._use_date(line.date)
        if not line.amounts:
            return self._match_in(line, None, '', (), to_decimal(line.amount), self.tolerance)
        found = [self._match_in(line, None, '', tuple(line.amounts), to_decimal(line.amount),
                                line.tolerance if line.tolerance is not None else self.tolerance)]
        found += [self._match_in(line, self._native(currency), currency, (), to_decimal(amount), self.tolerance)
                  for currency, amount in line.amounts.items()]
        found = sorted((match for match in found if match), key=lambda m: -m.confidence)
        if len(found) > 1 and found[0].confidence == found[1].confidence:
            return None
        return found[0] if found else None

    def _match_in(self, line, space, currency, fx_skip, amount, tolerance):
        """The best match of ``line`` paying ``amount`` in the space ``space`` (see ``__init__``)."""
        self.space, self.space_currency, self.fx_skip, self.space_tolerance = space, currency, fx_skip, tolerance
        label = normalize(line.label)
        partners = {line.partner_id} if line.partner_id else set()
        for rfc in RFC_RE.findall(label):
            partners |= self.by_rfc.get(rfc, set())
        references = self._references(label)
        if len(references) > 1:
            several = self._match_referenced(line, references, partners, amount)
            if several:
                return several
        if references:
            candidates = []
            for invoice in references:
                fit, proposal = self._amount_fit(invoice, amount)
                reasons = ['reference']
                if invoice.partner_id in partners:
                    reasons.append('partner')
                if fit:
                    reasons.append(fit)
                candidates.append(self._make(line, invoice, reasons, proposal, amount))
            candidates.sort(key=lambda m: -m.confidence)
            if len(candidates) == 1 or candidates[0].confidence > candidates[1].confidence:
                return candidates[0]
            return None
        fits = []
        pool = self._pool(partners, amount)
        for invoice in pool:
            fit, proposal = self._amount_fit(invoice, amount)
            if fit:
                fits.append((invoice, fit, proposal))
        if len(fits) > 1:
            return None
        if not fits:
            return self._match_combined(line, partners, amount) if partners else None
        invoice, fit, proposal = fits[0]
        reasons = (['partner'] if partners else []) + [fit]
        return self._make(line, invoice, reasons, proposal, amount)

    def _match_referenced(self, line, references, partners, amount):
        """The line pays all the invoices its label names (of one debtor), exact or net of withholdings."""
        invoices = sorted(references, key=lambda inv: inv.id)
        if len({invoice.partner_id for invoice in invoices}) != 1:
            return None
        residual = sum(invoice.residual for invoice in invoices)
        tolerance = self.space_tolerance * len(invoices)
        reasons = ['reference'] + (['partner'] if invoices[0].partner_id in partners else [])
        if abs(residual - amount) <= tolerance:
            return self._make_several(line, invoices, [*reasons, 'exact'], None, amount)
        if any(invoice.carries_withholdings for invoice in invoices) or residual <= amount:
            return None
        solution = propose([invoice.base for invoice in invoices], residual - amount,
                           tolerance=self.space_tolerance)
        if solution.status == 'unique':
            return self._make_several(line, invoices, [*reasons, 'net'], solution.proposals[0], amount)
        return None

    def _match_combined(self, line, partners, amount):
        """The one set of invoices of the line's debtor(s) that the line pays, found by :func:`find_subsets`."""
        if len(partners) != 1:
            return None
        pool = sorted(self._lookup('by_partner', next(iter(partners))), key=lambda inv: inv.id)[:MAX_COMBINATION_POOL]
        if len(pool) < 2:
            return None
        target = _cents(amount)
        tolerance = _cents(self.space_tolerance)
        fits = []
        # An invoice that carries its withholdings is paid at its residual whatever the combination.
        for combo in COMBINATIONS:
            values = [_cents(invoice.residual if invoice.carries_withholdings else invoice.residual
                             - sum(withholding_amount(invoice.base, code) for code in combo)) for invoice in pool]
            fits.extend((combo, subset) for subset in find_subsets(values, target, tolerance=tolerance)
                        if (combo, subset) not in fits)
            if len({subset for _combo, subset in fits}) > 1:
                return None
        if not fits:
            return None
        combo, subset = fits[0]
        invoices = [pool[index] for index in subset]
        lines = tuple(Line(index, code, invoice.base, withholding_amount(invoice.base, code))
                      for index, invoice in enumerate(invoices) if not invoice.carries_withholdings
                      for code in combo)
        if not lines:
            return self._make_several(line, invoices, ['partner', 'exact', 'combined'], None, amount)
        total = sum(wh.amount for wh in lines)
        difference = sum(invoice.residual for invoice in invoices) - amount
        return self._make_several(line, invoices, ['partner', 'net', 'combined'],
                                  Proposal(lines, total, difference - total), amount)

    def _make_several(self, line, invoices, reasons, proposal, amount):
        residual = sum(invoice.residual for invoice in invoices)
        return Match(line.id, invoices[0].id, sum(POINTS[r] for r in reasons), tuple(reasons), proposal,
                     residual - amount, tuple(inv.id for inv in invoices), residual, self.space_currency)

    def _pool(self, partners, amount):
        """The invoices that may be paid by ``amount`` of one of ``partners`` (of anyone when there is none)."""
        if partners:
            pool = [invoice for partner in partners for invoice in self._lookup('by_partner', partner)]
            if len(pool) <= MAX_POOL_SCAN:
                return pool
        near = {}
        steps = max(1, _cents(self.space_tolerance))
        for delta in (CENT * step for step in range(-steps, steps + 1)):
            for invoice in self._lookup('by_amount', amount + delta):
                if not partners or invoice.partner_id in partners:
                    near[invoice.id] = invoice
        return list(near.values())

    def _make(self, line, invoice, reasons, proposal, amount):
        return Match(line.id, invoice.id, sum(POINTS[r] for r in reasons), tuple(reasons), proposal,
                     invoice.residual - amount, residual=invoice.residual, currency=self.space_currency)

    def match_all(self, lines):
        """The matches of ``lines``; an invoice goes to the line with the best confidence only (the first
        line on a tie), and a line paying several invoices only when none of them went to a better line."""
        # Date by date, so that the foreign invoices are converted once per date.
        by_date = sorted(lines, key=lambda line: (str(line.date or ''), line.id))
        found = [match for match in map(self.match, by_date) if match]
        found.sort(key=lambda m: (-m.confidence, m.line_id))
        taken, result = set(), []
        for match in found:
            if taken.isdisjoint(match.invoice_ids):
                taken.update(match.invoice_ids)
                result.append(match)
        return sorted(result, key=lambda m: m.line_id)
