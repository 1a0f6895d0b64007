from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = 'account.partial.reconcile'

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._cobranza_check_promises()
        return partials

    def unlink(self):
        moves = self.debit_move_id.move_id | self.credit_move_id.move_id
        result = super().unlink()
        self.env['cobranza.promise']._check_moves(moves.exists())
        return result

    def _cobranza_check_promises(self):
        """A payment reconciled (or undone) on an invoice settles its open promises to pay at once."""
        moves = (self.debit_move_id.move_id | self.credit_move_id.move_id).filtered(
            lambda m: m.move_type == 'out_invoice')
        if moves:
            self.env['cobranza.promise']._check_moves(moves)
