from odoo import api, fields, models

from ..tools.promises import OPEN

# Exclusion reasons a collector may flag; the supervisor resolves them.
REVIEW_REASONS = ('dispute', 'already_paid')


# The model is split by concept on purpose: the promises' side of an invoice.
# pylint: disable=consider-merging-classes-inherited
class AccountMove(models.Model):
    _inherit = 'account.move'

    cobranza_promise_ids = fields.Many2many(
        'cobranza.promise', 'cobranza_promise_move_rel', 'move_id', 'promise_id', string="Promises to Pay",
        readonly=True, copy=False)
    # The reminder engine pauses an invoice while this is set (its pause hook reads it).
    cobranza_promise_open = fields.Boolean(
        string="Promise to Pay Open", compute='_compute_cobranza_promise_open', store=True, copy=False,
        help="The debtor promised to pay this invoice and the promised date has not passed.")

    @api.depends('cobranza_promise_ids.state')
    def _compute_cobranza_promise_open(self):
        for move in self:
            move.cobranza_promise_open = any(p.state == OPEN for p in move.cobranza_promise_ids.sudo())

    def _cobranza_open_promise(self):
        """The open promise to pay covering this invoice, if any (the latest)."""
        self.ensure_one()
        return self.sudo().cobranza_promise_ids.filtered(lambda p: p.state == OPEN).sorted('date')[-1:]

    # ------------------------------------------------------------------
    # Disputes and "already paid", flagged by the collector
    # ------------------------------------------------------------------
    def _cobranza_collector_may_flag(self, reason):
        """A collector may flag (not clear) a dispute or an "already paid" on the invoices of their own accounts."""
        user = self.env.user
        return bool(reason in REVIEW_REASONS and user.has_group('cobranza_mx.group_cobranza_collector')
                    and self and all(move.cobranza_account_id.collector_id == user for move in self))

    def _cobranza_flag_for_review(self, reason, note=False, attachment=False, attachment_name=False):
        """Exclude these invoices for ``reason``, keep the debtor's evidence on them and give the
        supervisor an activity to resolve it (when a collector flagged it)."""
        self._cobranza_set_exclusion(reason, note)
        if attachment:
            for move in self:
                self.env['ir.attachment'].sudo().create({
                    'name': attachment_name or self.env._("Evidence"), 'datas': attachment,
                    'res_model': 'account.move', 'res_id': move.id})
        if reason not in REVIEW_REASONS or self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            return
        labels = dict(self._fields['cobranza_exclusion_reason']._description_selection(self.env))
        for move in self:
            account = move.sudo().cobranza_account_id
            supervisor = account._cobranza_policy()._cobranza_supervisor(move.company_id) if account else None
            if not supervisor:
                continue
            move.sudo().activity_schedule(
                'mail.mail_activity_data_todo', date_deadline=fields.Date.context_today(self),
                summary=self.env._("Resolve: %(reason)s", reason=labels[reason]),
                note=self.env._("Flagged by %(user)s: %(note)s", user=self.env.user.name, note=note or ''),
                user_id=supervisor.id)
