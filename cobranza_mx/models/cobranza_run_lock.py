"""One run per company at a time, the runs left running by a worker that stopped, and the failed runs.

The lock is a PostgreSQL advisory lock keyed on the company, taken by
:meth:`cobranza.run._run_for_company` before the run reads anything: transaction-level for a
manual run (released when the user's transaction ends), session-level on the cron's connection
for a scheduled run, which commits between its batches (released when the run ends, or by
PostgreSQL when the connection of a worker that died is closed). The orchestration is in
:mod:`.cobranza_run`.
"""
import logging
import zlib

import psycopg2
from markupsafe import Markup
from odoo import fields, models
from odoo.tools import SQL, format_date, format_datetime

_logger = logging.getLogger(__name__)

# First key of the advisory locks of the runs (the second is the company id).
RUN_LOCK_KEY = zlib.crc32(b'cobranza.run') & 0x7FFFFFFF


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaRun(models.Model):
    _inherit = 'cobranza.run'

    # ------------------------------------------------------------------
    # The lock
    # ------------------------------------------------------------------
    def _lock_company(self, company, session=False):
        """Take the run lock of ``company`` without waiting; return whether it is held now.

        :param session: hold it on this connection until :meth:`_unlock_company` (across commits);
            otherwise until the end of the current transaction.
        """
        function = SQL('pg_try_advisory_lock' if session else 'pg_try_advisory_xact_lock')
        [(locked,)] = self.env.execute_query(SQL("SELECT %s(%s, %s)", function, RUN_LOCK_KEY, company.id))
        return locked

    def _unlock_company(self, company):
        """Release the session-level run lock of ``company`` taken by :meth:`_lock_company`.

        The connection goes back to Odoo's pool: the lock must not stay with it, even when the
        transaction was left aborted by an error on its way out.
        """
        unlock = SQL("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_KEY, company.id)
        try:
            self.env.cr.execute(unlock)
        except psycopg2.errors.InFailedSqlTransaction:
            self.env.cr.rollback()
            self.env.cr.execute(unlock)

    def _in_progress_message(self, company):
        """The message of a manual run refused because another run of ``company`` holds the lock."""
        # A scheduled run is committed from its start; a manual one is not visible before it ends.
        run = self.search([('company_id', '=', company.id), ('state', '=', 'running')],
                          order='started_at desc, id desc', limit=1)
        if run:
            return self.env._(
                "A collection run of %(company)s is in progress since %(time)s, started by %(user)s. "
                "Wait for it to end; run it again afterwards if needed.",
                company=company.name, time=format_datetime(self.env, run.started_at, dt_format='short'),
                user=run.user_id.name)
        return self.env._(
            "A collection run of %(company)s is in progress. Wait for it to end; run it again afterwards if needed.",
            company=company.name)

    # ------------------------------------------------------------------
    # Runs left running, failed runs
    # ------------------------------------------------------------------
    def _fail_interrupted_runs(self, company, run_date):
        """Mark failed the runs of ``company`` of a date before ``run_date`` left running.

        Called with the company's run lock held: no worker is running them any more.
        """
        interrupted = self.search([('company_id', '=', company.id), ('state', '=', 'running'),
                                   ('date', '<', run_date)])
        for run in interrupted:
            run._fail(self.env._(
                "Interrupted: the worker running it stopped before it ended; the run of %(date)s replaces it.",
                date=format_date(self.env, run_date)))

    def _record_crash(self, run_id, values, error):
        """Mark the run ``run_id`` failed with ``error``, in a transaction of its own.

        The transaction that ran it is rolled back (a manual run's, with the run itself when it
        was created there): the failed run is then created from ``values``.
        """
        line = self.env._("The run stopped on an error: %(error)s", error=f"{type(error).__name__}: {error}".strip())
        try:
            with self.env.registry.cursor() as cr:
                Run = self.with_env(self.env(cr=cr))
                run = Run.browse(run_id).exists() if run_id else Run
                (run or Run.with_context(tracking_disable=True).create(values))._fail(line)
        except Exception:  # pylint: disable=broad-exception-caught
            # Whatever prevents recording it, the run's own error is the one raised.
            _logger.exception("Collection run of company %s: the failure could not be recorded",
                              values['company_id'])

    def _fail(self, line):
        """Mark these runs failed with ``line`` in their log; each company's collection administrators
        get an activity on the run."""
        now = fields.Datetime.now()
        for run in self:
            run.write({'state': 'failed', 'ended_at': now, 'log': "\n".join(filter(None, [run.log, line]))})
            run._notify_administrators(line)

    def _notify_administrators(self, line):
        """An activity on this run for each collection administrator of its company."""
        self.ensure_one()
        administrators = self.env['res.users'].search([
            ('all_group_ids', 'in', self.env.ref('cobranza_mx.group_cobranza_manager').id),
            ('company_ids', 'in', self.company_id.id), ('share', '=', False)])
        for user in administrators:
            run = self.with_context(lang=user.lang)
            run.activity_schedule(
                'mail.mail_activity_data_todo', user_id=user.id,
                summary=run.env._("Collection run failed"), note=Markup("<p>%s</p>") % line)
