import logging
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

import pytz
from markupsafe import Markup
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.stages import STAGE_CODES, place_invoice, priority_score, sort_rules
from .cobranza_account import aging_bucket

_logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000

# Columns the run writes on account.move, in the order of tools.stages.Placement plus the keys.
MOVE_COLUMNS = (
    ('cobranza_account_id', 'int4'),
    ('cobranza_policy_id', 'int4'),
    ('cobranza_stage_id', 'int4'),
    ('cobranza_stage_date', 'date'),
    ('cobranza_days_overdue', 'int4'),
    ('cobranza_priority', 'numeric'),
    ('cobranza_next_action_date', 'date'),
)
ACCOUNT_COLUMNS = (
    ('stage_id', 'int4'),
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


def _open_invoice_condition(alias, company_id):
    """SQL condition of an invoice still in collection: posted, customer invoice, something left to pay."""
    return SQL(
        "%(a)s.company_id = %(company)s AND %(a)s.move_type = 'out_invoice' AND %(a)s.state = 'posted' "
        "AND %(a)s.amount_residual > 0",
        a=SQL.identifier(alias), company=company_id)


class CobranzaRun(models.Model):
    """One daily evaluation of a company's receivables.

    The run reads open invoices in id order and in batches, places each in its
    policy and stage with :mod:`..tools.stages`, writes only what changed, records
    each stage change, then aggregates the collection accounts and executes the
    actions of the stages that accounts enter. It is idempotent for a given date;
    an interrupted run (cron time limit, killed worker) is resumed from the last
    committed batch by the next run of the same company and date.
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

        :param commit: commit after each batch (cron); a manual run stays in the caller's transaction.
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
        return int(self.env['ir.config_parameter'].sudo().get_param('cobranza_mx.run_batch_size', DEFAULT_BATCH_SIZE))

    def _execute(self, commit=False, max_batches=None):
        self.ensure_one()
        # The run reads with SQL: pending ORM writes (payments, exclusions, overrides) must be in the database.
        self.env.flush_all()
        policies = self.env['cobranza.policy'].search(
            [('company_id', 'in', [False, self.company_id.id])], order='sequence, id')
        context = self._prepare_context(policies)
        batches = 0
        while True:
            rows = self._fetch_batch(self._batch_size())
            if not rows:
                break
            self._process_batch(rows, context)
            batches += 1
            remaining_time = self._checkpoint(commit)
            if (max_batches and batches >= max_batches) or remaining_time <= 0:
                return
        self._close_left_invoices(context)
        entering = self._update_accounts(context)
        # New accounts get their collector before the actions of the stages they enter, which are theirs.
        self.env['cobranza.assignment.rule']._assign(
            self.env['cobranza.account'].search([
                ('company_id', '=', self.company_id.id), ('collector_id', '=', False), ('total_due', '>', 0)]),
            track=False)
        self._run_stage_actions(entering)
        self.write({'state': 'done', 'ended_at': fields.Datetime.now()})
        self._checkpoint(commit)

    def _checkpoint(self, commit):
        self.env.flush_all()
        if commit:
            return self.env['ir.cron']._commit_progress(0)
        return float('inf')

    def _prepare_context(self, policies):
        """Everything the batches need once: stage rules, policy of each invoice, stage names."""
        rules_by_policy = {policy.id: sort_rules(policy.stage_ids._as_rules()) for policy in policies}
        policy_of_move = {}
        catch_all = False
        open_domain = [
            ('company_id', '=', self.company_id.id), ('move_type', '=', 'out_invoice'),
            ('state', '=', 'posted'), ('amount_residual', '>', 0), ('id', '>', self.last_move_id),
        ]
        Move = self.env['account.move'].with_context(active_test=False)
        for policy in policies:
            if policy._is_catch_all():
                catch_all = policy.id
                break
            for move_id in Move.search(open_domain + list(policy._segment_domain()), order='id').ids:
                policy_of_move.setdefault(move_id, policy.id)
        overrides = dict(self.env.execute_query(SQL(
            "SELECT partner_id, policy_id FROM cobranza_account WHERE company_id = %s AND policy_id IS NOT NULL",
            self.company_id.id)))
        for policy in self.env['cobranza.policy'].browse(set(overrides.values()) - set(rules_by_policy)):
            rules_by_policy[policy.id] = sort_rules(policy.stage_ids._as_rules())
        return {
            'rules': rules_by_policy,
            'rule_by_id': {rule.id: rule for rules in rules_by_policy.values() for rule in rules},
            'policy_of_move': policy_of_move,
            'catch_all': catch_all,
            'overrides': overrides,
            'stage_names': {stage.id: stage.name for stage in self.env['cobranza.stage'].search([])},
        }

    def _fetch_batch(self, limit):
        return self.env.execute_query(SQL(
            """
            SELECT m.id, m.commercial_partner_id, m.invoice_date_due, m.amount_residual_signed,
                   m.cobranza_account_id, m.cobranza_policy_id, m.cobranza_stage_id, m.cobranza_stage_date,
                   m.cobranza_days_overdue, m.cobranza_priority, m.cobranza_next_action_date,
                   COALESCE(m.cobranza_excluded, FALSE)
              FROM account_move m
             WHERE %(open)s AND m.id > %(last)s
          ORDER BY m.id
             LIMIT %(limit)s
            """,
            open=_open_invoice_condition('m', self.company_id.id), last=self.last_move_id, limit=limit))

    def _process_batch(self, rows, context):
        """Place one batch of open invoices and write what changed; a failing batch is retried row by row."""
        try:
            with self.env.cr.savepoint():
                counters = self._place_rows(rows, context)
        except Exception:
            _logger.exception("Collection run %s: batch failed, retrying invoice by invoice", self.id)
            self.env.invalidate_all()
            counters = Counter()
            for row in rows:
                try:
                    with self.env.cr.savepoint():
                        counters += self._place_rows([row], context)
                except Exception as e:  # noqa: BLE001
                    self.env.invalidate_all()
                    counters['errors'] += 1
                    self._log_record_error(self.env['account.move'].browse(row[0]), e)
        self.write({
            'last_move_id': rows[-1][0],
            'evaluated_count': self.evaluated_count + len(rows),
            'changed_count': self.changed_count + counters['changed'],
            'excluded_count': self.excluded_count + counters['excluded'],
            'no_policy_count': self.no_policy_count + counters['no_policy'],
            'error_count': self.error_count + counters['errors'],
        })

    def _place_rows(self, rows, context):
        counters = Counter()
        account_of = self.env['cobranza.account']._ensure_accounts(self.company_id, {row[1] for row in rows})
        updates, history, messages = [], [], []
        for (move_id, partner_id, due, residual, account_id, policy_id, stage_id, stage_date,
             days, priority, next_action, excluded) in rows:
            new_account = account_of[partner_id]
            if excluded:
                counters['excluded'] += 1
                if new_account != account_id:
                    updates.append((move_id, new_account, policy_id, stage_id, stage_date, days, priority,
                                    next_action))
                continue
            new_policy = (context['overrides'].get(partner_id)
                          or context['policy_of_move'].get(move_id) or context['catch_all'])
            if not new_policy:
                counters['no_policy'] += 1
                new_values = (new_account, None, None, None, days, priority, next_action)
            else:
                placement = place_invoice(context['rules'][new_policy], due, self.date, float(residual))
                new_stage = placement.stage_id
                new_values = (
                    new_account, new_policy, new_stage,
                    stage_date if new_stage == stage_id else (self.date if new_stage else None),
                    placement.days_overdue, placement.priority, placement.next_action_date,
                )
            old_values = (account_id, policy_id, stage_id, stage_date, days,
                          float(priority) if priority is not None else None, next_action)
            if new_values == old_values:
                continue
            updates.append((move_id, *new_values))
            if new_values[2] != stage_id:
                counters['changed'] += 1
                history.append((move_id, new_account, partner_id, stage_id, new_values[2], new_values[4],
                                float(residual)))
                if stage_id:
                    messages.append((move_id, stage_id, new_values[2]))
        self._write_moves(updates)
        self._insert_history(history, 'run')
        self._post_stage_messages(messages, context)
        return counters

    def _write_moves(self, updates):
        if not updates:
            return
        columns = list(zip(*updates, strict=True))
        self.env.execute_query(SQL(
            """
            UPDATE account_move m
               SET %(assignments)s
              FROM (SELECT unnest(%(ids)s::int4[]) AS id, %(unnests)s) v
             WHERE m.id = v.id
            """,
            assignments=SQL(', ').join(
                SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name, _type in MOVE_COLUMNS),
            ids=list(columns[0]),
            unnests=SQL(', ').join(
                SQL("unnest(%s::%s[]) AS %s", list(values), SQL(sql_type), SQL.identifier(name))
                for (name, sql_type), values in zip(MOVE_COLUMNS, columns[1:], strict=True)),
        ))
        self.env['account.move'].invalidate_model([name for name, _type in MOVE_COLUMNS])

    def _insert_history(self, history, reason):
        """Insert stage-change rows ``(move, account, partner, from, to, days, residual)`` in one statement."""
        if not history:
            return
        columns = list(zip(*history, strict=True))
        self.env.execute_query(SQL(
            """
            INSERT INTO cobranza_stage_history
                   (move_id, account_id, partner_id, from_stage_id, to_stage_id, days_overdue, amount_residual,
                    company_id, date, run_id, user_id, reason, create_uid, write_uid, create_date, write_date)
            SELECT unnest(%s::int4[]), unnest(%s::int4[]), unnest(%s::int4[]), unnest(%s::int4[]),
                   unnest(%s::int4[]), unnest(%s::int4[]), unnest(%s::numeric[]),
                   %s, %s, %s, %s, %s, %s, %s, now() at time zone 'UTC', now() at time zone 'UTC'
            """,
            *[list(column) for column in columns],
            self.company_id.id, self.date, self.id, self.env.uid, reason, self.env.uid, self.env.uid,
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
               SET cobranza_stage_id = NULL, cobranza_stage_date = NULL, cobranza_next_action_date = NULL,
                   cobranza_priority = NULL
              FROM account_move old
             WHERE m.id = old.id AND m.company_id = %(company)s AND m.cobranza_stage_id IS NOT NULL
               AND NOT (%(open)s)
         RETURNING m.id, m.cobranza_account_id, m.commercial_partner_id, old.cobranza_stage_id,
                   m.cobranza_days_overdue, m.amount_residual_signed
            """,
            company=self.company_id.id, open=_open_invoice_condition('m', self.company_id.id)))
        if not rows:
            return
        self.env['account.move'].invalidate_model([name for name, _type in MOVE_COLUMNS])
        self._insert_history(
            [(move_id, account_id, partner_id, old_stage, None, days, residual)
             for move_id, account_id, partner_id, old_stage, days, residual in rows], 'closed')
        self._post_stage_messages([(row[0], row[3], None) for row in rows], context)
        self.closed_count += len(rows)

    def _update_accounts(self, context):
        """Aggregate open invoices per collection account and write what changed.

        :return: ``{stage_id: [account ids]}`` of the accounts that entered a stage
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
            SELECT id, stage_id, stage_date, total_due, total_overdue, oldest_overdue_days, open_invoice_count,
                   overdue_bucket, priority, next_action_date, last_run_date
              FROM cobranza_account
             WHERE company_id = %s AND (open_invoice_count > 0 OR stage_id IS NOT NULL OR total_due <> 0)
            """, self.company_id.id))}
        rule_by_id = context['rule_by_id']
        new_values = {}
        for account_id, total_due, overdue, oldest, count, stage_id, next_action in aggregates:
            old = current.get(account_id)
            rank = rule_by_id[stage_id].rank if stage_id in rule_by_id else -1
            stage_date = old[1] if old and old[0] == stage_id else (self.date if stage_id else None)
            new_values[account_id] = (
                stage_id, stage_date, float(total_due), float(overdue), oldest, count, aging_bucket(oldest),
                priority_score(float(overdue), oldest, rank), next_action, self.date)
        for account_id in current.keys() - new_values.keys():
            new_values[account_id] = (None, None, 0.0, 0.0, 0, 0, 'not_due', 0.0, None, self.date)

        def comparable(values):
            # The run date alone is no change: an idle run writes nothing.
            return tuple(float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else v
                         for v in values[:-1])

        changed = {aid: vals for aid, vals in new_values.items()
                   if aid not in current or comparable(current[aid]) != comparable(vals)}
        if changed:
            ids = list(changed)
            columns = list(zip(*changed.values(), strict=True))
            self.env.execute_query(SQL(
                "UPDATE cobranza_account a SET %(assignments)s "
                "FROM (SELECT unnest(%(ids)s::int4[]) AS id, %(unnests)s) v WHERE a.id = v.id",
                assignments=SQL(', ').join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name, _t in ACCOUNT_COLUMNS),
                ids=ids,
                unnests=SQL(', ').join(
                    SQL("unnest(%s::%s[]) AS %s", list(values), SQL(sql_type), SQL.identifier(name))
                    for (name, sql_type), values in zip(ACCOUNT_COLUMNS, columns, strict=True)),
            ))
            self.env['cobranza.account'].invalidate_model()
        self.account_count += len(changed)
        entering = defaultdict(list)
        for account_id, vals in changed.items():
            old_stage = current[account_id][0] if account_id in current else None
            if vals[0] and vals[0] != old_stage:
                entering[vals[0]].append(account_id)
        return entering

    def _run_stage_actions(self, entering):
        """Execute the entry actions of each stage for the accounts that entered it; isolate failures."""
        Account = self.env['cobranza.account']
        for stage in self.env['cobranza.stage'].browse(sorted(entering)):
            actions = stage.action_ids.filtered('active')
            if not actions:
                continue
            accounts = Account.browse(entering[stage.id])
            try:
                with self.env.cr.savepoint():
                    actions._execute(accounts, self.date)
                self.action_count += len(accounts) * len(actions)
            except Exception:  # noqa: BLE001 - find the failing accounts, keep the others
                self.env.invalidate_all()
                for account in accounts:
                    try:
                        with self.env.cr.savepoint():
                            actions._execute(account, self.date)
                        self.action_count += len(actions)
                    except Exception as e:  # noqa: BLE001
                        self.env.invalidate_all()
                        self.error_count += 1
                        self._log_record_error(account, e)

    def _log_record_error(self, record, error):
        """Leave the error on the record's chatter and in the run log; the run goes on."""
        message = self.env._("Collection run %(run)s could not process this record: %(error)s",
                             run=self.name, error=error)
        _logger.warning("Collection run %s: %s %s failed: %s", self.id, record._name, record.id, error)
        record.sudo().message_post(body=message)
        self.log = "\n".join(filter(None, [self.log, f"{record.display_name}: {error}"]))
