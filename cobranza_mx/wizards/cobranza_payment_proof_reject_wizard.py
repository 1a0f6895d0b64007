from odoo import fields, models

from ..models.cobranza_payment_proof import REJECTION_REASONS


class CobranzaPaymentProofRejectWizard(models.TransientModel):
    _name = 'cobranza.payment.proof.reject.wizard'
    _description = 'Reject Payment Proofs'

    proof_ids = fields.Many2many('cobranza.payment.proof', string="Payment Proofs", required=True)
    reason = fields.Selection(REJECTION_REASONS, required=True)
    note = fields.Char()

    def action_reject(self):
        self.ensure_one()
        self.proof_ids.action_reject(self.reason, self.note)
        return {'type': 'ir.actions.act_window_close'}
