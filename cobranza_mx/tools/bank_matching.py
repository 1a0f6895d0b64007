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

Everything is indexed once (dictionaries by token, RFC, partner and amount in cents), so 10,000 lines
against 100,000 invoices take a few seconds.
"""
import re
from dataclasses import dataclass, field
from decimal import Decimal

from .withholding import CENT, COMBINATIONS, RATES_BY_CODE, propose, to_decimal, withholding_amount

RFC_RE = re.compile(r'\b([A-ZÑ&]{3,4}\d{6}[A-Z0-9]{3})\b')
TOKEN_RE = re.compile(r'[A-Z0-9][A-Z0-9/\-_.]*[A-Z0-9]|[A-Z0-9]')
POINTS = {'reference': 50, 'partner': 25, 'exact': 25, 'net': 20}
# The most a customer withholds, as a share of the base: ISR 10 % + IVA two thirds.
MAX_WITHHELD_SHARE = max(sum(RATES_BY_CODE[code].percent for code in combo) for combo in COMBINATIONS) / 100
# A partner with more open invoices than this is searched through the amount index, not invoice by invoice.
MAX_POOL_SCAN = 40


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


@dataclass
class StatementLine:
    id: int
    label: str
    amount: Decimal
    partner_id: int = 0


@dataclass
class Match:
    line_id: int
    invoice_id: int
    confidence: int
    reasons: tuple
    proposal: object = None  # a withholding.Proposal when the amount is net of withholdings
    difference: Decimal = field(default=Decimal(0))  # residual - line amount


def normalize(text):
    return re.sub(r'\s+', ' ', (text or '').upper()).strip()


def _key(text):
    """Reference key: upper case, without separators, so 'INV/2026/00012' matches 'INV2026 00012'."""
    return re.sub(r'[^A-Z0-9]', '', normalize(text))


class Matcher:
    """Indexes the open ``invoices`` once; :meth:`match` then answers for each statement line."""

    def __init__(self, invoices, tolerance=Decimal('0.01')):
        self.tolerance = tolerance
        self.by_key = {}
        self.by_partner = {}
        self.by_rfc = {}
        self.by_amount = {}
        self.invoices = {}
        for invoice in invoices:
            self.invoices[invoice.id] = invoice
            for text in (invoice.name, invoice.ref):
                key = _key(text)
                if len(key) >= 4:
                    self.by_key.setdefault(key, []).append(invoice)
            self.by_partner.setdefault(invoice.partner_id, []).append(invoice)
            if invoice.rfc:
                self.by_rfc.setdefault(invoice.rfc.upper(), set()).add(invoice.partner_id)
            for amount in self._payable_amounts(invoice):
                self.by_amount.setdefault(amount, []).append(invoice)
        self.max_key_tokens = 3

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
        for size in range(1, self.max_key_tokens + 1):
            for start in range(len(tokens) - size + 1):
                key = _key(''.join(tokens[start:start + size]))
                for invoice in self.by_key.get(key, ()):
                    found[invoice.id] = invoice
        return list(found.values())

    def _amount_fit(self, invoice, amount):
        """('exact', None), ('net', proposal) or (None, None) for ``invoice`` paid with ``amount``."""
        if abs(invoice.residual - amount) <= self.tolerance:
            return 'exact', None
        difference = invoice.residual - amount
        if invoice.carries_withholdings or difference <= 0 \
                or difference > invoice.base * MAX_WITHHELD_SHARE + self.tolerance + CENT:
            return None, None
        solution = propose([invoice.base], invoice.residual - amount, tolerance=self.tolerance)
        if solution.status == 'unique':
            return 'net', solution.proposals[0]
        return None, None

    def match(self, line):
        """The best :class:`Match` of ``line``, or None."""
        label = normalize(line.label)
        amount = to_decimal(line.amount)
        partners = {line.partner_id} if line.partner_id else set()
        for rfc in RFC_RE.findall(label):
            partners |= self.by_rfc.get(rfc, set())
        references = self._references(label)
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
        if len(fits) != 1:
            return None
        invoice, fit, proposal = fits[0]
        reasons = (['partner'] if partners else []) + [fit]
        return self._make(line, invoice, reasons, proposal, amount)

    def _pool(self, partners, amount):
        """The invoices that may be paid by ``amount`` of one of ``partners`` (of anyone when there is none)."""
        if partners:
            pool = [invoice for partner in partners for invoice in self.by_partner.get(partner, ())]
            if len(pool) <= MAX_POOL_SCAN:
                return pool
        near = {}
        for delta in (-CENT, Decimal(0), CENT):
            for invoice in self.by_amount.get(amount + delta, ()):
                if not partners or invoice.partner_id in partners:
                    near[invoice.id] = invoice
        return list(near.values())

    def _make(self, line, invoice, reasons, proposal, amount):
        return Match(line.id, invoice.id, sum(POINTS[r] for r in reasons), tuple(reasons), proposal,
                     invoice.residual - amount)

    def match_all(self, lines):
        """The matches of ``lines``; an invoice goes to the line with the best confidence only."""
        best = {}
        for line in lines:
            found = self.match(line)
            if found and (found.invoice_id not in best or found.confidence > best[found.invoice_id].confidence):
                best[found.invoice_id] = found
        return sorted(best.values(), key=lambda m: m.line_id)
