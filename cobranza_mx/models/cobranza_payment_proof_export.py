"""XLSX export of payment proofs, for accounting and auditors."""
import base64
import io

import xlsxwriter
from odoo import fields, models
from odoo.exceptions import UserError

EXPORT_COLUMNS = ('name', 'received_date', 'partner_id', 'proof_type', 'source', 'amount', 'payment_date', 'bank',
                  'reference', 'move_ids', 'state', 'rejection_reason', 'age_days', 'expiry_date', 'payment_id',
                  'statement_line_id', 'validated_by_id', 'collector_id', 'company_id')


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPaymentProof(models.Model):
    _inherit = 'cobranza.payment.proof'

    def _xlsx_rows(self):
        """The header and the rows of the export: labels, translated selections, dates as text."""
        header = [self._fields[name]._description_string(self.env) for name in EXPORT_COLUMNS]
        selections = {name: dict(self._fields[name]._description_selection(self.env))
                      for name in EXPORT_COLUMNS if self._fields[name].type == 'selection'}
        rows = []
        for proof in self:
            row = []
            for name in EXPORT_COLUMNS:
                value = proof[name]
                if name in selections:
                    value = selections[name].get(value, '')
                elif name == 'move_ids':
                    value = ', '.join(value.mapped('name'))
                elif isinstance(value, models.BaseModel):
                    value = value.sudo().display_name
                elif self._fields[name].type in ('date', 'datetime'):
                    value = fields.Date.to_string(value) if value else ''
                row.append(value if value or value == 0 else '')
            rows.append(row)
        return header, rows

    def action_export_xlsx(self):
        """Download these proofs as an XLSX workbook."""
        if not self:
            raise UserError(self.env._("Select the payment proofs to export."))
        header, rows = self._xlsx_rows()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        sheet = workbook.add_worksheet(self.env._("Payment proofs"))
        bold = workbook.add_format({'bold': True})
        money = workbook.add_format({'num_format': '#,##0.00'})
        amount_col = EXPORT_COLUMNS.index('amount')
        for col, label in enumerate(header):
            sheet.write(0, col, label, bold)
        for row_index, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                sheet.write(row_index, col, value, money if col == amount_col else None)
        sheet.autofilter(0, 0, len(rows), len(header) - 1)
        workbook.close()
        attachment = self.env['ir.attachment'].create({
            'name': self.env._("payment_proofs.xlsx"),
            'datas': base64.b64encode(output.getvalue()),
            'mimetype': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        })
        return {'type': 'ir.actions.act_url', 'url': f'/web/content/{attachment.id}?download=true', 'target': 'self'}
