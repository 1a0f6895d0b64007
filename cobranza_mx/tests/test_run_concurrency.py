from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time
from odoo import SUPERUSER_ID, api, sql_db
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.tests import tagged

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestRunConcurrency(CobranzaCommon):
    """One run per company at a time, runs left running, failed runs, concurrency errors in a batch."""

    def _invoices(self, days_list=(1, 61, 181, 366, 1, 61, 181)):
        """Invoices ``days`` overdue on the run date, of two customers."""
        invoices = self.env['account.move']
        for i, days in enumerate(days_list):
            invoices |= self._invoice(self.customer_b if i % 2 else self.customer_a,
                                      self.run_date - timedelta(days=days))
        return invoices

    def _scheduled_run(self, run_date, **kwargs):
        """A scheduled run, in a transaction of the test's: it holds the company's lock while it works.

        (A manual run in the test transaction would hold it until the test ends.)
        """
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            run = self.env(cr=cr)['cobranza.run']._run_for_company(self.company, run_date=run_date, commit=True,
                                                                   **kwargs)
            return run.with_env(self.env)

    def _invoices_placed_yesterday(self):
        """Seven invoices placed by yesterday's run, each reaching its next stage on the run date."""
        invoices = self._invoices()
        self.assertEqual(self._scheduled_run(self.run_date - timedelta(days=1)).changed_count, 7)
        return invoices

    def _history_of_the_day(self, invoices):
        return self.env['cobranza.stage.history'].search([('move_id', 'in', invoices.ids),
                                                          ('date', '=', self.run_date)])

    @contextmanager
    def _other_worker(self):
        """A real second connection to the database, as another Odoo worker's.

        It sees only what is committed: not this test's invoices, runs or company, but the
        advisory locks of the test's connection. A lock timeout turns a wait on the test
        transaction, which would never end, into an error.
        """
        cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        try:
            cr.execute("SET lock_timeout = '5s'")
            yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            if cr._cnx.closed:
                cr._closed = True  # killed: the pool forgets the connection
            else:
                cr.close()

    def _kill(self, env):
        """The worker of ``env`` dies: its connection ends and PostgreSQL releases what it held."""
        env.cr.execute("SELECT pg_backend_pid()")
        [(pid,)] = env.cr.fetchall()
        self.env.cr.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        self.assertTrue(self.env.cr.fetchone()[0])
        env.cr._cnx.close()

    def _stage_notes(self, invoices):
        return self.env['mail.message'].search([
            ('model', '=', 'account.move'), ('res_id', 'in', invoices.ids), ('body', 'ilike', 'Collection stage:')])

    def _error_notes(self, invoices):
        return self.env['mail.message'].search([
            ('model', '=', 'account.move'), ('res_id', 'in', invoices.ids), ('body', 'ilike', 'could not process')])

    def _partial_scheduled_run(self, run_date):
        """A scheduled run of the company stopped after its first batch of 3, as a worker that stopped leaves it."""
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', 3)
        run = self._scheduled_run(run_date, max_batches=1)
        self.assertEqual((run.state, run.evaluated_count), ('running', 3))
        return run

    def _failure_activities(self, run):
        return self.env['mail.activity'].search([('res_model', '=', 'cobranza.run'), ('res_id', '=', run.id)])

    # ------------------------------------------------------------------
    # One run per company at a time
    # ------------------------------------------------------------------
    def test_second_start_during_a_run_does_nothing(self):
        """While this transaction's run holds the company's lock, another worker's scheduled run of
        the company, on a real second connection, skips it: one history row and one note per change."""
        invoices = self._invoices_placed_yesterday()
        Run = self.registry['cobranza.run']
        close_left_invoices = Run._close_left_invoices
        second_starts = []

        def second_start_meanwhile(run, context):
            with self._other_worker() as env:
                started = env['cobranza.run']._run_for_company(
                    env['res.company'].browse(self.company.id), trigger='cron', run_date=self.run_date, commit=True)
                second_starts.append(started.ids)
            return close_left_invoices(run, context)

        with patch.object(Run, '_close_left_invoices', second_start_meanwhile):
            run = self._run()
        self.assertEqual(second_starts, [[]], "the second start placed nothing and created no run")
        self.assertEqual((run.state, run.evaluated_count, run.changed_count), ('done', 7, 7))
        history = self._history_of_the_day(invoices)
        self.assertEqual(len(history), 7)
        self.assertEqual(history.move_id, invoices, "one history row per invoice that changed")
        notes = self._stage_notes(invoices)
        self.assertEqual(len(notes), 7)
        self.assertEqual(set(notes.mapped('res_id')), set(invoices.ids), "one note per change")

    def test_start_while_another_worker_runs_the_company(self):
        """Another worker holds the company's run: "Run Collection Now" is refused with a clear message,
        the cron skips the company; once that run ends, the next start places every invoice once."""
        invoices = self._invoices_placed_yesterday()
        stages = [invoice.cobranza_stage_id for invoice in invoices]
        with self._other_worker() as env:
            Run = env['cobranza.run']
            other_company = env['res.company'].browse(self.company.id)
            self.assertTrue(Run._lock_company(other_company, session=True))
            with freeze_time(f'{self.run_date} 18:00:00'), self.assertRaises(UserError) as refused:
                self.env['cobranza.run'].with_company(self.company).action_run_now()
            self.assertIn(self.company.name, str(refused.exception))
            self.assertIn("in progress", str(refused.exception))
            cron = self.env.ref('cobranza_mx.ir_cron_cobranza_daily_run')
            with freeze_time(f'{self.run_date} 08:00:00'), self.enter_registry_test_mode():
                cron.method_direct_trigger()
            self.assertFalse(self.env['cobranza.run'].search([('company_id', '=', self.company.id),
                                                              ('date', '=', self.run_date)]),
                             "the cron skipped the company")
            self.assertEqual([invoice.cobranza_stage_id for invoice in invoices], stages)
            self.assertFalse(self._history_of_the_day(invoices))
            # The other run ends.
            Run._unlock_company(other_company)
        with freeze_time(f'{self.run_date} 18:05:00'):
            action = self.env['cobranza.run'].with_company(self.company).action_run_now()
        run = self.env['cobranza.run'].browse(action['res_id'])
        self.assertEqual((run.state, run.evaluated_count, run.changed_count), ('done', 7, 7))
        self.assertEqual(len(self._history_of_the_day(invoices)), 7)
        self.assertEqual(len(self._stage_notes(invoices)), 7)

    # ------------------------------------------------------------------
    # Runs left running
    # ------------------------------------------------------------------
    def test_run_of_today_left_running_is_resumed_once_its_worker_is_gone(self):
        """A run of today in state running is resumed only when no worker holds its lock."""
        invoices = self._invoices_placed_yesterday()
        partial = self._partial_scheduled_run(self.run_date)
        with self._other_worker() as env:
            # Its worker is still alive: nothing starts.
            self.assertTrue(env['cobranza.run']._lock_company(env['res.company'].browse(self.company.id),
                                                              session=True))
            with freeze_time(f'{self.run_date} 18:00:00'), self.assertRaises(UserError) as refused:
                self.env['cobranza.run'].with_company(self.company).action_run_now()
            message = str(refused.exception)
            self.assertIn(self.company.name, message)
            self.assertIn(partial.user_id.name, message)
            self.assertIn("in progress since", message)
            cron = self.env.ref('cobranza_mx.ir_cron_cobranza_daily_run')
            with freeze_time(f'{self.run_date} 08:00:00'), self.enter_registry_test_mode():
                cron.method_direct_trigger()
            self.assertEqual((partial.state, partial.evaluated_count), ('running', 3))
            # The worker dies: its connection ends, and PostgreSQL releases the lock.
            self._kill(env)
        resumed = self._run()
        self.assertEqual(resumed, partial, "the run left running is resumed")
        self.assertEqual((resumed.state, resumed.evaluated_count, resumed.changed_count), ('done', 7, 7))
        self.assertEqual(len(self._history_of_the_day(invoices)), 7)
        self.assertEqual(len(self._stage_notes(invoices)), 7)

    def test_run_of_an_older_date_left_running_is_failed(self):
        """A run of yesterday left running is marked failed (interrupted), the administrators are told,
        and today's run is a new one that places every invoice."""
        invoices = self._invoices()
        yesterday = self._partial_scheduled_run(self.run_date - timedelta(days=1))
        today = self._run()
        self.assertNotEqual(today, yesterday)
        self.assertEqual((today.state, today.date, today.evaluated_count), ('done', self.run_date, 7))
        self.assertEqual(yesterday.state, 'failed')
        self.assertIn("Interrupted", yesterday.log)
        self.assertTrue(yesterday.ended_at)
        self.assertIn(self.env.user, self._failure_activities(yesterday).user_id)
        self.assertTrue(all(invoices.mapped('cobranza_stage_id')))

    # ------------------------------------------------------------------
    # Failed runs
    # ------------------------------------------------------------------
    def test_crash_of_the_scheduled_run(self):
        """A policy whose segment no longer compiles crashes the cron's run: failed, error in its log,
        an activity for each collection administrator, the error reported to the cron."""
        invoices = self._invoices((5, 70))
        policy = self.env['cobranza.policy'].create({
            'name': 'Mayoristas', 'sequence': 1, 'company_id': self.company.id,
            'partner_domain': "[('is_company', '=', True)]",
            'stage_ids': [(0, 0, {'name': 'Aviso', 'code': 'preventive', 'days_from': 1})]})
        # A field the domain names is gone (a module was uninstalled): written as the database has it.
        self.env.cr.execute("UPDATE cobranza_policy SET partner_domain = %s WHERE id = %s",
                            ["[('x_gone_field', '=', True)]", policy.id])
        policy.invalidate_recordset()
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_daily_run')
        with freeze_time(f'{self.run_date} 08:00:00'), self.enter_registry_test_mode():
            result = cron.method_direct_trigger()
        self.assertIsInstance(result, dict, "the cron reports the error")
        self.assertEqual(result.get('tag'), 'display_exception')
        run = self.env['cobranza.run'].search([('company_id', '=', self.company.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual((run.state, run.trigger), ('failed', 'cron'))
        self.assertIn("x_gone_field", run.log)
        self.assertTrue(run.ended_at)
        activities = self._failure_activities(run)
        self.assertIn(self.env.user, activities.user_id)
        self.assertNotIn(self.supervisor, activities.user_id, "supervisors are not collection administrators")
        self.assertEqual(set(activities.mapped('summary')), {"Collection run failed"})
        self.assertIn("x_gone_field", activities[0].note)
        self.assertFalse(invoices.filtered('cobranza_stage_id'))
        # Repaired, the next run is a new one: a failed run is not resumed.
        policy.partner_domain = "[('is_company', '=', True)]"
        again = self._run()
        self.assertNotEqual(again, run)
        self.assertEqual((again.state, again.evaluated_count), ('done', 2))

    def test_crash_of_a_manual_run(self):
        """A manual run that crashes leaves the user's transaction as it was; the run is failed with the
        error, committed apart, the administrators told, and the error raised to the user."""
        invoices = self._invoices((5, 70))
        Run = self.registry['cobranza.run']

        def crash(run, _context):
            run.env.cr.execute("SELECT 1 / 0")

        error = None
        # Not assertRaises: it would roll back what the failure committed.
        with patch.object(Run, '_update_accounts', crash), self.enter_registry_test_mode(), \
                freeze_time(f'{self.run_date} 18:00:00'):
            try:
                self.env['cobranza.run'].with_company(self.company).action_run_now()
            except psycopg2.Error as e:
                error = e
        self.assertIsNotNone(error)
        self.assertEqual(error.pgcode, '22012', "the run's own error is raised")
        run = self.env['cobranza.run'].search([('company_id', '=', self.company.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual((run.state, run.trigger, run.date), ('failed', 'manual', self.run_date))
        self.assertIn("division by zero", run.log)
        self.assertIn(self.env.user, self._failure_activities(run).user_id)
        self.assertFalse(invoices.filtered('cobranza_stage_id'), "the placement was rolled back")
        self.assertFalse(self._stage_notes(invoices))

    # ------------------------------------------------------------------
    # Concurrency errors in a batch
    # ------------------------------------------------------------------
    def _conflicting_place(self, conflicts):
        """Patch ``_place`` so that its first ``conflicts`` calls meet a serialization failure, raised by
        PostgreSQL as when another transaction changed an invoice after this one's snapshot."""
        Run = self.registry['cobranza.run']
        place = Run._place
        calls = []

        def place_after_conflicts(run, selection, context):
            calls.append(selection)
            if len(calls) <= conflicts:
                run.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent update' "
                    "USING ERRCODE = 'serialization_failure'; END $$")
            return place(run, selection, context)

        return patch.object(Run, '_place', place_after_conflicts), calls

    def test_serialization_failure_in_a_scheduled_batch_is_retried(self):
        """A serialization failure is no invoice's error: the scheduled run places the batch again in a
        new transaction; no invoice gets an error note and the run has no error."""
        invoices = self._invoices_placed_yesterday()
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', 3)
        conflicting, calls = self._conflicting_place(2)
        with conflicting:
            run = self._scheduled_run(self.run_date)
        self.assertEqual(len(calls), 5, "the first batch placed three times, then the two others")
        self.assertEqual((run.state, run.evaluated_count, run.changed_count, run.error_count), ('done', 7, 7, 0))
        self.assertFalse(run.log)
        self.assertFalse(self._error_notes(invoices))
        self.assertEqual(len(self._stage_notes(invoices)), 7)
        self.assertEqual(len(self._history_of_the_day(invoices)), 7)

    def test_serialization_failure_in_a_manual_run_is_retried_by_odoo(self):
        """In a manual run the error reaches Odoo's request retry (a new transaction), unchanged:
        no invoice gets an error note, and the retried request places every invoice once."""
        invoices = self._invoices_placed_yesterday()
        conflicting, calls = self._conflicting_place(2)
        with conflicting, self.enter_registry_test_mode(), self.registry.cursor() as cr:
            env = self.env(cr=cr)
            run = retrying(lambda: env['cobranza.run']._run_for_company(self.company, run_date=self.run_date), env)
            run = run.with_env(self.env)
        self.assertEqual(len(calls), 3, "the request was run three times, with a batch each")
        self.assertEqual((run.state, run.evaluated_count, run.changed_count, run.error_count), ('done', 7, 7, 0))
        self.assertFalse(self._error_notes(invoices))
        self.assertEqual(len(self._stage_notes(invoices)), 7)
        self.assertEqual(self.env['cobranza.run'].search_count([('company_id', '=', self.company.id),
                                                                ('date', '=', self.run_date)]), 1)
