import logging
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import closing
from datetime import datetime
from decimal import Decimal

import pytz
from markupsafe import Markup
from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.stages import STAGE_CODES, priority_score, sort_rules
from .cobranza_account import aging_bucket

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10000
# Database connections placing batches at the same time in a scheduled run.
DEFAULT_WORKERS = 2
MAX_WORKERS = 8
ACTION_BATCH_SIZE = 1000

# Fields the run writes on account.move.
MOVE_FIELDS = ['cobranza_account_id', 'cobranza_policy_id', 'cobranza_stage_id', 'cobranza_stage_date',
               'cobranza_next_action_date']
ACCOUNT_COLUMNS = (
    ('stage_id', 'int4'),
    ('stage_code', 'varchar'),
    ('stage_date', 'date'),
    ('total_due', 'numeric'),
    ('total_overdue', 'numeric'),
    ('oldest_overdue_days', 'int4'),
    ('open_invoice_count', 'int4'),
    ('overdue_bucket', 'varchar'),
    ('priority', 'numeric'),
    ('next_action_date', 'date'),
    ('last_run_date', 'date'),
)


# The columns of a stage change, in the order both of the run's inserts give them.
HISTORY_INSERT = SQL(
    "INSERT INTO cobranza_stage_history (move_id, account_id, from_stage_id, to_stage_id, days_overdue, "
    "amount_residual, date, run_id, reason)")


def _open_invoice_condition(alias, company_id):
    """SQL condition of an invoice still in collection: posted, customer invoice, something left to pay."""
    return SQL(
        "%(a)s.company_id = %(company)s AND %(a)s.move_type = 'out_invoice' AND %(a)s.state = 'posted' "
        "AND %(a)s.amount_residual > 0",
        a=SQL.identifier(alias), company=company_id)


class CobranzaRun(models.Model):
    """One daily evaluation of a company's receivables.

    The run places open invoices in id order and in batches, one SQL statement per
    batch with the semantics of :mod:`..tools.stages`, writing only what changed and
    recording each stage change; then it aggregates the collection accounts, assigns
    the new ones and queues the actions of the stages that accounts enter, which the
    stage actions cron executes. It is idempotent for a given date;
    an interrupted run (cron time limit, killed worker) is resumed from the last
    recorded batch by the next run of the same company and date.
    """
    _name = 'cobranza.run'
    _description = 'Collection Run'
    _order = 'id desc'

    name = fields.Char(compute='_compute_name')
    company_id = fields.Many2one('res.company', required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True, index=True)
    state = fields.Selection(
        [('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')],
        default='running', required=True, readonly=True)
    trigger = fields.Selection([('cron', 'Scheduled'), ('manual', 'Manual')], default='manual', readonly=True)
    user_id = fields.Many2one('res.users', default=lambda self: self.env.user, readonly=True)
    started_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    ended_at = fields.Datetime(readonly=True)
    last_move_id = fields.Integer(readonly=True, help="Last invoice id evaluated; a resumed run starts after it.")
    evaluated_count = fields.Integer(string="Invoices Evaluated", readonly=True)
    changed_count = fields.Integer(string="Stage Changes", readonly=True)
    closed_count = fields.Integer(string="Invoices Left Collection", readonly=True)
    excluded_count = fields.Integer(string="Excluded Invoices", readonly=True)
    no_policy_count = fields.Integer(string="Invoices Without Policy", readonly=True)
    account_count = fields.Integer(string="Accounts Updated", readonly=True)
    assigned_count = fields.Integer(string="Accounts Assigned", readonly=True)
    queued_action_count = fields.Integer(string="Stage Actions Queued", readonly=True)
    action_count = fields.Integer(string="Stage Actions Executed", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    log = fields.Text(readonly=True)

    @api.depends('company_id', 'date')
    def _compute_name(self):
        for run in self:
            run.name = f"{run.company_id.name or ''} {run.date or ''}".strip()

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_daily_run(self):
        """Cron entry: run every company that has a collection policy, resuming interrupted runs."""
        companies = self._companies_to_run()
        self.env['ir.cron']._commit_progress(remaining=len(companies))
        for company in companies:
            run = self._run_for_company(company, trigger='cron', commit=True)
            if run.state == 'running':
                # Out of time: the cron is rescheduled at once and resumes this run.
                return
            self.env['ir.cron']._commit_progress(1)

    @api.model
    def action_run_now(self):
        """Button of administrators: run the current company now and show the summary."""
        if not self.env.user.has_group('cobranza_mx.group_cobranza_manager'):
            raise UserError(self.env._("Only collection administrators can start a collection run."))
        run = self._run_for_company(self.env.company, trigger='manual')
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cobranza.run',
            'res_id': run.id,
            'view_mode': 'form',
            'target': 'new',
        }

    @api.model
    def _companies_to_run(self):
        policies = self.env['cobranza.policy'].sudo().search([('active', '=', True)])
        if any(not policy.company_id for policy in policies):
            return self.env['res.company'].sudo().search([('active', '=', True)])
        return policies.company_id

    @api.model
    def _company_today(self, company):
        tz = pytz.timezone(company.partner_id.tz or 'America/Mexico_City')
        return datetime.now(pytz.utc).astimezone(tz).date()

    @api.model
    def _run_for_company(self, company, trigger='manual', run_date=None, commit=False, max_batches=None):
        """Run (or resume) the collection run of ``company`` for ``run_date`` (default: today there).

        :param commit: place each batch in a transaction of its own and commit the progress (cron); a
            manual run stays in the caller's transaction.
        :param max_batches: stop after this many batches, leaving the run to be resumed.
        :return: the cobranza.run record
        """
        run_date = run_date or self._company_today(company)
        self = self.sudo().with_company(company)
        run = self.search([('company_id', '=', company.id), ('date', '=', run_date), ('state', '=', 'running')],
                          limit=1)
        if not run:
            run = self.create({'company_id': company.id, 'date': run_date, 'trigger': trigger})
        run._execute(commit=commit, max_batches=max_batches)
        return run

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    def _batch_size(self):
        return max(1, int(self.env['ir.config_parameter'].sudo().get_param('cobranza_mx.run_batch_size',
                                                                           DEFAULT_BATCH_SIZE)))

    def _execute(self, commit=False, max_batches=None):
        self.ensure_one()
        timings = Counter()
        clock = time.perf_counter()

        def lap(phase):
            nonlocal clock
            now = time.perf_counter()
            timings[phase] += now - clock
            clock = now

        # The run reads with SQL: pending ORM writes (payments, exclusions, overrides) must be in the database.
        self.env.flush_all()
        policies = self.env['cobranza.policy'].search(
            [('company_id', 'in', [False, self.company_id.id])], order='sequence, id')
        context = self._prepare_context(policies)
        self._open_missing_accounts()
        lap('accounts opened')
        # Scheduled runs place their batches in transactions of their own, which must see the run
        # and the accounts just opened.
        self._checkpoint(commit)
        if not self._place_batches(context, commit, max_batches):
            return
        lap('invoices placed')
        self._close_left_invoices(context)
        lap('closed invoices')
        self._update_accounts(context)
        lap('accounts updated and assigned')
        self.write({'state': 'done', 'ended_at': fields.Datetime.now()})
        self._checkpoint(commit)
        lap('commits')
        _logger.info("Collection run %s done: %s invoices evaluated, %s stage changes; %s", self.id,
                     self.evaluated_count, self.changed_count,
                     ", ".join(f"{phase} {seconds:.2f} s" for phase, seconds in timings.items()))

    def _checkpoint(self, commit):
        self.env.flush_all()
        if commit:
            return self.env['ir.cron']._commit_progress(0)
        return float('inf')

    def _prepare_context(self, policies):
        """Everything the batches need once: the stage rules and the SQL choosing each invoice's policy."""
        rules_by_policy = {policy.id: sort_rules(policy.stage_ids._as_rules()) for policy in policies}
        # Account overrides may name policies of no segment of this company's run: their rules count too.
        override_ids = {row[0] for row in self.env.execute_query(SQL(
            "SELECT DISTINCT policy_id FROM cobranza_account WHERE company_id = %s AND policy_id IS NOT NULL",
            self.company_id.id))}
        for policy in self.env['cobranza.policy'].browse(override_ids - set(rules_by_policy)).exists():
            rules_by_policy[policy.id] = sort_rules(policy.stage_ids._as_rules())
        rules = [(policy_id, rule) for policy_id, policy_rules in rules_by_policy.items() for rule in policy_rules]
        return {
            'rule_by_id': {rule.id: rule for _policy_id, rule in rules},
            'rules_sql': SQL(
                "SELECT * FROM unnest(%s::int4[], %s::int4[], %s::int4[], %s::numeric[], %s::int4[])"
                " AS r(policy_id, stage_id, days_from, min_amount, sequence)",
                [p for p, _r in rules], [r.id for _p, r in rules], [r.days_from for _p, r in rules],
                [r.min_amount for _p, r in rules], [r.sequence for _p, r in rules]),
            'policy_sql': self._policy_case(policies),
            'stage_names': {stage.id: stage.name for stage in self.env['cobranza.stage'].search([])},
            'stages_with_actions': set(self.env['cobranza.stage.action'].search([('active', '=', True)]).stage_id.ids),
        }

    def _policy_case(self, policies):
        """SQL expression of the policy of invoice ``m``: the first policy, in order, whose segment has it."""
        Move = self.env['account.move'].with_context(active_test=False, cobranza_date=self.date)
        branches = []
        for policy in policies:
            if policy._is_catch_all():
                return SQL("CASE %s ELSE %s END", SQL(" ").join(branches), policy.id) if branches \
                    else SQL("%s::int4", policy.id)
            query = Move._search([*policy._segment_domain(), ('company_id', '=', self.company_id.id)])
            branches.append(SQL("WHEN m.id IN %s THEN %s", query.subselect(), policy.id))
        return SQL("CASE %s ELSE NULL::int4 END", SQL(" ").join(branches)) if branches else SQL("NULL::int4")

    def _open_missing_accounts(self):
        """Open the collection accounts of the customers with open invoices and no account yet."""
        self.env['cobranza.account']._insert_accounts(self.company_id, SQL(
            """
            SELECT DISTINCT m.commercial_partner_id
              FROM account_move m
             WHERE %(open)s AND m.id > %(last)s
               AND NOT EXISTS (SELECT 1 FROM cobranza_account a
                                WHERE a.partner_id = m.commercial_partner_id AND a.company_id = m.company_id)
            """, open=_open_invoice_condition('m', self.company_id.id), last=self.last_move_id))

    def _worker_count(self):
        workers = int(self.env['ir.config_parameter'].sudo().get_param('cobranza_mx.run_workers', DEFAULT_WORKERS))
        return min(max(1, workers), MAX_WORKERS)

    def _can_place_in_parallel(self):
        """Worker threads need connections of their own: inside tests there is only the test transaction."""
        return not modules.module.current_test

    def _batch_bounds(self, size):
        """``[(after, upper)]``: the id ranges of the batches of open invoices left, in id order."""
        uppers = [row[0] for row in self.env.execute_query(SQL(
            """
            SELECT id FROM (SELECT m.id, row_number() OVER (ORDER BY m.id) AS n, count(*) OVER () AS total
                              FROM account_move m WHERE %(open)s AND m.id > %(last)s) s
             WHERE n %% %(size)s = 0 OR n = total
          ORDER BY id
            """, open=_open_invoice_condition('m', self.company_id.id), last=self.last_move_id, size=size))]
        return list(zip([self.last_move_id, *uppers[:-1]], uppers, strict=True)) if uppers else []

    def _place_batches(self, context, commit, max_batches):
        """Place the open invoices after ``last_move_id``, batch by batch; False if stopped before the end.

        The run records a batch (``last_move_id`` and the counters) once every batch before it is
        recorded too, so that a run stopped at any moment resumes after the last batch it recorded;
        a batch placed but not recorded is placed again, which changes no invoice. When the cron's
        time is up no new batch starts, and the batches already running are recorded as they end.
        """
        bounds = self._batch_bounds(self._batch_size())
        finished = not (max_batches and len(bounds) > max_batches)
        bounds = bounds[:max_batches] if max_batches else bounds
        stop = threading.Event()
        results = self._place_in_transactions(bounds, context, stop) if commit \
            else self._place_in_order(bounds, context, stop, self._place_range)
        done, recorded = {}, 0
        with closing(results):
            for index, counters, errors in results:
                done[index] = (counters, errors)
                if recorded in done:
                    total, error_lines = Counter(), []
                    while recorded in done:
                        counters, errors = done.pop(recorded)
                        total += counters
                        error_lines += errors
                        recorded += 1
                    self._record_batches(bounds[recorded - 1][1], total, error_lines)
                if self._checkpoint(commit) <= 0:
                    # Out of the cron's time: the next call resumes.
                    stop.set()
        if commit:
            # The batches were written by other transactions.
            self.env.invalidate_all()
        if not finished or recorded < len(bounds):
            return False
        # The history is the reference: a batch placed but not recorded when the run was stopped
        # has no change left when it is placed again.
        [(changed,)] = self.env.execute_query(SQL(
            "SELECT count(*) FROM cobranza_stage_history WHERE run_id = %s AND reason = 'run'", self.id))
        self.changed_count = changed
        return True

    def _place_in_order(self, bounds, context, stop, place):
        """Place the batches one after the other with ``place`` (in this transaction or each in its own)."""
        for index, bound in enumerate(bounds):
            if stop.is_set():
                return
            yield index, *place(*bound, context)

    def _place_in_transactions(self, bounds, context, stop):
        """Place each batch in a transaction of its own; yield ``(index, counters, errors)`` as batches end.

        Up to ``cobranza_mx.run_workers`` batches are placed at the same time, in id order, each
        on its own database connection; none starts once ``stop`` is set. A failing batch stops
        the run: the batches running end first, and their own errors go to the server log.
        """
        workers = min(self._worker_count(), len(bounds))
        if workers <= 1 or not self._can_place_in_parallel():
            yield from self._place_in_order(bounds, context, stop, self._place_committed)
            return
        queue = iter(enumerate(bounds))
        pending = {}
        with ThreadPoolExecutor(workers, thread_name_prefix=f'cobranza_run_{self.id}') as executor:
            try:
                while True:
                    while len(pending) < workers and not stop.is_set() and (item := next(queue, None)):
                        pending[executor.submit(self._place_committed, *item[1], context)] = item[0]
                    if not pending:
                        return
                    ended, _running = wait(pending, return_when=FIRST_COMPLETED)
                    for future in sorted(ended, key=pending.get):
                        index = pending.pop(future)
                        yield index, *future.result()
            finally:
                for future, index in pending.items():
                    if not future.cancelled() and (error := future.exception()):
                        _logger.error("Collection run %s: batch %s failed", self.id, index, exc_info=error)

    def _place_committed(self, after, upper, context):
        """Place one batch in a new transaction, committed when it ends (a worker thread may call this)."""
        threading.current_thread().dbname = self.env.cr.dbname
        with self.env.registry.cursor() as cr:
            return self.with_env(self.env(cr=cr))._place_range(after, upper, context)

    def _place_range(self, after, upper, context):
        """Place the open invoices of ids ``(after, upper]``; a failing batch is retried invoice by invoice.

        Return ``(counters, errors)``: each failing invoice gets the error on its chatter and a line
        in ``errors`` for the run's log.
        """
        selection = SQL("m.id > %s AND m.id <= %s", after, upper)
        try:
            with self.env.cr.savepoint():
                return self._place(selection, context), []
        except Exception:
            _logger.exception("Collection run %s: batch failed, retrying invoice by invoice", self.id)
            self.env.invalidate_all()
        counters, errors = Counter(), []
        move_ids = [row[0] for row in self.env.execute_query(SQL(
            "SELECT m.id FROM account_move m WHERE %s AND %s ORDER BY m.id",
            _open_invoice_condition('m', self.company_id.id), selection))]
        for move_id in move_ids:
            try:
                with self.env.cr.savepoint():
                    counters += self._place(SQL("m.id = %s", move_id), context)
            except Exception as e:  # noqa: BLE001
                self.env.invalidate_all()
                counters['evaluated'] += 1
                counters['errors'] += 1
                errors.append(self._post_record_error(self.env['account.move'].browse(move_id), e))
        return counters, errors

    def _record_batches(self, upper, counters, errors):
        """Record the batches placed up to invoice id ``upper``."""
        self.write({
            'last_move_id': upper,
            'evaluated_count': self.evaluated_count + counters['evaluated'],
            'changed_count': self.changed_count + counters['changed'],
            'excluded_count': self.excluded_count + counters['excluded'],
            'no_policy_count': self.no_policy_count + counters['no_policy'],
            'error_count': self.error_count + counters['errors'],
            'log': "\n".join(filter(None, [self.log, *errors])) or False,
        })

    def _place(self, selection, context):
        """Place the open invoices matching ``selection`` (SQL on ``m``) in one statement.

        The statement computes each invoice's account, policy, stage, date in stage and next
        action date with the semantics of :mod:`..tools.stages` (the most advanced stage whose
        day and amount it reaches; the next stage's entry date), writes only the invoices whose
        values changed and records their stage changes in the history.
        """
        [(evaluated, excluded, no_policy, changed, messages)] = self.env.execute_query(SQL(
            """
            WITH rules AS (%(rules)s),
            batch AS (
                SELECT m.id, m.commercial_partner_id AS partner_id, m.invoice_date_due AS due,
                       m.amount_residual_signed AS residual, %(date)s::date - m.invoice_date_due AS days,
                       COALESCE(m.cobranza_excluded, FALSE) AS excluded,
                       m.cobranza_account_id AS old_account, m.cobranza_policy_id AS old_policy,
                       m.cobranza_stage_id AS old_stage, m.cobranza_stage_date AS old_stage_date,
                       m.cobranza_next_action_date AS old_next,
                       a.id AS account_id, COALESCE(a.policy_id, %(policy)s) AS policy_id
                  FROM account_move m
             LEFT JOIN cobranza_account a ON a.partner_id = m.commercial_partner_id AND a.company_id = m.company_id
                 WHERE %(open)s AND %(selection)s
            ),
            placed AS (
                SELECT b.*, s.stage_id, s.days_from AS stage_days
                  FROM batch b
             LEFT JOIN LATERAL (
                    SELECT r.stage_id, r.days_from FROM rules r
                     WHERE r.policy_id = b.policy_id AND r.days_from <= b.days AND r.min_amount <= b.residual
                  ORDER BY r.days_from DESC, r.sequence DESC, r.stage_id DESC
                     LIMIT 1) s ON TRUE
                 WHERE NOT b.excluded
            ),
            new AS (
                SELECT p.id, p.partner_id, p.residual, p.days, p.account_id, p.policy_id, p.stage_id,
                       CASE WHEN p.stage_id IS NULL THEN NULL::date
                            WHEN p.stage_id = p.old_stage THEN p.old_stage_date
                            ELSE %(date)s::date END AS stage_date,
                       p.due + (SELECT min(r.days_from) FROM rules r
                                 WHERE r.policy_id = p.policy_id AND r.min_amount <= p.residual
                                   AND (p.stage_days IS NULL OR r.days_from > p.stage_days)) AS next_action,
                       p.old_account, p.old_policy, p.old_stage, p.old_stage_date, p.old_next
                  FROM placed p
                 UNION ALL
                -- An excluded invoice keeps its stage; it only follows its customer's account.
                SELECT b.id, b.partner_id, b.residual, b.days, b.account_id, b.old_policy, b.old_stage,
                       b.old_stage_date, b.old_next, b.old_account, b.old_policy, b.old_stage, b.old_stage_date,
                       b.old_next
                  FROM batch b
                 WHERE b.excluded
            ),
            upd AS (
                UPDATE account_move m
                   SET cobranza_account_id = n.account_id, cobranza_policy_id = n.policy_id,
                       cobranza_stage_id = n.stage_id, cobranza_stage_date = n.stage_date,
                       cobranza_next_action_date = n.next_action
                  FROM new n
                 WHERE m.id = n.id AND %(selection)s
                   AND (n.account_id, n.policy_id, n.stage_id, n.stage_date, n.next_action)
                       IS DISTINCT FROM (n.old_account, n.old_policy, n.old_stage, n.old_stage_date, n.old_next)
             RETURNING n.id, n.account_id, n.old_stage, n.stage_id, n.days, n.residual
            ),
            history AS (
                %(history_insert)s
                SELECT u.id, u.account_id, u.old_stage, u.stage_id, u.days, u.residual, %(date)s, %(run)s, 'run'
                  FROM upd u
                 WHERE u.stage_id IS DISTINCT FROM u.old_stage AND u.account_id IS NOT NULL
            )
            SELECT (SELECT count(*) FROM batch),
                   (SELECT count(*) FROM batch WHERE excluded),
                   (SELECT count(*) FROM placed WHERE policy_id IS NULL),
                   (SELECT count(*) FROM upd WHERE stage_id IS DISTINCT FROM old_stage),
                   (SELECT array_agg(ARRAY[id, old_stage, COALESCE(stage_id, 0)] ORDER BY id) FROM upd
                     WHERE old_stage IS NOT NULL AND stage_id IS DISTINCT FROM old_stage)
            """,
            rules=context['rules_sql'], policy=context['policy_sql'], date=self.date,
            open=_open_invoice_condition('m', self.company_id.id), selection=selection,
            run=self.id, history_insert=HISTORY_INSERT,
        ))
        self.env['account.move'].invalidate_model(MOVE_FIELDS)
        if changed:
            self.env['account.move'].invalidate_model(['cobranza_history_ids'])
            self.env['cobranza.account'].invalidate_model(['history_ids'])
        self._post_stage_messages([(move_id, old, new or None) for move_id, old, new in messages or []], context)
        return Counter(evaluated=evaluated, excluded=excluded, no_policy=no_policy, changed=changed)

    def _insert_history(self, history, reason):
        """Insert stage-change rows ``(move, account, from, to, days, residual)`` in one statement."""
        if not history:
            return
        columns = list(zip(*history, strict=True))
        self.env.execute_query(SQL(
            """
            %s
            SELECT unnest(%s::int4[]), unnest(%s::int4[]), unnest(%s::int4[]), unnest(%s::int4[]),
                   unnest(%s::int4[]), unnest(%s::numeric[]), %s, %s, %s
            """,
            HISTORY_INSERT, *[list(column) for column in columns], self.date, self.id, reason,
        ))
        self.env['account.move'].invalidate_model(['cobranza_history_ids'])
        self.env['cobranza.account'].invalidate_model(['history_ids'])

    def _post_stage_messages(self, messages, context):
        """Show stage changes in the invoices' chatter, as internal notes created in one batch."""
        if not messages:
            return
        names = context['stage_names']
        subtype_id = self.env['ir.model.data']._xmlid_to_res_id('mail.mt_note')
        author_id = self.env.user.partner_id.id
        self.env['mail.message'].sudo().create([{
            'model': 'account.move',
            'res_id': move_id,
            'message_type': 'notification',
            'subtype_id': subtype_id,
            'author_id': author_id,
            'body': Markup("<p>%s</p>") % self.env._(
                "Collection stage: %(from)s → %(to)s",
                **{'from': names.get(old, '-'), 'to': names.get(new) or self.env._("out of collection")}),
        } for move_id, old, new in messages])

    def _close_left_invoices(self, context):
        """Invoices that were in collection and are now paid, cancelled or fully credited leave it."""
        rows = self.env.execute_query(SQL(
            """
            UPDATE account_move m
               SET cobranza_stage_id = NULL, cobranza_stage_date = NULL, cobranza_next_action_date = NULL
              FROM account_move old
             WHERE m.id = old.id AND m.company_id = %(company)s AND m.cobranza_stage_id IS NOT NULL
               AND NOT (%(open)s)
         RETURNING m.id, m.cobranza_account_id, old.cobranza_stage_id,
                   %(date)s::date - m.invoice_date_due, m.amount_residual_signed
            """,
            company=self.company_id.id, open=_open_invoice_condition('m', self.company_id.id), date=self.date))
        if not rows:
            return
        self.env['account.move'].invalidate_model(MOVE_FIELDS)
        self._insert_history(
            [(move_id, account_id, old_stage, None, days, residual)
             for move_id, account_id, old_stage, days, residual in rows if account_id], 'closed')
        self._post_stage_messages([(row[0], row[2], None) for row in rows], context)
        self.closed_count += len(rows)

    def _update_accounts(self, context):
        """Aggregate open invoices per collection account, write what changed and queue the stage actions.

        An account entering a stage that has active entry actions is queued (``action_stage_id``)
        in the same statement; the stage actions cron executes them (:meth:`_process_stage_actions`).
        """
        aggregates = self.env.execute_query(SQL(
            """
            SELECT m.cobranza_account_id,
                   SUM(m.amount_residual_signed),
                   COALESCE(SUM(m.amount_residual_signed) FILTER (WHERE m.invoice_date_due < %(date)s), 0),
                   GREATEST(MAX(%(date)s::date - m.invoice_date_due), 0),
                   COUNT(*),
                   (ARRAY_AGG(m.cobranza_stage_id ORDER BY array_position(%(codes)s::varchar[], s.code::varchar)
                                DESC, s.days_from DESC, s.id DESC) FILTER (WHERE s.id IS NOT NULL))[1],
                   MIN(m.cobranza_next_action_date)
              FROM account_move m
         LEFT JOIN cobranza_stage s ON s.id = m.cobranza_stage_id
             WHERE %(open)s AND m.cobranza_account_id IS NOT NULL
          GROUP BY m.cobranza_account_id
            """,
            date=self.date, codes=list(STAGE_CODES), open=_open_invoice_condition('m', self.company_id.id)))
        current = {row[0]: row[1:] for row in self.env.execute_query(SQL(
            """
            SELECT id, stage_id, stage_code, stage_date, total_due, total_overdue, oldest_overdue_days,
                   open_invoice_count, overdue_bucket, priority, next_action_date, last_run_date
              FROM cobranza_account
             WHERE company_id = %s AND (open_invoice_count > 0 OR stage_id IS NOT NULL OR total_due <> 0)
            """, self.company_id.id))}
        rule_by_id = context['rule_by_id']
        new_values = {}
        for account_id, total_due, overdue, oldest, count, stage_id, next_action in aggregates:
            old = current.get(account_id)
            rank = rule_by_id[stage_id].rank if stage_id in rule_by_id else -1
            stage_date = old[2] if old and old[0] == stage_id else (self.date if stage_id else None)
            new_values[account_id] = (
                stage_id, STAGE_CODES[rank] if stage_id in rule_by_id else None, stage_date, float(total_due),
                float(overdue), oldest, count, aging_bucket(oldest), priority_score(float(overdue), oldest, rank),
                next_action, self.date)
        for account_id in current.keys() - new_values.keys():
            new_values[account_id] = (None, None, None, 0.0, 0.0, 0, 0, 'not_due', 0.0, None, self.date)

        def comparable(values):
            # The run date alone is no change: an idle run writes nothing.
            return tuple(float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else v
                         for v in values[:-1])

        changed = {aid: vals for aid, vals in new_values.items()
                   if aid not in current or comparable(current[aid]) != comparable(vals)}
        # Unassigned accounts with something due get their collector in the same statement, before the
        # stage actions cron gives them their tasks.
        unassigned = {row[0] for row in self.env.execute_query(SQL(
            "SELECT id FROM cobranza_account WHERE company_id = %s AND collector_id IS NULL", self.company_id.id))}
        collectors = self.env['cobranza.assignment.rule']._plan(
            self.company_id, [aid for aid in unassigned if aid in new_values and new_values[aid][3] > 0],
            {aid: (vals[3], vals[4]) for aid, vals in new_values.items()})
        for account_id in collectors:
            changed.setdefault(account_id, new_values[account_id])
        # Accounts entering a stage with entry actions are queued for the stage actions cron.
        with_actions = context['stages_with_actions']
        queued = {aid: vals[0] for aid, vals in changed.items()
                  if vals[0] in with_actions and vals[0] != (current[aid][0] if aid in current else None)}
        if changed:
            ids = list(changed)
            columns = list(zip(*changed.values(), strict=True))
            self.env.execute_query(SQL(
                """
                UPDATE cobranza_account a
                   SET %(assignments)s,
                       collector_id = COALESCE(v.collector_id, a.collector_id),
                       action_stage_id = COALESCE(v.action_stage_id, a.action_stage_id),
                       action_run_id = CASE WHEN v.action_stage_id IS NULL THEN a.action_run_id ELSE %(run)s END
                  FROM (SELECT unnest(%(ids)s::int4[]) AS id, unnest(%(actions)s::int4[]) AS action_stage_id,
                               unnest(%(collectors)s::int4[]) AS collector_id, %(unnests)s) v
                 WHERE a.id = v.id
                """,
                assignments=SQL(', ').join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name, _t in ACCOUNT_COLUMNS),
                ids=ids, actions=[queued.get(aid) for aid in ids], collectors=[collectors.get(aid) for aid in ids],
                run=self.id,
                unnests=SQL(', ').join(
                    SQL("unnest(%s::%s[]) AS %s", list(values), SQL(sql_type), SQL.identifier(name))
                    for (name, sql_type), values in zip(ACCOUNT_COLUMNS, columns, strict=True)),
            ))
            self.env['cobranza.account'].invalidate_model()
        self.account_count += len(changed)
        self.assigned_count += len(collectors)
        if queued:
            self.queued_action_count += len(queued)
            self.env.ref('cobranza_mx.ir_cron_cobranza_stage_actions')._trigger()

    @api.model
    def _cron_stage_actions(self):
        """Cron entry: execute the queued stage actions, committing after each batch."""
        self._process_stage_actions(commit=True)

    @api.model
    def _process_stage_actions(self, commit=False, batch_size=ACTION_BATCH_SIZE):
        """Execute the entry actions of the queued accounts, batch by batch; isolate failures.

        An account that left the stage before its turn (paid, moved on) has nothing to do.
        """
        Account = self.env['cobranza.account'].sudo().with_context(active_test=False)
        domain = [('action_stage_id', '!=', False)]
        if commit:
            self.env['ir.cron']._commit_progress(remaining=Account.search_count(domain))
        while accounts := Account.search(domain, order='id', limit=batch_size):
            for (run, stage), group in accounts.grouped(lambda a: (a.action_run_id, a.action_stage_id)).items():
                due = group.filtered(lambda a, stage=stage: a.stage_id == stage)
                run = run.with_company(stage.company_id or run.company_id or self.env.company)
                run._execute_stage_actions(stage, due)
            accounts.write({'action_stage_id': False, 'action_run_id': False})
            self.env.flush_all()
            if commit and self.env['ir.cron']._commit_progress(len(accounts)) <= 0:
                return

    def _execute_stage_actions(self, stage, accounts):
        """Execute the active actions of ``stage`` for ``accounts``, leaving failing accounts on record."""
        actions = stage.action_ids.filtered('active')
        if not actions or not accounts:
            return
        date = self.date or fields.Date.context_today(self)
        executed, errors = 0, []
        try:
            with self.env.cr.savepoint():
                actions._execute(accounts, date)
            executed = len(accounts) * len(actions)
        except Exception:  # noqa: BLE001 - find the failing accounts, keep the others
            self.env.invalidate_all()
            for account in accounts:
                try:
                    with self.env.cr.savepoint():
                        actions._execute(account, date)
                    executed += len(actions)
                except Exception as e:  # noqa: BLE001
                    self.env.invalidate_all()
                    errors.append((account, e))
        if self:
            self.sudo().write({'action_count': self.action_count + executed,
                               'error_count': self.error_count + len(errors)})
        for account, error in errors:
            self._log_record_error(account, error)

    def _log_record_error(self, record, error):
        """Leave the error on the record's chatter and in the run log; the run goes on."""
        self.log = "\n".join(filter(None, [self.log, self._post_record_error(record, error)]))

    def _post_record_error(self, record, error):
        """Leave the error on the record's chatter; return the line for the run log."""
        message = self.env._("Collection run %(run)s could not process this record: %(error)s",
                             run=self.name, error=error)
        _logger.warning("Collection run %s: %s %s failed: %s", self.id, record._name, record.id, error)
        record.sudo().message_post(body=message)
        return f"{record.display_name}: {error}"
