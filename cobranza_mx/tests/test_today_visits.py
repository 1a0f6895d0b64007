from datetime import datetime, timedelta

import pytz
from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import CobranzaCommon
from .test_visits import VisitsCommon, utc


@tagged('post_install', '-at_install')
class TestTodayVisits(VisitsCommon):
    """The collector's visits of the day are cards of Today, with their slot, address, state and map link."""

    def _today(self, day=None):
        return self.env['cobranza.account'].with_user(self.collector_1).with_context(
            cobranza_date=day or self.day).search([('collector_id', '=', self.collector_1.id), ('in_today', '=', True)])

    def test_visit_of_the_day_is_on_today(self):
        # Nothing else due on the account: a next step planned for later takes it off Today...
        self.account_a.sudo().write({'next_step': 'Llamar', 'next_step_date': self.day + timedelta(days=10)})
        self.assertNotIn(self.account_a, self._today())
        # ...but the visit of the day brings it back, with what the collector needs at the door.
        visit = self._visit(hour=10.0)
        tomorrow = self._visit(hour=10.0, day=self.day + timedelta(days=1), purpose='Segunda visita')
        self.assertIn(self.account_a, self._today())
        account = self.account_a.with_user(self.collector_1).with_context(cobranza_date=self.day)
        self.assertEqual(account.today_visit_id, visit)
        self.assertEqual(account.today_visit_slot, '10:00-10:30 (America/Mexico_City)')
        self.assertEqual(account.today_visit_state, 'planned')
        self.assertEqual(account.today_visit_address, 'Calle Morelos 123, Monterrey')
        self.assertEqual(account.today_visit_maps_url, 'https://www.google.com/maps/dir/25.669400,-100.309700')
        self.assertTrue(account.today_reason.startswith('Visit today'))
        self.assertEqual(account.action_cobranza_open_visit()['res_id'], visit.id)
        # The state follows the visit: checked in, done.
        visit.with_user(self.collector_1).check_in(25.6695, -100.3097, 10.0)
        account.invalidate_recordset()
        self.assertEqual(account.today_visit_state, 'in_progress')
        # The next day shows the next day's visit; a cancelled visit leaves Today.
        next_day = self.account_a.with_user(self.collector_1).with_context(cobranza_date=self.day + timedelta(days=1))
        self.assertEqual(next_day.today_visit_id, tomorrow)
        tomorrow.action_cancel()
        self.assertNotIn(self.account_a, self._today(self.day + timedelta(days=1)))
        self.env.invalidate_all()
        self.assertFalse(self.account_a.with_context(cobranza_date=self.day + timedelta(days=1)).today_visit_id)

    def test_another_collectors_visit_is_not_shown(self):
        self.collector_2.write({'cobranza_base_latitude': 25.6866, 'cobranza_base_longitude': -100.3161})
        visit = self.Visit.create({'account_id': self.account_b.id, 'collector_id': self.collector_2.id,
                                   'planned_start': utc(self.day, 11.0)})
        self.assertEqual(visit.collector_id, self.collector_2)
        self.assertNotIn(self.account_b, self._today())
        mine = self.account_b.with_user(self.collector_2).with_context(cobranza_date=self.day)
        self.assertEqual(mine.today_visit_id, visit)


@tagged('post_install', '-at_install')
class TestCollectorHome(CobranzaCommon):
    """Every collector lands on Today, also those created by hand."""

    def setUp(self):
        super().setUp()
        self.today_action = self.env.ref('cobranza_mx.cobranza_account_action_today')
        self.collector_group = self.env.ref('cobranza_mx.group_cobranza_collector')

    def _user(self, login, *group_xmlids, **values):
        return self.env['res.users'].with_context(no_reset_password=True).create({
            'name': login, 'login': login, 'company_id': self.company.id,
            'company_ids': [Command.set(self.company.ids)],
            'group_ids': [Command.set([self.env.ref(xmlid).id for xmlid in ('base.group_user', *group_xmlids)])],
            **values})

    def test_collectors_land_on_today(self):
        self.assertEqual(self.collector_1.action_id.id, self.today_action.id)
        created = self._user('gestor_nuevo', 'cobranza_mx.group_cobranza_collector')
        self.assertEqual(created.action_id.id, self.today_action.id)
        # Given the group later, from the user's form or from the group's.
        later = self._user('gestor_despues')
        self.assertFalse(later.action_id)
        later.write({'group_ids': [Command.link(self.collector_group.id)]})
        self.assertEqual(later.action_id.id, self.today_action.id)
        by_group = self._user('gestor_por_grupo')
        self.collector_group.write({'user_ids': [Command.link(by_group.id)]})
        self.assertEqual(by_group.action_id.id, self.today_action.id)

    def test_home_chosen_and_supervisors_are_kept(self):
        discuss = self.env.ref('base.action_res_users')
        chosen = self._user('gestor_con_inicio', 'cobranza_mx.group_cobranza_collector', action_id=discuss.id)
        self.assertEqual(chosen.action_id.id, discuss.id)
        self.assertFalse(self.supervisor.action_id)
        other = self._user('usuario_contable', 'account.group_account_invoice')
        self.assertFalse(other.action_id)


@tagged('post_install', '-at_install')
class TestTodayVisitTour(VisitsCommon, HttpCase):
    browser_size = '375x667'
    touch_enabled = True

    def test_collector_lands_on_today_with_the_visit(self):
        today = datetime.now(pytz.timezone('America/Mexico_City')).date()
        visit = self._visit(day=today, hour=12.0)
        # No path: the web client opens the collector's home action.
        self.start_tour('/odoo', 'cobranza_today_visit', login='collector_1')
        self.assertEqual(visit.state, 'planned', "opening the visit changes nothing")
