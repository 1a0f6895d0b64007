from odoo import api, fields, models
from odoo.exceptions import UserError


class CobranzaVisitPlanWizard(models.TransientModel):
    """Plan visits to the collection accounts selected in the list, in bulk."""
    _name = 'cobranza.visit.plan.wizard'
    _description = 'Plan Collection Visits'

    account_ids = fields.Many2many('cobranza.account', string="Collection Accounts", required=True)
    date = fields.Date(string="From", required=True, default=fields.Date.context_today)
    start_hour = fields.Float(string="First Visit At", default=9.0, required=True,
                              help="Local hour of each debtor; the next visits follow in consecutive slots.")
    collector_id = fields.Many2one(
        'res.users',
        domain=lambda self: [('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_collector').id)],
        help="Leave empty to send each account's own collector.")
    purpose = fields.Char()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'cobranza.account' and self.env.context.get('active_ids'):
            values['account_ids'] = [(6, 0, self.env.context['active_ids'])]
        return values

    def action_plan(self):
        self.ensure_one()
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors plan visits in bulk."))
        if not 0 <= self.start_hour < 24:
            raise UserError(self.env._("The first visit must be at an hour of the day."))
        visits = self.env['cobranza.visit']._schedule_for_accounts(
            self.account_ids, self.date, start_hour=self.start_hour, purpose=self.purpose,
            collector=self.collector_id)
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Planned Visits"),
            'res_model': 'cobranza.visit',
            'view_mode': 'list,calendar,form',
            'domain': [('id', 'in', visits.ids)],
        }
