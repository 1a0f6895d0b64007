"""Scheduling of collection reminders: the reminders due by now, created from the rules for open invoices.

Which occurrence of a rule is due, and when, is :func:`..tools.reminder_schedule.reminder_occurrence`.
"""
from datetime import timedelta

from odoo import api, models
from odoo.tools import SQL

from ..tools import contact_window as cw
from ..tools.reminder_schedule import reminder_occurrence


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaReminder(models.Model):
    _inherit = 'cobranza.reminder'

    @api.model
    def _schedule(self, rules, company, now):
        """Create the reminders that are due by ``now`` for the open invoices of ``company``."""
        created = self.browse()
        for rule in rules.filtered(lambda r: not r.company_id or r.company_id == company):
            channels = rule._channels()
            if not channels:
                continue
            rows = self.env.execute_query(SQL(
                """
                SELECT m.id, m.commercial_partner_id, m.cobranza_account_id, m.invoice_date_due,
                       p.tz, s.code
                  FROM account_move m
                  JOIN res_partner p ON p.id = m.commercial_partner_id
             LEFT JOIN res_country_state s ON s.id = p.state_id
                 WHERE %(open)s AND m.amount_residual_signed >= %(min_amount)s
                   AND m.cobranza_policy_id = %(policy)s AND NOT COALESCE(m.cobranza_excluded, FALSE)
                   AND (%(no_stage_filter)s OR m.cobranza_stage_id = ANY(%(stages)s))
                   AND m.invoice_date_due <= %(horizon)s
                """,
                open=self.env['account.move']._cobranza_open_sql('m', company), min_amount=rule.min_amount,
                policy=rule.policy_id.id,
                no_stage_filter=not rule.stage_ids, stages=rule.stage_ids.ids or [0],
                horizon=(now + timedelta(hours=-rule.offset_hours + 48)).date()))
            if not rows:
                continue
            wanted = self._wanted_reminders(rule, channels, rows, now)
            if not wanted:
                continue
            existing = set(self.env.execute_query(SQL(
                "SELECT move_id, channel, occurrence FROM cobranza_reminder WHERE rule_id = %s AND move_id = ANY(%s)",
                rule.id, list({key[0] for key in wanted}))))
            vals_list = [{
                'company_id': company.id,
                'partner_id': partner_id,
                'account_id': account_id,
                'move_id': move_id,
                'rule_id': rule.id,
                'channel': channel,
                'occurrence': occurrence,
                'due_at': due_at,
                'scheduled_at': due_at,
            } for (move_id, channel, occurrence), (partner_id, account_id, due_at) in wanted.items()
                if (move_id, channel, occurrence) not in existing]
            if vals_list:
                created |= self.create(vals_list)
        return created

    @api.model
    def _wanted_reminders(self, rule, channels, rows, now):
        """``{(move id, channel, occurrence): (partner id, account id, due at)}``: the reminders ``rule``
        wants by ``now`` for the invoice ``rows`` of :meth:`_schedule`."""
        wanted = {}
        for move_id, partner_id, account_id, due, tz, state_code in rows:
            tz_name = cw.debtor_tz(tz, state_code)
            occurrence, due_at = reminder_occurrence(due, tz_name, now, rule.offset_hours,
                                                     rule.repeat_interval_hours, rule.repeat_max)
            if due_at is None:
                continue
            for channel in channels:
                wanted[(move_id, channel, occurrence)] = (partner_id, account_id, due_at)
        return wanted
