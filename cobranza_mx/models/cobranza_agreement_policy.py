"""The settings of payment agreements, restructures and condonations on the collection policy."""
from odoo import api, fields, models
from odoo.exceptions import ValidationError


# The model is split by concept on purpose: the agreements' settings live with the agreements.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPolicy(models.Model):
    _inherit = 'cobranza.policy'

    agreement_grace_days = fields.Integer(
        string="Installment Grace (days)", default=5,
        help="An installment still unpaid this many days after its date breaks the agreement.")
    agreement_tolerance = fields.Float(
        string="Installment Tolerance", default=1.0, digits='Account',
        help="An installment is paid when the payments reach its amount less this amount.")
    agreement_interest_rate = fields.Float(
        string="Agreement Interest (% a month)", default=0.0, digits=(5, 4),
        help="Proposed monthly interest on the balance of new agreements (0: none).")
    agreement_interest_account_id = fields.Many2one(
        'account.account', company_dependent=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of the interest of agreements and restructures.")
    agreement_journal_id = fields.Many2one(
        'account.journal', string="Restructure Journal", company_dependent=True,
        domain="[('type', '=', 'general')]",
        help="Journal of the restructure entries; empty: the company's miscellaneous journal.")
    agreement_collector_max_months = fields.Integer(string="Collector: Longest Agreement (months)", default=6)
    agreement_collector_max_condonation = fields.Float(string="Collector: Largest Condonation (%)", default=5.0)
    agreement_supervisor_max_months = fields.Integer(string="Supervisor: Longest Agreement (months)", default=12)
    agreement_supervisor_max_condonation = fields.Float(string="Supervisor: Largest Condonation (%)",
                                                        default=20.0)

    @api.constrains('agreement_grace_days', 'agreement_interest_rate', 'agreement_collector_max_months',
                    'agreement_collector_max_condonation', 'agreement_supervisor_max_months',
                    'agreement_supervisor_max_condonation', 'agreement_tolerance')
    def _check_agreement_limits(self):
        for policy in self:
            if policy.agreement_grace_days < 0 or policy.agreement_interest_rate < 0 \
                    or policy.agreement_tolerance < 0 \
                    or not 0 <= policy.agreement_collector_max_months <= policy.agreement_supervisor_max_months \
                    or not 0 <= policy.agreement_collector_max_condonation \
                    <= policy.agreement_supervisor_max_condonation <= 100:
                raise ValidationError(self.env._(
                    "The agreement limits of %(policy)s must be positive, the collector's no higher than the "
                    "supervisor's, and condonations between 0 and 100 %%.", policy=policy.name))

    def _agreement_limits(self):
        """``{role: (max months, max condonation %)}`` for :func:`..tools.agreements.required_role`."""
        self.ensure_one()
        return {
            'collector': (self.agreement_collector_max_months, self.agreement_collector_max_condonation),
            'supervisor': (self.agreement_supervisor_max_months, self.agreement_supervisor_max_condonation),
        }

    def _agreement_journal(self, company):
        self.ensure_one()
        journal = self.with_company(company).agreement_journal_id
        return journal or self.env['account.journal'].search([
            ('company_id', '=', company.id), ('type', '=', 'general')], limit=1)
