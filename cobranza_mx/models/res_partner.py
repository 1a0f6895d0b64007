from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = 'res.partner'

    cobranza_segment_id = fields.Many2one('cobranza.segment', string="Portfolio Segment", index='btree_not_null')
    cobranza_account_ids = fields.One2many('cobranza.account', 'partner_id', string="Collection Accounts")
    cobranza_account_id = fields.Many2one(
        'cobranza.account', compute='_compute_cobranza_account', string="Collection Account")
    cobranza_stage_id = fields.Many2one(
        'cobranza.stage', compute='_compute_cobranza_account', string="Collection Stage")
    cobranza_collector_id = fields.Many2one(
        'res.users', compute='_compute_cobranza_account', string="Collector")
    cobranza_policy_id = fields.Many2one(
        'cobranza.policy', compute='_compute_cobranza_account', string="Collection Policy Override")
    cobranza_currency_id = fields.Many2one('res.currency', compute='_compute_cobranza_account')
    cobranza_total_due = fields.Monetary(
        compute='_compute_cobranza_account', string="Total Due", currency_field='cobranza_currency_id')
    cobranza_total_overdue = fields.Monetary(
        compute='_compute_cobranza_account', string="Total Overdue", currency_field='cobranza_currency_id')
    cobranza_oldest_overdue_days = fields.Integer(
        compute='_compute_cobranza_account', string="Oldest Overdue (days)")

    @api.depends_context('company')
    @api.depends('cobranza_account_ids', 'commercial_partner_id')
    def _compute_cobranza_account(self):
        accounts = self.env['cobranza.account'].search([
            ('partner_id', 'in', self.commercial_partner_id.ids),
            ('company_id', '=', self.env.company.id),
        ])
        by_partner = {account.partner_id.id: account for account in accounts}
        for partner in self:
            account = by_partner.get(partner.commercial_partner_id.id, self.env['cobranza.account'])
            partner.cobranza_account_id = account
            partner.cobranza_stage_id = account.stage_id
            partner.cobranza_collector_id = account.collector_id
            partner.cobranza_policy_id = account.policy_id
            partner.cobranza_currency_id = account.currency_id or self.env.company.currency_id
            partner.cobranza_total_due = account.total_due
            partner.cobranza_total_overdue = account.total_overdue
            partner.cobranza_oldest_overdue_days = account.oldest_overdue_days

    def action_open_cobranza_account(self):
        self.ensure_one()
        account_id = self.env['cobranza.account']._ensure_accounts(
            self.env.company, [self.commercial_partner_id.id])[self.commercial_partner_id.id]
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cobranza.account',
            'res_id': account_id,
            'view_mode': 'form',
        }
