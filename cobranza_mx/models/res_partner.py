from odoo import api, fields, models

from ..tools.contact_window import debtor_tz
from ..tools.phone import InvalidPhoneError, normalize_mx_phone
from .cobranza_reminder_rule import CHANNELS


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

    # Contact preferences of the debtor.
    cobranza_preferred_channel = fields.Selection(CHANNELS, string="Preferred Channel")
    cobranza_optout_email = fields.Boolean(string="No Collection E-mails")
    cobranza_optout_sms = fields.Boolean(string="No Collection SMS")
    cobranza_optout_whatsapp = fields.Boolean(string="No Collection WhatsApp")
    cobranza_optout_letter = fields.Boolean(string="No Collection Letters")
    cobranza_contact_hour_from = fields.Float(
        string="Preferred Contact From", help="Local hour; narrows the legal contact window, never widens it.")
    cobranza_contact_hour_to = fields.Float(string="Preferred Contact Until")
    cobranza_phone_e164 = fields.Char(
        string="Phone (E.164)", compute='_compute_cobranza_phone', store=True)
    cobranza_phone_invalid = fields.Boolean(
        string="Invalid Phone", compute='_compute_cobranza_phone', store=True,
        help="SMS and WhatsApp reminders are skipped while the phone number is invalid.")
    cobranza_phone_error = fields.Char(string="Phone Problem", compute='_compute_cobranza_phone', store=True)
    cobranza_contact_log_ids = fields.One2many('cobranza.contact.log', 'partner_id', string="Contact Log")

    @api.depends('phone')
    def _compute_cobranza_phone(self):
        for partner in self:
            partner.cobranza_phone_e164 = False
            partner.cobranza_phone_invalid = False
            partner.cobranza_phone_error = False
            if not partner.phone:
                continue
            try:
                partner.cobranza_phone_e164 = normalize_mx_phone(partner.phone)
            except InvalidPhoneError as e:
                partner.cobranza_phone_invalid = True
                partner.cobranza_phone_error = str(e)

    def _cobranza_timezone(self):
        """The debtor's time zone: their own, else the one of their Mexican state."""
        self.ensure_one()
        partner = self.commercial_partner_id
        mx_state = partner.state_id.code if partner.state_id.country_id.code == 'MX' else None
        return debtor_tz(partner.tz, mx_state)

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
