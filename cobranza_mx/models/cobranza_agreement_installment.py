from odoo import api, fields, models
from odoo.exceptions import UserError

INSTALLMENT_STATES = [
    ('pending', 'Pending'),
    ('partial', 'Partially paid'),
    ('paid', 'Paid'),
    ('late', 'Late'),
]


class CobranzaAgreementInstallment(models.Model):
    """One installment of a payment agreement: editable while the agreement is a draft, then followed.

    ``paid_amount`` and ``state`` are written by the allocation of the agreement's payments
    (:meth:`cobranza.agreement._update_installments`), never by hand.
    """
    _name = 'cobranza.agreement.installment'
    _description = 'Payment Agreement Installment'
    _order = 'agreement_id, date, sequence, id'

    agreement_id = fields.Many2one('cobranza.agreement', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='agreement_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='agreement_id.currency_id')
    partner_id = fields.Many2one(related='agreement_id.partner_id', string="Debtor")
    agreement_state = fields.Selection(related='agreement_id.state', string="Agreement State")
    sequence = fields.Integer(string="No.", default=1)
    date = fields.Date(string="Due Date", required=True)
    amount = fields.Monetary(required=True)
    interest = fields.Monetary()
    principal = fields.Monetary(compute='_compute_principal', store=True)
    down_payment = fields.Boolean()
    paid_amount = fields.Monetary(string="Paid", readonly=True, copy=False)
    residual = fields.Monetary(string="Left", compute='_compute_residual')
    state = fields.Selection(INSTALLMENT_STATES, required=True, default='pending', readonly=True, copy=False)
    paid_date = fields.Date(string="Paid On", readonly=True, copy=False)
    restructure_line_id = fields.Many2one('account.move.line', string="Receivable Line", readonly=True, copy=False,
                                          help="The line of the restructure entry due on this installment's date.")
    reminder_ids = fields.One2many('cobranza.reminder', 'installment_id', string="Reminders", readonly=True)

    @api.depends('amount', 'interest')
    def _compute_principal(self):
        for installment in self:
            installment.principal = installment.amount - installment.interest

    @api.depends('amount', 'paid_amount')
    def _compute_residual(self):
        for installment in self:
            installment.residual = max(installment.amount - installment.paid_amount, 0.0)

    @api.model_create_multi
    def create(self, vals_list):
        installments = super().create(vals_list)
        installments._check_draft()
        return installments

    def write(self, vals):
        if set(vals) - {'paid_amount', 'state', 'paid_date', 'restructure_line_id'}:
            self._check_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._check_draft()

    def _check_draft(self):
        if not self.env.su and any(i.agreement_id.state != 'draft' for i in self):
            raise UserError(self.env._("Only the installments of a draft agreement can be changed."))
