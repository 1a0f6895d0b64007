from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools import withholding as wh
from ..tools.withholding import RATES_BY_CODE

SOLVER_STATUSES = [
    ('paid', 'Paid in full'),
    ('unique', 'Explained by withholdings'),
    ('ambiguous', 'Several explanations: choose one'),
    ('unexplained', 'Difference not explained'),
]


class CobranzaPaymentWizard(models.TransientModel):
    """Register what a debtor paid for one or several of its invoices, explaining a short payment.

    When less than the amount due arrives, the solver (:mod:`..tools.withholding`) proposes the
    Mexican withholdings that explain the difference; the confirmed one is written off to the
    withheld-tax accounts so the invoices close, and recorded as expected withholdings to match with
    the customer's certificate. A difference nothing explains is never written off silently: it stays
    open on the invoices, or an administrator explicitly writes it off to an account of their choice.
    """
    _name = 'cobranza.payment.wizard'
    _description = 'Register a Collection Payment'
    _check_company_auto = True

    move_ids = fields.Many2many('account.move', string="Invoices", required=True, check_company=True,
                                domain=[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),
                                        ('payment_state', 'in', ('not_paid', 'partial'))])
    company_id = fields.Many2one('res.company', required=True, default=lambda self: self.env.company)
    company_currency_id = fields.Many2one(related='company_id.currency_id', string="Company Currency")
    partner_id = fields.Many2one('res.partner', string="Debtor", compute='_compute_partner_id', store=True)
    journal_id = fields.Many2one('account.journal', required=True, check_company=True,
                                 domain=[('type', 'in', ('bank', 'cash'))],
                                 default=lambda self: self.env['account.journal'].search(
                                     [('type', '=', 'bank'), ('company_id', '=', self.env.company.id)], limit=1))
    date = fields.Date(required=True, default=fields.Date.context_today)
    currency_id = fields.Many2one('res.currency', required=True,
                                  default=lambda self: self.env.company.currency_id)
    amount = fields.Monetary(string="Amount Received", required=True)
    amount_due = fields.Monetary(compute='_compute_amount_due')
    difference = fields.Monetary(compute='_compute_amount_due')
    tolerance = fields.Monetary(string="Rounding Tolerance per Invoice", default=0.01)
    status = fields.Selection(SOLVER_STATUSES, readonly=True)
    proposal_ids = fields.One2many('cobranza.payment.wizard.proposal', 'wizard_id', string="Explanations")
    proposal_id = fields.Many2one('cobranza.payment.wizard.proposal', string="Chosen Explanation",
                                  domain="[('wizard_id', '=', id)]")
    difference_handling = fields.Selection(
        [('open', 'Keep it open on the invoices'), ('writeoff', 'Write it off (administrator)')],
        string="Unexplained Difference", default='open', required=True)
    writeoff_account_id = fields.Many2one('account.account', string="Write-off Account", check_company=True)
    writeoff_label = fields.Char(default=lambda self: self.env._("Unexplained payment difference"))
    invoice_withholding_note = fields.Text(compute='_compute_invoice_withholding_note', string="Withheld on Invoices")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'account.move' and 'move_ids' in fields_list:
            moves = self.env['account.move'].browse(self.env.context.get('active_ids', []))
            res['move_ids'] = [Command.set(moves.ids)]
            if moves:
                res['company_id'] = moves[0].company_id.id
                res['amount'] = sum(moves.mapped('amount_residual'))
                if len(moves.currency_id) == 1:
                    res['currency_id'] = moves.currency_id.id
        return res

    @api.depends('move_ids')
    def _compute_partner_id(self):
        for wizard in self:
            wizard.partner_id = wizard.move_ids.commercial_partner_id[:1]

    @api.depends('move_ids', 'amount', 'currency_id', 'date')
    def _compute_amount_due(self):
        for wizard in self:
            wizard.amount_due = sum(wizard._to_payment_currency(move, move.amount_residual) for move in wizard.move_ids)
            wizard.difference = wizard.currency_id.round(wizard.amount_due - wizard.amount) if wizard.currency_id else 0

    @api.depends('move_ids')
    def _compute_invoice_withholding_note(self):
        for wizard in self:
            lines = wizard.move_ids.line_ids.filtered(lambda line: line.tax_line_id.cobranza_withholding_code)
            wizard.invoice_withholding_note = '\n'.join(
                f"{line.move_id.name}: {line.tax_line_id.name} {abs(line.amount_currency):,.2f}" for line in lines
            ) or False

    def _to_payment_currency(self, move, amount):
        return move.currency_id._convert(amount, self.currency_id, self.company_id, self.date or fields.Date.today())

    def _check_invoices(self):
        self.ensure_one()
        moves = self.move_ids
        if not moves:
            raise UserError(self.env._("Select the invoices paid."))
        if any(move.move_type != 'out_invoice' or move.state != 'posted' for move in moves):
            raise UserError(self.env._("Only posted customer invoices can be collected here."))
        if any(move.payment_state not in ('not_paid', 'partial') for move in moves):
            raise UserError(self.env._("Some of the invoices are already paid."))
        if len(moves.commercial_partner_id) != 1:
            raise UserError(self.env._("The invoices of one payment must be of one debtor."))
        if moves.company_id != self.company_id:
            raise UserError(self.env._("The invoices must be of the company of the payment."))
        if self.currency_id.compare_amounts(self.amount, 0) <= 0:
            raise UserError(self.env._("Enter the amount received."))

    def _solver_moves(self):
        """The invoices whose withholdings the solver may explain: those that do not carry them already."""
        return self.move_ids.filtered(
            lambda move: not move.line_ids.tax_line_id.filtered('cobranza_withholding_code'))

    def _solve(self):
        """The solver's answer for these invoices and amount (in the payment's currency)."""
        moves = self._solver_moves()
        bases = []
        for move in moves:
            share = move.amount_residual / move.amount_total if move.amount_total else 0
            bases.append(Decimal(str(self.currency_id.round(
                self._to_payment_currency(move, move.amount_untaxed * share)))))
        solution = wh.propose(bases, Decimal(str(self.difference)), tolerance=Decimal(str(self.tolerance or 0)))
        return moves, solution

    def action_propose(self):
        """Ask the solver which withholdings explain the difference; the only explanation is preselected."""
        self.ensure_one()
        self._check_invoices()
        moves, solution = self._solve()
        self.proposal_ids.unlink()
        proposals = self.env['cobranza.payment.wizard.proposal'].create([{
            'wizard_id': self.id,
            'sequence': sequence,
            'name': self._proposal_label(moves, proposal),
            'amount': float(proposal.total),
            'gap': float(proposal.gap),
            'line_data': [{'move_id': moves[line.index].id, 'code': line.code, 'base': str(line.base),
                           'amount': str(line.amount)} for line in wh.settle(proposal)],
        } for sequence, proposal in enumerate(solution.proposals[:20])])
        self.write({'status': solution.status,
                    'proposal_id': proposals[:1].id if solution.status == 'unique' else False})
        return self._reopen()

    def _proposal_label(self, moves, proposal):
        per_move = {}
        labels = self.env['account.tax']._cobranza_rate_labels()
        for line in proposal.lines:
            per_move.setdefault(line.index, []).append(f"{labels[line.code]} {line.amount:,.2f}")
        if len(moves) == 1:
            return ', '.join(per_move[0])
        return '; '.join(f"{moves[index].name}: {', '.join(labels)}" for index, labels in sorted(per_move.items()))

    def _reopen(self):
        return {
            'type': 'ir.actions.act_window', 'res_model': self._name, 'res_id': self.id,
            'view_mode': 'form', 'target': 'new', 'name': self.env._("Register Collection Payment"),
        }

    def _writeoff_lines(self):
        """The write-off lines of the payment: the chosen withholdings, or the difference an admin writes off."""
        self.ensure_one()
        lines = []
        Tax = self.env['account.tax']
        labels = Tax._cobranza_rate_labels()
        for data in self.proposal_id.line_data or []:
            rate = RATES_BY_CODE[data['code']]
            move = self.env['account.move'].browse(data['move_id'])
            lines.append(self._writeoff_vals(
                self.env._("Withheld %(tax)s - %(invoice)s", tax=labels[rate.code], invoice=move.name),
                Tax._cobranza_withholding_account(self.company_id, rate.tax), float(data['amount'])))
        if not self.proposal_id and self.status == 'unexplained' and self.difference_handling == 'writeoff' \
                and self.currency_id.compare_amounts(self.difference, 0) > 0:
            if not self.env.user.has_group('cobranza_mx.group_cobranza_manager'):
                raise AccessError(self.env._(
                    "Only a collection administrator can write off an unexplained difference."))
            if not self.writeoff_account_id:
                raise UserError(self.env._("Choose the account to write the unexplained difference off to."))
            lines.append(self._writeoff_vals(self.writeoff_label, self.writeoff_account_id, self.difference))
        return lines

    def _writeoff_vals(self, label, account, amount):
        return {
            'name': label, 'account_id': account.id, 'partner_id': self.partner_id.id,
            'currency_id': self.currency_id.id, 'amount_currency': amount,
            'balance': self.currency_id._convert(amount, self.company_currency_id, self.company_id, self.date),
        }

    def action_confirm(self):
        """Register the payment with the chosen withholdings written off and reconcile it with the invoices."""
        self.ensure_one()
        self._check_invoices()
        if not self.status:
            self.action_propose()
        if self.status == 'ambiguous' and not self.proposal_id:
            raise UserError(self.env._("Several withholding combinations explain the difference: choose one."))
        payment = self._register_payment(self._writeoff_lines())
        self._record_withholdings(payment)
        return {
            'type': 'ir.actions.act_window', 'res_model': 'account.payment', 'res_id': payment.id,
            'view_mode': 'form', 'name': self.env._("Payment"),
        }

    def _register_payment(self, writeoff_lines):
        # Collection supervisors register collection payments without being billing users: the rights are
        # checked above (access to this wizard, invoices of their companies), the entries are Odoo's own.
        # What the user's own environment read of the invoices (through the collection record rules) must not
        # be what the reconciliation, as superuser, works with.
        self.env.flush_all()
        self.env.invalidate_all()
        moves = self.move_ids.sudo()
        payment = self.env['account.payment'].sudo().with_company(self.company_id).create({
            'date': self.date,
            'amount': self.amount,
            'payment_type': 'inbound',
            'partner_type': 'customer',
            'memo': ', '.join(moves.mapped('name')),
            'journal_id': self.journal_id.id,
            'company_id': self.company_id.id,
            'currency_id': self.currency_id.id,
            'partner_id': self.partner_id.id,
            'destination_account_id': moves.line_ids.filtered(
                lambda line: line.account_type == 'asset_receivable')[:1].account_id.id,
            'write_off_line_vals': writeoff_lines,
        })
        payment.action_post()
        receivable = payment.move_id.line_ids.filtered(
            lambda line: line.account_type == 'asset_receivable' and not line.reconciled)
        to_reconcile = moves.line_ids.filtered(
            lambda line: line.account_type == 'asset_receivable' and not line.reconciled)
        (receivable + to_reconcile).reconcile()
        moves.matched_payment_ids += payment
        return payment

    def _record_withholdings(self, payment):
        Withholding = self.env['cobranza.withholding'].sudo()
        vals_list = []
        for data in self.proposal_id.line_data or []:
            vals_list.append(self._withholding_vals(payment, self.env['account.move'].browse(data['move_id']),
                                                    data['code'], float(data['base']), float(data['amount']),
                                                    'payment'))
        # Invoices that carried their withholdings: recorded when the payment closes them.
        for move in self.move_ids - self._solver_moves():
            if move.payment_state not in ('paid', 'in_payment'):
                continue
            for line in move.line_ids.filtered(lambda line: line.tax_line_id.cobranza_withholding_code):
                vals_list.append({
                    'company_id': self.company_id.id, 'partner_id': self.partner_id.id, 'move_id': move.id,
                    'payment_id': payment.id, 'date': self.date, 'source': 'invoice',
                    'code': line.tax_line_id.cobranza_withholding_code,
                    'base': abs(line.tax_base_amount), 'amount': abs(line.balance),
                })
        rows = Withholding.create(vals_list)
        self.env['cobranza.withholding.certificate']._expect_for(rows)
        return rows

    def _withholding_vals(self, payment, move, code, base, amount, source):
        convert = self.currency_id._convert
        return {
            'company_id': self.company_id.id, 'partner_id': self.partner_id.id, 'move_id': move.id,
            'payment_id': payment.id, 'date': self.date, 'source': source, 'code': code,
            'base': convert(base, self.company_currency_id, self.company_id, self.date),
            'amount': convert(amount, self.company_currency_id, self.company_id, self.date),
        }


class CobranzaPaymentWizardProposal(models.TransientModel):
    """One combination of withholdings the solver proposes for the payment wizard's difference."""
    _name = 'cobranza.payment.wizard.proposal'
    _description = 'Withholding Explanation of a Short Payment'
    _order = 'sequence, id'

    wizard_id = fields.Many2one('cobranza.payment.wizard', required=True, ondelete='cascade')
    sequence = fields.Integer()
    name = fields.Char(string="Withholdings", required=True)
    currency_id = fields.Many2one(related='wizard_id.currency_id')
    amount = fields.Monetary(string="Total Withheld")
    gap = fields.Monetary(string="Rounding")
    line_data = fields.Json()

    def action_choose(self):
        self.ensure_one()
        self.wizard_id.proposal_id = self
        return self.wizard_id._reopen()
