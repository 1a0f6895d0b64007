"""The daily run and broken restructures: the entry's installment lines are collected, not the old invoices.

A restructure closes its invoices with a journal entry that opens one receivable line per
installment, due on the installment's date. While the agreement is active the invoices are excluded
(reason *agreement*) and closed, and nothing of the entry is placed. Once it is broken the entry
stays (the new schedule is the debt) and the run places the entry itself: its open amount is what
is left on its installment lines, its due date the oldest unpaid installment's, so its stage follows
the installments' days overdue. Everything is SQL in the run's own statements: no query more per run.
"""
from odoo import models
from odoo.tools import SQL

# The open installment lines of the restructure entry ``m``.
_OPEN_INSTALLMENT_LINES = """
    FROM account_move_line l
    JOIN cobranza_agreement_installment i ON i.restructure_line_id = l.id
   WHERE l.move_id = m.id AND l.amount_residual > 0
"""


# The model is split by concept on purpose (see the first file's docstring).
# pylint: disable=consider-merging-classes-inherited
class CobranzaRun(models.Model):
    _inherit = 'cobranza.run'

    def _open_invoices_sql(self):
        """The invoices in collection and the entries of the company's broken restructures with something due."""
        return SQL("((%s) OR %s)", super()._open_invoices_sql(), self._broken_restructures_sql())

    def _broken_restructures_sql(self):
        # Not correlated: PostgreSQL computes the set once per statement.
        return SQL(
            """(m.move_type = 'entry' AND m.id IN (
                SELECT ag.restructure_move_id
                  FROM cobranza_agreement ag
                  JOIN cobranza_agreement_installment i ON i.agreement_id = ag.id
                  JOIN account_move_line l ON l.id = i.restructure_line_id
                 WHERE ag.company_id = %s AND ag.state = 'broken' AND ag.agreement_type = 'restructure'
                   AND ag.restructure_move_id IS NOT NULL AND ag.restructure_reversal_id IS NULL
                   AND l.amount_residual > 0))""", self.company_id.id)

    def _due_sql(self):
        """The due date of ``m`` for the stages: a broken restructure's oldest unpaid installment."""
        return SQL("CASE WHEN m.move_type = 'entry' THEN COALESCE((SELECT min(l.date_maturity) %s), "
                   "m.invoice_date_due) ELSE m.invoice_date_due END", SQL(_OPEN_INSTALLMENT_LINES))

    def _residual_sql(self):
        """What is due on ``m`` in the company currency: a broken restructure's open installment lines."""
        return SQL("CASE WHEN m.move_type = 'entry' THEN COALESCE((SELECT sum(l.amount_residual) %s), 0) "
                   "ELSE m.amount_residual_signed END", SQL(_OPEN_INSTALLMENT_LINES))

    def _overdue_sql(self):
        """What is overdue on ``m`` at the run's date: of a broken restructure, its installments past due."""
        return SQL("CASE WHEN m.move_type = 'entry' THEN COALESCE((SELECT sum(l.amount_residual) %s "
                   "AND l.date_maturity < %s), 0) WHEN m.invoice_date_due < %s THEN m.amount_residual_signed "
                   "ELSE 0 END", SQL(_OPEN_INSTALLMENT_LINES), self.date, self.date)
