"""Scheduling of collection reminders: the reminders due by now, created from the rules for open invoices.

Which occurrence of a rule is due, and when, is :func:`..tools.reminder_schedule.reminder_occurrence`.
Each invoice keeps the next moment one of its policy's rules wants a reminder
(``cobranza.reminder.plan``, indexed): a pass reads only the invoices whose moment has come or
that were never planned, not every open invoice of a repeating rule.
"""
from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from odoo import api, models
from odoo.tools import SQL

from ..tools import contact_window as cw
from ..tools.reminder_schedule import moment_after, occurrence_after
from .cobranza_reminder_rule import TRIGGER_INVOICE

# Invoices planned per statement.
PLAN_BATCH = 10000
# "No reminder ever again" for an invoice (until its policy, stage or rules change).
NEVER = datetime(9999, 12, 31)


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    @api.model
    def _schedule(self, rules, company, now):
        """Create the reminders that are due by ``now`` for the open invoices of ``company``.

        Reads the invoices whose next reminder moment is due (or not planned yet), :data:`PLAN_BATCH`
        at a time; inserts the wanted reminders (an existing one is left alone) and writes each
        invoice's next moment, one statement each per batch.
        """
        by_policy = defaultdict(list)
        for rule in rules.filtered(lambda r: (not r.company_id or r.company_id == company) and r._channels()
                                   and r.trigger == TRIGGER_INVOICE):
            by_policy[rule.policy_id.id].append(rule)
        self.env.flush_all()
        created = []
        last_id = 0
        while True:
            rows = self.env.execute_query(SQL(
                """
                SELECT m.id, m.commercial_partner_id, m.cobranza_account_id, m.invoice_date_due, m.cobranza_policy_id,
                       m.cobranza_stage_id, m.amount_residual_signed, p.tz, s.code
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.commercial_partner_id
             LEFT JOIN res_country_state s ON s.id = p.state_id
             LEFT JOIN cobranza_reminder_plan pl ON pl.move_id = m.id
                 WHERE %(open)s AND m.cobranza_policy_id IS NOT NULL AND NOT COALESCE(m.cobranza_excluded, FALSE)
                   AND (pl.next_at IS NULL OR pl.next_at <= %(now)s)
                   AND m.id > %(last)s
                 ORDER BY m.id
                 LIMIT %(limit)s
                """,
                open=self.env['account.move']._cobranza_open_sql('m', company), now=now, last=last_id,
                limit=PLAN_BATCH))
            if not rows:
                break
            wanted, next_at = self._plan_rows(by_policy, rows, now)
            created += self._insert_wanted(company, wanted)
            self.env['cobranza.reminder.plan']._write_moments(next_at)
            last_id = rows[-1][0]
        return self.browse(created)

    @api.model
    def _plan_rows(self, by_policy, rows, now):  # pylint: disable=too-many-locals
        """(wanted reminders, next moment of each invoice) for the invoice ``rows`` of :meth:`_schedule`.

        ``wanted`` maps (move, rule, channel, occurrence) to (partner, account, moment). The rules are
        read once into plain tuples, and a rule's first moment is computed once per due date and time
        zone (a day's invoices share a few hundred of them), not once per invoice.
        """
        specs = {policy_id: [RuleSpec.of(rule) for rule in rules] for policy_id, rules in by_policy.items()}
        zones, bases = {}, {}
        wanted = {}
        next_at = {}
        for move_id, partner_id, account_id, due, policy_id, stage_id, residual, tz, state_code in rows:
            tz_name = zones.get((tz, state_code))
            if tz_name is None:
                tz_name = zones[(tz, state_code)] = cw.debtor_tz(tz, state_code)
            moment = NEVER
            for spec in specs.get(policy_id, ()):
                key = (due, spec.offset_hours, tz_name)
                base = bases.get(key)
                if base is None:
                    base = bases[key] = cw.reminder_moment(due, spec.offset_hours, tz_name)
                following = moment_after(base, now, spec.interval, spec.repeat_max)
                if following and following < moment:
                    moment = following
                if residual < spec.min_amount or (spec.stage_ids and stage_id not in spec.stage_ids):
                    continue
                occurrence, due_at = occurrence_after(base, now, spec.interval, spec.repeat_max)
                if due_at is None:
                    continue
                for channel in spec.channels:
                    wanted[(move_id, spec.id, channel, occurrence)] = (partner_id, account_id, due_at)
            next_at[move_id] = moment
        return wanted, next_at

    @api.model
    def _insert_wanted(self, company, wanted):
        """Insert the ``wanted`` reminders that do not exist yet; returns the ids inserted.

        The rows go as one array per column (``unnest``): a few parameters whatever their number.
        """
        if not wanted:
            return []
        columns = list(zip(*((partner_id, account_id, move_id, rule_id, channel, occurrence, due_at)
                             for (move_id, rule_id, channel, occurrence), (partner_id, account_id, due_at)
                             in wanted.items()), strict=True))
        rows = self.env.execute_query(SQL(
            """INSERT INTO cobranza_reminder (company_id, partner_id, account_id, move_id, rule_id, channel, occurrence,
                                              due_at, scheduled_at, state, attempt_count,
                                              create_uid, create_date, write_uid, write_date)
               SELECT %(company)s, v.partner_id, v.account_id, v.move_id, v.rule_id, v.channel, v.occurrence,
                      v.due_at, v.due_at, 'scheduled', 0, %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s,
                      now() AT TIME ZONE 'UTC'
                 FROM unnest(%(partners)s::int4[], %(accounts)s::int4[], %(moves)s::int4[], %(rules)s::int4[],
                             %(channels)s::varchar[], %(occurrences)s::int4[], %(due)s::timestamp[])
                      AS v(partner_id, account_id, move_id, rule_id, channel, occurrence, due_at)
               ON CONFLICT (move_id, rule_id, channel, occurrence) DO NOTHING
               RETURNING id""",
            company=company.id, uid=self.env.uid, partners=list(columns[0]), accounts=list(columns[1]),
            moves=list(columns[2]), rules=list(columns[3]), channels=list(columns[4]), occurrences=list(columns[5]),
            due=list(columns[6])))
        return sorted(row[0] for row in rows)


class RuleSpec(NamedTuple):
    """What the planner reads of a reminder rule, read once per pass."""
    id: int
    offset_hours: float
    interval: float
    repeat_max: int
    min_amount: float
    stage_ids: frozenset
    channels: tuple

    @classmethod
    def of(cls, rule):
        return cls(rule.id, rule.offset_hours, rule.repeat_interval_hours, rule.repeat_max, rule.min_amount,
                   frozenset(rule.stage_ids.ids), tuple(rule._channels()))
