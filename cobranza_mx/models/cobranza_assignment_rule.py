from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools.safe_eval import safe_eval


class CobranzaAssignmentRule(models.Model):
    """Which collectors work which customers: a segment and a team to balance it over."""
    _name = 'cobranza.assignment.rule'
    _description = 'Collector Assignment Rule'
    _order = 'sequence, id'
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    partner_domain = fields.Char(string="Customers", default='[]',
                                 help="Customers this rule assigns (domain on contacts).")
    state_ids = fields.Many2many('res.country.state', string="States / Zones")
    segment_ids = fields.Many2many('cobranza.segment', string="Segments")
    min_total_due = fields.Float(string="Minimum Due", digits='Account')
    max_total_due = fields.Float(string="Maximum Due", digits='Account', help="0 means no maximum.")
    collector_ids = fields.Many2many(
        'res.users', string="Collectors", required=True,
        domain=lambda self: [('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_collector').id)])

    def _account_domain(self):
        self.ensure_one()
        domain = Domain('company_id', '=', self.company_id.id)
        partner_domain = Domain(safe_eval(self.partner_domain or '[]'))
        if not partner_domain.is_true():
            domain &= Domain('partner_id', 'any', partner_domain)
        if self.state_ids:
            domain &= Domain('state_id', 'in', self.state_ids.ids)
        if self.segment_ids:
            domain &= Domain('segment_id', 'in', self.segment_ids.ids)
        if self.min_total_due:
            domain &= Domain('total_due', '>=', self.min_total_due)
        if self.max_total_due:
            domain &= Domain('total_due', '<=', self.max_total_due)
        return domain

    @api.model
    def _assign(self, accounts, only_unassigned=True, track=True):
        """Assign ``accounts`` by the first matching rule of their company, balancing the load.

        :param track: log the new collector in each account's chatter; the daily run assigns
            thousands of new accounts at once and does not.
        :return: the accounts that received a collector
        """
        Account = self.env['cobranza.account'].sudo()
        if not track:
            Account = Account.with_context(tracking_disable=True)
        assigned = Account
        pending = accounts.sudo()
        if only_unassigned:
            pending = pending.filtered(lambda a: not a.collector_id)
        rules = self.search([('company_id', 'in', pending.company_id.ids)])
        for rule in rules:
            if not pending:
                break
            matched = pending.filtered_domain(rule._account_domain())
            if not matched:
                continue
            plan = Account._balance_among(matched, rule.collector_ids)
            by_collector = {}
            for account_id, collector_id in plan.items():
                by_collector.setdefault(collector_id, []).append(account_id)
            for collector_id, account_ids in by_collector.items():
                Account.browse(account_ids).write({'collector_id': collector_id})
            assigned |= matched
            pending -= matched
        return assigned
