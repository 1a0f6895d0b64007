from odoo import fields, models
from odoo.tools import SQL


class CobranzaVisitReport(models.Model):
    """Effectiveness of field visits: one row per finished visit, to group by collector and day.

    The amounts paid are the receivable credits of the debtor's payments and bank statement lines
    dated from the visit day to 7 (30) days after it.
    """
    _name = 'cobranza.visit.report'
    _description = 'Field Visit Effectiveness'
    _auto = False
    _rec_name = 'visit_id'
    _order = 'date desc'
    _depends = {
        'cobranza.visit': ['planned_date', 'collector_id', 'partner_id', 'company_id', 'state', 'result', 'located',
                           'promise_amount', 'flagged', 'route_leg_km'],
        'account.move.line': ['partner_id', 'company_id', 'account_id', 'parent_state', 'credit', 'date', 'move_id'],
        'account.move': ['origin_payment_id', 'statement_line_id'],
    }

    visit_id = fields.Many2one('cobranza.visit', readonly=True)
    date = fields.Date(string="Visit Day", readonly=True)
    collector_id = fields.Many2one('res.users', readonly=True)
    partner_id = fields.Many2one('res.partner', string="Debtor", readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    currency_id = fields.Many2one('res.currency', readonly=True)
    state = fields.Selection(related='visit_id.state', readonly=True)
    result = fields.Selection(related='visit_id.result', readonly=True)
    maps_url = fields.Char(related='visit_id.maps_url', string="Address in Maps")
    visit_count = fields.Integer(string="Visits", readonly=True, aggregator='sum')
    located_count = fields.Integer(string="Located", readonly=True, aggregator='sum')
    located_rate = fields.Float(string="Located (%)", readonly=True, aggregator='avg')
    promise_count = fields.Integer(string="Promises", readonly=True, aggregator='sum')
    promise_amount = fields.Monetary(string="Promised", readonly=True, aggregator='sum')
    flagged_count = fields.Integer(string="Flagged", readonly=True, aggregator='sum')
    distance_km = fields.Float(string="Route (km)", readonly=True, aggregator='sum')
    paid_7_days = fields.Monetary(string="Paid Within 7 Days", readonly=True, aggregator='sum')
    paid_30_days = fields.Monetary(string="Paid Within 30 Days", readonly=True, aggregator='sum')

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT v.id AS id,
                   v.id AS visit_id,
                   v.planned_date AS date,
                   v.collector_id,
                   v.partner_id,
                   v.company_id,
                   c.currency_id,
                   1 AS visit_count,
                   CASE WHEN v.located THEN 1 ELSE 0 END AS located_count,
                   CASE WHEN v.located THEN 100.0 ELSE 0.0 END AS located_rate,
                   CASE WHEN v.result = 'promise' THEN 1 ELSE 0 END AS promise_count,
                   COALESCE(v.promise_amount, 0) AS promise_amount,
                   CASE WHEN v.flagged THEN 1 ELSE 0 END AS flagged_count,
                   COALESCE(v.route_leg_km, 0) AS distance_km,
                   COALESCE(paid.within_7, 0) AS paid_7_days,
                   COALESCE(paid.within_30, 0) AS paid_30_days
              FROM cobranza_visit v
              JOIN res_company c ON c.id = v.company_id
         LEFT JOIN LATERAL (
                    SELECT SUM(l.credit) FILTER (WHERE l.date <= v.planned_date + 7) AS within_7,
                           SUM(l.credit) AS within_30
                      FROM account_move_line l
                      JOIN account_move m ON m.id = l.move_id
                      JOIN account_account a ON a.id = l.account_id
                     WHERE l.partner_id = v.partner_id
                       AND l.company_id = v.company_id
                       AND a.account_type = %(receivable)s
                       AND l.parent_state = 'posted'
                       AND l.credit > 0
                       AND (m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL)
                       AND l.date >= v.planned_date
                       AND l.date <= v.planned_date + 30
                   ) paid ON TRUE
             WHERE v.state IN ('done', 'missed')
            """,
            receivable='asset_receivable',
        )
