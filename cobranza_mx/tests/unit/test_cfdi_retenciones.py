from decimal import Decimal
from unittest import TestCase

from ...tools.cfdi_retenciones import CfdiError, build, parse

UUID = '5FB2822E-396D-4725-8521-CDC4BDD20CCF'


def _xml(**kwargs):
    values = {'uuid': UUID, 'issuer_rfc': 'AAA010101AAA', 'receiver_rfc': 'EKU9003173C9', 'year': 2026,
              'month_from': 6, 'month_to': 6, 'total_operation': 10000,
              'taxes': [('isr', 10000, 1000), ('iva', 1600, 1066.67)]}
    values.update(kwargs)
    return build(**values)


class TestCfdiRetenciones(TestCase):

    def test_parse_valid(self):
        cert = parse(_xml())
        self.assertEqual(cert.uuid, UUID)
        self.assertEqual((cert.issuer_rfc, cert.receiver_rfc), ('AAA010101AAA', 'EKU9003173C9'))
        self.assertEqual((cert.month_from, cert.month_to, cert.year), (6, 6, 2026))
        self.assertEqual(cert.total_withheld, Decimal('2066.67'))
        self.assertEqual(cert.withheld_by_tax(), {'isr': Decimal('1000.00'), 'iva': Decimal('1066.67')})

    def _assert_error(self, data, code, field):
        with self.assertRaises(CfdiError) as caught:
            parse(data)
        self.assertEqual((caught.exception.code, caught.exception.field), (code, field))

    def test_malformed(self):
        self._assert_error(b'<retenciones:Retenciones', 'malformed', 'XML')
        self._assert_error(b'', 'malformed', 'XML')

    def test_other_namespace(self):
        data = _xml().replace(b'http://www.sat.gob.mx/esquemas/retencionpago/2',
                              b'http://www.sat.gob.mx/esquemas/retencionpago/1')
        self._assert_error(data, 'namespace', 'Retenciones')
        self._assert_error(b'<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"/>', 'namespace', 'Retenciones')

    def test_totals_do_not_add_up(self):
        self._assert_error(_xml(total_withheld=2000), 'totals', 'MontoTotRet')

    def test_missing_and_invalid_fields(self):
        self._assert_error(_xml(issuer_rfc=''), 'missing', 'RfcE')
        self._assert_error(_xml(uuid=''), 'missing', 'UUID')
        self._assert_error(_xml(month_from=7, month_to=6), 'invalid', 'MesFin')
        self._assert_error(_xml().replace(b'MontoRet="1000.00"', b'MontoRet="mil"'), 'invalid', 'MontoRet')

    def test_entities_not_resolved(self):
        data = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                b'<r>&x;</r>')
        self._assert_error(data, 'namespace', 'Retenciones')
