"""Agency mode: the "return to the client" file of the accounts handed back with their dictamen."""
import base64
import io
import re
import unicodedata
import zipfile
from datetime import datetime, time, timedelta

import xlsxwriter
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

DICTAMEN_REPORT = 'cobranza_mx.report_cobranza_dictamen'


class CobranzaAccountReturnWizard(models.TransientModel):
    """The accounts of one client whose dictamen was approved or written off in a period: an XLSX listing
    them (debtor, RFC, invoices, MXN and UDIS, legal basis, dictamen state and date), a ZIP of their dictamen
    PDFs, and the accounts marked returned."""
    _name = 'cobranza.account.return.wizard'
    _description = 'Return of Accounts to the Client'

    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    client_id = fields.Many2one('res.partner', string="Client (Creditor)", required=True,
                                domain="[('parent_id', '=', False)]")
    date_from = fields.Date(string="Period From", required=True,
                            default=lambda self: fields.Date.context_today(self).replace(day=1))
    date_to = fields.Date(string="Period To", required=True, default=fields.Date.context_today)
    include_returned = fields.Boolean(string="Include Accounts Already Returned")
    state = fields.Selection([('draft', 'Draft'), ('done', 'Done')], default='draft', required=True)
    account_count = fields.Integer(string="Accounts Returned", readonly=True)
    xlsx_file = fields.Binary(string="Accounts (XLSX)", readonly=True, attachment=False)
    xlsx_name = fields.Char(readonly=True)
    zip_file = fields.Binary(string="Dictámenes (ZIP)", readonly=True, attachment=False)
    zip_name = fields.Char(readonly=True)

    @api.constrains('date_from', 'date_to')
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period must start before it ends."))

    def _dictamen_date(self, dictamen):
        """The day the account is handed back by the dictamen: its write-off, or its approval."""
        if dictamen.state == 'written_off':
            return dictamen.write_off_date
        return dictamen.approval_date and fields.Datetime.context_timestamp(self, dictamen.approval_date).date()

    def _dictamenes(self):
        """The approved or written-off dictámenes of the client's accounts in the period, one per account
        (its latest)."""
        self.ensure_one()
        start = datetime.combine(self.date_from, time.min)
        end = datetime.combine(self.date_to + timedelta(days=1), time.min)
        domain = [
            ('company_id', '=', self.company_id.id), ('account_id.client_id', '=', self.client_id.id),
            '|', '&', ('state', '=', 'written_off'), '&', ('write_off_date', '>=', self.date_from),
            ('write_off_date', '<=', self.date_to),
            '&', ('state', '=', 'approved'), '&', ('approval_date', '>=', start), ('approval_date', '<', end)]
        if not self.include_returned:
            domain.append(('account_id.returned', '=', False))
        dictamenes = self.env['cobranza.dictamen'].search(domain, order='partner_id, id desc')
        latest = {}
        for dictamen in dictamenes:
            latest.setdefault(dictamen.account_id, dictamen)
        return self.env['cobranza.dictamen'].union(*latest.values())

    def action_generate(self):
        """Build the XLSX and the ZIP of the dictamen PDFs and mark the accounts returned."""
        self.ensure_one()
        dictamenes = self._dictamenes()
        if not dictamenes:
            raise UserError(self.env._(
                "No account of %(client)s has an approved or written-off dictamen between %(start)s and %(end)s.",
                client=self.client_id.name, start=self.date_from, end=self.date_to))
        today = fields.Date.context_today(self)
        ascii_name = unicodedata.normalize('NFKD', self.client_id.name or '').encode('ascii', 'ignore').decode()
        slug = re.sub(r'[^A-Za-z0-9]+', '_', ascii_name).strip('_') or 'client'
        period = f'{self.date_from:%Y%m%d}_{self.date_to:%Y%m%d}'
        xlsx = self._xlsx(dictamenes, today)
        archive = self._zip(dictamenes)
        for dictamen in dictamenes:
            dictamen.account_id._mark_returned(dictamen, today)
        self.write({
            'state': 'done', 'account_count': len(dictamenes),
            'xlsx_file': base64.b64encode(xlsx), 'xlsx_name': f'return_{slug}_{period}.xlsx',
            'zip_file': base64.b64encode(archive), 'zip_name': f'dictamenes_{slug}_{period}.zip',
        })
        return {'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id, 'view_mode': 'form',
                'target': 'new', 'name': self.env._("Return of Accounts to the Client")}

    def _xlsx(self, dictamenes, today):
        """A sheet of the accounts (one row per account and its dictamen) and a sheet of their credits."""
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        states = dict(dictamenes._fields['state']._description_selection(self.env))
        header = [
            self.env._("Client"),
            self.env._("Debtor Name"),
            self.env._("Debtor RFC"),
            self.env._("Dictamen"),
            self.env._("Dictamen State"),
            self.env._("Dictamen Date"),
            self.env._("Legal Basis"),
            self.env._("Invoice Folios"),
            self.env._("Principal (MXN)"),
            self.env._("Principal (UDIS)"),
            self.env._("Returned On"),
        ]
        rows = [[
            self.client_id.name, dictamen.partner_id.name, dictamen.vat or '', dictamen.name,
            states[dictamen.state], fields.Date.to_string(self._dictamen_date(dictamen)), dictamen._basis_label(),
            ', '.join(dictamen.line_ids.mapped('folio')), dictamen.amount_total, dictamen.amount_udis,
            fields.Date.to_string(today),
        ] for dictamen in dictamenes]
        Sat = self.env['cobranza.dictamen.sat.wizard']
        Sat._write_sheet(workbook.add_worksheet(self.env._("Accounts Returned")), header, rows, bold, money,
                         money_cols=(8, 9))
        detail_header = [
            self.env._("Debtor Name"),
            self.env._("Debtor RFC"),
            self.env._("Dictamen"),
            self.env._("Folio"),
            self.env._("Invoice Date"),
            self.env._("Due Date"),
            self.env._("Balance Due (MXN)"),
            self.env._("UDI at Due Date"),
            self.env._("Principal (UDIS)"),
        ]
        detail_rows = [[
            line.partner_id.name, line.vat or '', line.dictamen_id.name, line.folio,
            fields.Date.to_string(line.invoice_date), fields.Date.to_string(line.due_date), line.balance,
            line.udi_value, line.udis,
        ] for line in dictamenes.line_ids]
        Sat._write_sheet(workbook.add_worksheet(self.env._("Credits")), detail_header, detail_rows, bold, money,
                         money_cols=(6, 8))
        workbook.close()
        return output.getvalue()

    def _zip(self, dictamenes):
        """One PDF per dictamen, named after its number."""
        output = io.BytesIO()
        Report = self.env['ir.actions.report'].sudo()
        with zipfile.ZipFile(output, 'w', zipfile.ZIP_DEFLATED) as archive:
            for dictamen in dictamenes:
                content, kind = Report.with_context(lang=dictamen._report_lang())._render_qweb_pdf(
                    DICTAMEN_REPORT, dictamen.ids)
                name = re.sub(r'[^A-Za-z0-9]+', '_', dictamen.name).strip('_')
                archive.writestr(f'{name}.{kind}', content)
        return output.getvalue()
