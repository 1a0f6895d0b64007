from odoo import api, fields, models


# The model is split by concept on purpose: the debtor's promises to pay.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = 'res.partner'

    cobranza_promise_ids = fields.One2many('cobranza.promise', 'partner_id', string="Promises to Pay")
    cobranza_promise_kept_rate = fields.Float(
        string="Promise-Kept Rate (%)", compute='_compute_cobranza_promise_kept_rate', digits=(16, 1),
        help="Share of the debtor's resolved promises to pay that were kept.")

    @api.depends('cobranza_promise_ids.state')
    def _compute_cobranza_promise_kept_rate(self):
        rates = self.env['cobranza.promise']._kept_rate_by(
            'partner_id', [('partner_id', 'in', self.commercial_partner_id.ids)])
        for partner in self:
            partner.cobranza_promise_kept_rate = rates.get(partner.commercial_partner_id.id) or 0.0
