"""Promises to pay, followed automatically from the payments reconciled on their invoices."""
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..tools import promises as tp
from .cobranza_contact_log_outcome import CONTACT_CHANNELS
from .cobranza_reminder_rule import CHANNELS

PROMISE_STATES = [
    (tp.OPEN, 'Open'),
    (tp.KEPT, 'Kept'),
    (tp.PARTIALLY_KEPT, 'Partially kept'),
    (tp.BROKEN, 'Broken'),
    (tp.CANCELLED, 'Cancelled'),
]
# Open promises re-evaluated between two commits of the cron.
CHECK_BATCH = 500


class CobranzaPromise(models.Model):
    """A debtor's promise to pay ``amount`` of some invoices by ``date``.

    Its state is never set by hand (but for cancelling): :meth:`_update_state` sets it from what
    was paid on the invoices since the promise was made, at each reconciliation and every day
    (:meth:`_cron_check_promises`).
    """
    _name = 'cobranza.promise'
    _description = 'Promise to Pay'
    _inherit = ['mail.thread']
    _order = 'date desc, id desc'
    _check_company_auto = True

    name = fields.Char(compute='_compute_name', store=True)
    account_id = fields.Many2one('cobranza.account', string="Collection Account", required=True, index=True,
                                 readonly=True, ondelete='restrict', check_company=True)
    partner_id = fields.Many2one(related='account_id.partner_id', store=True, string="Debtor", index=True)
    company_id = fields.Many2one(related='account_id.company_id', store=True, index=True)
    currency_id = fields.Many2one(related='company_id.currency_id')
    move_ids = fields.Many2many(
        'account.move', 'cobranza_promise_move_rel', 'promise_id', 'move_id', string="Invoices", required=True,
        readonly=True, check_company=True, domain="[('cobranza_account_id', '=', account_id)]")
    amount = fields.Monetary(required=True, readonly=True, tracking=True)
    date = fields.Date(string="Promised Date", required=True, readonly=True, tracking=True)
    channel = fields.Selection(CHANNELS + CONTACT_CHANNELS, readonly=True)
    collector_id = fields.Many2one('res.users', required=True, readonly=True, index=True,
                                   default=lambda self: self.env.user)
    # The day the debtor gave their word: the policy's limits count from it (a visit's promise typed in
    # later from the printed sheet was made on the visit day).
    made_on = fields.Date(readonly=True, default=fields.Date.context_today)
    state = fields.Selection(PROMISE_STATES, required=True, default=tp.OPEN, readonly=True, tracking=True,
                             index=True)
    # What was still due on the invoices when the promise was made: what is paid since is measured from it.
    residual_at_promise = fields.Monetary(string="Due When Promised", readonly=True)
    paid_amount = fields.Monetary(string="Paid Since", readonly=True)
    resolved_date = fields.Date(string="Resolved On", readonly=True)
    note = fields.Text(readonly=True)
    # For the pivot: the promise-kept rate of a collector or a debtor is kept_count / resolved_count.
    kept_count = fields.Integer(string="Kept", compute='_compute_counts', store=True)
    resolved_count = fields.Integer(string="Resolved", compute='_compute_counts', store=True)

    @api.depends('partner_id', 'amount', 'date')
    def _compute_name(self):
        for promise in self:
            promise.name = f"{promise.partner_id.name or ''} - {promise.date or ''}"

    @api.depends('state')
    def _compute_counts(self):
        for promise in self:
            promise.kept_count = int(promise.state == tp.KEPT)
            promise.resolved_count = int(promise.state in (tp.KEPT, tp.PARTIALLY_KEPT, tp.BROKEN))

    @api.constrains('amount', 'date', 'move_ids')
    def _check_policy_limits(self):
        today = fields.Date.context_today(self)
        for promise in self.filtered(lambda p: p.state == tp.OPEN):
            made_on = min(promise.made_on or today, today)
            if promise.move_ids.cobranza_account_id - promise.account_id:
                raise ValidationError(self.env._("A promise covers invoices of its own collection account only."))
            policy = promise.account_id._cobranza_policy()
            errors = tp.promise_limit_errors(
                promise.amount, promise.date, made_on, promise.residual_at_promise,
                policy.promise_max_days, policy.promise_min_percent)
            if errors:
                raise ValidationError(promise._limit_message(*errors[0]))

    def _limit_message(self, code, value):
        if code == 'amount_positive':
            return self.env._("The promised amount must be positive.")
        if code == 'amount_above_debt':
            return self.env._("The promised amount is more than what is due on these invoices (%(debt)s).",
                              debt=format_amount(self.env, value, self.currency_id))
        if code == 'amount_share':
            return self.env._(
                "The policy requires a promise of at least %(minimum)s (%(percent)s %% of the debt).",
                minimum=format_amount(self.env, value, self.currency_id),
                percent=self.account_id._cobranza_policy().promise_min_percent)
        if code == 'date_past':
            return self.env._("The promised date cannot be in the past.")
        return self.env._("The policy does not allow promises beyond %(date)s.",
                          date=fields.Date.to_string(value))

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if 'residual_at_promise' not in vals and vals.get('move_ids'):
                moves = self.env['account.move'].browse(self._ids_from_commands(vals['move_ids']))
                vals['residual_at_promise'] = sum(moves.mapped('amount_residual_signed'))
        promises = super().create(vals_list)
        promises.move_ids.invalidate_recordset(['cobranza_promise_ids', 'cobranza_promise_open'])
        # While the debtor keeps their word, the reminders of those invoices wait (same transaction).
        self.env['cobranza.reminder']._stop_for_moves(promises.filtered(lambda p: p.state == tp.OPEN).move_ids,
                                                      'promise')
        return promises

    def write(self, vals):
        leaving_open = vals.get('state', tp.OPEN) != tp.OPEN
        settled = self.filtered(lambda p: p.state == tp.OPEN) if leaving_open else self.browse()
        result = super().write(vals)
        if settled:
            # Kept, broken or cancelled: the reminders of invoices no other promise covers go on.
            moves = settled.move_ids
            moves.invalidate_recordset(['cobranza_promise_open'])
            self.env['cobranza.reminder']._resume_for_moves(
                moves.filtered(lambda m: not m.cobranza_promise_open and not m.cobranza_excluded))
        return result

    @api.model
    def _ids_from_commands(self, commands):
        ids = []
        for command in commands:
            if isinstance(command, int):
                ids.append(command)
            elif command[0] == fields.Command.SET:
                ids = list(command[2])
            elif command[0] == fields.Command.LINK:
                ids.append(command[1])
        return ids

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("A promise to pay cannot be deleted: cancel it instead."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_cancel(self):
        if not self.env.user.has_group('cobranza_mx.group_cobranza_supervisor'):
            raise UserError(self.env._("Only collection supervisors can cancel a promise to pay."))
        self.filtered(lambda p: p.state == tp.OPEN).write({
            'state': tp.CANCELLED, 'resolved_date': fields.Date.context_today(self)})
        return True

    # ------------------------------------------------------------------
    # Follow-up
    # ------------------------------------------------------------------
    @api.model
    def _cron_check_promises(self):
        """Cron entry: settle the open promises of every company, in batches."""
        today = fields.Date.context_today(self)
        done = []
        while True:
            batch = self.search([('state', '=', tp.OPEN), ('id', 'not in', done)], limit=CHECK_BATCH)
            if not batch:
                break
            done += batch.ids
            batch._update_state(today)
            self.env['ir.cron']._commit_progress(len(batch))

    @api.model
    def _check_moves(self, moves):
        """Re-evaluate the open promises on ``moves`` (called when their payments change)."""
        promises = self.sudo().search([('state', '=', tp.OPEN), ('move_ids', 'in', moves.ids)])
        promises._update_state(fields.Date.context_today(self))

    def _update_state(self, today):
        """Set the state of these promises from what was paid on their invoices since they were made."""
        for promise in self:
            paid = promise.residual_at_promise - sum(promise.move_ids.mapped('amount_residual_signed'))
            paid = max(promise.currency_id.round(paid), 0.0)
            tolerance = promise.account_id._cobranza_policy().promise_tolerance_percent
            state = tp.promise_state(promise.amount, paid, promise.date, today, tolerance)
            vals = {'paid_amount': paid} if paid != promise.paid_amount else {}
            if state != promise.state:
                vals.update(state=state, resolved_date=today)
            if vals:
                # The state follows the payments, whoever registered them: not a write of the user's.
                promise.sudo().write(vals)
            if vals.get('state') in (tp.BROKEN, tp.PARTIALLY_KEPT):
                promise._notify_broken()

    def _notify_broken(self):
        """An activity for the collector, and for the policy's supervisor when it escalates."""
        self.ensure_one()
        policy = self.account_id._cobranza_policy()
        labels = dict(self._fields['state']._description_selection(self.env))
        summary = self.env._("Promise to pay %(state)s", state=labels[self.state].lower())
        note = self.env._("Promised %(amount)s by %(date)s; paid %(paid)s since.",
                          amount=self._format_amount(self.amount), date=self.date,
                          paid=self._format_amount(self.paid_amount))
        users = self.collector_id | self.account_id.collector_id
        if policy.promise_escalate:
            users |= policy._cobranza_supervisor(self.company_id)
        for user in users:
            self.account_id.sudo().activity_schedule(
                'mail.mail_activity_data_todo', date_deadline=fields.Date.context_today(self),
                summary=summary, note=note, user_id=user.id)

    def _format_amount(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    @api.model
    def _kept_rate_by(self, field_name, domain=()):
        """``{record id: kept rate}`` of the promises matching ``domain`` grouped by ``field_name``."""
        counts = {}
        for group, state, count in self.sudo()._read_group(list(domain), [field_name, 'state'], ['__count']):
            counts.setdefault(group.id, {})[state] = count
        return {key: tp.kept_rate(by_state) for key, by_state in counts.items()}

    def _recent_broken_domain(self, today):
        return [('state', '=', tp.BROKEN), ('resolved_date', '>=', today - timedelta(days=1))]
