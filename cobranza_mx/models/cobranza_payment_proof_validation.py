"""Validation, rejection and expiry of payment proofs."""
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

from ..tools import payment_proof as pp
from .cobranza_payment_proof import PENDING_STATES

# Proofs expired between two commits of the cron.
EXPIRY_BATCH = 500


# The model is split by concept on purpose, like the reminders.
# pylint: disable=consider-merging-classes-inherited
class CobranzaPaymentProof(models.Model):
    _inherit = 'cobranza.payment.proof'

    proposed_payment_id = fields.Many2one('account.payment', readonly=True, copy=False)
    proposed_statement_line_id = fields.Many2one('account.bank.statement.line', string="Proposed Bank Line",
                                                 readonly=True, copy=False)
    proposal_score = fields.Integer(string="Proposal Confidence", readonly=True, copy=False)
    proposal_reasons = fields.Char(string="Proposal Codes", readonly=True, copy=False)
    proposal_label = fields.Char(string="Proposed Because", compute='_compute_proposal_label')

    def _compute_proposal_label(self):
        labels = {
            'amount': self.env._("same amount"),
            'date': self.env._("same date"),
            'near_date': self.env._("close date"),
            'reference': self.env._("reference"),
            'partner': self.env._("same debtor"),
        }
        for proof in self:
            codes = (proof.proposal_reasons or '').split()
            proof.proposal_label = ', '.join(labels[code] for code in codes if code in labels) or False

    # ------------------------------------------------------------------
    # Proposal
    # ------------------------------------------------------------------
    def _tolerance_days(self):
        return self._policy().proof_date_tolerance_days

    def _candidates(self):
        """Payments and bank statement lines that this proof may prove, as :class:`pp.Candidate`."""
        self.ensure_one()
        tolerance = self._tolerance_days()
        date_from = self.payment_date - timedelta(days=tolerance)
        date_to = self.payment_date + timedelta(days=tolerance)
        taken = self.sudo().search([('state', '=', 'validated'), ('id', '!=', self.id)])
        partner = self.partner_id.commercial_partner_id
        candidates = []
        payments = self.env['account.payment'].sudo().search([
            ('company_id', '=', self.company_id.id), ('payment_type', '=', 'inbound'), ('state', '!=', 'draft'),
            ('state', '!=', 'canceled'), ('amount', '=', self.amount), ('date', '>=', date_from),
            ('date', '<=', date_to), ('id', 'not in', taken.payment_id.ids)], order='date, id')
        for payment in payments:
            candidates.append(pp.Candidate(
                ('account.payment', payment.id), Decimal(str(payment.amount)), payment.date,
                ' '.join(filter(None, (payment.memo, payment.name))),
                payment.partner_id.commercial_partner_id == partner))
        lines = self.env['account.bank.statement.line'].sudo().search([
            ('company_id', '=', self.company_id.id), ('amount', '=', self.amount), ('date', '>=', date_from),
            ('date', '<=', date_to), ('id', 'not in', taken.statement_line_id.ids)], order='date, id')
        for line in lines:
            candidates.append(pp.Candidate(
                ('account.bank.statement.line', line.id), Decimal(str(line.amount)), line.date,
                ' '.join(filter(None, (line.payment_ref, line.ref))),
                line.partner_id.commercial_partner_id == partner))
        return candidates

    def _propose(self):
        """Store the best payment or bank line for each pending proof (or none); returns those proposed."""
        proposed = self.browse()
        for proof in self.filtered(lambda p: p.state in PENDING_STATES):
            proposals = pp.propose(Decimal(str(proof.amount)), proof.payment_date, proof.reference,
                                   proof._candidates(), proof._tolerance_days())
            vals = {'proposed_payment_id': False, 'proposed_statement_line_id': False, 'proposal_score': 0,
                    'proposal_reasons': False}
            if proposals:
                best = proposals[0]
                model, record_id = best.key
                field = 'proposed_payment_id' if model == 'account.payment' else 'proposed_statement_line_id'
                vals.update({field: record_id, 'proposal_score': best.score,
                             'proposal_reasons': ' '.join(best.reasons)})
                proposed |= proof
            proof.sudo().write(vals)
        return proposed

    def action_propose_match(self):
        """Look for the payment or bank statement line of each proof (same amount, date within the tolerance)."""
        self._check_validator()
        proposed = self._propose()
        return {'type': 'ir.actions.client', 'tag': 'display_notification', 'params': {
            'type': 'success' if proposed else 'warning',
            'message': self.env._("%(found)s of %(count)s payment proofs have a proposed payment.",
                                  found=len(proposed), count=len(self)),
            'next': {'type': 'ir.actions.act_window_close'},
        }}

    # ------------------------------------------------------------------
    # Validation and rejection
    # ------------------------------------------------------------------
    def _check_validator(self):
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can validate or reject payment proofs."))

    def action_validate(self, payment=None, statement_line=None):
        """Validate these proofs against ``payment`` or ``statement_line``, or against their proposal.

        The payment (or bank line) must have the proof's amount and a date within the policy's tolerance,
        and prove no other validated proof. The invoices get a message in their chatter.
        """
        self._check_validator()
        for proof in self:
            if proof.state not in PENDING_STATES:
                raise UserError(self.env._("Payment proof %(proof)s is not waiting for validation.", proof=proof.name))
            if payment or statement_line:
                target_payment = payment or self.env['account.payment']
                target_line = statement_line or self.env['account.bank.statement.line']
            else:
                target_payment, target_line = proof.proposed_payment_id, proof.proposed_statement_line_id
            target = target_payment or target_line
            if not target:
                raise UserError(self.env._(
                    "Payment proof %(proof)s has no payment or bank statement line to be validated against: "
                    "look for one first (Propose Match).", proof=proof.name))
            proof._check_target(target)
            proof.sudo().write({
                'state': 'validated', 'payment_id': target_payment.id, 'statement_line_id': target_line.id,
                'validated_by_id': self.env.user.id, 'validated_date': fields.Datetime.now(),
                'rejection_reason': False,
            })
            proof._post_on_invoices(self.env._(
                "Payment proof %(proof)s of %(amount)s (%(date)s) validated against %(target)s.",
                proof=proof.name, amount=format_amount(self.env, proof.amount, proof.currency_id),
                date=proof.payment_date, target=target.sudo().display_name))
            proof.activity_feedback(['mail.mail_activity_data_todo'])
        return True

    def _check_target(self, target):
        self.ensure_one()
        target = target.sudo()
        if target.company_id != self.company_id:
            raise UserError(self.env._("The payment belongs to another company."))
        candidate = pp.Candidate(target.id, Decimal(str(target.amount)), target.date)
        if not pp.is_acceptable(Decimal(str(self.amount)), self.payment_date, candidate, self._tolerance_days()):
            raise UserError(self.env._(
                "%(target)s (%(amount)s, %(date)s) does not prove %(proof)s: the amount must be %(proof_amount)s "
                "and the date at most %(days)s days from %(proof_date)s.",
                target=target.display_name, amount=format_amount(self.env, target.amount, self.currency_id),
                date=target.date, proof=self.name, days=self._tolerance_days(), proof_date=self.payment_date,
                proof_amount=format_amount(self.env, self.amount, self.currency_id)))
        field = 'payment_id' if target._name == 'account.payment' else 'statement_line_id'
        other = self.sudo().search([(field, '=', target.id), ('state', '=', 'validated'), ('id', '!=', self.id)],
                                   limit=1)
        if other:
            raise UserError(self.env._("%(target)s already proves payment proof %(proof)s.",
                                       target=target.display_name, proof=other.name))

    def action_reject(self, reason, note=False):
        """Reject these proofs for ``reason`` (a code of REJECTION_REASONS); the invoices are told."""
        self._check_validator()
        if reason not in dict(self._fields['rejection_reason'].selection):
            raise UserError(self.env._("Unknown rejection reason: %(reason)s", reason=reason))
        labels = dict(self._fields['rejection_reason']._description_selection(self.env))
        for proof in self:
            if proof.state not in PENDING_STATES:
                raise UserError(self.env._("Payment proof %(proof)s is not waiting for validation.", proof=proof.name))
            proof.sudo().write({'state': 'rejected', 'rejection_reason': reason, 'rejection_note': note or False})
            proof._post_on_invoices(self.env._(
                "Payment proof %(proof)s of %(amount)s rejected: %(reason)s", proof=proof.name,
                amount=format_amount(self.env, proof.amount, proof.currency_id), reason=labels[reason])
                + (f" — {note}" if note else ""))
            proof.activity_feedback(['mail.mail_activity_data_todo'])
        return True

    def action_open_reject_wizard(self):
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Reject Payment Proof"),
            'res_model': 'cobranza.payment.proof.reject.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_proof_ids': self.ids},
        }

    def _post_on_invoices(self, body):
        self.ensure_one()
        self.message_post(body=body)
        for move in self.move_ids.sudo():
            # As the superuser, in the name of the validator: a supervisor may not write on invoices.
            move.message_post(body=body, author_id=self.env.user.partner_id.id)

    # ------------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------------
    @api.model
    def _cron_expire_proofs(self):
        """Cron entry: expire the pending proofs whose validity (the policy's days) has passed."""
        today = fields.Date.context_today(self)
        while True:
            batch = self.sudo().search([('state', 'in', PENDING_STATES), ('expiry_date', '<', today)],
                                       limit=EXPIRY_BATCH)
            if not batch:
                break
            batch.write({'state': 'expired'})
            for proof in batch:
                proof.message_post(body=self.env._("Not validated by %(date)s: the payment proof expired.",
                                                   date=proof.expiry_date))
            self.env['ir.cron']._commit_progress(len(batch))
