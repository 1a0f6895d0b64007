"""When each open invoice wants its next reminder: a narrow table of its own, written by the scheduler.

One row per invoice planned (``next_at``: the next moment one of its policy's rules wants a
reminder). It lives apart from ``account_move`` on purpose: a pass over 100,000 invoices writes
100,000 moments, and an ``UPDATE`` of as many rows of the wide, heavily indexed ``account_move``
costs several seconds where this table costs a fraction of one. No row: to plan (a new invoice, or
its policy, stage or rules changed, which deletes its row).
"""
from odoo import api, fields, models
from odoo.tools import SQL


class CobranzaReminderPlan(models.Model):
    _name = 'cobranza.reminder.plan'
    _description = 'Reminder Planning of an Invoice'
    _log_access = False

    move_id = fields.Many2one('account.move', string="Invoice", required=True, readonly=True, ondelete='cascade')
    next_at = fields.Datetime(string="Next Reminder Planning", required=True, readonly=True, index=True)

    _move_uniq = models.Constraint('UNIQUE(move_id)', 'One planning row per invoice.')

    @api.model
    def _write_moments(self, moments):
        """Store ``moments`` ({invoice id: naive UTC moment}), one statement whatever their number."""
        if not moments:
            return
        self.env.cr.execute(SQL(
            """INSERT INTO cobranza_reminder_plan (move_id, next_at)
               SELECT * FROM unnest(%s::int4[], %s::timestamp[])
               ON CONFLICT (move_id) DO UPDATE SET next_at = EXCLUDED.next_at""",
            list(moments), list(moments.values())))
        self.invalidate_model(['next_at'])
        self.env['account.move'].invalidate_model(['cobranza_reminder_next_at'])

    @api.model
    def _forget(self, where):
        """Plan again the invoices of ``where`` (an SQL condition on ``account_move m``)."""
        self.env.cr.execute(SQL(
            "DELETE FROM cobranza_reminder_plan p USING account_move m WHERE m.id = p.move_id AND %s", where))
        self.invalidate_model(['next_at'])
        self.env['account.move'].invalidate_model(['cobranza_reminder_next_at'])
