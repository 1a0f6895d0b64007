from odoo import fields, models


# The model is split by concept on purpose: promises the debtor makes on the portal.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPromise(models.Model):
    _inherit = 'cobranza.promise'

    channel = fields.Selection(selection_add=[('portal', 'Debtor portal')], ondelete={'portal': 'set null'})
