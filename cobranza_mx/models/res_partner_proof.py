from odoo import api, fields, models


# The model is split by concept on purpose: its payment proofs.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = 'res.partner'

    cobranza_proof_ids = fields.One2many('cobranza.payment.proof', 'partner_id', string="Payment Proofs")
    cobranza_proof_count = fields.Integer(string="Payment Proofs Count", compute='_compute_cobranza_proof_count')

    @api.depends('cobranza_proof_ids')
    def _compute_cobranza_proof_count(self):
        counts = dict(self.env['cobranza.payment.proof']._read_group(
            [('partner_id', 'in', self.ids)], ['partner_id'], ['__count']))
        for partner in self:
            partner.cobranza_proof_count = counts.get(partner, 0)

    def action_cobranza_open_proofs(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_payment_proof_action')
        action['domain'] = [('partner_id', '=', self.commercial_partner_id.id)]
        action['context'] = {'default_partner_id': self.commercial_partner_id.id}
        return action

    def _cobranza_portal_url(self, company=None, expiration=None):
        """The tokenized, expiring URL of this debtor's portal page in ``company`` (default: the current one).

        False when the debtor has no collection account there. Reminders fill ``{portal_url}`` with it.
        """
        self.ensure_one()
        account = self.env['cobranza.account'].sudo().search([
            ('partner_id', '=', self.commercial_partner_id.id),
            ('company_id', '=', (company or self.env.company).id)], limit=1)
        return account._cobranza_portal_url(expiration) if account else False
