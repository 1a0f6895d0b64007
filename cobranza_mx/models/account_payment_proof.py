from odoo import fields, models


# The model is split by concept on purpose: its payment proofs.
# pylint: disable=consider-merging-classes-inherited
class AccountPayment(models.Model):
    _inherit = 'account.payment'

    cobranza_proof_ids = fields.One2many('cobranza.payment.proof', 'payment_id', string="Payment Proofs",
                                         readonly=True)
