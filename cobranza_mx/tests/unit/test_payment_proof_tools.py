from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import TestCase

from ...tools import payment_proof as pp

CEP = (Path(__file__).parent.parent / 'data' / 'cep_sample.xml').read_bytes()
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n' + b'\x00' * 32
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00' + b'\x00' * 32


class TestProofFiles(TestCase):

    def test_kinds_by_content(self):
        self.assertEqual([pp.check_file(data) for data in (PDF, PNG, JPEG, CEP)],
                         [pp.PDF, pp.PNG, pp.JPEG, pp.XML])

    def test_name_does_not_matter_content_does(self):
        # An executable, a ZIP or a Word file: refused whatever it is called.
        for data in (b'MZ\x90\x00\x03', b'PK\x03\x04\x14\x00', b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1', b'hola'):
            with self.assertRaises(pp.ProofFileError) as caught:
                pp.check_file(data)
            self.assertEqual(caught.exception.code, pp.ERR_TYPE)

    def test_truncated_pdf_refused(self):
        with self.assertRaises(pp.ProofFileError) as caught:
            pp.check_file(PDF[:20])
        self.assertEqual(caught.exception.code, pp.ERR_TYPE)

    def test_empty_and_too_large(self):
        with self.assertRaises(pp.ProofFileError) as caught:
            pp.check_file(b'')
        self.assertEqual(caught.exception.code, pp.ERR_EMPTY)
        with self.assertRaises(pp.ProofFileError) as caught:
            pp.check_file(PNG, max_bytes=len(PNG) - 1)
        self.assertEqual(caught.exception.code, pp.ERR_TOO_LARGE)
        self.assertEqual(pp.check_file(PNG, max_bytes=len(PNG)), pp.PNG)

    def test_broken_xml_refused(self):
        with self.assertRaises(pp.ProofFileError) as caught:
            pp.check_file(b'<?xml version="1.0"?><SPEI_Tercero><Ordenante></SPEI_Tercero>')
        self.assertEqual(caught.exception.code, pp.ERR_XML)

    def test_xml_entities_not_expanded(self):
        evil = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b'<SPEI_Tercero claveRastreo="&e;"/>')
        with self.assertRaises(ValueError):
            pp.parse_cep(evil)

    def test_hash(self):
        self.assertEqual(pp.file_hash(PDF), pp.file_hash(bytes(PDF)))
        self.assertNotEqual(pp.file_hash(PDF), pp.file_hash(PDF + b' '))
        self.assertEqual(len(pp.file_hash(PDF)), 64)


class TestCep(TestCase):

    def test_parse_sample(self):
        cep = pp.parse_cep(CEP)
        self.assertEqual(cep.tracking_key, 'MBAN01002606120000458712')
        self.assertEqual(cep.amount, Decimal('1000.00'))
        self.assertEqual(cep.date, date(2026, 6, 12))
        self.assertEqual(cep.time, '13:47:05')
        self.assertEqual(cep.issuer, pp.Party('BBVA MEXICO', 'ABARROTES LA ESPERANZA SA DE CV', '012180001234567891',
                                              'ALE010101AB1'))
        self.assertEqual(cep.receiver, pp.Party('BANAMEX', 'SERVICIOS INDUSTRIALES DEL NORTE SA DE CV',
                                                '002180009876543210', 'SIN980303KL2'))
        self.assertEqual(cep.certificate, '00001000000505142236')
        self.assertEqual(cep.concept, 'PAGO FACTURA INV 2026 00001')
        self.assertTrue(pp.is_cep(CEP))

    def test_children_by_name_and_namespace(self):
        # Ordenante first, a namespace prefix and lower-case attribute names: still the same reading.
        xml = (b'<spei:SPEI_Tercero xmlns:spei="http://www.sat.gob.mx/spei" fechaOperacion="2026-01-05" '
               b'claveRastreo="ABC123456"><spei:Ordenante bancoEmisor="HSBC" nombre="JUAN PEREZ" rfc="PEJU800101AA1"/>'
               b'<spei:Beneficiario bancoReceptor="BANORTE" nombre="ACME SA" montoPago="250.5"/></spei:SPEI_Tercero>')
        cep = pp.parse_cep(xml)
        self.assertEqual((cep.issuer.bank, cep.receiver.bank, cep.amount, cep.date),
                         ('HSBC', 'BANORTE', Decimal('250.5'), date(2026, 1, 5)))

    def test_not_a_cep(self):
        self.assertFalse(pp.is_cep(PDF))
        self.assertFalse(pp.is_cep(b'<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"/>'))
        for xml in (b'<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4"/>',
                    CEP.replace(b'claveRastreo="MBAN01002606120000458712"', b''),
                    CEP.replace(b'MontoPago="1000.00"', b'MontoPago="mil"'),
                    CEP.replace(b'MontoPago="1000.00"', b'MontoPago="-5"'),
                    CEP.replace(b'FechaOperacion="2026-06-12"', b'FechaOperacion="12/06/2026"')):
            with self.assertRaises(ValueError):
                pp.parse_cep(xml)


class TestMatching(TestCase):

    def test_same_amount_and_date_ranked_by_reference_and_partner(self):
        day = date(2026, 6, 12)
        candidates = [
            pp.Candidate('other_amount', Decimal('999.99'), day, 'MBAN01002606120000458712', True),
            pp.Candidate('too_late', Decimal('1000'), date(2026, 6, 16), '', True),
            pp.Candidate('plain', Decimal('1000.00'), day),
            pp.Candidate('next_day_ref', Decimal('1000'), date(2026, 6, 13), 'SPEI MBAN01002606120000458712'),
            pp.Candidate('partner', Decimal('1000'), day, 'pago', True),
        ]
        proposals = pp.propose(Decimal('1000'), day, 'mban0100-2606120000458712', candidates, 3)
        self.assertEqual([(p.key, p.score) for p in proposals],
                         [('next_day_ref', 70), ('partner', 60), ('plain', 40)])
        self.assertEqual(proposals[0].reasons, ('amount', 'near_date', 'reference'))

    def test_tolerance_zero_means_same_day(self):
        day = date(2026, 6, 12)
        self.assertTrue(pp.is_acceptable(Decimal('10'), day, pp.Candidate(1, Decimal('10.00'), day), 0))
        self.assertFalse(pp.is_acceptable(Decimal('10'), day, pp.Candidate(1, Decimal('10'), date(2026, 6, 11)), 0))

    def test_short_reference_ignored(self):
        day = date(2026, 6, 12)
        proposals = pp.propose(Decimal('5'), day, '12', [pp.Candidate(1, Decimal('5'), day, 'F-12')], 0)
        self.assertEqual(proposals[0].reasons, ('amount', 'date'))

    def test_expiry(self):
        self.assertEqual(pp.expiry_date(date(2026, 6, 25), 10), date(2026, 7, 5))


class TestAmountInText(TestCase):
    """The amount a debtor writes in the subject of the e-mail that carries a proof."""

    def test_amounts_as_written_in_mexico(self):
        cases = {
            'Comprobante de pago $12,345.67 factura INV/2026/00012': Decimal('12345.67'),
            'Pago por $ 1,000 del 15/06/2026': Decimal('1000.00'),
            'transferencia 4500.50': Decimal('4500.50'),
            'SPEI $980.5': Decimal('980.50'),
            'Pago de 1,160.00 pesos': Decimal('1160.00'),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(pp.amount_in_text(text), expected)

    def test_no_amount(self):
        for text in ('Comprobante de pago', 'Factura INV/2026/00012 del 15/06/2026', '', None, '$0.00'):
            with self.subTest(text=text):
                self.assertIsNone(pp.amount_in_text(text))
