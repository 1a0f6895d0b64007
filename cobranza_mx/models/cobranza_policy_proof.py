from odoo import api, fields, models
from odoo.exceptions import ValidationError


# The model is split by concept on purpose: the payment proofs' settings live with the proofs.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPolicy(models.Model):
    _inherit = 'cobranza.policy'

    proof_validity_days = fields.Integer(
        string="Payment Proof Validity (days)", default=10,
        help="A payment proof not validated within this many days of its reception expires.")
    proof_date_tolerance_days = fields.Integer(
        string="Payment Proof Date Tolerance (days)", default=2,
        help="A proof is validated against a payment or bank line of its amount dated at most this many days "
             "from the proof's payment date (0: the same day).")
    proof_max_file_mb = fields.Float(
        string="Largest Proof File (MB)", default=5.0,
        help="Files of payment proofs larger than this are refused.")
    portal_link_days = fields.Integer(
        string="Portal Link Validity (days)", default=15,
        help="The link to the debtor portal that reminders carry opens the debtor's page for this many days.")

    @api.constrains('proof_validity_days', 'proof_date_tolerance_days', 'proof_max_file_mb', 'portal_link_days')
    def _check_proof_settings(self):
        for policy in self:
            if policy.portal_link_days < 1 or policy.proof_validity_days < 1 or policy.proof_date_tolerance_days < 0 \
                    or not 0 < policy.proof_max_file_mb <= 50:
                raise ValidationError(self.env._(
                    "The payment proof and portal settings of %(policy)s must be at least one day of validity, a "
                    "tolerance of zero days or more and a file size limit between 0 and 50 MB.", policy=policy.name))
