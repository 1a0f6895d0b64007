import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError

from ..tools import udi


class CobranzaUdiImportWizard(models.TransientModel):
    """Import UDI values from a CSV (date,value), as Banxico SIE exports the series: the fallback of the API."""
    _name = 'cobranza.udi.import.wizard'
    _description = 'Import UDI Values'

    file = fields.Binary(string="CSV File", required=True)
    filename = fields.Char()

    def action_import(self):
        self.ensure_one()
        try:
            text = base64.b64decode(self.file or b'').decode('utf-8-sig')
        except (binascii.Error, UnicodeDecodeError) as error:
            raise UserError(self.env._("The file is not a UTF-8 CSV text file.")) from error
        try:
            values = udi.parse_udi_csv(text)
        except udi.UdiCsvError as error:
            raise UserError(self.env._("The CSV has an error at line %(line)s: %(error)s. Nothing was imported.",
                                       line=error.line, error=error)) from error
        if not values:
            raise UserError(self.env._("The CSV has no UDI value (expected rows of date,value)."))
        count = self.env['cobranza.udi.rate']._store_values(values, 'csv')
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'type': 'success', 'message': self.env._("%(count)s UDI values imported.", count=count),
            'next': {'type': 'ir.actions.act_window_close'}}}
