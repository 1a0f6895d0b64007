"""The field visits of a collection account, and its visit of the day on the collector's Today."""
from odoo import api, fields, models
from odoo.fields import Domain

from .cobranza_visit import VISIT_STATES


# The model is split by concept on purpose: the visits' side of an account.
# pylint: disable=consider-merging-classes-inherited
class CobranzaAccount(models.Model):
    _inherit = 'cobranza.account'

    visit_ids = fields.One2many('cobranza.visit', 'account_id', string="Field Visits", readonly=True)
    # The visit of the day (the first of the route that is not cancelled), shown on the card of Today.
    today_visit_id = fields.Many2one('cobranza.visit', string="Visit Today", compute='_compute_today_visit')
    today_visit_slot = fields.Char(string="Visit Slot", compute='_compute_today_visit')
    today_visit_state = fields.Selection(VISIT_STATES, string="Visit Status", compute='_compute_today_visit')
    today_visit_address = fields.Char(string="Visit Address", compute='_compute_today_visit')
    today_visit_maps_url = fields.Char(string="Visit in Maps", compute='_compute_today_visit')

    @api.depends_context('cobranza_date')
    def _compute_today_visit(self):
        visits = self._today_visits()
        first = {}
        for visit in visits.sorted(lambda v: (v.route_sequence or 0, v.planned_start, v.id)):
            first.setdefault(visit.account_id.id, visit)
        for account in self:
            visit = first.get(account.id)
            account.today_visit_id = visit
            account.today_visit_slot = visit._sheet_slot() if visit else False
            account.today_visit_state = visit.state if visit else False
            account.today_visit_address = visit.address if visit else False
            account.today_visit_maps_url = visit.maps_url if visit else False

    def _today_visits(self):
        """The visits of these accounts planned for today (in the debtor's time zone), but the cancelled ones."""
        return self.env['cobranza.visit'].search([('account_id', 'in', self.ids), *self._today_visit_domain()])

    def _today_visit_domain(self, today=None):
        today = today or self.env['account.move']._cobranza_today()
        return [('planned_date', '=', today), ('state', '!=', 'cancelled')]

    # Today lists the accounts with a visit of the day too, whatever else is due on them.
    @api.depends_context('cobranza_date')
    def _compute_in_today(self):
        result = super()._compute_in_today()
        visited = set(self._today_visits().account_id.ids)
        for account in self.filtered(lambda a: a.id in visited):
            account.today_reason = ', '.join(filter(None, [self.env._("Visit today"), account.today_reason]))
            account.in_today = True
        return result

    def _in_today_domain(self, today):
        return super()._in_today_domain(today) | Domain('visit_ids', 'any', self._today_visit_domain(today))

    def action_cobranza_open_visit(self):
        """Card button: the visit of the day, to check in and record its result."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'cobranza.visit',
            'res_id': self.today_visit_id.id,
            'views': [(False, 'form')],
            'target': 'current',
        }
