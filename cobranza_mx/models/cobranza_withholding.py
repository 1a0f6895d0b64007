from odoo import api, fields, models

from ..tools.withholding import RATES_BY_CODE
from .account_tax import WITHHOLDING_CODES

WITHHOLDING_STATES = [
    ('expected', 'Expected'),
    ('received', 'Received'),
    ('matched', 'Matched'),
    ('difference', 'Difference'),
]


class CobranzaWithholding(models.Model):
    """A tax a customer withheld from a payment: a tax credit once its certificate arrives.

    Created when a collection payment is registered, either from the withholdings the payment wizard
    wrote off (``source`` 'payment') or from the withholding taxes the invoice already carried
    ('invoice'). The customer's CFDI de Retenciones of that month is matched against them.
    """
    _name = 'cobranza.withholding'
    _description = 'Expected Customer Withholding'
    _order = 'date desc, id desc'
    _check_company_auto = True

    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    partner_id = fields.Many2one('res.partner', string="Customer", required=True, readonly=True, index=True)
    move_id = fields.Many2one('account.move', string="Invoice", readonly=True, index=True, check_company=True,
                              ondelete='cascade')
    payment_id = fields.Many2one('account.payment', readonly=True, index='btree_not_null', check_company=True,
                                 ondelete='cascade')
    date = fields.Date(required=True, readonly=True)
    period = fields.Char(compute='_compute_period', store=True, index=True, help="Year and month, YYYY-MM.")
    code = fields.Selection(WITHHOLDING_CODES, string="Withholding", required=True, readonly=True)
    tax = fields.Selection([('isr', 'ISR'), ('iva', 'IVA')], compute='_compute_tax', store=True)
    base = fields.Monetary(readonly=True)
    amount = fields.Monetary(string="Withheld", readonly=True)
    source = fields.Selection([('payment', 'Short payment'), ('invoice', 'Invoice tax')], required=True,
                              readonly=True)
    certificate_id = fields.Many2one('cobranza.withholding.certificate', readonly=True, index='btree_not_null',
                                     check_company=True, ondelete='set null')
    state = fields.Selection(WITHHOLDING_STATES, compute='_compute_state', store=True)

    @api.depends('date')
    def _compute_period(self):
        for row in self:
            row.period = row.date and row.date.strftime('%Y-%m')

    @api.depends('code')
    def _compute_tax(self):
        for row in self:
            row.tax = row.code and RATES_BY_CODE[row.code].tax

    @api.depends('certificate_id.state')
    def _compute_state(self):
        for row in self:
            row.state = row.certificate_id.state or 'expected'
