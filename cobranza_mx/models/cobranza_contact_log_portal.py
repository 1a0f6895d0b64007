from odoo import fields, models

PORTAL_RESULTS = [
    ('proof_received', 'Payment proof received'),
    ('statement_downloaded', 'Statement of account downloaded'),
    ('paid_online', 'Paid online'),
]


# The model is split by concept on purpose: what the debtor does on the portal.
# pylint: disable=consider-merging-classes-inherited
class CobranzaContactLog(models.Model):
    _inherit = 'cobranza.contact.log'

    channel = fields.Selection(selection_add=[('portal', 'Debtor portal')], ondelete={'portal': 'cascade'})
    result = fields.Selection(selection_add=PORTAL_RESULTS, ondelete={
        code: 'cascade' for code, _label in PORTAL_RESULTS})
