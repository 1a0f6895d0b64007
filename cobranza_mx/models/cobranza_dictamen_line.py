from odoo import fields, models


class CobranzaDictamenLine(models.Model):
    """One credit of a dictamen: the invoice, its principal and balance, and its conversion to UDIS."""
    _name = 'cobranza.dictamen.line'
    _description = 'Uncollectable Credit'
    _order = 'dictamen_id desc, due_date, id'

    dictamen_id = fields.Many2one('cobranza.dictamen', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='dictamen_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='dictamen_id.currency_id')
    partner_id = fields.Many2one(related='dictamen_id.partner_id', store=True, string="Debtor", index=True)
    vat = fields.Char(related='partner_id.vat', string="RFC")
    basis = fields.Selection(related='dictamen_id.basis', store=True, string="Legal Basis")
    state = fields.Selection(related='dictamen_id.state', store=True, string="Dictamen Status")
    write_off_date = fields.Date(related='dictamen_id.write_off_date', store=True)
    write_off_year = fields.Integer(related='dictamen_id.write_off_year', store=True, string="Deduction Year",
                                    aggregator=None)
    move_id = fields.Many2one('account.move', string="Invoice", required=True, readonly=True, ondelete='restrict')
    folio = fields.Char(related='move_id.name', string="Folio")
    invoice_date = fields.Date(related='move_id.invoice_date', string="Invoice Date")
    due_date = fields.Date(related='move_id.invoice_date_due', store=True)
    invoice_currency_id = fields.Many2one(related='move_id.currency_id', string="Invoice Currency")
    principal = fields.Monetary(string="Invoiced (MXN)", readonly=True)
    balance = fields.Monetary(string="Principal Due (MXN)", readonly=True,
                              help="Open balance at the invoice's own rate, in the company currency.")
    udi_value = fields.Float(string="UDI at Due Date", digits=(12, 6), readonly=True, aggregator=None)
    udis = fields.Float(string="Principal (UDIS)", digits=(16, 2), readonly=True)
