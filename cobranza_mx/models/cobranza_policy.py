from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools.safe_eval import safe_eval


class CobranzaPolicy(models.Model):
    _name = 'cobranza.policy'
    _description = 'Collection Policy'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10,
        help="Priority: the first policy (lowest sequence) whose segment matches an invoice applies to it.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        'res.company', default=lambda self: self.env.company,
        help="Leave empty to use this policy in every company.")
    partner_domain = fields.Char(
        string="Customers", default='[]',
        help="Segment of customers this policy applies to (domain on contacts).")
    invoice_domain = fields.Char(
        string="Invoices", default='[]',
        help="Segment of invoices this policy applies to (domain on invoices).")
    stage_ids = fields.One2many('cobranza.stage', 'policy_id', string="Stages", copy=True)
    stage_count = fields.Integer(compute='_compute_stage_count')
    note = fields.Html(translate=True)

    @api.depends('stage_ids')
    def _compute_stage_count(self):
        for policy in self:
            policy.stage_count = len(policy.stage_ids)

    @api.constrains('partner_domain', 'invoice_domain')
    def _check_domains(self):
        for policy in self:
            for model_name, domain in (('res.partner', policy.partner_domain),
                                       ('account.move', policy.invoice_domain)):
                try:
                    self.env[model_name].sudo().search_count(policy._eval_domain(domain), limit=1)
                except Exception as e:
                    raise ValidationError(self.env._(
                        "The segment of policy %(policy)s is not a valid filter: %(error)s",
                        policy=policy.name, error=e)) from e

    @api.model
    def _eval_domain(self, domain_text):
        return Domain(safe_eval(domain_text or '[]'))

    def _segment_domain(self):
        """Domain on account.move selecting the invoices of this policy's segment."""
        self.ensure_one()
        domain = self._eval_domain(self.invoice_domain)
        partner_domain = self._eval_domain(self.partner_domain)
        if not partner_domain.is_true():
            domain &= Domain('commercial_partner_id', 'any', partner_domain)
        return domain

    def _is_catch_all(self):
        self.ensure_one()
        return self._segment_domain().is_true()
