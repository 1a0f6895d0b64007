from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.aging import AGING_BUCKETS
from .account_move import IN_COLLECTION_DOMAIN

# Figures of the daily run (cobranza.run): nobody writes them but the run, which does so with SQL or
# as the superuser; the views showing them read-only are not enough against an RPC write.
RUN_FIELDS = frozenset({
    'stage_id', 'stage_code', 'stage_date', 'total_due', 'total_overdue', 'oldest_overdue_days',
    'open_invoice_count', 'overdue_bucket', 'priority', 'next_action_date', 'last_run_date',
    'action_stage_id', 'action_run_id', 'invoice_ids', 'history_ids',
})


class CobranzaAccount(models.Model):
    """The collection account of one customer in one company.

    Its figures are written by the daily run (:meth:`cobranza.run._execute`);
    people set the collector, the policy override and work its activities.
    """
    _name = 'cobranza.account'
    _description = 'Collection Account'
    _inherit = ['mail.thread', 'mail.activity.mixin']
    _order = 'priority desc, total_overdue desc, id'
    _check_company_auto = True
    _mail_post_access = 'read'

    name = fields.Char(related='partner_id.name', store=True)
    partner_id = fields.Many2one(
        'res.partner', string="Customer", required=True, ondelete='restrict',
        domain="[('parent_id', '=', False)]", tracking=True)
    company_id = fields.Many2one('res.company', required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related='company_id.currency_id')
    active = fields.Boolean(default=True)
    collector_id = fields.Many2one(
        'res.users', index=True, tracking=True,
        domain=lambda self: [('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_collector').id)])
    policy_id = fields.Many2one(
        'cobranza.policy', string="Policy Override", tracking=True, check_company=True,
        help="Use this policy for every invoice of the customer, whatever its segment.")
    segment_id = fields.Many2one(related='partner_id.cobranza_segment_id', store=True, string="Segment")
    state_id = fields.Many2one(related='partner_id.state_id', store=True, string="State")
    city = fields.Char(related='partner_id.city')
    phone = fields.Char(related='partner_id.phone')
    email = fields.Char(related='partner_id.email')
    vat = fields.Char(related='partner_id.vat', string="RFC")

    # Written by the daily run.
    # Few indexes: the daily run rewrites these columns on thousands of accounts, and every index
    # costs on every row; the (partner, company) constraint serves lookups by customer.
    stage_id = fields.Many2one('cobranza.stage', readonly=True, tracking=True,
                               group_expand='_read_group_stage_ids')
    stage_code = fields.Selection(related='stage_id.code', store=True, string="Stage Family")
    stage_date = fields.Date(string="In Stage Since", readonly=True)
    total_due = fields.Monetary(readonly=True)
    total_overdue = fields.Monetary(readonly=True)
    oldest_overdue_days = fields.Integer(string="Oldest Overdue (days)", readonly=True)
    open_invoice_count = fields.Integer(string="Open Invoices", readonly=True)
    overdue_bucket = fields.Selection(AGING_BUCKETS, readonly=True)
    priority = fields.Float(readonly=True, digits=(16, 2))
    next_action_date = fields.Date(readonly=True)
    last_run_date = fields.Date(readonly=True)
    # Queue of the stage actions cron (cobranza.stage.action._process_queue).
    action_stage_id = fields.Many2one('cobranza.stage', string="Entry Actions Pending", readonly=True,
                                      ondelete='set null')
    action_run_id = fields.Many2one('cobranza.run', string="Queued By", readonly=True, ondelete='set null')

    invoice_ids = fields.One2many(
        'account.move', 'cobranza_account_id', string="Invoices in Collection", readonly=True,
        domain=IN_COLLECTION_DOMAIN)
    history_ids = fields.One2many('cobranza.stage.history', 'account_id', string="Stage History", readonly=True)

    _partner_company_uniq = models.Constraint(
        'UNIQUE(partner_id, company_id)', 'A customer has only one collection account per company.')

    @api.model
    def _read_group_stage_ids(self, stages, _domain):
        # Odoo's group_expand signature, (records, domain): every stage of the policies, whatever the domain.
        policies = self.env['cobranza.policy'].search([('company_id', 'in', [False, *self.env.companies.ids])])
        return stages.search([('policy_id', 'in', policies.ids)])

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_run_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_run_fields(vals)
        if 'collector_id' not in vals:
            return super().write(vals)
        previous = {account: account.collector_id for account in self}
        result = super().write(vals)
        self._move_activities(previous)
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_contacted(self):
        self.env['cobranza.contact.log']._check_no_evidence('account_id', self)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_open_invoices(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('account.action_move_out_invoice')
        action['domain'] = [('cobranza_account_id', '=', self.id)]
        action['context'] = {'default_move_type': 'out_invoice', 'create': False}
        return action

    def action_apply_assignment_rules(self):
        self._check_supervisor()
        accounts = self or self.search([('collector_id', '=', False), ('total_due', '>', 0)])
        assigned = self.env['cobranza.assignment.rule']._assign(accounts, only_unassigned=not self)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._("%(count)s collection accounts assigned.", count=len(assigned)),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _check_supervisor(self):
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can assign collectors."))

    def _check_run_fields(self, vals):
        if self.env.su:
            return
        refused = RUN_FIELDS.intersection(vals)
        if refused:
            raise UserError(self.env._(
                "The figures of a collection account are computed by the daily run and cannot be changed: "
                "%(fields)s.",
                fields=', '.join(sorted(self._fields[name]._description_string(self.env) for name in refused))))

    def _assign_collector(self, collector):
        """Assign ``collector`` (a res.users, or empty to unassign) to these accounts.

        Written with the supervisor's own rights, so the company and record rules apply.
        """
        self._check_supervisor()
        if collector and not collector.has_group('cobranza_mx.group_cobranza_collector'):
            raise UserError(self.env._("%(user)s is not a collector.", user=collector.name))
        self.write({'collector_id': collector.id})

    def _move_activities(self, previous):
        """Give the new collector the open activities the previous one had on these accounts and their invoices.

        :param previous: ``{account: collector before the change}``; an account left without a collector
            keeps its activities where they are, there is nobody to hand them to.
        """
        Activity = self.env['mail.activity'].sudo().with_context(mail_activity_quick_update=True)
        for (old, new), accounts in self.grouped(lambda a: (previous[a], a.collector_id)).items():
            if not old or not new or old == new:
                continue
            invoices = self.env['account.move'].sudo().search([('cobranza_account_id', 'in', accounts.ids)])
            Activity.search([
                ('user_id', '=', old.id), '|',
                '&', ('res_model', '=', self._name), ('res_id', 'in', accounts.ids),
                '&', ('res_model', '=', 'account.move'), ('res_id', 'in', invoices.ids),
            ]).write({'user_id': new.id})

    @api.model
    def _ensure_accounts(self, company, partner_ids):
        """Map each partner id to its collection account id in ``company``, creating missing ones."""
        partner_ids = set(partner_ids)
        existing = dict(self.with_context(active_test=False).sudo()._read_group(
            [('company_id', '=', company.id), ('partner_id', 'in', list(partner_ids))],
            ['partner_id'], ['id:min']))
        result = {partner.id: account_id for partner, account_id in existing.items()}
        missing = sorted(partner_ids - result.keys())
        if missing:
            result.update(self._insert_accounts(company, SQL("SELECT unnest(%s::int4[])", missing)))
        return result

    @api.model
    def _insert_accounts(self, company, partner_query):
        """Open the accounts of the partners selected by ``partner_query``; ``[(partner id, account id)]``.

        One INSERT for all of them: the daily run opens thousands of accounts at once, and a new
        account has nothing to track or notify. Related stored fields come from the partner.
        """
        rows = self.env.execute_query(SQL(
            """
            INSERT INTO cobranza_account (partner_id, company_id, name, segment_id, state_id, active,
                                          create_uid, write_uid, create_date, write_date)
                 SELECT p.id, %(company)s, p.name, p.cobranza_segment_id, p.state_id, TRUE,
                        %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
                   FROM res_partner p
                  WHERE p.id IN (%(partners)s)
            ON CONFLICT (partner_id, company_id) DO NOTHING
              RETURNING partner_id, id
            """,
            company=company.id, uid=self.env.uid, partners=partner_query))
        if rows:
            self.invalidate_model()
            self.env['res.partner'].invalidate_model(['cobranza_account_ids'])
        return rows
