from datetime import date

from odoo.tests import HttpCase, tagged

from .test_dictamen import DictamenCommon

WORDS = {
    0.01: 'CERO PESOS 01/100 M.N.',
    1.00: 'UN PESO 00/100 M.N.',
    21.21: 'VEINTIÚN PESOS 21/100 M.N.',
    1000000.00: 'UN MILLÓN DE PESOS 00/100 M.N.',
    123456.78: 'CIENTO VEINTITRÉS MIL CUATROCIENTOS CINCUENTA Y SEIS PESOS 78/100 M.N.',
}


@tagged('post_install', '-at_install')
class TestDictamenReport(DictamenCommon, HttpCase):
    """The dictamen and the notice as real PDFs (wkhtmltopdf fetches the assets from this test server), in
    Spanish, with the amounts in words as Mexican documents write them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env['res.lang']._activate_lang('es_MX')
        cls.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        cls.dictamenes = cls.env['cobranza.dictamen']
        for amount in WORDS:
            invoice = cls._invoice(cls.customer_a, date(2025, 1, 10), amount=amount)
            cls.dictamenes |= cls.env['cobranza.dictamen'].create({
                'partner_id': cls.customer_a.id, 'basis': 'a', 'as_of': date(2026, 6, 15),
                'move_ids': [(6, 0, invoice.ids)], 'opinion': 'Sin bienes ni domicilio localizable.'})

    def test_dictamen_pdf(self):
        Report = self.env['ir.actions.report'].with_context(force_report_rendering=True)
        # wkhtmltopdf with unpatched Qt renders one document per PDF: the PDF of one, the HTML of the five.
        pdf, kind = Report._render_qweb_pdf('cobranza_mx.report_cobranza_dictamen', self.dictamenes[-1].ids)
        self.assertEqual(kind, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        # wkhtmltopdf embeds subset fonts without text extraction: the text is checked on the HTML body.
        html = Report._render_qweb_html('cobranza_mx.report_cobranza_dictamen', self.dictamenes.ids)[0].decode()
        for words in WORDS.values():
            self.assertIn(words, html)
        self.assertIn('Dictamen de incobrabilidad', html)
        self.assertIn('ALE010101AB1', html, "the debtor's RFC")
        self.assertIn(self.dictamenes[0].line_ids.folio, html)
        self.assertIn('30,000 UDIS', html)
        self.assertIn('Elaboró', html)

    def test_notice_pdf(self):
        Report = self.env['ir.actions.report'].with_context(force_report_rendering=True)
        pdf, kind = Report._render_qweb_pdf('cobranza_mx.report_cobranza_dictamen_notice', self.dictamenes[-1].ids)
        self.assertEqual(kind, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        html = Report._render_qweb_html('cobranza_mx.report_cobranza_dictamen_notice',
                                        self.dictamenes[-1].ids)[0].decode()
        self.assertIn('Aviso de deducción de créditos incobrables', html)
        self.assertIn(WORDS[123456.78], html)
