from odoo import fields, models

from ..models.account_move import EXCLUSION_REASONS


class CobranzaExclusionWizard(models.TransientModel):
    _name = 'cobranza.exclusion.wizard'
    _description = 'Exclude Invoices from Collection'

    move_ids = fields.Many2many('account.move', string="Invoices", required=True)
    reason = fields.Selection(EXCLUSION_REASONS, required=True, default='dispute')
    note = fields.Char()

    def action_exclude(self):
        self.ensure_one()
        self.move_ids._cobranza_set_exclusion(self.reason, self.note)
        return {'type': 'ir.actions.act_window_close'}
