"""Payment proofs (soportes de pago): file checks, Banxico CEP reading and payment matching.

Plain Python, no ORM. The model ``cobranza.payment.proof`` calls these functions and turns their
error codes into translated messages.

A CEP (Comprobante Electrónico de Pago) is the receipt Banco de México issues for a SPEI transfer.
Its XML has the root ``SPEI_Tercero`` (attributes ``FechaOperacion``, ``Hora``, ``ClaveSPEI``,
``claveRastreo``, ``numeroCertificado``, ``sello``, ``cadenaCDA``) with two children: ``Ordenante``
(who paid: ``BancoEmisor``, ``Nombre``, ``TipoCuenta``, ``Cuenta``, ``RFC``) and ``Beneficiario``
(who was paid: ``BancoReceptor``, ``Nombre``, ``TipoCuenta``, ``Cuenta``, ``RFC``, ``Concepto``,
``IVA``, ``MontoPago``). The children are read by name, never by position, and the attribute names
case-insensitively: the samples in circulation differ in both.
"""
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from lxml import etree

# Kinds of file a proof may carry, told by their first bytes (never by the name or the browser's type).
PDF, JPEG, PNG, XML = 'pdf', 'jpeg', 'png', 'xml'
MIMETYPES = {PDF: 'application/pdf', JPEG: 'image/jpeg', PNG: 'image/png', XML: 'application/xml'}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024

# Error codes of check_file (the model translates them).
ERR_EMPTY, ERR_TOO_LARGE, ERR_TYPE, ERR_XML = 'empty', 'too_large', 'type', 'xml'


class ProofFileError(ValueError):
    """A file that is not a proof: ``code`` is one of the ``ERR_*`` constants."""

    def __init__(self, code, detail=''):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def sniff(data):
    """The kind of ``data`` (bytes) from its content: ``pdf``, ``jpeg``, ``png``, ``xml`` or None."""
    if data.startswith(b'%PDF-'):
        return PDF
    if data.startswith(b'\xff\xd8\xff'):
        return JPEG
    if data.startswith(b'\x89PNG\r\n\x1a\n'):
        return PNG
    head = data[:512].lstrip(b'\xef\xbb\xbf').lstrip()
    if head.startswith(b'<?xml') or (head.startswith(b'<') and head[1:2].isalpha()):
        return XML
    return None


def _parse_xml(data):
    # No entities, no DTD, no network: a proof comes from outside.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser=parser)


def check_file(data, max_bytes=DEFAULT_MAX_BYTES):
    """Return the kind of a proof file, or raise :class:`ProofFileError`.

    A file is accepted when it is not empty, at most ``max_bytes`` long, and its content is a PDF,
    a JPEG, a PNG or well-formed XML.
    """
    if not data:
        raise ProofFileError(ERR_EMPTY)
    if len(data) > max_bytes:
        raise ProofFileError(ERR_TOO_LARGE, str(len(data)))
    kind = sniff(data)
    if kind is None:
        raise ProofFileError(ERR_TYPE)
    if kind == XML:
        try:
            _parse_xml(data)
        except etree.XMLSyntaxError as e:
            raise ProofFileError(ERR_XML, str(e)) from e
    if kind == PDF and b'%%EOF' not in data[-2048:]:
        # A PDF cut short (an interrupted upload or a file renamed from a fragment).
        raise ProofFileError(ERR_TYPE)
    return kind


def file_hash(data):
    """SHA-256 of the file's bytes: two proofs with the same file are duplicates."""
    return hashlib.sha256(data).hexdigest()


def normalize_reference(reference):
    """A reference or tracking key compared without case, spaces or punctuation."""
    return re.sub(r'[^0-9A-Z]', '', (reference or '').upper())


@dataclass(frozen=True)
class Party:
    """Who paid (Ordenante) or was paid (Beneficiario) in a CEP."""
    bank: str
    name: str
    account: str
    rfc: str


@dataclass(frozen=True)
class Cep:
    """What a Banxico CEP says of a SPEI transfer."""
    tracking_key: str
    amount: Decimal
    date: date
    time: str
    issuer: Party
    receiver: Party
    concept: str
    certificate: str


def _local(tag):
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ''


def _attrs(element):
    return {etree.QName(key).localname.lower(): (value or '').strip() for key, value in element.attrib.items()}


def is_cep(data):
    """Whether ``data`` is XML whose root is a CEP's ``SPEI_Tercero``."""
    if sniff(data) != XML:
        return False
    try:
        return _local(_parse_xml(data).tag) == 'spei_tercero'
    except etree.XMLSyntaxError:
        return False


def parse_cep(data):
    """Read a CEP XML (bytes). Raises ``ValueError`` when it is not a complete CEP."""
    try:
        root = _parse_xml(data)
    except etree.XMLSyntaxError as e:
        raise ValueError(f"not XML: {e}") from e
    if _local(root.tag) != 'spei_tercero':
        raise ValueError(f"not a CEP: root element {_local(root.tag)!r}")
    head = _attrs(root)
    children = {_local(child.tag): _attrs(child) for child in root if _local(child.tag)}
    issuer = children.get('ordenante')
    receiver = children.get('beneficiario')
    if issuer is None or receiver is None:
        raise ValueError("not a CEP: Ordenante or Beneficiario missing")
    tracking_key = head.get('claverastreo', '')
    if not tracking_key:
        raise ValueError("not a CEP: claveRastreo missing")
    try:
        amount = Decimal(receiver.get('montopago', ''))
        day = date.fromisoformat(head.get('fechaoperacion', ''))
    except (InvalidOperation, ValueError) as e:
        raise ValueError(f"not a CEP: amount or date unreadable ({e})") from e
    if amount <= 0:
        raise ValueError("not a CEP: the amount is not positive")
    return Cep(
        tracking_key=tracking_key, amount=amount, date=day, time=head.get('hora', ''),
        issuer=Party(issuer.get('bancoemisor', ''), issuer.get('nombre', ''), issuer.get('cuenta', ''),
                     issuer.get('rfc', '')),
        receiver=Party(receiver.get('bancoreceptor', ''), receiver.get('nombre', ''), receiver.get('cuenta', ''),
                       receiver.get('rfc', '')),
        concept=receiver.get('concepto', ''), certificate=head.get('numerocertificado', ''))


@dataclass(frozen=True)
class Candidate:
    """A payment or bank statement line that a proof may prove."""
    key: object
    amount: Decimal
    date: date
    reference: str = ''
    same_partner: bool = False


@dataclass(frozen=True)
class Proposal:
    key: object
    score: int
    reasons: tuple


def is_acceptable(proof_amount, proof_date, candidate, tolerance_days):
    """Whether ``candidate`` may validate the proof: the same amount, and a date within the tolerance."""
    return (Decimal(proof_amount).quantize(Decimal('0.01')) == Decimal(candidate.amount).quantize(Decimal('0.01'))
            and abs((candidate.date - proof_date).days) <= tolerance_days)


def propose(proof_amount, proof_date, proof_reference, candidates, tolerance_days):
    """Rank the acceptable ``candidates`` for a proof, best first.

    Every proposal has the same amount and a date within ``tolerance_days``; the score adds 40 for
    the same day (less 10 a day apart), 40 when the reference (or tracking key) of the proof appears
    in the candidate's, and 20 when the candidate is of the same debtor. Ties keep the input order.
    """
    reference = normalize_reference(proof_reference)
    proposals = []
    for candidate in candidates:
        if not is_acceptable(proof_amount, proof_date, candidate, tolerance_days):
            continue
        days = abs((candidate.date - proof_date).days)
        score, reasons = max(40 - 10 * days, 0), ['amount', 'date' if not days else 'near_date']
        if len(reference) >= 6 and reference in normalize_reference(candidate.reference):
            score += 40
            reasons.append('reference')
        if candidate.same_partner:
            score += 20
            reasons.append('partner')
        proposals.append(Proposal(candidate.key, score, tuple(reasons)))
    proposals.sort(key=lambda p: -p.score)
    return proposals


def expiry_date(received, validity_days):
    """The last day a proof received on ``received`` may be validated before it expires."""
    return received + timedelta(days=validity_days)


# An amount as Mexican documents write it: "$12,345.67", "12345.67", "$ 1,000" (comma thousands, dot decimals).
_AMOUNT_RE = re.compile(r'\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?(?!\d)'
                        r'|(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})(?!\d)')


def amount_in_text(text):
    """The first amount written in ``text`` (a ``Decimal``), or None: "$" amounts, else ones with cents."""
    for match in _AMOUNT_RE.finditer(text or ''):
        whole, cents = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        value = Decimal(whole.replace(',', '') + '.' + (cents or '0').ljust(2, '0'))
        if value > 0:
            return value
    return None
