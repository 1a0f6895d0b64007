"""The steps of agreements, restructures and condonations in the contact log, and their reconciliation hook."""
from odoo import fields, models

AGREEMENT_RESULTS = [
    ('agreement_proposed', 'Agreement proposed'),
    ('agreement_submitted', 'Agreement sent for approval'),
    ('agreement_approved', 'Agreement approved'),
    ('agreement_rejected', 'Agreement rejected'),
    ('agreement_active', 'Agreement active'),
    ('agreement_signed', 'Signed agreement attached'),
    ('agreement_installment_paid', 'Installment paid'),
    ('agreement_completed', 'Agreement completed'),
    ('agreement_broken', 'Agreement broken'),
    ('agreement_cancelled', 'Agreement cancelled'),
    ('restructure_posted', 'Restructure posted'),
    ('restructure_reversed', 'Restructure reversed'),
    ('condonation_proposed', 'Condonation proposed'),
    ('condonation_submitted', 'Condonation sent for approval'),
    ('condonation_approved', 'Condonation approved'),
    ('condonation_applied', 'Condonation applied'),
    ('condonation_cancelled', 'Condonation cancelled'),
    ('restructure_collected', 'Broken restructure collected by its installments'),
]


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaContactLog(models.Model):
    _inherit = 'cobranza.contact.log'

    channel = fields.Selection(selection_add=[('agreement', 'Agreement')], ondelete={'agreement': 'cascade'})
    result = fields.Selection(selection_add=AGREEMENT_RESULTS, ondelete={
        code: 'cascade' for code, _label in AGREEMENT_RESULTS})
    agreement_id = fields.Many2one('cobranza.agreement', string="Payment Agreement", readonly=True,
                                   index='btree_not_null', ondelete='restrict')
    condonation_id = fields.Many2one('cobranza.condonation', readonly=True,
                                     index='btree_not_null', ondelete='restrict')


class AccountPartialReconcile(models.Model):
    _inherit = 'account.partial.reconcile'

    def unlink(self):
        moves = self.debit_move_id.move_id | self.credit_move_id.move_id
        result = super().unlink()
        if not self.env.context.get('cobranza_agreement_unwinding'):
            self.env['cobranza.agreement']._check_moves_paid(moves.exists())
        return result


class AccountMoveLine(models.Model):
    _inherit = 'account.move.line'

    def _reconcile_plan(self, reconciliation_plan):
        """Once a reconciliation is complete (its moves synchronised): the payment is allocated to the
        agreements of its invoices (or restructure lines), and a payment of the rest applies a
        conditional condonation."""
        res = super()._reconcile_plan(reconciliation_plan)
        context = self.env.context
        if not (context.get('cobranza_agreement_unwinding') or context.get('cobranza_condonation_applying')):
            moves = self._cobranza_plan_lines(reconciliation_plan).move_id
            self.env['cobranza.agreement']._check_moves_paid(moves)
            self.env['cobranza.condonation']._check_moves_paid(moves)
        return res

    def _cobranza_plan_lines(self, plan):
        lines = self.browse()
        for item in plan:
            lines |= self._cobranza_plan_lines(item) if isinstance(item, (list, tuple)) else item
        return lines
