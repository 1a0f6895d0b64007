from odoo import fields, models
from odoo.exceptions import UserError

EXCLUSION_REASONS = [
    ('dispute', 'Dispute'),
    ('agreement', 'Payment agreement'),
    ('legal_hold', 'Legal hold'),
    ('manual', 'Manual'),
]


class AccountMove(models.Model):
    _inherit = 'account.move'

    # Written by the daily collection run (cobranza.run) in sets, not by onchanges.
    cobranza_account_id = fields.Many2one(
        'cobranza.account', string="Collection Account", readonly=True, copy=False, index='btree_not_null')
    cobranza_collector_id = fields.Many2one(related='cobranza_account_id.collector_id', string="Collector")
    cobranza_policy_id = fields.Many2one('cobranza.policy', string="Collection Policy", readonly=True, copy=False)
    cobranza_stage_id = fields.Many2one(
        'cobranza.stage', string="Collection Stage", readonly=True, copy=False, index='btree_not_null')
    cobranza_stage_date = fields.Date(string="In Collection Stage Since", readonly=True, copy=False)
    cobranza_days_overdue = fields.Integer(string="Days Overdue", readonly=True, copy=False)
    cobranza_priority = fields.Float(string="Collection Priority", readonly=True, copy=False, digits=(16, 2))
    cobranza_next_action_date = fields.Date(string="Next Collection Action", readonly=True, copy=False)
    cobranza_excluded = fields.Boolean(string="Excluded from Collection", readonly=True, copy=False)
    cobranza_exclusion_reason = fields.Selection(
        EXCLUSION_REASONS, string="Exclusion Reason", readonly=True, copy=False)
    cobranza_exclusion_note = fields.Char(string="Exclusion Note", readonly=True, copy=False)
    cobranza_history_ids = fields.One2many('cobranza.stage.history', 'move_id', string="Collection History")

    def _cobranza_set_exclusion(self, reason, note=False):
        """Exclude these invoices from the collection run (``reason`` False: include them again)."""
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can exclude invoices from collection."))
        if reason and reason not in dict(EXCLUSION_REASONS):
            raise UserError(self.env._("Unknown exclusion reason: %(reason)s", reason=reason))
        invoices = self.filtered(lambda m: m.move_type == 'out_invoice')
        invoices.sudo().write({
            'cobranza_excluded': bool(reason),
            'cobranza_exclusion_reason': reason or False,
            'cobranza_exclusion_note': note or False,
        })
        labels = dict(self._fields['cobranza_exclusion_reason']._description_selection(self.env))
        for invoice in invoices:
            body = (self.env._("Excluded from collection: %(reason)s", reason=labels[reason])
                    if reason else self.env._("Included again in collection."))
            invoice.message_post(body=body + (f" — {note}" if note else ""))
        return True

    def action_cobranza_exclude(self):
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cobranza.exclusion.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_move_ids': self.ids},
        }

    def action_cobranza_include(self):
        return self._cobranza_set_exclusion(False)
