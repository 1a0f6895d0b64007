"""The daily collection run: the model, its entry points, and the batches it places and records in order.

The run's other concepts extend the same model, each in a file of its own:
:mod:`.cobranza_run_lock` (one run per company at a time, runs left running, failed runs),
:mod:`.cobranza_run_placement` (the SQL placing invoices in stages, the stage history and the
invoices leaving collection) and :mod:`.cobranza_run_accounts` (the accounts' figures, their
assignment and the queue of stage actions, which :mod:`.cobranza_stage_action` executes).
"""
import logging
import random
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import closing, nullcontext
from datetime import datetime

import pytz
from odoo import api, fields, models, modules
from odoo.exceptions import UserError
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..tools.batches import InOrder

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 10000
# Database connections placing batches at the same time in a scheduled run.
DEFAULT_WORKERS = 2
MAX_WORKERS = 8


class CobranzaRun(models.Model):
    """One daily evaluation of a company's receivables.

    The run places open invoices in id order and in batches, one SQL statement per
    batch with the semantics of :mod:`..tools.stages`, writing only what changed and
    recording each stage change; then it aggregates the collection accounts, assigns
    the new ones and queues the actions of the stages that accounts enter, which the
    stage actions cron executes. It is idempotent for a given date;
    an interrupted run (cron time limit, killed worker) is resumed from the last
    recorded batch by the next run of the same company and date. One run of a company
    works at a time (:mod:`.cobranza_run_lock`); a run that crashes is marked failed and
    the company's collection administrators get an activity on it.
    """
    _name = 'cobranza.run'
    _inherit = ['mail.thread', 'mail.activity.mixin']
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
    duration = fields.Float(string="Duration (s)", compute='_compute_duration', digits=(16, 1),
                            help="From its start to its end, or to now while it runs.")
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

    @api.depends('company_id', 'date', 'started_at')
    def _compute_name(self):
        # Several runs of one company and day (a manual one after the scheduled one, a resumed one) differ by
        # the time they started, in the user's time zone.
        for run in self:
            started = run.started_at and fields.Datetime.context_timestamp(run, run.started_at).strftime('%H:%M')
            run.name = " · ".join(filter(None, [run.company_id.name, run.date and str(run.date), started]))

    @api.depends('started_at', 'ended_at')
    def _compute_duration(self):
        now = fields.Datetime.now()
        for run in self:
            end = run.ended_at or now
            run.duration = (end - run.started_at).total_seconds() if run.started_at else 0.0

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_daily_run(self):
        """Cron entry: run every company that has a collection policy, resuming interrupted runs.

        A company whose run is in progress elsewhere is skipped until the next call. A company
        whose run crashes is left with a failed run (see :meth:`_run_for_company`) and the other
        companies run; the first crash is raised at the end, so that the cron counts a failure.
        """
        companies = self._companies_to_run()
        self.env['ir.cron']._commit_progress(remaining=len(companies))
        crash = None
        for company in companies:
            try:
                run = self._run_for_company(company, trigger='cron', commit=True)
            except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                # Each company runs on its own, as a cron isolates its records: the error is recorded on
                # the failed run and the first one is raised at the end.
                crash = crash or error
                run = self.browse()
            if run.state == 'running':
                # Out of time: the cron is rescheduled at once and resumes this run.
                return
            self.env['ir.cron']._commit_progress(1)
        if crash:
            raise crash

    @api.model
    def action_run_now(self):
        """Button of administrators: run the current company now and show the summary."""
        if not self.env.user.has_group('cobranza_mx.group_cobranza_manager'):
            raise UserError(self.env._("Only collection administrators can start a collection run."))
        run = self._run_for_company(self.env.company, trigger='manual')
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._("Collection run %(run)s", run=run.name),
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

        The company's run lock is taken before anything is read (:meth:`_lock_company`): a manual
        run holds it until the caller's transaction ends, a scheduled run on its connection across
        its commits. When another run holds it, a manual run raises a UserError and a scheduled
        run does nothing. Holding it, a run left ``running`` by a worker that stopped is resumed
        (same date) or marked failed (older date). A run that crashes is marked failed with the
        error, in a transaction of its own, the company's collection administrators are told, and
        the error is raised again; a concurrency error of a manual run is raised as it is, for
        Odoo to retry the request in a new transaction.

        :param commit: place each batch in a transaction of its own and commit the progress (cron); a
            manual run stays in the caller's transaction.
        :param max_batches: stop after this many batches, leaving the run to be resumed.
        :return: the cobranza.run record (none when a scheduled run found another run in progress)
        """
        run_model = self.sudo()
        if not run_model._lock_company(company, session=commit):
            if commit:
                _logger.info("Collection run of company %s skipped: another run of it is in progress", company.id)
                return run_model.browse()
            raise UserError(run_model._in_progress_message(company))
        try:
            return run_model._run_locked(company, trigger, run_date, commit, max_batches)
        finally:
            if commit:
                run_model._unlock_company(company)

    @api.model
    def _run_locked(self, company, trigger, run_date, commit, max_batches):
        """:meth:`_run_for_company` once the company's run lock is held."""
        run_date = run_date or self._company_today(company)
        run_model = self.with_company(company)
        if commit:
            # From here on, this transaction sees what the run that held the lock committed.
            run_model._checkpoint(commit)
        run_id = None
        try:
            # A manual run that crashes leaves the caller's transaction as it found it.
            with nullcontext() if commit else run_model.env.cr.savepoint():
                run_model._fail_interrupted_runs(company, run_date)
                run = run_model.search([('company_id', '=', company.id), ('date', '=', run_date),
                                        ('state', '=', 'running')], limit=1)
                if not run:
                    run = run_model.with_context(tracking_disable=True).create(
                        {'company_id': company.id, 'date': run_date, 'trigger': trigger})
                run_id = run.id
                run._execute(commit=commit, max_batches=max_batches)
            return run
        except Exception as error:
            if not commit and isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
                raise
            _logger.exception("Collection run of company %s on %s failed", company.id, run_date)
            if commit:
                # Release this transaction's row locks before the run is marked failed in another.
                run_model.env.cr.rollback()
            run_model._record_crash(run_id, {'company_id': company.id, 'date': run_date, 'trigger': trigger}, error)
            raise

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

    def _open_invoices_sql(self):
        """SQL condition on ``m`` of the invoices of this run's company that are in collection."""
        return self.env['account.move']._cobranza_open_sql('m', self.company_id)

    # ------------------------------------------------------------------
    # Batches, placed in parallel and recorded in order
    # ------------------------------------------------------------------
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
            """, open=self._open_invoices_sql(), last=self.last_move_id, size=size))]
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
        in_order = InOrder()
        with closing(results):
            for index, counters, errors in results:
                if ready := in_order.add(index, (counters, errors)):
                    total, error_lines = Counter(), []
                    for counters, errors in ready:
                        total += counters
                        error_lines += errors
                    self._record_batches(bounds[in_order.released - 1][1], total, error_lines)
                if self._checkpoint(commit) <= 0:
                    # Out of the cron's time: the next call resumes.
                    stop.set()
        if commit:
            # The batches were written by other transactions.
            self.env.invalidate_all()
        if not finished or in_order.released < len(bounds):
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
        """Place one batch in a new transaction, committed when it ends (a worker thread may call this).

        A concurrency error (serialization failure, deadlock, lock timeout) places the batch again in
        a new transaction, as Odoo retries a request, up to its number of tries.
        """
        threading.current_thread().dbname = self.env.cr.dbname
        for attempt in range(1, MAX_TRIES_ON_CONCURRENCY_FAILURE):
            try:
                with self.env.registry.cursor() as cr:
                    return self.with_env(self.env(cr=cr))._place_range(after, upper, context)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY as error:
                delay = random.uniform(0.0, 0.25 * 2 ** attempt)
                _logger.info("Collection run %s: batch (%s, %s] met %s, placed again in %.2f s", self.id,
                             after, upper, error.pgcode, delay)
                time.sleep(delay)
        # The last try: its concurrency error is raised.
        with self.env.registry.cursor() as cr:
            return self.with_env(self.env(cr=cr))._place_range(after, upper, context)

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

    # ------------------------------------------------------------------
    # Errors
    # ------------------------------------------------------------------
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
