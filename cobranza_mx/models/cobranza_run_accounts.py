"""The accounts of the daily run: opening them, their figures, their assignment and the stage-action queue.

After the invoices are placed (:mod:`.cobranza_run_placement`), the run aggregates them per
collection account, writes the figures that changed (computed by :mod:`..tools.account_figures`),
gives the new accounts their collector and queues the accounts entering a stage with entry actions
for the stage actions cron (:meth:`cobranza.stage.action._process_queue`).
"""
from odoo import models
from odoo.tools import SQL

from ..tools.account_figures import (
    ACCOUNT_FIGURES,
    InvoiceTotals,
    account_figures,
    closed_account_figures,
    figures_changed,
)
from ..tools.stages import STAGE_CODES

# The figures with their SQL types.
ACCOUNT_COLUMNS = tuple(zip(
    ACCOUNT_FIGURES,
    ('int4', 'varchar', 'date', 'numeric', 'numeric', 'int4', 'int4', 'varchar', 'numeric', 'date', 'date'),
    strict=True))


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaRun(models.Model):
    _inherit = 'cobranza.run'

    def _open_missing_accounts(self):
        """Open the collection accounts of the customers with open invoices and no account yet."""
        self.env['cobranza.account']._insert_accounts(self.company_id, SQL(
            """
            SELECT DISTINCT m.commercial_partner_id
              FROM account_move m
             WHERE %(open)s AND m.id > %(last)s
               AND NOT EXISTS (SELECT 1 FROM cobranza_account a
                                WHERE a.partner_id = m.commercial_partner_id AND a.company_id = m.company_id)
            """, open=self._open_invoices_sql(), last=self.last_move_id))

    def _update_accounts(self, context):
        """Aggregate open invoices per collection account, write what changed and queue the stage actions.

        An account entering a stage that has active entry actions is queued (``action_stage_id``)
        in the same statement; the stage actions cron executes them
        (:meth:`cobranza.stage.action._process_queue`).
        """
        # The invoices written off by a dictamen count for the stage only (the most advanced): nothing is
        # due on them, and the account stays Uncollectable while they are written off.
        aggregates = self.env.execute_query(SQL(
            """
            SELECT m.cobranza_account_id,
                   (ARRAY_AGG(m.cobranza_stage_id ORDER BY array_position(%(codes)s::varchar[], s.code::varchar)
                                DESC, s.days_from DESC, s.id DESC) FILTER (WHERE s.id IS NOT NULL))[1],
                   COALESCE(SUM(%(residual)s) FILTER (WHERE m.cobranza_dictamen_id IS NULL), 0),
                   COALESCE(SUM(%(overdue)s) FILTER (WHERE m.cobranza_dictamen_id IS NULL), 0),
                   GREATEST(MAX(%(date)s::date - %(due)s) FILTER (WHERE m.cobranza_dictamen_id IS NULL), 0),
                   COUNT(*) FILTER (WHERE m.cobranza_dictamen_id IS NULL),
                   MIN(m.cobranza_next_action_date)
              FROM account_move m
         LEFT JOIN cobranza_stage s ON s.id = m.cobranza_stage_id
             WHERE m.cobranza_account_id IS NOT NULL
               AND (%(open)s OR (m.company_id = %(company)s AND m.cobranza_dictamen_id IS NOT NULL
                                 AND m.cobranza_stage_id IS NOT NULL))
          GROUP BY m.cobranza_account_id
            """,
            date=self.date, codes=list(STAGE_CODES), open=self._open_invoices_sql(), company=self.company_id.id,
            due=self._due_sql(), residual=self._residual_sql(), overdue=self._overdue_sql()))
        current = {row[0]: row[1:] for row in self.env.execute_query(SQL(
            """
            SELECT id, %(figures)s
              FROM cobranza_account
             WHERE company_id = %(company)s AND (open_invoice_count > 0 OR stage_id IS NOT NULL OR total_due <> 0)
            """, figures=SQL(', ').join(SQL.identifier(name) for name in ACCOUNT_FIGURES), company=self.company_id.id))}
        rule_by_id = context['rule_by_id']
        new_values = {}
        for account_id, stage_id, *totals in aggregates:
            old = current.get(account_id) or (None, None, None)
            new_values[account_id] = account_figures(
                self.date, stage_id, rule_by_id[stage_id].rank if stage_id in rule_by_id else None,
                InvoiceTotals(*totals), old_stage_id=old[0], old_stage_date=old[2])
        for account_id in current.keys() - new_values.keys():
            new_values[account_id] = closed_account_figures(self.date)
        changed = {aid: vals for aid, vals in new_values.items()
                   if aid not in current or figures_changed(current[aid], vals)}
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
