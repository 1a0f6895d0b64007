from odoo import api, fields, models
from odoo.exceptions import ValidationError


# The model is split by concept on purpose: the promises' settings live with the promises.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPolicy(models.Model):
    _inherit = 'cobranza.policy'

    promise_max_days = fields.Integer(
        string="Longest Promise (days)", default=30,
        help="A promise to pay may not be dated further than this many days from the day it is made.")
    promise_min_percent = fields.Float(
        string="Smallest Promise (% of the debt)", default=10.0,
        help="A promise must cover at least this share of the open amount of its invoices.")
    promise_tolerance_percent = fields.Float(
        string="Promise Tolerance (%)", default=1.0,
        help="A promise is kept when the payments reach its amount less this share of it.")
    promise_escalate = fields.Boolean(
        string="Escalate Broken Promises", default=True,
        help="A broken promise also gives the supervisor an activity, not only the collector.")
    supervisor_user_id = fields.Many2one(
        'res.users', string="Supervisor",
        help="Resolves the disputes collectors flag and receives the escalated broken promises; "
             "empty: the first collection supervisor of the company.")

    @api.constrains('promise_max_days', 'promise_min_percent', 'promise_tolerance_percent')
    def _check_promise_limits(self):
        for policy in self:
            if policy.promise_max_days < 0 or not 0 <= policy.promise_min_percent <= 100 \
                    or not 0 <= policy.promise_tolerance_percent < 100:
                raise ValidationError(self.env._(
                    "The promise limits of %(policy)s must be a positive number of days and shares between 0 and "
                    "100 %%.", policy=policy.name))

    def _cobranza_supervisor(self, company):
        """Who resolves disputes and escalations of this policy in ``company``."""
        self.ensure_one()
        if self.supervisor_user_id:
            return self.supervisor_user_id
        group = self.env.ref('cobranza_mx.group_cobranza_supervisor')
        users = self.env['res.users'].sudo().search([
            ('all_group_ids', 'in', group.id), ('company_ids', 'in', company.id), ('share', '=', False),
        ], order='id')
        # A supervisor proper before an administrator, who is a supervisor too.
        return (users.filtered(lambda u: not u.has_group('cobranza_mx.group_cobranza_manager')) or users)[:1]
