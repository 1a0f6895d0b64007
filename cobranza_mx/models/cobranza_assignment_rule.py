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
    def _plan_for_run(self, company, pending, totals):
        """Collectors of the unassigned accounts ``pending`` by the first matching rule, balancing the load.

        Used by the daily run before it writes the accounts' new figures, so that a new account gets
        its collector in the same statement.

        :param totals: ``{account id: (total_due, total_overdue)}``, the run's new figures; accounts
            not in it keep the figures in the database
        :return: ``{account id: collector id}``
        """
        carried = {}
        for account_id, collector_id, overdue in self.env.execute_query(SQL(
                "SELECT id, collector_id, total_overdue FROM cobranza_account "
                "WHERE company_id = %s AND collector_id IS NOT NULL", company.id)):
            load = totals[account_id][1] if account_id in totals else float(overdue or 0.0)
            carried[collector_id] = carried.get(collector_id, 0.0) + load
        Account = self.env['cobranza.account'].sudo().with_context(active_test=False)
        pending = set(pending)
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
            matched = Account.search(Domain('id', 'in', pending.ids) & rule._account_domain(), order='id')
            if not matched:
                continue
            plan = Account._balance_among(matched, rule.collector_ids)
            if track:
                by_collector = {}
                for account_id, collector_id in plan.items():
                    by_collector.setdefault(collector_id, []).append(account_id)
                for collector_id, account_ids in by_collector.items():
                    Account.browse(account_ids).write({'collector_id': collector_id})
            else:
                # The daily run assigns thousands of new accounts: one statement, nothing to track.
                Account.flush_model(['collector_id'])
                self.env.execute_query(SQL(
                    "UPDATE cobranza_account a SET collector_id = v.collector_id, write_uid = %s, "
                    "write_date = now() at time zone 'UTC' "
                    "FROM (SELECT unnest(%s::int4[]) AS id, unnest(%s::int4[]) AS collector_id) v WHERE a.id = v.id",
                    self.env.uid, list(plan), list(plan.values())))
                Account.invalidate_model(['collector_id', 'write_uid', 'write_date'])
            assigned |= matched
            pending -= matched
        return assigned
