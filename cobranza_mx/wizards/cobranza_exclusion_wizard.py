from odoo import fields, models

from ..models.account_move import EXCLUSION_REASONS


class CobranzaExclusionWizard(models.TransientModel):
    _name = 'cobranza.exclusion.wizard'
    _description = 'Exclude Invoices from Collection'

    move_ids = fields.Many2many('account.move', string="Invoices", required=True)
    reason = fields.Selection(EXCLUSION_REASONS, required=True, default='dispute')
    note = fields.Char()
    attachment = fields.Binary(string="Evidence", help="e.g. the debtor's proof of payment or their complaint.")
    attachment_name = fields.Char()

    def action_exclude(self):
        self.ensure_one()
        self.move_ids._cobranza_flag_for_review(self.reason, self.note, self.attachment, self.attachment_name)
        return {'type': 'ir.actions.act_window_close'}
