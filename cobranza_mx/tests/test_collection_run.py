import threading
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import release_test_lock
from odoo.tools import SQL

from odoo.addons.cobranza_mx.tools.stages import place_invoice, sort_rules

from .common import CobranzaCommon


@tagged('post_install', '-at_install')
class TestCollectionRun(CobranzaCommon):

    def _due_for(self, days_overdue):
        return self.run_date - timedelta(days=days_overdue)

    def test_one_definition_of_an_invoice_in_collection(self):
        """The SQL condition of the run and the reminders and the python check agree, case by case."""
        overdue = self._due_for(30)
        open_invoice = self._invoice(self.customer_a, overdue)
        partly_paid = self._invoice(self.customer_a, overdue)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=partly_paid.ids) \
            .create({'payment_date': self.run_date, 'amount': 400.0})._create_payments()
        paid = self._invoice(self.customer_a, overdue)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=paid.ids) \
            .create({'payment_date': self.run_date})._create_payments()
        draft = self._invoice(self.customer_a, overdue, post=False)
        cancelled = self._invoice(self.customer_a, overdue)
        cancelled.button_cancel()
        refund = self.env['account.move'].create({
            'move_type': 'out_refund', 'partner_id': self.customer_a.id, 'invoice_date': self.run_date,
            'invoice_line_ids': [Command.create({'name': 'Nota de crédito', 'price_unit': 100.0,
                                                 'tax_ids': [Command.clear()]})]})
        refund.action_post()
        moves = open_invoice | partly_paid | paid | draft | cancelled | refund
        self.env.flush_all()
        in_sql = {row[0] for row in self.env.execute_query(SQL(
            "SELECT m.id FROM account_move m WHERE m.id = ANY(%s) AND %s",
            moves.ids, self.env['account.move']._cobranza_open_sql('m', self.company)))}
        in_python = set(moves.filtered(lambda m: m._cobranza_is_open()).ids)
        self.assertEqual(in_sql, {open_invoice.id, partly_paid.id})
        self.assertEqual(in_python, in_sql)
        other_company = self.env['account.move']._cobranza_open_sql(
            'm', self.env['res.company'].create({'name': 'Otra Empresa S.A. de C.V.'}))
        self.assertFalse(self.env.execute_query(SQL(
            "SELECT m.id FROM account_move m WHERE m.id = ANY(%s) AND %s", moves.ids, other_company)))

    def test_stage_boundaries(self):
        """Both sides of every threshold of the default policy, including before the due date."""
        expected = {
            -6: False, -5: self.stage_preventive, 0: self.stage_preventive, 1: self.stage_administrative,
            60: self.stage_administrative, 61: self.stage_extrajudicial, 180: self.stage_extrajudicial,
            181: self.stage_judicial, 365: self.stage_judicial, 366: self.stage_uncollectable,
        }
        invoices = {days: self._invoice(self.customer_a, self._due_for(days)) for days in expected}
        run = self._run()
        for days, stage in expected.items():
            invoice = invoices[days]
            self.assertEqual(invoice.cobranza_stage_id, stage or self.env['cobranza.stage'],
                             f"{days} days overdue")
            self.assertEqual(invoice.with_context(cobranza_date=self.run_date).cobranza_days_overdue, days)
            self.assertEqual(invoice.cobranza_policy_id, self.policy)
            self.assertEqual(invoice.cobranza_stage_date, self.run_date if stage else False)
        self.assertEqual(run.state, 'done')
        self.assertEqual(run.evaluated_count, len(expected))
        self.assertEqual(run.changed_count, len(expected) - 1)
        account = invoices[0].cobranza_account_id
        self.assertEqual(account.stage_id, self.stage_uncollectable)
        self.assertEqual(account.total_due, 1000.0 * len(expected))
        self.assertEqual(account.total_overdue, 1000.0 * len([d for d in expected if d > 0]))
        self.assertEqual(account.oldest_overdue_days, 366)
        self.assertEqual(account.open_invoice_count, len(expected))
        self.assertEqual(account.overdue_bucket, '365_plus')
        self.assertEqual(self.customer_a.cobranza_stage_id, self.stage_uncollectable)

    def test_cron_moves_invoices_day_by_day(self):
        """The real cron, on two consecutive days, moves an invoice across a threshold."""
        invoice = self._invoice(self.customer_a, self._due_for(60))
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_daily_run')
        with freeze_time(f'{self.run_date} 08:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(invoice.cobranza_stage_id, self.stage_administrative)
        with freeze_time(f'{self.run_date + timedelta(days=1)} 08:00:00'), self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertEqual(invoice.cobranza_stage_id, self.stage_extrajudicial)
        self.assertEqual(invoice.cobranza_stage_date, self.run_date + timedelta(days=1))
        history = invoice.cobranza_history_ids.sorted('id')
        self.assertEqual(history.mapped('to_stage_id'), self.stage_administrative + self.stage_extrajudicial)
        self.assertEqual(history[-1].from_stage_id, self.stage_administrative)
        runs = self.env['cobranza.run'].search([('company_id', '=', self.company.id)])
        self.assertEqual(set(runs.mapped('trigger')), {'cron'})
        self.assertEqual(sorted(runs.mapped('date')), [self.run_date, self.run_date + timedelta(days=1)])
        # The change is in the chatter.
        self.assertIn('Extrajudicial', invoice.message_ids[0].body)

    def test_partial_payment_and_minimum_amount(self):
        self.stage_judicial.min_amount = 600.0
        invoice = self._invoice(self.customer_a, self._due_for(200), amount=1000.0)
        self._run()
        self.assertEqual(invoice.cobranza_stage_id, self.stage_judicial)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids).create(
            {'amount': 500.0, 'payment_date': self.run_date}
        )._create_payments()
        self.assertEqual(invoice.payment_state, 'partial')
        self._run(self.run_date + timedelta(days=1))
        # 500 left: below the judicial minimum, back to the extrajudicial stage.
        self.assertEqual(invoice.cobranza_stage_id, self.stage_extrajudicial)
        self.assertEqual(invoice.cobranza_account_id.total_due, 500.0)

    def test_paid_and_credited_invoices_leave_collection(self):
        paid = self._invoice(self.customer_a, self._due_for(10))
        credited = self._invoice(self.customer_a, self._due_for(20))
        cancelled = self._invoice(self.customer_a, self._due_for(30))
        kept = self._invoice(self.customer_a, self._due_for(40))
        self._run()
        self.assertTrue(all((paid + credited + cancelled + kept).mapped('cobranza_stage_id')))
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=paid.ids).create(
            {'payment_date': self.run_date})._create_payments()
        reversal = self.env['account.move.reversal'].with_context(
            active_model='account.move', active_ids=credited.ids).create({
                'journal_id': credited.journal_id.id, 'date': self.run_date, 'reason': 'Devolución'})
        reversal.refund_moves()
        refund = self.env['account.move'].search([('reversed_entry_id', '=', credited.id)])
        refund.action_post()
        if credited.amount_residual:
            (refund + credited).line_ids.filtered(
                lambda line: line.account_type == 'asset_receivable' and not line.reconciled).reconcile()
        self.assertFalse(credited.amount_residual)
        cancelled.button_draft()
        cancelled.button_cancel()
        run = self._run(self.run_date + timedelta(days=1))
        self.assertEqual(run.closed_count, 3)
        for invoice in paid + credited + cancelled:
            self.assertFalse(invoice.cobranza_stage_id)
            self.assertEqual(invoice.cobranza_history_ids.sorted('id')[-1].reason, 'closed')
        self.assertEqual(kept.cobranza_stage_id, self.stage_administrative)
        account = kept.cobranza_account_id
        self.assertEqual(account.total_due, 1000.0)
        self.assertEqual(account.open_invoice_count, 1)
        self.assertFalse(refund.cobranza_stage_id, "credit notes are not collected")

    def test_usd_invoice_in_mxn_company(self):
        usd = self.env.ref('base.USD')
        usd.active = True
        self.env['res.currency.rate'].create({
            'name': self.run_date - timedelta(days=100), 'rate': 1 / 18.5, 'currency_id': usd.id,
            'company_id': self.company.id})
        invoice = self._invoice(self.customer_b, self._due_for(45), amount=100.0, currency=usd,
                                invoice_date=self.run_date - timedelta(days=50))
        self._run()
        self.assertEqual(invoice.cobranza_stage_id, self.stage_administrative)
        self.assertEqual(invoice.cobranza_account_id.currency_id, self.company.currency_id)
        self.assertAlmostEqual(invoice.cobranza_account_id.total_due, 1850.0, places=2)

    def test_exclusion_keeps_invoice_out_of_the_run(self):
        invoice = self._invoice(self.customer_a, self._due_for(60))
        self._run()
        self.assertEqual(invoice.cobranza_stage_id, self.stage_administrative)
        with self.assertRaises(UserError):
            invoice.with_user(self.collector_1)._cobranza_set_exclusion('dispute')
        wizard = self.env['cobranza.exclusion.wizard'].with_user(self.supervisor).create({
            'move_ids': [Command.set(invoice.ids)], 'reason': 'dispute', 'note': 'Mercancía dañada'})
        wizard.action_exclude()
        self.assertTrue(invoice.cobranza_excluded)
        self.assertEqual(invoice.cobranza_exclusion_reason, 'dispute')
        run = self._run(self.run_date + timedelta(days=5))
        self.assertEqual(invoice.cobranza_stage_id, self.stage_administrative, "an excluded invoice does not move")
        self.assertEqual(run.excluded_count, 1)
        self.assertEqual(run.changed_count, 0)
        invoice.action_cobranza_include()
        self._run(self.run_date + timedelta(days=6))
        self.assertEqual(invoice.cobranza_stage_id, self.stage_extrajudicial)

    def test_policy_selection_by_segment_and_priority(self):
        vip = self.env['cobranza.segment'].create({'name': 'VIP', 'code': 'VIP'})
        self.customer_b.cobranza_segment_id = vip
        vip_policy = self.env['cobranza.policy'].create({
            'name': 'VIP', 'sequence': 5, 'partner_domain': f"[('cobranza_segment_id', '=', {vip.id})]",
            'stage_ids': [Command.create({'name': 'Gentle', 'code': 'administrative', 'days_from': 30})],
        })
        big_policy = self.env['cobranza.policy'].create({
            'name': 'Big tickets', 'sequence': 10, 'invoice_domain': "[('amount_total', '>=', 50000)]",
            'stage_ids': [Command.create({'name': 'Big overdue', 'code': 'extrajudicial', 'days_from': 1})],
        })
        small_a = self._invoice(self.customer_a, self._due_for(10))
        big_a = self._invoice(self.customer_a, self._due_for(10), amount=60000.0)
        big_b = self._invoice(self.customer_b, self._due_for(10), amount=60000.0)
        override = self._invoice(self.customer_c, self._due_for(10), amount=60000.0)
        self._run()
        self.assertEqual(small_a.cobranza_policy_id, self.policy)
        self.assertEqual(big_a.cobranza_policy_id, big_policy)
        self.assertEqual(big_a.cobranza_stage_id.name, 'Big overdue')
        self.assertEqual(big_b.cobranza_policy_id, vip_policy, "the VIP policy comes first")
        self.assertFalse(big_b.cobranza_stage_id, "10 days is before the VIP policy's first stage")
        # An override on the customer's account wins over every segment.
        override.cobranza_account_id.policy_id = vip_policy
        self._run(self.run_date + timedelta(days=1))
        self.assertEqual(override.cobranza_policy_id, vip_policy)
        with self.assertRaises(ValidationError):
            vip_policy.partner_domain = "[('no_such_field', '=', 1)]"

    def test_idempotent_second_run(self):
        invoices = self.env['account.move']
        for days in (-3, 5, 70, 200, 400):
            invoices |= self._invoice(self.customer_a, self._due_for(days))
            invoices |= self._invoice(self.customer_b, self._due_for(days + 1))
        first = self._run()
        self.assertEqual(first.changed_count, 10)
        history_count = self.env['cobranza.stage.history'].search_count([])
        snapshot = invoices.read(['cobranza_stage_id', 'cobranza_stage_date', 'cobranza_priority',
                                  'cobranza_next_action_date', 'cobranza_days_overdue'])
        accounts = invoices.cobranza_account_id
        account_snapshot = accounts.read(['stage_id', 'total_due', 'total_overdue', 'priority', 'stage_date'])
        self.env.invalidate_all()
        second = self._run()
        self.assertNotEqual(first, second)
        self.assertEqual((second.changed_count, second.account_count, second.closed_count), (0, 0, 0))
        self.assertEqual(second.evaluated_count, 10)
        self.assertEqual(self.env['cobranza.stage.history'].search_count([]), history_count)
        self.assertEqual(invoices.read(['cobranza_stage_id', 'cobranza_stage_date', 'cobranza_priority',
                                        'cobranza_next_action_date', 'cobranza_days_overdue']), snapshot)
        self.assertEqual(accounts.read(['stage_id', 'total_due', 'total_overdue', 'priority', 'stage_date']),
                         account_snapshot)

    def test_interrupted_run_resumes(self):
        """A scheduled run stopped after one batch (``max_batches``) resumes to a full run's result."""
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', 3)
        invoices = self.env['account.move']
        for days in (1, 2, 62, 63, 200, 201, 400):
            invoices |= self._invoice(self.customer_a if days % 2 else self.customer_b, self._due_for(days))
        # As the cron does: committing, each batch placed in a transaction of its own.
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            partial = self.env(cr=cr)['cobranza.run']._run_for_company(
                self.company, run_date=self.run_date, commit=True, max_batches=1)
            partial = partial.with_env(self.env)
        self.assertEqual(partial.state, 'running')
        self.assertEqual(partial.evaluated_count, 3)
        self.assertEqual(partial.last_move_id, invoices.sorted('id')[2].id)
        self.assertEqual(len(invoices.filtered('cobranza_stage_id')), 3)
        resumed = self._run()
        self.assertEqual(resumed, partial, "the same run record is resumed")
        self.assertEqual(resumed.state, 'done')
        self.assertEqual(resumed.evaluated_count, 7)
        self.assertEqual(resumed.changed_count, 7)
        self.assertTrue(all(invoices.mapped('cobranza_stage_id')))
        self.assertEqual(self.env['cobranza.stage.history'].search_count([('move_id', 'in', invoices.ids)]), 7)
        self.assertEqual(invoices.with_context(cobranza_date=self.run_date)
                         .filtered(lambda m: m.cobranza_days_overdue == 400).cobranza_stage_id,
                         self.stage_uncollectable)

    @contextmanager
    def _scheduled_run_in_test_transaction(self, remaining_times=()):
        """Let a scheduled run (``commit=True``) work in the test transaction, one thread at a time.

        The run's own cursor is the test cursor: its checkpoints flush instead of committing and
        return the cron's remaining time from ``remaining_times`` (then: plenty). Its batches get
        test cursors of their own, which the worker threads, if any, take one at a time.
        """
        Run = self.registry['cobranza.run']
        one_at_a_time = threading.RLock()
        remaining_times = iter(remaining_times)
        place_committed, record_batches = Run._place_committed, Run._record_batches

        def checkpoint(run, _commit):
            with one_at_a_time:
                run.env.flush_all()
            return next(remaining_times, float('inf'))

        def place(run, *args):
            with one_at_a_time:
                return place_committed(run, *args)

        def record(run, *args):
            with one_at_a_time:
                return record_batches(run, *args)

        with patch.object(Run, '_checkpoint', checkpoint), patch.object(Run, '_place_committed', place), \
                patch.object(Run, '_record_batches', record), self.enter_registry_test_mode(), release_test_lock():
            yield
        # The batches were written through other cursors.
        self.env.invalidate_all()

    def test_batches_ending_out_of_order(self):
        """Batches placed at the same time end in any order: each is recorded once those before it are.

        Then the run is killed after its third batch ended but before the first two did: it
        resumes from the start, places the third batch again without a second history row, and
        counts every invoice and stage change once.
        """
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', 2)
        invoices = self.env['account.move']
        for days in (1, 62, 63, 200, 201, 400):
            invoices |= self._invoice(self.customer_a if days % 2 else self.customer_b, self._due_for(days))
        Run = self.registry['cobranza.run']
        uppers = invoices.sorted('id')[1::2].ids

        def second_first_third_last(run, bounds, context, _stop):
            for index in (1, 0, 2):
                yield index, *run._place_committed(*bounds[index], context)

        recorded = []
        record_batches = Run._record_batches

        def record(run, upper, counters, errors):
            recorded.append((upper, counters['evaluated'], counters['changed']))
            return record_batches(run, upper, counters, errors)

        with self._scheduled_run_in_test_transaction(), \
                patch.object(Run, '_place_in_transactions', second_first_third_last), \
                patch.object(Run, '_record_batches', record):
            run = self.env['cobranza.run']._run_for_company(self.company, run_date=self.run_date, commit=True)
        self.assertEqual(recorded, [(uppers[1], 4, 4), (uppers[2], 2, 2)])
        self.assertEqual((run.state, run.last_move_id, run.evaluated_count, run.changed_count),
                         ('done', uppers[2], 6, 6))

        # The next day, the third batch ends and the run is killed before the first two end. A killed
        # worker runs no exception handler: not an Exception, which would be a crash (a failed run).
        class WorkerKilled(BaseException):
            pass

        def third_batch_then_killed(run, bounds, context, _stop):
            yield 2, *run._place_committed(*bounds[2], context)
            raise WorkerKilled

        next_day = self.run_date + timedelta(days=1)
        self.env.cr.execute("UPDATE account_move SET invoice_date_due = invoice_date_due - 300 WHERE id IN %s",
                            [tuple(invoices.ids)])
        invoices.invalidate_recordset(['invoice_date_due'])
        killed = False
        # Not assertRaises: it would roll back what the killed run committed.
        with self._scheduled_run_in_test_transaction(), \
                patch.object(Run, '_place_in_transactions', third_batch_then_killed):
            try:
                self.env['cobranza.run']._run_for_company(self.company, run_date=next_day, commit=True)
            except WorkerKilled:
                killed = True
        self.assertTrue(killed)
        killed_run = self.env['cobranza.run'].search([('company_id', '=', self.company.id), ('date', '=', next_day)])
        self.assertEqual((killed_run.state, killed_run.last_move_id, killed_run.evaluated_count),
                         ('running', 0, 0), "the third batch is not recorded before the first two")
        last_two = invoices.sorted('id')[4:]
        self.assertEqual(last_two.mapped('cobranza_stage_id'), self.stage_uncollectable)
        self.assertNotIn(self.stage_uncollectable, (invoices - last_two).mapped('cobranza_stage_id'))

        resumed = self._run(next_day)
        self.assertEqual(resumed, killed_run)
        self.assertEqual((resumed.state, resumed.evaluated_count), ('done', 6))
        # 302, 363, 364 days: judicial (3 changes); 501, 502: uncollectable (2 changes); 701: no change.
        self.assertEqual([invoice.cobranza_stage_id.code for invoice in invoices.sorted('id')],
                         ['judicial'] * 3 + ['uncollectable'] * 3)
        history = self.env['cobranza.stage.history'].search([('run_id', '=', resumed.id)])
        self.assertEqual(len(history), 5)
        self.assertEqual(len(history.move_id), 5, "one history row per invoice that changed")
        self.assertEqual(resumed.changed_count, 5)

    def test_scheduled_run_in_worker_threads(self):
        """Worker threads place a scheduled run's batches; when the cron's time is up no batch
        starts, the batches running are recorded as they end, and the next call finishes the run."""
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_batch_size', 2)
        self.env['ir.config_parameter'].set_param('cobranza_mx.run_workers', 2)
        invoices = self.env['account.move']
        for days in (1, 2, 62, 63, 200, 201, 400):
            invoices |= self._invoice(self.customer_a if days % 2 else self.customer_b, self._due_for(days))
        Run = self.registry['cobranza.run']
        threads = set()
        place_range = Run._place_range

        def place_range_spy(run, *args):
            threads.add(threading.current_thread().name)
            return place_range(run, *args)

        # Time is up after the first batch ends (the first checkpoint is the run's, before its batches).
        with self._scheduled_run_in_test_transaction(remaining_times=[100.0, 0.0, 0.0, 0.0]), \
                patch.object(Run, '_can_place_in_parallel', lambda run: True), \
                patch.object(Run, '_place_range', place_range_spy):
            partial = self.env['cobranza.run']._run_for_company(self.company, run_date=self.run_date, commit=True)
        self.assertTrue(threads)
        self.assertTrue(all(name.startswith(f'cobranza_run_{partial.id}') for name in threads), threads)
        # Two batches were running when the time was up: both are recorded, the third never started.
        self.assertEqual((partial.state, partial.evaluated_count, partial.last_move_id),
                         ('running', 4, invoices.sorted('id')[3].id))
        self.assertEqual(len(invoices.filtered('cobranza_stage_id')), 4)

        with self._scheduled_run_in_test_transaction(), \
                patch.object(Run, '_can_place_in_parallel', lambda run: True):
            resumed = self.env['cobranza.run']._run_for_company(self.company, run_date=self.run_date, commit=True)
        self.assertEqual(resumed, partial)
        self.assertEqual((resumed.state, resumed.evaluated_count, resumed.changed_count), ('done', 7, 7))
        self.assertEqual(self.env['cobranza.stage.history'].search_count([('move_id', 'in', invoices.ids)]), 7)
        self.assertTrue(all(invoices.mapped('cobranza_stage_id')))

    def test_stage_actions_and_failing_record(self):
        """Entering a stage schedules the collector's activity; an account that fails is logged and skipped."""
        action = self.env.ref('cobranza_mx.stage_action_extrajudicial_call')
        action.active = True
        self.env['cobranza.account']._ensure_accounts(self.company, [self.customer_a.id, self.customer_b.id])
        account_a = self.env['cobranza.account'].search([('partner_id', '=', self.customer_a.id)])
        account_a.collector_id = self.collector_1
        self._invoice(self.customer_a, self._due_for(70))
        self._invoice(self.customer_b, self._due_for(70))  # no collector, no fallback: fails
        run = self._run(actions=False)
        self.assertEqual(run.state, 'done')
        self.assertEqual(run.queued_action_count, 2)
        self.assertFalse(account_a.activity_ids, "the run queues the actions, their cron executes them")
        self.assertEqual(account_a.action_stage_id, self.stage_extrajudicial)
        cron = self.env.ref('cobranza_mx.ir_cron_cobranza_stage_actions')
        with self.enter_registry_test_mode():
            cron.method_direct_trigger()
        self.assertFalse(account_a.action_stage_id, "the queue is emptied")
        self.assertEqual(run.error_count, 1)
        self.assertEqual(run.action_count, 1)
        activity = account_a.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.collector_1)
        self.assertEqual(activity.activity_type_id, self.env.ref('mail.mail_activity_data_call'))
        self.assertEqual(activity.date_deadline, self.run_date + timedelta(days=2))
        account_b = self.env['cobranza.account'].search([('partner_id', '=', self.customer_b.id)])
        self.assertFalse(account_b.activity_ids)
        self.assertIn('no collector', account_b.message_ids[0].body)
        self.assertEqual(account_b.stage_id, self.stage_extrajudicial, "the failing action did not block the run")
        # The next run does not schedule the activity again.
        self._run(self.run_date + timedelta(days=1))
        self.assertEqual(len(account_a.activity_ids), 1)

    def test_run_agrees_with_the_stage_rules(self):
        """The set-based run places every invoice where tools.stages places it, amounts and ties included."""
        policy = self.env['cobranza.policy'].create({
            'name': 'Montos', 'sequence': 1, 'partner_domain': f"[('id', '=', {self.customer_c.id})]",
            'stage_ids': [Command.create({'name': name, 'code': code, 'days_from': days, 'min_amount': amount,
                                          'sequence': sequence})
                          for name, code, days, amount, sequence in (
                              ('Aviso', 'preventive', -3, 0.0, 10),
                              ('Llamada', 'administrative', 1, 500.0, 10),
                              ('Carta', 'administrative', 1, 0.0, 20),
                              ('Despacho', 'extrajudicial', 30, 5000.0, 10),
                              ('Demanda', 'judicial', 90, 20000.0, 10))]})
        rules = sort_rules(policy.stage_ids._as_rules())
        cases = [(days, amount) for days in (-4, -3, 0, 1, 29, 30, 89, 90, 400)
                 for amount in (100.0, 500.0, 4999.99, 5000.0, 25000.0)]
        invoices = [self._invoice(self.customer_c, self._due_for(days), amount=amount) for days, amount in cases]
        self._run()
        for (days, amount), invoice in zip(cases, invoices, strict=True):
            expected = place_invoice(rules, invoice.invoice_date_due, self.run_date, amount)
            self.assertEqual(invoice.cobranza_policy_id, policy)
            self.assertEqual(invoice.cobranza_stage_id.id or None, expected.stage_id, f"{days} days, {amount}")
            self.assertEqual(invoice.cobranza_next_action_date or None, expected.next_action_date,
                             f"{days} days, {amount}")
            self.assertEqual(invoice.with_context(cobranza_date=self.run_date).cobranza_priority, expected.priority)
        # The searchable days overdue agree with the stored stages.
        overdue_90 = self.env['account.move'].with_context(cobranza_date=self.run_date).search(
            [('id', 'in', [i.id for i in invoices]), ('cobranza_days_overdue', '>=', 90)])
        self.assertEqual(len(overdue_90), 10)

    def test_queued_action_of_an_account_that_left_the_stage(self):
        """An account paid before the stage actions cron gets to it has nothing left to do."""
        self.env.ref('cobranza_mx.stage_action_extrajudicial_call').write({
            'active': True, 'activity_user_id': self.supervisor.id})
        invoice = self._invoice(self.customer_a, self._due_for(70))
        run = self._run(actions=False)
        account = invoice.cobranza_account_id
        self.assertEqual(account.action_stage_id, self.stage_extrajudicial)
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=invoice.ids).create(
            {'payment_date': self.run_date})._create_payments()
        self._run(self.run_date + timedelta(days=1), actions=False)
        self.env['cobranza.stage.action']._process_queue()
        self.assertFalse(account.stage_id)
        self.assertFalse(account.activity_ids)
        self.assertFalse(account.action_stage_id)
        self.assertEqual((run.action_count, run.error_count), (0, 0))

    def test_new_account_activity_goes_to_its_assigned_collector(self):
        """The run assigns a new account before the actions of the stage it enters: its collector gets the task."""
        self.env.ref('cobranza_mx.stage_action_extrajudicial_call').active = True
        self.env['cobranza.assignment.rule'].create({
            'name': 'Todos', 'collector_ids': [Command.set(self.collector_2.ids)]})
        invoice = self._invoice(self.customer_c, self._due_for(70))
        run = self._run()
        account = invoice.cobranza_account_id
        self.assertEqual(account.collector_id, self.collector_2)
        self.assertEqual(account.activity_ids.user_id, self.collector_2)
        self.assertEqual(run.error_count, 0)

    def test_run_now_button(self):
        self._invoice(self.customer_a, self._due_for(3))
        self.env.user.tz = 'America/Mexico_City'
        with freeze_time(f'{self.run_date} 18:00:00'):
            action = self.env['cobranza.run'].with_company(self.company).action_run_now()
        run = self.env['cobranza.run'].browse(action['res_id'])
        self.assertEqual(run.evaluated_count, 1)
        self.assertEqual(run.trigger, 'manual')
        self.assertEqual(run.date, self.run_date)
        # Named by company, date and start (user's time zone: 18:00 UTC is 12:00 in Mexico City), and so titled.
        self.assertEqual(run.name, f'{self.company.name} · {self.run_date} · 12:00')
        self.assertEqual(action['name'], f'Collection run {self.company.name} · {self.run_date} · 12:00')
        self.assertGreaterEqual(run.duration, 0.0)
        self.assertLess(run.duration, 60.0)
        with freeze_time(f'{self.run_date} 19:30:00'):
            later = self.env['cobranza.run']._run_for_company(self.company, trigger='manual', run_date=self.run_date)
        self.assertNotEqual(later.name, run.name, "two runs of one day are told apart")
        with self.assertRaises(UserError):
            self.env['cobranza.run'].with_user(self.supervisor).action_run_now()

    def test_query_count_does_not_grow(self):
        """The number of SQL queries of a run is the same for 20 and for 200 invoices."""
        self.env.ref('cobranza_mx.stage_action_extrajudicial_call').write({
            'active': True, 'activity_user_id': self.supervisor.id})

        def queries_for(count, evaluated):
            partners = self.env['res.partner'].create([{'name': f'Cliente {count}-{i}'} for i in range(count)])
            for i, partner in enumerate(partners):
                self._invoice(partner, self.run_date - timedelta(days=(i * 7) % 500 - 10))
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            run = self._run()
            self.env.flush_all()
            self.assertEqual(run.evaluated_count, evaluated)
            self.assertTrue(run.action_count)
            return self.env.cr.sql_log_count - before

        small = queries_for(20, 20)
        # The 20 first invoices are evaluated again (unchanged) with 200 new ones of 200 new customers.
        large = queries_for(200, 220)
        self.assertLessEqual(large, small + 2, f"20 invoices: {small} queries, 200 invoices: {large} queries")


@tagged('post_install', '-at_install')
class TestCollectionSecurity(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        cls.account_b.collector_id = cls.collector_2

    def test_collector_sees_only_assigned(self):
        Account = self.env['cobranza.account'].with_user(self.collector_1)
        self.assertEqual(Account.search([]), self.account_a)
        with self.assertRaises(AccessError):
            self.account_b.with_user(self.collector_1).read(['total_due'])
        Move = self.env['account.move'].with_user(self.collector_1)
        self.assertEqual(Move.search([('move_type', '=', 'out_invoice')]), self.invoice_a)
        with self.assertRaises(AccessError):
            self.invoice_b.with_user(self.collector_1).read(['cobranza_stage_id'])
        history = self.env['cobranza.stage.history'].with_user(self.collector_1).search([])
        self.assertEqual(history.move_id, self.invoice_a)
        # The worklist action's domain gives the same answer.
        action = self.env.ref('cobranza_mx.cobranza_account_action_my')
        self.assertIn('uid', action.domain)
        # A collector can log a note and work activities on their own account, not edit its figures.
        self.account_a.with_user(self.collector_1).message_post(body="Cliente promete pagar el viernes")
        with self.assertRaises(AccessError):
            self.account_a.with_user(self.collector_1).write({'collector_id': self.collector_1.id})
        # The partner form shows the collection data of an assigned customer only.
        self.assertEqual(self.customer_a.with_user(self.collector_1).cobranza_stage_id, self.account_a.stage_id)
        self.assertFalse(self.customer_b.with_user(self.collector_1).cobranza_account_id)

    def test_supervisor_sees_all_and_assigns(self):
        Account = self.env['cobranza.account'].with_user(self.supervisor)
        self.assertEqual(Account.search([]), self.account_a + self.account_b)
        self.assertEqual(self.env['account.move'].with_user(self.supervisor).search(
            [('move_type', '=', 'out_invoice')]), self.invoice_a + self.invoice_b)
        wizard = self.env['cobranza.assign.wizard'].with_user(self.supervisor).with_context(
            active_model='cobranza.account', active_ids=self.account_b.ids).create({
                'collector_id': self.collector_1.id})
        wizard.action_assign()
        self.assertEqual(self.account_b.collector_id, self.collector_1)
        self.assertEqual(self.invoice_b.cobranza_collector_id, self.collector_1, "invoices follow their customer")
        with self.assertRaises(UserError):
            self.account_b.with_user(self.collector_2)._assign_collector(self.collector_2)
        with self.assertRaises(UserError):
            self.account_b.with_user(self.supervisor)._assign_collector(self.supervisor.browse(self.env.uid)
                                                                        .copy({'login': 'not_a_collector',
                                                                               'group_ids': [Command.set([])]}))

    def test_assignment_rules_balance(self):
        zone = self.env['res.country.state'].search([('code', '=', 'BCN'), ('country_id.code', '=', 'MX')], limit=1)
        partners = self.env['res.partner'].create([
            {'name': f'Cliente Tijuana {i}', 'state_id': zone.id, 'country_id': zone.country_id.id}
            for i in range(6)])
        others = self.env['res.partner'].create([{'name': f'Cliente CDMX {i}'} for i in range(2)])
        for i, partner in enumerate(partners + others):
            self._invoice(partner, self.run_date - timedelta(days=10), amount=1000.0 * (i + 1))
        self.env['cobranza.assignment.rule'].create({
            'name': 'Baja California', 'state_ids': [Command.set(zone.ids)],
            'collector_ids': [Command.set((self.collector_1 + self.collector_2).ids)]})
        self.env['cobranza.assignment.rule'].create({
            'name': 'Resto', 'sequence': 20, 'collector_ids': [Command.set(self.supervisor.ids)]})
        (self.account_a + self.account_b).collector_id = False
        self._run()
        accounts = self.env['cobranza.account'].search([('partner_id', 'in', partners.ids)])
        self.assertEqual(len(accounts), 6)
        self.assertEqual(set(accounts.mapped('collector_id')), {self.collector_1, self.collector_2})
        load = {c: sum(accounts.filtered(lambda a, c=c: a.collector_id == c).mapped('total_due'))
                for c in (self.collector_1, self.collector_2)}
        self.assertLessEqual(abs(load[self.collector_1] - load[self.collector_2]), 6000.0)
        self.assertEqual(self.env['cobranza.account'].search([('partner_id', 'in', others.ids)]).collector_id,
                         self.supervisor)
        # Already assigned accounts are kept by the daily run.
        self.assertEqual(self.account_a.collector_id, self.supervisor)

    def test_multi_company_isolation(self):
        other = self.setup_other_company(name='Distribuidora del Sur S.A. de C.V.')['company']
        invoice = self._invoice(self.customer_a, self.run_date - timedelta(days=40), company=other)
        run = self._run(company=other)
        self.assertEqual(run.evaluated_count, 1)
        other_account = invoice.cobranza_account_id
        self.assertEqual(other_account.company_id, other)
        self.assertNotEqual(other_account, self.account_a, "one account per customer and company")
        self.assertEqual(self.account_a.total_due, 1000.0, "the other company's invoice is not counted here")
        supervisor = self.supervisor.with_company(self.company)
        self.assertNotIn(other_account, self.env['cobranza.account'].with_user(supervisor).search([]))
        self.assertEqual(
            self.env['cobranza.run'].with_user(self.supervisor).search([]).company_id, self.company)
