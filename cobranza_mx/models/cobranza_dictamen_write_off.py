"""The write-off of an approved dictamen: a bad-debt entry reconciled with the invoices, reversible."""
from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError

from .cobranza_dictamen import MANAGER_GROUP


# The dictamen is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaDictamen(models.Model):
    _inherit = 'cobranza.dictamen'

    def action_write_off(self):
        """Approved → written off: debit the bad-debt account, credit each invoice's receivable and reconcile
        them, so the invoices close."""
        self._check_write_off_rights()
        for dictamen in self:
            if dictamen.state != 'approved':
                raise UserError(self.env._("Only an approved dictamen is written off."))
            dictamen._write_off()

    def action_reverse_write_off(self):
        """Written off → approved: the entry is reversed and the invoices open again."""
        self._check_write_off_rights()
        for dictamen in self:
            if dictamen.state != 'written_off':
                raise UserError(self.env._("Only a written-off dictamen is reversed."))
            dictamen._reverse_write_off()

    def _check_write_off_rights(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only a collection administrator writes off a dictamen."))

    def _write_off_label(self, move):
        return self.env._("Uncollectable %(invoice)s (dictamen %(dictamen)s)", invoice=move.name, dictamen=self.name)

    def _write_off(self):
        self.ensure_one()
        company = self.company_id
        account, journal = company.cobranza_bad_debt_account_id, company.cobranza_bad_debt_journal_id
        if not account or not journal:
            raise UserError(self.env._(
                "Set the bad debt expense account and journal of %(company)s in the Collections settings.",
                company=company.name))
        moves = self.line_ids.move_id.sudo()
        open_lines = {move: move.line_ids.filtered(
            lambda line: line.account_id.account_type == 'asset_receivable' and not line.reconciled)
            for move in moves}
        if not all(open_lines.values()):
            closed = [move.name for move, lines in open_lines.items() if not lines]
            raise UserError(self.env._("These invoices have nothing left to write off: %(invoices)s.",
                                       invoices=', '.join(closed)))
        line_vals, total = [], 0.0
        for move, lines in open_lines.items():
            for line in lines:
                line_vals.append(Command.create({
                    'name': self._write_off_label(move), 'account_id': line.account_id.id,
                    'partner_id': line.partner_id.id, 'currency_id': line.currency_id.id,
                    'amount_currency': -line.amount_residual_currency, 'balance': -line.amount_residual,
                }))
                total += line.amount_residual
        line_vals.append(Command.create({
            'name': self.env._("Uncollectable credits of %(debtor)s (dictamen %(dictamen)s)",
                               debtor=self.partner_id.name, dictamen=self.name),
            'account_id': account.id, 'partner_id': self.partner_id.commercial_partner_id.id,
            'currency_id': company.currency_id.id, 'amount_currency': total, 'balance': total,
        }))
        entry = self.env['account.move'].sudo().create({
            'move_type': 'entry', 'journal_id': journal.id, 'company_id': company.id,
            'date': fields.Date.context_today(self), 'ref': self.env._("Dictamen %(name)s", name=self.name),
            'line_ids': line_vals,
        })
        entry.action_post()
        for move, lines in open_lines.items():
            counterpart = entry.line_ids.filtered(
                lambda line, move=move, lines=lines: line.name == self._write_off_label(move)
                and line.account_id in lines.account_id)
            (lines | counterpart).reconcile()
        not_closed = moves.filtered(lambda move: move.payment_state not in ('paid', 'in_payment', 'reversed'))
        if not_closed:
            raise UserError(self.env._("The write-off did not close %(invoices)s.",
                                       invoices=', '.join(not_closed.mapped('name'))))
        moves.sudo().write({'cobranza_dictamen_id': self.id})
        today = fields.Date.context_today(self)
        self.sudo()._transition({'state': 'written_off', 'write_off_move_id': entry.id, 'write_off_date': today,
                    'write_off_year': today.year})
        self.message_post(body=self.env._("Written off by %(entry)s: %(invoices)s closed.",
                                          entry=entry.name, invoices=', '.join(moves.mapped('name'))))

    def _reverse_write_off(self):
        self.ensure_one()
        entry = self.write_off_move_id.sudo()
        entry.line_ids.remove_move_reconcile()
        reversal = entry._reverse_moves(
            [{'date': fields.Date.context_today(self),
              'ref': self.env._("Reversal of the write-off of dictamen %(name)s", name=self.name)}], cancel=True)
        self.line_ids.move_id.sudo().write({'cobranza_dictamen_id': False})
        # A collection administrator need not read journal entries: the dictamen keeps them as superuser.
        self.sudo()._transition({'state': 'approved', 'write_off_move_id': False, 'write_off_date': False,
                    'write_off_year': False, 'reversal_move_ids': [Command.link(reversal.id)]})
        self.message_post(body=self.env._("Write-off %(entry)s reversed by %(reversal)s: the invoices are open again.",
                                          entry=entry.name, reversal=reversal.name))
