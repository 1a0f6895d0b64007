"""Agency mode: the client (creditor) who assigned an account, and the account handed back to it."""
from odoo import fields, models


# The account is split by concept on purpose, like the dictamen.
# pylint: disable=consider-merging-classes-inherited
class CobranzaAccount(models.Model):
    _inherit = 'cobranza.account'

    client_id = fields.Many2one(
        'res.partner', string="Client (Creditor)", tracking=True, index='btree_not_null',
        domain="[('parent_id', '=', False)]",
        help="Agency mode: the client who assigned this debtor's portfolio to the agency; the account is handed "
             "back to it with its dictamen.")
    returned = fields.Boolean(string="Returned to the Client", readonly=True, copy=False, tracking=True)
    return_date = fields.Date(string="Returned On", readonly=True, copy=False)
    return_dictamen_id = fields.Many2one('cobranza.dictamen', string="Returned with Dictamen", readonly=True,
                                         copy=False)

    def _mark_returned(self, dictamen, day):
        """Hand this account back to its client with ``dictamen`` on ``day``."""
        self.ensure_one()
        self.sudo().write({'returned': True, 'return_date': day, 'return_dictamen_id': dictamen.id})
        self.message_post(body=self.env._(
            "Returned to the client %(client)s on %(date)s with the dictamen %(dictamen)s.",
            client=self.client_id.name, date=fields.Date.to_string(day), dictamen=dictamen.name))
