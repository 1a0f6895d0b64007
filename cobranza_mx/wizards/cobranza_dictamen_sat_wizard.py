"""The credits deducted as uncollectable in a year, per debtor, for the report to SAT (by 15 February)."""
import base64
import io
from collections import defaultdict

import xlsxwriter
from odoo import fields, models
from odoo.exceptions import UserError


class CobranzaDictamenSatWizard(models.TransientModel):
    _name = 'cobranza.dictamen.sat.wizard'
    _description = 'Uncollectable Credits Deducted (SAT)'

    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year - 1)

    def _lines(self):
        return self.env['cobranza.dictamen.line'].search([
            ('company_id', '=', self.company_id.id), ('state', '=', 'written_off'),
            ('write_off_year', '=', self.year)], order='partner_id, due_date, id')

    def _debtor_rows(self, lines):
        """One row per debtor: RFC, name, credits, principal (MXN and UDIS), basis, dictámenes, dates."""
        basis_labels = dict(lines._fields['basis']._description_selection(self.env))
        groups = defaultdict(lambda: self.env['cobranza.dictamen.line'])
        for line in lines:
            groups[line.partner_id] |= line
        rows = []
        for partner, debtor_lines in groups.items():
            dictamenes = debtor_lines.dictamen_id
            rows.append([
                partner.vat or '', partner.name, len(debtor_lines),
                ', '.join(debtor_lines.mapped('folio')),
                sum(debtor_lines.mapped('balance')), sum(debtor_lines.mapped('udis')),
                ', '.join(sorted({basis_labels.get(basis, '') for basis in debtor_lines.mapped('basis')})),
                ', '.join(dictamenes.mapped('name')),
                ', '.join(fields.Date.to_string(day) for day in sorted(set(dictamenes.mapped('write_off_date')))),
                ', '.join(fields.Date.to_string(day) for day in sorted({day for day in dictamenes.mapped('notice_date')
                                                                        if day})),
            ])
        return rows

    def action_export_xlsx(self):
        """Download the XLSX: a sheet per debtor (the annual report) and a sheet per credit."""
        self.ensure_one()
        lines = self._lines()
        if not lines:
            raise UserError(self.env._("No credit was written off as uncollectable in %(year)s.", year=self.year))
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        header = [
            self.env._("RFC"),
            self.env._("Debtor"),
            self.env._("Credits"),
            self.env._("Invoices"),
            self.env._("Principal (MXN)"),
            self.env._("Principal (UDIS)"),
            self.env._("Legal Basis"),
            self.env._("Dictamen"),
            self.env._("Write-off Date"),
            self.env._("Notice Sent On"),
        ]
        sheet = workbook.add_worksheet(self.env._("Debtors %(year)s", year=self.year))
        rows = self._debtor_rows(lines)
        self._write_sheet(sheet, header, rows, bold, money, money_cols=(4, 5))
        detail = workbook.add_worksheet(self.env._("Credits"))
        detail_rows = [[line.vat or '', line.partner_id.name, line.folio, fields.Date.to_string(line.invoice_date),
                        fields.Date.to_string(line.due_date), line.balance, line.udi_value, line.udis,
                        line.dictamen_id.name, fields.Date.to_string(line.write_off_date)] for line in lines]
        detail_header = [
            self.env._("RFC"),
            self.env._("Debtor"),
            self.env._("Folio"),
            self.env._("Invoice Date"),
            self.env._("Due Date"),
            self.env._("Principal (MXN)"),
            self.env._("UDI at Due Date"),
            self.env._("Principal (UDIS)"),
            self.env._("Dictamen"),
            self.env._("Write-off Date"),
        ]
        self._write_sheet(detail, detail_header, detail_rows, bold, money, money_cols=(5, 7))
        workbook.close()
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("uncollectable_credits_%(year)s.xlsx", year=self.year),
            'datas': base64.b64encode(output.getvalue()),
            'mimetype': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        })
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{attachment.id}?download=true', 'target': 'self'}

    def action_open_list(self):
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_dictamen_line_action_sat')
        action['domain'] = [('company_id', '=', self.company_id.id), ('state', '=', 'written_off'),
                            ('write_off_year', '=', self.year)]
        return action

    @staticmethod
    def _write_sheet(sheet, header, rows, bold, money, money_cols):
        for col, label in enumerate(header):
            sheet.write(0, col, label, bold)
        for row_index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                sheet.write(row_index, col, value, money if col in money_cols else None)
        sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
