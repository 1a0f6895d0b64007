from odoo import api, fields, models


# The model is split by concept on purpose: its payment proofs.
# pylint: disable=consider-merging-classes-inherited
class AccountMove(models.Model):
    _inherit = 'account.move'

    cobranza_proof_ids = fields.Many2many(
        'cobranza.payment.proof', 'cobranza_payment_proof_move_rel', 'move_id', 'proof_id',
        string="Payment Proofs", readonly=True, copy=False)
    cobranza_proof_count = fields.Integer(string="Payment Proofs Count", compute='_compute_cobranza_proof_count')

    @api.depends('cobranza_proof_ids')
    def _compute_cobranza_proof_count(self):
        for move in self:
            move.cobranza_proof_count = len(move.cobranza_proof_ids)

    def action_cobranza_open_proofs(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('cobranza_mx.cobranza_payment_proof_action')
        action['domain'] = [('move_ids', 'in', self.ids)]
        action['context'] = {'default_partner_id': self.commercial_partner_id.id,
                             'default_move_ids': self.ids, 'default_amount': self.amount_residual}
        return action
