from odoo import fields, models

# The settings of the uncollectability dictamen and the UDI values live with the feature.
# pylint: disable=consider-merging-classes-inherited


class ResCompany(models.Model):
    _inherit = 'res.company'

    cobranza_dictamen_second_amount = fields.Monetary(
        string="Second Approval Above", currency_field='currency_id', default=500000.0,
        help="A dictamen of more than this amount (company currency) needs a second administrator's approval.")
    cobranza_bad_debt_account_id = fields.Many2one(
        'account.account', string="Bad Debt Expense Account", check_company=True,
        domain="[('account_type', 'in', ('expense', 'expense_other'))]",
        help="Debited by the write-off of an approved dictamen (deductible loss, LISR art. 27 fr. XV).")
    cobranza_bad_debt_journal_id = fields.Many2one(
        'account.journal', string="Bad Debt Journal", check_company=True, domain="[('type', '=', 'general')]")


class ResConfigSettings(models.TransientModel):
    _inherit = 'res.config.settings'

    cobranza_sie_url = fields.Char(
        string="Banxico SIE URL", config_parameter='cobranza_mx.sie_url',
        default='https://www.banxico.org.mx/SieAPIRest/service/v1')
    cobranza_sie_token = fields.Char(string="Banxico SIE Token", config_parameter='cobranza_mx.sie_token')
    cobranza_dictamen_second_amount = fields.Monetary(
        related='company_id.cobranza_dictamen_second_amount', readonly=False)
    cobranza_bad_debt_account_id = fields.Many2one(related='company_id.cobranza_bad_debt_account_id', readonly=False)
    cobranza_bad_debt_journal_id = fields.Many2one(related='company_id.cobranza_bad_debt_journal_id', readonly=False)
