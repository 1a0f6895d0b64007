"""Parse a CFDI de Retenciones e Información de Pagos 2.0 (the customer's withholding certificate).

Pure Python on lxml, no Odoo. The document (Anexo 20, "Retenciones" 2.0, namespace
``http://www.sat.gob.mx/esquemas/retencionpago/2``)::

    <retenciones:Retenciones Version="2.0" FechaExp=... CveRetenc=...>
      <retenciones:Emisor RfcE=... NomDenRazSocE=... RegimenFiscalE=.../>
      <retenciones:Receptor NacionalidadR="Nacional">
        <retenciones:Nacional RfcR=... NomDenRazSocR=.../>
      </retenciones:Receptor>
      <retenciones:Periodo MesIni="6" MesFin="6" Ejercicio="2026"/>
      <retenciones:Totales MontoTotOperacion=... MontoTotGrav=... MontoTotExent=... MontoTotRet=...>
        <retenciones:ImpRetenidos BaseRet=... ImpuestoRet="001" MontoRet=... TipoPagoRet=.../>
      </retenciones:Totales>
      <retenciones:Complemento>
        <tfd:TimbreFiscalDigital UUID=... FechaTimbrado=.../>
      </retenciones:Complemento>
    </retenciones:Retenciones>

:func:`parse` returns a :class:`Certificate` or raises :class:`CfdiError` naming the attribute at fault.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lxml import etree

NS = 'http://www.sat.gob.mx/esquemas/retencionpago/2'
TFD_NS = 'http://www.sat.gob.mx/TimbreFiscalDigital'
TAX_CODES = {'001': 'isr', '002': 'iva', '003': 'ieps'}
AMOUNT_TOLERANCE = Decimal('0.01')


class CfdiError(ValueError):
    """``code`` says what is wrong ('malformed', 'namespace', 'missing', 'invalid', 'totals'), ``field`` where."""

    def __init__(self, code, field, detail=''):
        super().__init__(f"{code}: {field} {detail}".strip())
        self.code = code
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Certificate:
    uuid: str
    issuer_rfc: str
    issuer_name: str
    receiver_rfc: str
    receiver_name: str
    month_from: int
    month_to: int
    year: int
    issue_date: str
    total_operation: Decimal
    total_withheld: Decimal
    taxes: tuple  # ((tax 'isr'/'iva'/'ieps', base, amount), ...)

    def withheld_by_tax(self):
        totals = {}
        for tax, _base, amount in self.taxes:
            totals[tax] = totals.get(tax, Decimal(0)) + amount
        return totals


def _parser():
    # No entities, no network, no huge trees: the file comes from outside.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def _attr(node, name, required=True):
    value = (node.get(name) or '').strip() if node is not None else ''
    if required and not value:
        raise CfdiError('missing', name)
    return value


def _amount(node, name, required=True):
    value = _attr(node, name, required)
    if not value:
        return Decimal(0)
    try:
        return Decimal(value)
    except InvalidOperation:
        raise CfdiError('invalid', name, value) from None


def _integer(node, name, low, high):
    value = _attr(node, name)
    if not value.isdigit() or not low <= int(value) <= high:
        raise CfdiError('invalid', name, value)
    return int(value)


def _child(root, path, field):
    node = root.find(path, {'r': NS, 'tfd': TFD_NS})
    if node is None:
        raise CfdiError('missing', field)
    return node


def parse(data):
    """Parse the XML bytes ``data`` of a CFDI de Retenciones 2.0 and check that it is consistent."""
    if not data:
        raise CfdiError('malformed', 'XML')
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as e:
        raise CfdiError('malformed', 'XML', str(e)) from None
    if etree.QName(root).namespace != NS or etree.QName(root).localname != 'Retenciones':
        raise CfdiError('namespace', 'Retenciones', etree.QName(root).namespace or '')
    if _attr(root, 'Version') != '2.0':
        raise CfdiError('invalid', 'Version', root.get('Version'))
    issuer = _child(root, 'r:Emisor', 'Emisor')
    receiver = _child(root, 'r:Receptor/r:Nacional', 'Receptor/Nacional')
    period = _child(root, 'r:Periodo', 'Periodo')
    totals = _child(root, 'r:Totales', 'Totales')
    stamp = _child(root, 'r:Complemento/tfd:TimbreFiscalDigital', 'TimbreFiscalDigital')
    month_from = _integer(period, 'MesIni', 1, 12)
    month_to = _integer(period, 'MesFin', month_from, 12)
    year = _integer(period, 'Ejercicio', 2000, 2100)
    taxes = []
    for node in totals.findall('r:ImpRetenidos', {'r': NS}):
        code = _attr(node, 'ImpuestoRet')
        if code not in TAX_CODES:
            raise CfdiError('invalid', 'ImpuestoRet', code)
        taxes.append((TAX_CODES[code], _amount(node, 'BaseRet', required=False), _amount(node, 'MontoRet')))
    total_withheld = _amount(totals, 'MontoTotRet')
    if abs(sum((amount for _tax, _base, amount in taxes), Decimal(0)) - total_withheld) > AMOUNT_TOLERANCE:
        raise CfdiError('totals', 'MontoTotRet', str(total_withheld))
    return Certificate(
        uuid=_attr(stamp, 'UUID').upper(),
        issuer_rfc=_attr(issuer, 'RfcE').upper(),
        issuer_name=_attr(issuer, 'NomDenRazSocE', required=False),
        receiver_rfc=_attr(receiver, 'RfcR').upper(),
        receiver_name=_attr(receiver, 'NomDenRazSocR', required=False),
        month_from=month_from, month_to=month_to, year=year,
        issue_date=_attr(root, 'FechaExp', required=False),
        total_operation=_amount(totals, 'MontoTotOperacion'),
        total_withheld=total_withheld,
        taxes=tuple(taxes),
    )


# One argument per field of the document it writes.
def build(uuid, issuer_rfc, receiver_rfc, year, month_from, month_to, taxes, total_operation,  # pylint: disable=too-many-arguments,too-many-positional-arguments,too-many-locals
          issuer_name='', receiver_name='', total_withheld=None):
    """A CFDI de Retenciones 2.0 as bytes (not signed): for tests and demo data.

    :param taxes: ``[(tax 'isr'/'iva', base, amount), ...]``.
    """
    codes = {value: key for key, value in TAX_CODES.items()}
    nsmap = {'retenciones': NS, 'tfd': TFD_NS}
    root = etree.Element(f'{{{NS}}}Retenciones', nsmap=nsmap, Version='2.0', CveRetenc='14',
                         FechaExp=f'{year}-{month_to:02d}-28T12:00:00', LugarExpRetenc='06600')
    etree.SubElement(root, f'{{{NS}}}Emisor', RfcE=issuer_rfc, NomDenRazSocE=issuer_name, RegimenFiscalE='601')
    receptor = etree.SubElement(root, f'{{{NS}}}Receptor', NacionalidadR='Nacional')
    etree.SubElement(receptor, f'{{{NS}}}Nacional', RfcR=receiver_rfc, NomDenRazSocR=receiver_name,
                     DomicilioFiscalR='06600')
    etree.SubElement(root, f'{{{NS}}}Periodo', MesIni=str(month_from), MesFin=str(month_to), Ejercicio=str(year))
    withheld = sum((Decimal(str(amount)) for _tax, _base, amount in taxes), Decimal(0))
    if total_withheld is not None:
        withheld = Decimal(str(total_withheld))
    totals = etree.SubElement(root, f'{{{NS}}}Totales', MontoTotOperacion=f'{Decimal(str(total_operation)):.2f}',
                              MontoTotGrav=f'{Decimal(str(total_operation)):.2f}', MontoTotExent='0.00',
                              MontoTotRet=f'{withheld:.2f}')
    for tax, base, amount in taxes:
        etree.SubElement(totals, f'{{{NS}}}ImpRetenidos', BaseRet=f'{Decimal(str(base)):.2f}',
                         ImpuestoRet=codes[tax], MontoRet=f'{Decimal(str(amount)):.2f}', TipoPagoRet='01')
    complement = etree.SubElement(root, f'{{{NS}}}Complemento')
    etree.SubElement(complement, f'{{{TFD_NS}}}TimbreFiscalDigital', Version='1.1', UUID=uuid,
                     FechaTimbrado=f'{year}-{month_to:02d}-28T12:00:00', RfcProvCertif='SAT970701NN3',
                     SelloCFD='', NoCertificadoSAT='00001000000000000000', SelloSAT='')
    return etree.tostring(root, xml_declaration=True, encoding='UTF-8')
