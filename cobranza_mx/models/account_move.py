from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.stages import STAGE_RANK, invoice_priority

EXCLUSION_REASONS = [
    ('dispute', 'Dispute'),
    ('agreement', 'Payment agreement'),
    ('legal_hold', 'Legal hold'),
    ('manual', 'Manual'),
    ('already_paid', 'Debtor says it is already paid'),
]
# An invoice in collection: a posted customer invoice with something left to pay. Exclusion is not
# part of it: an excluded invoice stays in collection, paused. AccountMove._cobranza_open_sql is the
# same condition in SQL, for the daily run and the reminders' scheduling.
IN_COLLECTION_DOMAIN = [('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), ('amount_residual', '>', 0)]
# What the daily run writes on invoices (with SQL): nobody else writes them, not even by RPC.
RUN_MOVE_FIELDS = ('cobranza_account_id', 'cobranza_policy_id', 'cobranza_stage_id', 'cobranza_stage_date',
                   'cobranza_next_action_date')


class AccountMove(models.Model):
    _inherit = 'account.move'

    # Written by the daily collection run (cobranza.run) in sets, not by onchanges.
    cobranza_account_id = fields.Many2one(
        'cobranza.account', string="Collection Account", readonly=True, copy=False, index='btree_not_null')
    cobranza_collector_id = fields.Many2one(related='cobranza_account_id.collector_id', string="Collector")
    cobranza_policy_id = fields.Many2one('cobranza.policy', string="Collection Policy", readonly=True, copy=False)
    # No index: the daily run rewrites it on thousands of invoices, and account_move has many already.
    cobranza_stage_id = fields.Many2one('cobranza.stage', string="Collection Stage", readonly=True, copy=False)
    cobranza_stage_date = fields.Date(string="In Collection Stage Since", readonly=True, copy=False)
    # Not stored: they change every day for every open invoice, and the run must not rewrite them all.
    cobranza_days_overdue = fields.Integer(
        string="Days Overdue", compute='_compute_cobranza_days_overdue', search='_search_cobranza_days_overdue',
        help="Days since the due date (negative: before it), as of today.")
    cobranza_priority = fields.Float(
        string="Collection Priority", compute='_compute_cobranza_priority', digits=(16, 2),
        help="The stage weighs most, then the days overdue, then the open amount.")
    cobranza_next_action_date = fields.Date(string="Next Collection Action", readonly=True, copy=False)
    cobranza_excluded = fields.Boolean(string="Excluded from Collection", readonly=True, copy=False)
    cobranza_exclusion_reason = fields.Selection(
        EXCLUSION_REASONS, string="Exclusion Reason", readonly=True, copy=False)
    cobranza_exclusion_note = fields.Char(string="Exclusion Note", readonly=True, copy=False)
    cobranza_history_ids = fields.One2many('cobranza.stage.history', 'move_id', string="Collection History")

    @api.model
    def _cobranza_today(self):
        """The day collection figures are computed for: the context's ``cobranza_date`` or today."""
        return fields.Date.to_date(self.env.context.get('cobranza_date')) or fields.Date.context_today(self)

    @api.depends('invoice_date_due')
    @api.depends_context('cobranza_date', 'tz')
    def _compute_cobranza_days_overdue(self):
        today = self._cobranza_today()
        for move in self:
            move.cobranza_days_overdue = (today - move.invoice_date_due).days if move.invoice_date_due else 0

    def _search_cobranza_days_overdue(self, operator, value):
        """Days overdue compare with the due date: ``days >= n`` is ``due <= today - n``."""
        flipped = {'>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=', '!=': '!='}
        if operator in ('in', 'not in'):
            dates = [self._cobranza_today() - timedelta(days=int(days)) for days in value]
            return Domain('invoice_date_due', operator, dates)
        if operator not in flipped or not isinstance(value, (int, float)) or isinstance(value, bool):
            return NotImplemented
        return Domain('invoice_date_due', flipped[operator], self._cobranza_today() - timedelta(days=int(value)))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_cobranza_contacted(self):
        # Its reminders go with it (cascade) and the contact log would lose the invoices it was about.
        self.env['cobranza.contact.log']._check_no_evidence('move_ids', self)

    @api.depends('invoice_date_due', 'amount_residual_signed', 'cobranza_stage_id.code')
    @api.depends_context('cobranza_date', 'tz')
    def _compute_cobranza_priority(self):
        for move in self:
            days = move.cobranza_days_overdue
            rank = STAGE_RANK[move.cobranza_stage_id.code] if move.cobranza_stage_id else -1
            move.cobranza_priority = invoice_priority(move.amount_residual_signed, days, rank) \
                if move.cobranza_account_id else 0.0

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._cobranza_check_run_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._cobranza_check_run_fields(vals)
        res = super().write(vals)
        # Cheap tests first: the daily run writes on thousands of invoices.
        if 'state' in vals and vals['state'] != 'posted':
            self._cobranza_reminders_stop('cancelled')
        if 'cobranza_excluded' in vals:
            if vals['cobranza_excluded']:
                self._cobranza_reminders_stop('excluded')
            else:
                self.env['cobranza.reminder']._resume_for_moves(
                    self.filtered(lambda m: m.move_type == 'out_invoice' and not m.cobranza_promise_open))
        return res

    def _cobranza_check_run_fields(self, vals):
        if self.env.su:
            return
        refused = set(RUN_MOVE_FIELDS).intersection(vals)
        if refused:
            raise UserError(self.env._(
                "The collection stage of an invoice is set by the daily collection run and cannot be changed: "
                "%(fields)s.",
                fields=', '.join(sorted(self._fields[name]._description_string(self.env) for name in refused))))

    # ------------------------------------------------------------------
    # In collection: the one definition the run and the reminders share
    # ------------------------------------------------------------------
    @api.model
    def _cobranza_open_sql(self, alias, company):
        """SQL condition of an invoice of ``company`` (table alias ``alias``) in collection:
        :data:`IN_COLLECTION_DOMAIN` for the run's and the reminders' statements."""
        return SQL(
            "%(a)s.company_id = %(company)s AND %(a)s.move_type = 'out_invoice' AND %(a)s.state = 'posted' "
            "AND %(a)s.amount_residual > 0",
            a=SQL.identifier(alias), company=company.id)

    def _cobranza_is_open(self):
        """Whether this invoice is in collection (:data:`IN_COLLECTION_DOMAIN`)."""
        self.ensure_one()
        return bool(self.filtered_domain(IN_COLLECTION_DOMAIN))

    def _cobranza_reminders_stop(self, reason_code):
        """Cancel or pause the pending reminders of these invoices, in the current transaction.

        The one hook for what ends or suspends collection: ``paid`` (payment, credit note: only the
        invoices no longer in collection, a partial payment stops nothing), ``cancelled`` (back to
        draft or cancelled), ``excluded`` (exclusion, dispute, agreement: paused until included again).
        """
        invoices = self.filtered(lambda m: m.move_type == 'out_invoice')
        if reason_code == 'paid':
            invoices = invoices.filtered(lambda m: not m._cobranza_is_open())
        if not invoices:
            return self.env['cobranza.reminder']
        return self.env['cobranza.reminder']._stop_for_moves(invoices, reason_code)

    def _cobranza_set_exclusion(self, reason, note=False):
        """Exclude these invoices from the collection run (``reason`` False: include them again)."""
        supervisor = self.env.user.has_group('cobranza_mx.group_cobranza_supervisor')
        if not supervisor and not self._cobranza_collector_may_flag(reason):
            raise UserError(self.env._("Only collection supervisors can exclude invoices from collection."))
        if reason and reason not in dict(EXCLUSION_REASONS):
            raise UserError(self.env._("Unknown exclusion reason: %(reason)s", reason=reason))
        invoices = self.filtered(lambda m: m.move_type == 'out_invoice')
        invoices.sudo().write({
            'cobranza_excluded': bool(reason),
            'cobranza_exclusion_reason': reason or False,
            'cobranza_exclusion_note': note or False,
        })
        labels = dict(self._fields['cobranza_exclusion_reason']._description_selection(self.env))
        for invoice in invoices:
            body = (self.env._("Excluded from collection: %(reason)s", reason=labels[reason])
                    if reason else self.env._("Included again in collection."))
            # As the superuser, still in the name of who excluded it: a collector may not write on invoices.
            invoice.sudo().message_post(body=body + (f" — {note}" if note else ""))
        return True

    def action_cobranza_exclude(self):
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cobranza.exclusion.wizard',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_move_ids': self.ids},
        }

    def action_cobranza_include(self):
        return self._cobranza_set_exclusion(False)
