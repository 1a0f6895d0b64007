"""The write-off of an approved dictamen: a bad-debt entry reconciled with the invoices, reversible."""
from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError

from ..tools.stages import STAGE_RANK, WRITTEN_OFF, next_stage_date, select_stage, sort_rules
from .account_move import IN_COLLECTION_DOMAIN
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
        residuals = {move: sum(lines.mapped('amount_residual')) for move, lines in open_lines.items()}
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
        self._enter_written_off_stage(moves, residuals)
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
        self._leave_written_off_stage(self.line_ids.move_id)
        # A collection administrator need not read journal entries: the dictamen keeps them as superuser.
        self.sudo()._transition({'state': 'approved', 'write_off_move_id': False, 'write_off_date': False,
                    'write_off_year': False, 'reversal_move_ids': [Command.link(reversal.id)]})
        self.message_post(body=self.env._("Write-off %(entry)s reversed by %(reversal)s: the invoices are open again.",
                                          entry=entry.name, reversal=reversal.name))

    # ------------------------------------------------------------------
    # The written-off stage
    # ------------------------------------------------------------------
    def _enter_written_off_stage(self, moves, residuals):
        """The written-off invoices and their account move to the policy's written-off stage ("Incobrable"),
        which the daily run leaves as it is while they are written off."""
        self.ensure_one()
        company = self.company_id
        today = self.env['cobranza.run']._company_today(company)
        account_id = self.env['cobranza.account']._ensure_accounts(
            company, [self.partner_id.commercial_partner_id.id])[self.partner_id.commercial_partner_id.id]
        account = self.env['cobranza.account'].sudo().browse(account_id)
        stage = self.env['cobranza.stage']
        history = []
        for move in moves.sudo():
            policy = move.cobranza_policy_id or account._cobranza_policy()
            stage = policy._written_off_stage()
            if move.cobranza_stage_id != stage:
                history.append((move, move.cobranza_stage_id, stage, residuals.get(move, 0.0)))
            move.write({'cobranza_account_id': account.id, 'cobranza_policy_id': policy.id,
                        'cobranza_stage_id': stage.id, 'cobranza_stage_date': today,
                        'cobranza_next_action_date': False})
        self._record_stage_changes(account, history, 'write_off', today)
        if account.stage_id != stage:
            account.write({'stage_id': stage.id, 'stage_date': today, 'next_action_date': False})

    def _leave_written_off_stage(self, moves):
        """Reversed: the invoices open again in the stage the daily run computes for them today, and their
        account in the most advanced of them."""
        self.ensure_one()
        today = self.env['cobranza.run']._company_today(self.company_id)
        history = []
        accounts = self.env['cobranza.account'].sudo()
        for move in moves.sudo().filtered(lambda m: m.cobranza_stage_id.code == WRITTEN_OFF):
            rules = sort_rules(move.cobranza_policy_id.stage_ids._as_rules())
            amount = move.amount_residual_signed
            rule = select_stage(rules, (today - move.invoice_date_due).days, amount)
            stage = self.env['cobranza.stage'].browse(rule.id if rule else [])
            history.append((move, move.cobranza_stage_id, stage, amount))
            move.write({'cobranza_stage_id': stage.id, 'cobranza_stage_date': today if stage else False,
                        'cobranza_next_action_date': next_stage_date(rules, rule, move.invoice_date_due, amount)})
            accounts |= move.cobranza_account_id
        for account in accounts:
            self._record_stage_changes(account, [row for row in history if row[0].cobranza_account_id == account],
                                       'write_off_reversed', today)
            open_moves = self.env['account.move'].sudo().search(
                [*IN_COLLECTION_DOMAIN, ('cobranza_account_id', '=', account.id), ('cobranza_stage_id', '!=', False)])
            # As the run orders them: the most advanced family, then the stage entered latest.
            stage = max(open_moves.cobranza_stage_id, default=self.env['cobranza.stage'],
                        key=lambda s: (STAGE_RANK[s.code], s.days_from, s.id))
            if account.stage_id != stage:
                account.write({'stage_id': stage.id, 'stage_date': today if stage else False})

    def _record_stage_changes(self, account, changes, reason, today):
        """Stage history rows ``(move, from stage, to stage, open amount)`` for ``account``."""
        self.env['cobranza.stage.history'].sudo().create([{
            'move_id': move.id, 'account_id': account.id, 'from_stage_id': old.id, 'to_stage_id': new.id,
            'days_overdue': (today - move.invoice_date_due).days if move.invoice_date_due else 0,
            'amount_residual': amount, 'date': today, 'user_id': self.env.uid, 'reason': reason,
        } for move, old, new, amount in changes])
        for move, old, new, _amount in changes:
            move.message_post(body=self.env._(
                "Collection stage: %(from)s → %(to)s (dictamen %(dictamen)s)",
                **{'from': old.name or '-', 'to': new.name or self.env._("out of collection"),
                   'dictamen': self.name}))


class CobranzaPolicy(models.Model):
    _inherit = 'cobranza.policy'

    def _written_off_stage(self):
        """The policy's written-off stage; a policy made without one gets it, named as the default one."""
        self.ensure_one()
        stage = self.sudo().stage_ids.filtered(lambda s: s.code == WRITTEN_OFF)[:1]
        if stage:
            return stage
        default = self.env.ref('cobranza_mx.stage_written_off', raise_if_not_found=False)
        if default:
            # A copy keeps the name in every language ("Incobrable").
            return default.sudo().copy({'policy_id': self.id, 'code': WRITTEN_OFF})
        return self.env['cobranza.stage'].sudo().create({
            'name': self.env._("Uncollectable (written off)"), 'policy_id': self.id, 'code': WRITTEN_OFF,
            'days_from': 9999, 'sequence': 60, 'fold': True,
        })
