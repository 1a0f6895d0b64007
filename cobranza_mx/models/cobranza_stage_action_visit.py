"""The stage action scheduling a field visit (e.g. on entering Extrajudicial)."""
from datetime import timedelta

from odoo import api, fields, models


class CobranzaStageAction(models.Model):
    _inherit = 'cobranza.stage.action'

    action_type = fields.Selection(selection_add=[('visit', 'Schedule a visit')], ondelete={'visit': 'cascade'})
    visit_delay_days = fields.Integer(
        string="Visit After (days)", default=2, help="Days after entering the stage of the first possible visit.")
    visit_hour = fields.Float(string="Visits From", default=9.0,
                              help="Local hour of the debtor from which the visits of a day are planned.")
    visit_purpose = fields.Char(string="Purpose of the Visit", translate=True)

    @api.depends('visit_purpose')
    def _compute_name(self):
        result = super()._compute_name()
        labels = dict(self._fields['action_type']._description_selection(self.env))
        for action in self.filtered(lambda a: a.action_type == 'visit'):
            action.name = ' - '.join(filter(None, [labels['visit'], action.visit_purpose]))
        return result

    def _execute_visit(self, accounts, run_date):
        """Plan one visit per account (none when it has an open one), within the collector's capacity."""
        self.env['cobranza.visit'].sudo()._schedule_for_accounts(
            accounts, run_date + timedelta(days=self.visit_delay_days), start_hour=self.visit_hour,
            purpose=self.visit_purpose or self.stage_id.name, fallback_collector=self.activity_user_id)
