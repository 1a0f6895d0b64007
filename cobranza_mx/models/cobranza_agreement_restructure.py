"""Restructures: one journal entry closes the old invoices' receivables and opens one per installment.

Each new receivable line has the installment's date as its due date (``date_maturity``), so Odoo's
aged receivable and follow-up see the new schedule; payments are reconciled on those lines. The
entry is reversed (the invoices open again with their own due dates) when the agreement is
cancelled while nothing is paid, and unwound when it is broken: the payments made meanwhile are
moved back onto the invoices, oldest first, and the invoices go back to collection.
"""
from odoo import fields, models
from odoo.exceptions import UserError


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaAgreement(models.Model):
    _inherit = 'cobranza.agreement'

    restructure_move_id = fields.Many2one('account.move', string="Restructure Entry", readonly=True, copy=False,
                                          check_company=True, index='btree_not_null')
    restructure_reversal_id = fields.Many2one('account.move', readonly=True,
                                              copy=False, check_company=True)

    def _restructure_receivables(self):
        """The open receivable lines of the covered invoices."""
        return self.move_ids.sudo().line_ids.filtered(
            lambda line: line.account_id.account_type == 'asset_receivable' and not line.reconciled)

    def _restructure_post(self):
        """Post the restructure entry in the policy's journal and close the old invoices with it."""
        self.ensure_one()
        company = self.company_id
        journal = self.policy_id._agreement_journal(company)
        if not journal:
            raise UserError(self.env._("There is no miscellaneous journal for the restructure entry: set one on the "
                                       "policy %(policy)s.", policy=self.policy_id.name))
        old_lines = self._restructure_receivables()
        currency = self.currency_id
        if old_lines.currency_id != currency:
            raise UserError(self.env._("The invoices of a restructure must all be in one currency (%(currencies)s).",
                                       currencies=', '.join(old_lines.currency_id.mapped('name'))))
        receivable = old_lines[:1].account_id
        label = self.env._("Restructure %(name)s", name=self.name)
        vals = [{'name': self.env._("%(label)s: closes %(invoice)s", label=label, invoice=line.move_id.name),
                 'account_id': line.account_id.id, 'partner_id': self.partner_id.id, 'currency_id': currency.id,
                 'amount_currency': -line.amount_residual_currency, 'balance': -line.amount_residual}
                for line in old_lines]
        installments = self.installment_ids.sorted(lambda i: (i.date, i.sequence, i.id))
        vals += [{'name': self.env._("%(label)s: installment %(number)s", label=label, number=installment.sequence),
                  'account_id': receivable.id, 'partner_id': self.partner_id.id, 'date_maturity': installment.date,
                  'currency_id': currency.id, 'amount_currency': installment.amount, 'balance': balance}
                 for installment, balance in zip(installments, self._restructure_balances(old_lines, installments),
                                                 strict=True)]
        if self.amount_interest:
            vals.append({'name': self.env._("%(label)s: interest", label=label), 'partner_id': self.partner_id.id,
                         'account_id': self.policy_id.with_company(company).agreement_interest_account_id.id,
                         'currency_id': currency.id, 'amount_currency': -self.amount_interest,
                         'balance': -self._restructure_interest_balance()})
        entry = self.env['account.move'].sudo().with_company(company).create({
            'move_type': 'entry', 'journal_id': journal.id, 'date': fields.Date.context_today(self),
            'ref': label, 'partner_id': self.partner_id.id,
            'line_ids': [fields.Command.create(v) for v in vals],
        })
        entry.action_post()
        closing = entry._cobranza_closing_lines()
        for old, new in zip(old_lines, closing, strict=True):
            (old | new).reconcile()
        opening = entry.line_ids.filtered(lambda line: line.date_maturity and line.balance > 0
                                          and line.account_id == receivable)
        for installment, line in zip(installments, opening, strict=True):
            installment.sudo().restructure_line_id = line
        self.sudo().restructure_move_id = entry
        self._log_step('restructure_posted', self.env._(
            "%(label)s posted (%(entry)s): %(count)s invoices closed, %(installments)s installments opened",
            label=label, entry=entry.name, count=len(self.move_ids), installments=len(installments)))
        return entry

    def _restructure_interest_balance(self):
        """The interest in the company currency, at today's rate (the interest is earned now)."""
        return self.currency_id._convert(self.amount_interest, self.company_id.currency_id, self.company_id,
                                         fields.Date.context_today(self))

    def _restructure_balances(self, old_lines, installments):
        """Each installment line's balance in the company currency: its principal at the invoices' own rate (the
        receivable moves at its carrying value, no exchange difference is booked by the restructure) plus its
        interest at today's rate; the last line takes the rounding, so that the entry balances exactly."""
        company_currency = self.company_id.currency_id
        carrying = sum(old_lines.mapped('amount_residual'))
        in_currency = sum(old_lines.mapped('amount_residual_currency'))
        interest_total = self._restructure_interest_balance() if self.amount_interest else 0.0
        rate = carrying / in_currency if in_currency else 1.0
        principals = [company_currency.round(i.principal * rate) for i in installments]
        interests = [company_currency.round(self.currency_id._convert(
            i.interest, company_currency, self.company_id, fields.Date.context_today(self))) for i in installments]
        if principals:
            principals[-1] = company_currency.round(carrying - sum(principals[:-1]))
            interests[-1] = company_currency.round(interest_total - sum(interests[:-1]))
        return [principal + interest for principal, interest in zip(principals, interests, strict=True)]

    def _restructure_unwind(self):
        """Reverse the restructure entry; payments on its installments go back onto the invoices."""
        self.ensure_one()
        entry = self.restructure_move_id.sudo()
        opening = self.installment_ids.sudo().restructure_line_id
        closing = entry._cobranza_closing_lines()
        payments = opening.matched_credit_ids.credit_move_id | opening.matched_debit_ids.debit_move_id
        payments -= entry.line_ids
        opening.with_context(cobranza_agreement_unwinding=True).remove_move_reconcile()
        closing.with_context(cobranza_agreement_unwinding=True).remove_move_reconcile()
        reversal = entry.with_context(cobranza_agreement_unwinding=True)._reverse_moves(
            [{'date': fields.Date.context_today(self),
              'ref': self.env._("Reversal of restructure %(name)s", name=self.name)}], cancel=True)
        invoices = self._restructure_receivables()
        open_payments = payments.filtered(lambda line: not line.reconciled)
        if open_payments and invoices:
            (open_payments | invoices).reconcile()
        self.sudo().restructure_reversal_id = reversal
        self._log_step('restructure_reversed', self.env._(
            "Restructure %(name)s reversed (%(entry)s): the invoices are due again on their own dates%(paid)s",
            name=self.name, entry=reversal.name,
            paid=self.env._(", with the payments made meanwhile") if open_payments else ''))
        return reversal

    def action_reverse_restructure(self):
        """Undo an active restructure while nothing is paid: the entry is reversed, the agreement cancelled."""
        for agreement in self:
            if agreement.agreement_type != 'restructure' or agreement.state != 'active':
                raise UserError(self.env._("Only an active restructure can be reversed."))
            if agreement.amount_paid or agreement._paid_since_start():
                raise UserError(self.env._("%(name)s has payments: it cannot be reversed any more.",
                                           name=agreement.name))
        return self.action_cancel()


class AccountMove(models.Model):
    _inherit = 'account.move'

    def _cobranza_closing_lines(self):
        """The receivable lines of this restructure entry that close the old invoices (its credits)."""
        return self.line_ids.filtered(
            lambda line: line.balance < 0 and line.account_id.account_type == 'asset_receivable')
