"""The placement of the daily run: the SQL putting each open invoice in its stage.

One statement per batch computes every invoice's account, policy, stage, date in stage and next
action date, writes only what changed and records the stage changes in the history; the invoices
that left collection (paid, cancelled, credited) leave their stage. The orchestration is in
:mod:`.cobranza_run`.
"""
import logging
from collections import Counter

from markupsafe import Markup
from odoo import models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL

from ..tools.stages import WRITTEN_OFF, sort_rules
from .account_move import RUN_MOVE_FIELDS

_logger = logging.getLogger(__name__)

# The columns of a stage change, in the order both of the run's inserts give them.
HISTORY_INSERT = SQL(
    "INSERT INTO cobranza_stage_history (move_id, account_id, from_stage_id, to_stage_id, days_overdue, "
    "amount_residual, date, run_id, reason)")


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaRun(models.Model):
    _inherit = 'cobranza.run'

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
        stages = self.env['cobranza.stage'].search([('code', '!=', False)])
        # The written-off stages place no invoice, but the accounts' figures need their rank.
        rule_by_id = {rule.id: rule for rule in stages.filtered(lambda s: s.code == WRITTEN_OFF)._as_rules(False)}
        rule_by_id.update({rule.id: rule for _policy_id, rule in rules})
        return {
            'rule_by_id': rule_by_id,
            'rules_sql': SQL(
                "SELECT * FROM unnest(%s::int4[], %s::int4[], %s::int4[], %s::numeric[], %s::int4[])"
                " AS r(policy_id, stage_id, days_from, min_amount, sequence)",
                [p for p, _r in rules], [r.id for _p, r in rules], [r.days_from for _p, r in rules],
                [r.min_amount for _p, r in rules], [r.sequence for _p, r in rules]),
            'policy_sql': self._policy_case(policies),
            'stage_names': {stage.id: stage.name for stage in stages},
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

    def _place_range(self, after, upper, context):
        """Place the open invoices of ids ``(after, upper]``; a failing batch is retried invoice by invoice.

        Return ``(counters, errors)``: each failing invoice gets the error on its chatter and a line
        in ``errors`` for the run's log. A concurrency error (serialization failure, deadlock, lock
        timeout) is no invoice's error: it is raised, for the batch to be placed again in a new
        transaction.
        """
        selection = SQL("m.id > %s AND m.id <= %s", after, upper)
        try:
            with self.env.cr.savepoint():
                return self._place(selection, context), []
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:  # pylint: disable=broad-exception-caught
            # Any invoice's error: the batch is retried invoice by invoice to find it.
            _logger.exception("Collection run %s: batch failed, retrying invoice by invoice", self.id)
            self.env.invalidate_all()
        counters, errors = Counter(), []
        move_ids = [row[0] for row in self.env.execute_query(SQL(
            "SELECT m.id FROM account_move m WHERE %s AND %s ORDER BY m.id",
            self._open_invoices_sql(), selection))]
        for move_id in move_ids:
            try:
                with self.env.cr.savepoint():
                    counters += self._place(SQL("m.id = %s", move_id), context)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as e:  # noqa: BLE001  # pylint: disable=broad-exception-caught
                # This invoice's error is left on record, the others go on (as a cron's records).
                self.env.invalidate_all()
                counters['evaluated'] += 1
                counters['errors'] += 1
                errors.append(self._post_record_error(self.env['account.move'].browse(move_id), e))
        return counters, errors

    def _place(self, selection, context):
        """Place the open invoices matching ``selection`` (SQL on ``m``) in one statement.

        The statement computes each invoice's account, policy, stage, date in stage and next
        action date with the semantics of :mod:`..tools.stages` (the most advanced stage whose
        day and amount it reaches; the next stage's entry date), writes only the invoices whose
        values changed and records their stage changes in the history.

        The invoices to write are read again with their rows locked (``locked``), and what is
        written, recorded and posted compares with those values: a concurrent writer that placed
        an invoice already leaves nothing to write (no second history row, no second note); one
        that changed it after this transaction's snapshot makes PostgreSQL raise a serialization
        failure (Odoo's REPEATABLE READ), and the batch is placed again in a new transaction.
        """
        [(evaluated, excluded, no_policy, changed, messages)] = self.env.execute_query(SQL(
            """
            WITH rules AS (%(rules)s),
            batch AS (
                SELECT m.id, m.commercial_partner_id AS partner_id, %(due)s AS due,
                       %(residual)s AS residual, %(date)s::date - %(due)s AS days,
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
            locked AS (
                SELECT m.id, m.cobranza_account_id AS account_id, m.cobranza_policy_id AS policy_id,
                       m.cobranza_stage_id AS stage_id, m.cobranza_stage_date AS stage_date,
                       m.cobranza_next_action_date AS next_action
                  FROM account_move m
                  JOIN new n ON n.id = m.id
                 WHERE %(selection)s
                   AND (n.account_id, n.policy_id, n.stage_id, n.stage_date, n.next_action)
                       IS DISTINCT FROM (n.old_account, n.old_policy, n.old_stage, n.old_stage_date, n.old_next)
              ORDER BY m.id
                   FOR NO KEY UPDATE OF m
            ),
            locked_new AS (
                SELECT n.id, n.account_id, n.policy_id, n.stage_id, n.next_action, n.days, n.residual,
                       CASE WHEN n.stage_id IS NULL THEN NULL::date
                            WHEN n.stage_id = l.stage_id THEN l.stage_date
                            ELSE %(date)s::date END AS stage_date,
                       l.account_id AS old_account, l.policy_id AS old_policy, l.stage_id AS old_stage,
                       l.stage_date AS old_stage_date, l.next_action AS old_next
                  FROM new n
                  JOIN locked l ON l.id = n.id
            ),
            upd AS (
                UPDATE account_move m
                   SET cobranza_account_id = n.account_id, cobranza_policy_id = n.policy_id,
                       cobranza_stage_id = n.stage_id, cobranza_stage_date = n.stage_date,
                       cobranza_next_action_date = n.next_action
                  FROM locked_new n
                 WHERE m.id = n.id AND %(selection)s
                   AND (n.account_id, n.policy_id, n.stage_id, n.stage_date, n.next_action)
                       IS DISTINCT FROM (n.old_account, n.old_policy, n.old_stage, n.old_stage_date, n.old_next)
             RETURNING n.id, n.account_id, n.old_stage, n.stage_id, n.days, n.residual, n.policy_id, n.old_policy
            ),
            -- Another policy or stage, other reminder rules: the reminders plan it again.
            unplanned AS (
                DELETE FROM cobranza_reminder_plan p USING upd u
                 WHERE p.move_id = u.id AND (u.policy_id, u.stage_id) IS DISTINCT FROM (u.old_policy, u.old_stage)
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
            open=self._open_invoices_sql(), selection=selection,
            run=self.id, history_insert=HISTORY_INSERT, due=self._due_sql(), residual=self._residual_sql(),
        ))
        self.env['account.move'].invalidate_model(RUN_MOVE_FIELDS)
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
        """Invoices that were in collection and are now paid, cancelled or fully credited leave it; those written
        off by a dictamen stay in the written-off stage."""
        rows = self.env.execute_query(SQL(
            """
            UPDATE account_move m
               SET cobranza_stage_id = NULL, cobranza_stage_date = NULL, cobranza_next_action_date = NULL
              FROM account_move old
             WHERE m.id = old.id AND m.company_id = %(company)s AND m.cobranza_stage_id IS NOT NULL
               -- Written off by a dictamen: they stay in their stage (Uncollectable) until the reversal.
               AND m.cobranza_dictamen_id IS NULL
               AND NOT (%(open)s)
         RETURNING m.id, m.cobranza_account_id, old.cobranza_stage_id,
                   %(date)s::date - %(due)s, %(residual)s
            """,
            company=self.company_id.id, open=self._open_invoices_sql(), date=self.date, due=self._due_sql(),
            residual=self._residual_sql()))
        if not rows:
            return
        self.env['account.move'].invalidate_model(RUN_MOVE_FIELDS)
        self._insert_history(
            [(move_id, account_id, old_stage, None, days, residual)
             for move_id, account_id, old_stage, days, residual in rows if account_id], 'closed')
        self._post_stage_messages([(row[0], row[2], None) for row in rows], context)
        self.closed_count += len(rows)
