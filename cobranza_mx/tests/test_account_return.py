import base64
import io
import zipfile
from datetime import date

import openpyxl
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .test_dictamen import DictamenCommon


@tagged('post_install', '-at_install')
class TestAccountReturn(DictamenCommon, HttpCase):
    """Agency mode: the accounts of a client handed back with their dictamen (XLSX, ZIP of real PDFs), marked
    returned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_bank = cls.env['res.partner'].create({'name': 'Banco del Norte S.A.', 'is_company': True})
        cls.client_other = cls.env['res.partner'].create({'name': 'Tiendas Sol S.A.', 'is_company': True})
        cls.customer_b.vat = 'LORM800101AB2'
        cls.invoice_a = cls._invoice(cls.customer_a, date(2025, 1, 10), amount=150000.0)
        cls.invoice_b = cls._invoice(cls.customer_b, date(2025, 2, 10), amount=8000.0)
        cls.invoice_c = cls._invoice(cls.customer_c, date(2025, 2, 10), amount=9000.0)
        cls.env['cobranza.run']._run_for_company(cls.company, run_date=date(2026, 6, 15))
        for invoice, client in ((cls.invoice_a, cls.client_bank), (cls.invoice_b, cls.client_bank),
                                (cls.invoice_c, cls.client_other)):
            invoice.cobranza_account_id.client_id = client

    def _approved(self, partner, invoice):
        dictamen = self._dictamen(partner, invoice)
        if partner.is_company:
            self._document(dictamen, 'notice')
        dictamen.with_user(self.supervisor).action_submit()
        dictamen.with_user(self.manager_1).action_approve()
        return dictamen

    def _wizard(self, **vals):
        today = date.today()
        return self.env['cobranza.account.return.wizard'].with_user(self.manager_1).create({
            'client_id': self.client_bank.id, 'date_from': today, 'date_to': today, **vals})

    def test_return_file_and_marking(self):
        written_off = self._approved(self.customer_a, self.invoice_a)
        written_off.with_user(self.manager_1).action_write_off()
        approved = self._approved(self.customer_b, self.invoice_b)
        self._approved(self.customer_c, self.invoice_c)  # another client's: not in the file
        wizard = self._wizard()
        wizard.with_context(force_report_rendering=True).action_generate()
        self.assertEqual(wizard.state, 'done')
        self.assertEqual(wizard.account_count, 2)
        self.assertTrue(wizard.xlsx_name.endswith('.xlsx'))
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)))
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        self.assertEqual(len(rows), 3, "a header and the two accounts of the client")
        by_rfc = {row[2]: row for row in rows[1:]}
        row_a = by_rfc['ALE010101AB1']
        self.assertEqual(row_a[:8], (self.client_bank.name, self.customer_a.name, 'ALE010101AB1', written_off.name,
                                     'Written Off', str(written_off.write_off_date), written_off._basis_label(),
                                     self.invoice_a.name))
        self.assertAlmostEqual(row_a[8], 150000.0, places=2)
        self.assertAlmostEqual(row_a[9], 18750.0, places=2, msg="150,000 MXN at 8 pesos per UDI")
        row_b = by_rfc['LORM800101AB2']
        self.assertEqual(row_b[3:5], (approved.name, 'Approved'))
        self.assertAlmostEqual(row_b[8], 8000.0, places=2)
        self.assertEqual(row_b[10], str(date.today()))
        credit_rows = list(book.worksheets[1].iter_rows(values_only=True))
        self.assertEqual(sorted(row[3] for row in credit_rows[1:]),
                         sorted([self.invoice_a.name, self.invoice_b.name]))
        # The dictámenes as real PDFs, one per account.
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(wizard.zip_file))) as archive:
            names = sorted(archive.namelist())
            self.assertEqual(len(names), 2)
            self.assertTrue(all(name.endswith('.pdf') for name in names), names)
            self.assertTrue(all(archive.read(name).startswith(b'%PDF') for name in names))
        # The accounts are marked returned, with the date and the dictamen, and shown in the account form.
        account_a, account_b = self.invoice_a.cobranza_account_id, self.invoice_b.cobranza_account_id
        self.assertEqual((account_a.returned, account_a.return_date, account_a.return_dictamen_id),
                         (True, date.today(), written_off))
        self.assertEqual(account_b.return_dictamen_id, approved)
        self.assertFalse(self.invoice_c.cobranza_account_id.returned)
        self.assertIn('Banco del Norte', account_a.message_ids[0].body)
        arch = self.env['cobranza.account'].get_views([(False, 'form')])['views']['form']['arch']
        self.assertIn('name="return_date"', arch)
        # Returned once: a second file of the period has nothing, unless asked to include them again.
        with self.assertRaisesRegex(UserError, 'No account'):
            self._wizard().action_generate()
        again = self._wizard(include_returned=True)
        again.action_generate()
        self.assertEqual(again.account_count, 2)

    def test_only_administrators(self):
        with self.assertRaises(AccessError):
            self.env['cobranza.account.return.wizard'].with_user(self.supervisor).create(
                {'client_id': self.client_bank.id})
