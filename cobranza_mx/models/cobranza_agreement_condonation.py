"""Condonations ("quitas"): part of a debt forgiven, at once or when the rest is paid by a date.

Accounted as one credit note (``out_refund``) per invoice, linked to it (``reversed_entry_id``)
with the reason, and reconciled with it. A conditional condonation waits for the payment of the
rest: applied when it arrives (at the reconciliation, or by the daily cron), cancelled when its
date passes first.
"""
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..tools import agreements as ta

CONDONATION_REASONS = [
    ('interest', 'Interest'),
    ('penalties', 'Late fees and penalties'),
    ('principal', 'Part of the principal'),
    ('settlement', 'Settlement for early payment'),
    ('commercial', 'Commercial decision'),
]
CONDONATION_STATES = [
    ('draft', 'Draft'),
    ('to_approve', 'To Approve'),
    ('waiting', 'Waiting for Payment'),
    ('applied', 'Applied'),
    ('cancelled', 'Cancelled'),
]


class CobranzaCondonation(models.Model):
    _name = 'cobranza.condonation'
    _description = 'Condonation'
    _inherit = ['mail.thread', 'mail.activity.mixin', 'cobranza.approval.mixin']
    _order = 'id desc'
    _check_company_auto = True

    name = fields.Char(readonly=True, copy=False, default='/')
    account_id = fields.Many2one('cobranza.account', string="Collection Account", required=True, index=True,
                                 ondelete='restrict', check_company=True)
    partner_id = fields.Many2one(related='account_id.partner_id', store=True, string="Debtor", index=True)
    company_id = fields.Many2one(related='account_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    policy_id = fields.Many2one('cobranza.policy', compute='_compute_policy_id', store=True, readonly=False)
    agreement_id = fields.Many2one('cobranza.agreement', string="Payment Agreement", check_company=True,
                                   domain="[('account_id', '=', account_id)]")
    move_ids = fields.Many2many(
        'account.move', 'cobranza_condonation_move_rel', 'condonation_id', 'move_id', string="Invoices",
        check_company=True, domain="[('cobranza_account_id', '=', account_id), ('move_type', '=', 'out_invoice'),"
                                   " ('state', '=', 'posted'), ('amount_residual', '>', 0)]")
    mode = fields.Selection([('amount', 'Amount'), ('percent', 'Percentage')], default='percent', required=True)
    value = fields.Float(string="Forgiven", digits='Account', required=True,
                         help="The amount forgiven, or its percentage of what is due on the invoices.")
    amount_due = fields.Monetary(string="Due on the Invoices", compute='_compute_amounts', store=True)
    amount = fields.Monetary(string="Amount Forgiven", compute='_compute_amounts', store=True)
    percent = fields.Float(string="Forgiven (%)", compute='_compute_amounts', store=True, digits=(5, 2))
    amount_to_pay = fields.Monetary(string="Rest to Pay", compute='_compute_amounts', store=True)
    reason = fields.Selection(CONDONATION_REASONS, required=True, default='interest')
    note = fields.Char()
    conditional = fields.Boolean(string="Only if the Rest Is Paid",
                                 help="Applied only when the rest is paid by the date; cancelled otherwise.")
    condition_date = fields.Date(string="Pay the Rest By")
    state = fields.Selection(CONDONATION_STATES, required=True, default='draft', readonly=True, tracking=True,
                             index=True, copy=False)
    line_ids = fields.One2many('cobranza.condonation.line', 'condonation_id', readonly=True, copy=False)
    refund_ids = fields.Many2many('account.move', 'cobranza_condonation_refund_rel', 'condonation_id', 'move_id',
                                  string="Credit Notes", readonly=True, copy=False)
    applied_date = fields.Date(string="Applied On", readonly=True, copy=False)
    end_date = fields.Date(string="Cancelled On", readonly=True, copy=False)

    @api.depends('account_id')
    def _compute_policy_id(self):
        for condonation in self:
            condonation.policy_id = condonation.account_id._cobranza_policy() if condonation.account_id else False

    @api.depends('move_ids.amount_residual_signed', 'mode', 'value', 'line_ids.amount', 'state')
    def _compute_amounts(self):
        for condonation in self:
            if condonation.line_ids:
                due = sum(condonation.line_ids.mapped('residual'))
                amount = sum(condonation.line_ids.mapped('amount'))
            else:
                due = sum(condonation.move_ids.mapped('amount_residual_signed'))
                amount = condonation.value if condonation.mode == 'amount' else due * condonation.value / 100
                amount = condonation.currency_id.round(amount) if condonation.currency_id else amount
            condonation.amount_due = due
            condonation.amount = amount
            condonation.percent = amount / due * 100 if due else 0.0
            condonation.amount_to_pay = max(due - amount, 0.0)

    @api.constrains('value', 'mode', 'conditional', 'condition_date')
    def _check_value(self):
        for condonation in self.filtered(lambda c: c.state == 'draft'):
            if condonation.value <= 0 or (condonation.mode == 'percent' and condonation.value > 100):
                raise ValidationError(self.env._("The amount forgiven must be positive, and a percentage at most 100."))
            if condonation.conditional and not condonation.condition_date:
                raise ValidationError(self.env._("Set the date by which the rest must be paid."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('name', '/') == '/':
                vals['name'] = self.env['ir.sequence'].sudo().next_by_code('cobranza.condonation') or '/'
        condonations = super().create(vals_list)
        for condonation in condonations:
            condonation._log_step('condonation_proposed', self.env._(
                "Condonation %(name)s proposed: %(amount)s (%(percent)s %%) of %(due)s", name=condonation.name,
                amount=condonation._format(condonation.amount), percent=round(condonation.percent, 2),
                due=condonation._format(condonation.amount_due)))
        return condonations

    def write(self, vals):
        if set(vals) & {'move_ids', 'mode', 'value', 'account_id', 'conditional', 'condition_date'} \
                and not self.env.su and any(c.state != 'draft' for c in self):
            raise UserError(self.env._("Only a draft condonation can be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(c.state != 'draft' for c in self):
            raise UserError(self.env._("A condonation that was proposed cannot be deleted: cancel it instead."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_confirm(self):
        for condonation in self:
            if condonation.state != 'draft':
                raise UserError(self.env._("Only a draft condonation can be confirmed."))
            condonation._freeze_lines()
            if condonation._submit_or_approve():
                condonation._approved()
            else:
                condonation._log_step('condonation_submitted', self.env._(
                    "Condonation %(name)s sent for approval", name=condonation.name))
        return True

    def action_approve(self):
        for condonation in self:
            condonation._mark_approved()
            condonation._log_step('condonation_approved', self.env._(
                "Condonation %(name)s approved by %(user)s", name=condonation.name, user=self.env.user.name))
            condonation._approved()
        return True

    def action_reject(self):
        for condonation in self:
            condonation._check_can_approve()
            condonation.sudo().line_ids.unlink()
            condonation.sudo().write({'state': 'draft'})
            condonation.sudo().activity_unlink(['mail.mail_activity_data_todo'])
        return True

    def action_cancel(self):
        for condonation in self:
            if condonation.state not in ('draft', 'to_approve', 'waiting'):
                raise UserError(self.env._("Only a condonation not yet applied can be cancelled."))
            condonation._cancel(self.env._("Condonation %(name)s cancelled by %(user)s", name=condonation.name,
                                           user=self.env.user.name))
        return True

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _freeze_lines(self):
        """What is forgiven of each invoice, in proportion to what is due on it, fixed at confirmation."""
        self.ensure_one()
        moves = self.move_ids.sorted('id')
        if not moves:
            raise ValidationError(self.env._("Choose the invoices of the condonation."))
        if moves.filtered(lambda m: not m._cobranza_is_open()):
            raise ValidationError(self.env._("Every invoice of a condonation must have something due."))
        if self.conditional and self.condition_date < fields.Date.context_today(self):
            raise ValidationError(self.env._("The date to pay the rest cannot be in the past."))
        residuals = moves.mapped('amount_residual_signed')
        try:
            parts = ta.split_amount(residuals, self.amount)
        except ValueError as error:
            raise ValidationError(self.env._("The amount forgiven must be positive and no more than what is due "
                                             "(%(due)s).", due=self._format(sum(residuals)))) from error
        self.sudo().line_ids = [fields.Command.clear()] + [
            fields.Command.create({'move_id': move.id, 'residual': residual, 'amount': part})
            for move, residual, part in zip(moves, residuals, parts, strict=True)]

    def _approval_needed(self):
        self.ensure_one()
        return ta.required_role(0, self.percent, self.policy_id._agreement_limits())

    def _approval_policy(self):
        return self.policy_id

    def _approved(self):
        self.ensure_one()
        if self.conditional:
            self.sudo().state = 'waiting'
            self._check_condition(fields.Date.context_today(self))
        else:
            self._apply()

    def _rest_paid(self):
        """Whether the rest of every invoice was paid: what is left is no more than what is forgiven."""
        self.ensure_one()
        return all(self.currency_id.compare_amounts(line.move_id.amount_residual_signed, line.amount) <= 0
                   for line in self.line_ids)

    def _check_condition(self, today):
        """Apply a waiting condonation whose rest is paid; cancel one whose date passed."""
        for condonation in self.filtered(lambda c: c.state == 'waiting'):
            if condonation._rest_paid():
                condonation._apply()
            elif today > condonation.condition_date:
                condonation._cancel(self.env._(
                    "Condonation %(name)s cancelled: the rest of %(amount)s was not paid by %(date)s",
                    name=condonation.name, amount=condonation._format(condonation.amount_to_pay),
                    date=condonation.condition_date))

    def _apply(self):
        """One credit note per invoice for what is forgiven of it, posted and reconciled with the invoice."""
        self.ensure_one()
        reason = dict(self._fields['reason']._description_selection(self.env))[self.reason]
        label = self.env._("Condonation %(name)s: %(reason)s", name=self.name, reason=reason)
        # Applied before its credit notes are posted: posting one reconciles it, which must not apply it again.
        self.sudo().write({'state': 'applied', 'applied_date': fields.Date.context_today(self)})
        refunds = self.env['account.move']
        # A clean context: this may run inside a payment's reconciliation, whose context (e.g. no invoice
        # synchronisation) must not reach the credit notes.
        Move = refunds.sudo().with_company(self.company_id).with_context({  # pylint: disable=context-overridden
            'lang': self.env.context.get('lang'), 'tz': self.env.context.get('tz'),
            'cobranza_condonation_applying': True})
        for line in self.line_ids:
            invoice = line.move_id.sudo()
            amount = min(line.amount, invoice.amount_residual_signed)
            if invoice.currency_id.is_zero(amount) or amount <= 0:
                continue
            account = invoice.invoice_line_ids.filtered(lambda li: li.display_type == 'product')[:1].account_id
            refund = Move.create({
                'move_type': 'out_refund', 'partner_id': invoice.partner_id.id, 'journal_id': invoice.journal_id.id,
                'invoice_date': fields.Date.context_today(self), 'reversed_entry_id': invoice.id,
                'ref': label + (f" — {self.note}" if self.note else ''), 'invoice_origin': invoice.name,
                'invoice_line_ids': [fields.Command.create({
                    'name': label, 'quantity': 1, 'price_unit': amount, 'account_id': account.id,
                    'tax_ids': [fields.Command.clear()]})],
            })
            refund.action_post()
            receivables = (refund | invoice).line_ids.filtered(
                lambda li: li.account_id.account_type == 'asset_receivable' and not li.reconciled)
            receivables.with_context(cobranza_condonation_applying=True).reconcile()
            line.sudo().refund_id = refund
            refunds |= refund
        self.sudo().write({'refund_ids': [fields.Command.set(refunds.ids)]})
        self._log_step('condonation_applied', self.env._(
            "Condonation %(name)s applied: %(amount)s forgiven (%(reason)s), credit notes %(refunds)s",
            name=self.name, amount=self._format(sum(self.line_ids.mapped('amount'))), reason=reason,
            refunds=', '.join(refunds.mapped('name'))))
        # The agreements on these invoices may be completed by it.
        self.env['cobranza.agreement']._check_moves_paid(self.move_ids)

    def _cancel(self, detail):
        self.ensure_one()
        self.sudo().write({'state': 'cancelled', 'end_date': fields.Date.context_today(self)})
        self.sudo().activity_unlink(['mail.mail_activity_data_todo'])
        self._log_step('condonation_cancelled', detail)

    @api.model
    def _check_moves_paid(self, moves):
        """A payment on ``moves`` may fulfil the condition of their waiting condonations."""
        condonations = self.sudo().search([('state', '=', 'waiting'), ('move_ids', 'in', moves.ids)])
        condonations._check_condition(fields.Date.context_today(self))

    @api.model
    def _cron_check_condonations(self):
        """Cron entry: apply the waiting condonations whose rest is paid, cancel those whose date passed."""
        condonations = self.sudo().search([('state', '=', 'waiting')])
        for condonation in condonations:
            try:
                with self.env.cr.savepoint():
                    condonation._check_condition(fields.Date.context_today(self))
            except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                condonation.message_post(body=self.env._("The daily check failed: %(error)s", error=error))
        self.env['ir.cron']._commit_progress(len(condonations))

    @api.model
    def _amount_applied_on(self, moves, since):
        """What applied condonations forgave on ``moves`` from ``since`` on (not a payment of an agreement)."""
        if not since:
            return 0.0
        lines = self.env['cobranza.condonation.line'].sudo().search([
            ('move_id', 'in', moves.ids), ('condonation_id.state', '=', 'applied'),
            ('condonation_id.applied_date', '>=', since), ('refund_id', '!=', False)])
        return sum(lines.refund_id.mapped('amount_total_signed')) * -1

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _log_step(self, result, detail):
        self.ensure_one()
        return self._log_approval_step(result, detail, condonation_id=self.id, agreement_id=self.agreement_id.id)


class CobranzaCondonationLine(models.Model):
    _name = 'cobranza.condonation.line'
    _description = 'Condonation of One Invoice'

    condonation_id = fields.Many2one('cobranza.condonation', required=True, ondelete='cascade', index=True)
    company_id = fields.Many2one(related='condonation_id.company_id', store=True)
    currency_id = fields.Many2one(related='condonation_id.currency_id')
    move_id = fields.Many2one('account.move', string="Invoice", required=True, ondelete='restrict')
    residual = fields.Monetary(string="Due at Confirmation")
    amount = fields.Monetary(string="Forgiven")
    refund_id = fields.Many2one('account.move', string="Credit Note", readonly=True)
