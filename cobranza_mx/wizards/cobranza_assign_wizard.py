from odoo import api, fields, models


class CobranzaAssignWizard(models.TransientModel):
    _name = 'cobranza.assign.wizard'
    _description = 'Assign Collector'

    account_ids = fields.Many2many('cobranza.account', string="Collection Accounts", required=True)
    mode = fields.Selection([
        ('collector', 'Assign this collector'),
        ('rules', 'Apply the assignment rules (balanced)'),
    ], default='collector', required=True)
    collector_id = fields.Many2one(
        'res.users',
        domain=lambda self: [('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_collector').id)])

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'cobranza.account' and 'account_ids' in fields_list:
            values['account_ids'] = [fields.Command.set(self.env.context.get('active_ids', []))]
        return values

    def action_assign(self):
        self.ensure_one()
        if self.mode == 'rules':
            self.account_ids._check_supervisor()
            self.env['cobranza.assignment.rule']._assign(self.account_ids, only_unassigned=False)
        else:
            self.account_ids._assign_collector(self.collector_id)
        return {'type': 'ir.actions.act_window_close'}
