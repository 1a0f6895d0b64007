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
    reminder_rule_ids = fields.One2many('cobranza.reminder.rule', 'policy_id', string="Reminders", copy=True)
    # The legal contact window, always evaluated in the debtor's time zone.
    contact_hour_start = fields.Float(
        string="Contact From", default=7.0,
        help="No message, call or visit before this local hour of the debtor (PROFECO/CONDUSEF: 07:00).")
    contact_hour_end = fields.Float(
        string="Contact Until", default=22.0,
        help="No message, call or visit from this local hour of the debtor on (22:00).")
    contact_monday = fields.Boolean(string="Monday", default=True)
    contact_tuesday = fields.Boolean(string="Tuesday", default=True)
    contact_wednesday = fields.Boolean(string="Wednesday", default=True)
    contact_thursday = fields.Boolean(string="Thursday", default=True)
    contact_friday = fields.Boolean(string="Friday", default=True)
    contact_saturday = fields.Boolean(string="Saturday", default=True)
    contact_sunday = fields.Boolean(string="Sunday", default=True)
    reminder_daily_cap = fields.Integer(
        string="Messages per Channel per Day", default=1,
        help="At most this many messages per debtor and channel per local day; due invoices are grouped.")
    visit_max_distance_m = fields.Float(
        string="Check-in Distance Limit (m)", default=300.0,
        help="A visit checked in farther than this from the debtor's address is flagged for the supervisor.")

    @api.depends('stage_ids')
    def _compute_stage_count(self):
        for policy in self:
            policy.stage_count = len(policy.stage_ids)

    @api.constrains('contact_hour_start', 'contact_hour_end', 'reminder_daily_cap', 'visit_max_distance_m')
    def _check_contact_window(self):
        for policy in self:
            if not 0 <= policy.contact_hour_start < policy.contact_hour_end <= 24:
                raise ValidationError(self.env._(
                    "The contact window of %(policy)s must start before it ends, within the day.",
                    policy=policy.name))
            if policy.visit_max_distance_m < 0:
                raise ValidationError(self.env._("The check-in distance limit cannot be negative."))
            if policy.reminder_daily_cap < 1:
                raise ValidationError(self.env._("At least one message per channel and day must be allowed."))

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

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        # Deleting a policy deletes its reminder rules and their reminders in the database (cascade).
        self.env['cobranza.contact.log']._check_no_evidence('rule_id.policy_id', self)

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

    def _contact_weekdays(self):
        self.ensure_one()
        days = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
        return frozenset(i for i, day in enumerate(days) if self[f'contact_{day}'])

    def _is_catch_all(self):
        self.ensure_one()
        return self._segment_domain().is_true()
