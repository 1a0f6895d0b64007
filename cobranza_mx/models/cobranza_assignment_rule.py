from collections import defaultdict

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..tools.assignment import balance


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

    def _account_domain(self, amounts=True):
        """Domain on cobranza.account of the accounts this rule assigns (``amounts``: with the due range)."""
        self.ensure_one()
        domain = Domain('company_id', '=', self.company_id.id)
        partner_domain = Domain(safe_eval(self.partner_domain or '[]'))
        if not partner_domain.is_true():
            domain &= Domain('partner_id', 'any', partner_domain)
        if self.state_ids:
            domain &= Domain('state_id', 'in', self.state_ids.ids)
        if self.segment_ids:
            domain &= Domain('segment_id', 'in', self.segment_ids.ids)
        if amounts and self.min_total_due:
            domain &= Domain('total_due', '>=', self.min_total_due)
        if amounts and self.max_total_due:
            domain &= Domain('total_due', '<=', self.max_total_due)
        return domain

    def _accepts_total(self, total_due):
        self.ensure_one()
        return total_due >= (self.min_total_due or 0.0) and (not self.max_total_due or total_due <= self.max_total_due)

    @api.model
    def _plan(self, company, pending, totals):
        """Collectors of the accounts ``pending`` of ``company`` by the first matching rule, balancing the load.

        Each rule spreads its accounts over its collectors by overdue amount (longest first), counting
        what the collectors already carry on their other accounts.

        :param totals: ``{account id: (total_due, total_overdue)}`` for every pending account, and for
            any other account whose figures must be taken instead of the database's (the daily run
            plans before it writes its new figures)
        :return: ``{account id: collector id}``
        """
        pending = set(pending)
        carried = {}
        for account_id, collector_id, overdue in self.env.execute_query(SQL(
                "SELECT id, collector_id, total_overdue FROM cobranza_account "
                "WHERE company_id = %s AND collector_id IS NOT NULL AND NOT id = ANY(%s)", company.id, list(pending))):
            load = totals[account_id][1] if account_id in totals else float(overdue or 0.0)
            carried[collector_id] = carried.get(collector_id, 0.0) + load
        Account = self.env['cobranza.account'].sudo().with_context(active_test=False)
        plan = {}
        for rule in self.sudo().search([('company_id', '=', company.id)]):
            if not pending:
                break
            matched = [account_id for account_id in Account.search(
                Domain('id', 'in', sorted(pending)) & rule._account_domain(amounts=False), order='id').ids
                if rule._accepts_total(totals[account_id][0])]
            if not matched:
                continue
            weights = {account_id: totals[account_id][1] or totals[account_id][0] for account_id in matched}
            rule_plan = balance(list(weights.items()), {c: carried.get(c, 0.0) for c in rule.collector_ids.ids})
            for account_id, collector_id in rule_plan.items():
                carried[collector_id] = carried.get(collector_id, 0.0) + weights[account_id]
            plan.update(rule_plan)
            pending -= set(matched)
        return plan

    @api.model
    def _assign(self, accounts, only_unassigned=True):
        """Assign ``accounts`` by the first matching rule of their company (see :meth:`_plan`).

        :return: the accounts that received a collector
        """
        # The plan reads every account and rule of the company as the superuser: the caller must be
        # allowed to write the accounts it assigns (company and record rules included).
        accounts.check_access('write')
        Account = self.env['cobranza.account'].sudo()
        assigned = Account
        pending = accounts.sudo()
        if only_unassigned:
            pending = pending.filtered(lambda a: not a.collector_id)
        for company, company_accounts in pending.grouped('company_id').items():
            plan = self._plan(company, company_accounts.ids,
                              {a.id: (a.total_due, a.total_overdue) for a in company_accounts})
            by_collector = defaultdict(list)
            for account_id, collector_id in plan.items():
                by_collector[collector_id].append(account_id)
            for collector_id, account_ids in by_collector.items():
                Account.browse(account_ids).write({'collector_id': collector_id})
            assigned |= Account.browse(list(plan))
        return assigned
