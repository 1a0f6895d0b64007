import base64
import io
import json
from datetime import date, datetime, timedelta

import pytz
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader
from PIL import Image

from ..tools import route
from .common import CobranzaCommon

# Monterrey, Barrio Antiguo, and a point about 110 m north of it.
HOME = (25.6694, -100.3097)
NEAR = (25.6704, -100.3097)
FAR = (25.6894, -100.3097)  # about 2.2 km away
BASE = (25.6866, -100.3161)  # Macroplaza


def png_base64(size=(8, 6), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new('RGB', size, color).save(buffer, format='PNG')
    return base64.b64encode(buffer.getvalue()).decode()


def utc(day, local_hour):
    """The naive UTC instant of ``local_hour`` in Mexico City (UTC-6 all year since 2022) on ``day``."""
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=local_hour + 6)


class VisitsCommon(CobranzaCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_two_accounts()
        cls.customer_a.write({'partner_latitude': HOME[0], 'partner_longitude': HOME[1], 'street': 'Calle Morelos 123',
                              'city': 'Monterrey', 'tz': 'America/Mexico_City'})
        cls.customer_b.write({'partner_latitude': 25.6502, 'partner_longitude': -100.2890, 'city': 'Guadalupe',
                              'tz': 'America/Mexico_City'})
        cls.collector_1.write({'cobranza_base_latitude': BASE[0], 'cobranza_base_longitude': BASE[1]})
        cls.day = date(2026, 6, 16)  # a Tuesday
        cls.Visit = cls.env['cobranza.visit']

    def _visit(self, account=None, hour=10.0, day=None, **values):
        account = account or self.account_a
        return self.Visit.create({'account_id': account.id, 'planned_start': utc(day or self.day, hour), **values})


@tagged('post_install', '-at_install')
class TestVisits(VisitsCommon):

    # -- planning ---------------------------------------------------------------------------------
    def test_plan_inside_the_contact_window(self):
        visit = self._visit(hour=10.0)
        self.assertEqual(visit.collector_id, self.collector_1, "the collector of the account goes")
        self.assertEqual(visit.planned_date, self.day)
        self.assertEqual(visit.debtor_tz, 'America/Mexico_City')
        self.assertEqual(visit.planned_end, visit.planned_start + timedelta(minutes=30))
        self.assertEqual((visit.latitude, visit.longitude), HOME)
        self.assertIn('Calle Morelos 123', visit.address)
        self.assertEqual(visit.state, 'planned')

    def test_plan_outside_the_window_is_refused(self):
        for hour in (6.5, 21.75, 22.0):
            with self.subTest(hour=hour), self.assertRaisesRegex(ValidationError, 'outside the legal contact window'):
                self._visit(hour=hour)
        # 21:30 to 22:00 is the last slot of the day.
        self.assertTrue(self._visit(hour=21.5))
        # Weekdays of the policy count too: no visits on Sundays under a Monday-Saturday policy.
        self.policy.contact_sunday = False
        with self.assertRaises(ValidationError):
            self._visit(day=date(2026, 6, 21))
        # The debtor's zone decides: 07:30 in Tijuana is 08:30 in Mexico City (summer, US DST).
        self.customer_a.tz = 'America/Tijuana'
        with self.assertRaises(ValidationError):
            self.Visit.create({'account_id': self.account_a.id, 'planned_start': datetime(2026, 6, 16, 13, 30)})
        visit = self.Visit.create({'account_id': self.account_a.id, 'planned_start': datetime(2026, 6, 16, 14, 30)})
        self.assertEqual(visit.debtor_tz, 'America/Tijuana')

    def test_daily_capacity(self):
        self.collector_1.cobranza_visit_capacity = 2
        self._visit(hour=9)
        self._visit(hour=10)
        with self.assertRaisesRegex(ValidationError, 'at most 2 visits a day'):
            self._visit(hour=11)
        # Another day has room; a cancelled visit frees its place.
        self._visit(hour=11, day=self.day + timedelta(days=1))

    def test_schedule_spills_over_to_the_next_day(self):
        self.collector_1.cobranza_visit_capacity = 1
        self._visit(hour=9)
        visits = self.Visit._schedule_for_accounts(self.account_b, self.day, collector=self.collector_1)
        self.assertEqual(visits.planned_date, self.day + timedelta(days=1))
        self.assertEqual(visits.planned_start, utc(self.day + timedelta(days=1), 9.0))
        # An account with an open visit gets no second one.
        self.assertFalse(self.Visit._schedule_for_accounts(self.account_b, self.day, collector=self.collector_1))

    def test_schedule_starts_inside_the_window(self):
        visits = self.Visit._schedule_for_accounts(self.account_a | self.account_b, self.day, start_hour=5.0,
                                                   collector=self.collector_2)
        self.assertEqual(visits.sorted('planned_start').mapped('planned_start'),
                         [utc(self.day, 7.0), utc(self.day, 7.5)])

    def test_stage_action_schedules_a_visit(self):
        action = self.env['cobranza.stage.action'].create({
            'stage_id': self.stage_administrative.id, 'action_type': 'visit', 'visit_delay_days': 2,
            'visit_hour': 10.0, 'visit_purpose': 'Visita de cobranza', 'activity_user_id': self.supervisor.id})
        self.assertEqual(action.name, 'Schedule a visit - Visita de cobranza')
        self.account_a.collector_id = self.collector_2
        action._execute(self.account_a | self.account_b, self.run_date)
        visits = self.Visit.search([('account_id', 'in', (self.account_a | self.account_b).ids)])
        self.assertEqual(len(visits), 2)
        by_account = {visit.account_id: visit for visit in visits}
        self.assertEqual(by_account[self.account_a].collector_id, self.collector_2)
        self.assertEqual(by_account[self.account_b].collector_id, self.supervisor, "no collector: the fallback")
        self.assertEqual(by_account[self.account_a].planned_start, utc(self.run_date + timedelta(days=2), 10.0))
        self.assertEqual(by_account[self.account_a].purpose, 'Visita de cobranza')
        # Entering the stage again does not plan a second visit.
        action._execute(self.account_a, self.run_date)
        self.assertEqual(self.Visit.search_count([('account_id', '=', self.account_a.id)]), 1)

    def test_bulk_planning_wizard(self):
        wizard = self.env['cobranza.visit.plan.wizard'].with_user(self.supervisor).with_context(
            active_model='cobranza.account', active_ids=(self.account_a | self.account_b).ids).create({
                'date': self.day, 'start_hour': 9.0, 'collector_id': self.collector_2.id, 'purpose': 'Cobro'})
        action = wizard.action_plan()
        visits = self.Visit.search(action['domain'])
        self.assertEqual(len(visits), 2)
        self.assertEqual(visits.collector_id, self.collector_2)
        self.assertEqual(sorted(visits.mapped('route_sequence')), [1, 2])
        with self.assertRaises(UserError):
            self.env['cobranza.visit.plan.wizard'].with_user(self.collector_1).create({
                'account_ids': [Command.set(self.account_a.ids)], 'date': self.day}).action_plan()

    def test_route_of_the_day(self):
        partners = self.env['res.partner'].create([
            {'name': f'Deudor {i}', 'partner_latitude': lat, 'partner_longitude': lon, 'tz': 'America/Mexico_City'}
            for i, (lat, lon) in enumerate([(25.70, -100.31), (25.66, -100.31), (25.72, -100.31)])])
        accounts = self.env['cobranza.account'].create([
            {'partner_id': p.id, 'company_id': self.company.id, 'collector_id': self.collector_1.id} for p in partners])
        visits = self.Visit.browse()
        for hour, account in zip((9, 10, 11), accounts, strict=True):
            visits |= self._visit(account, hour=hour)
        # From the Macroplaza (25.6866): south first (3.0 km), then north along the line: 9.6 km; the nearest
        # first (north, 1.6 km) would have to come back south: 10.5 km.
        ordered = visits.sorted('route_sequence')
        self.assertEqual(ordered.partner_id.mapped('name'), ['Deudor 1', 'Deudor 0', 'Deudor 2'])
        stops = [v._point() for v in visits]
        expected_total = route.total_km(BASE, stops, route.plan_route(BASE, stops))
        self.assertAlmostEqual(ordered[0].route_total_km, expected_total, places=2)
        self.assertAlmostEqual(sum(ordered.mapped('route_leg_km')), expected_total, places=2)
        self.assertTrue(ordered[0].route_url.startswith(
            'https://www.google.com/maps/dir/25.686600,-100.316100/25.660000,-100.310000/25.700000,-100.310000/'
            '25.720000,-100.310000'))
        # A cancelled visit leaves the route, which is ordered again.
        ordered[1].action_cancel()
        self.assertEqual(ordered[2].route_sequence, 2)

    # -- check-in and result ----------------------------------------------------------------------
    def test_check_in_and_promise_as_the_collector(self):
        visit = self._visit().with_user(self.collector_1)
        answer = visit.check_in(NEAR[0], NEAR[1], 12.5, png_base64())
        self.assertEqual(visit.state, 'in_progress')
        self.assertAlmostEqual(visit.checkin_distance, route.haversine_km(NEAR, HOME) * 1000, delta=0.5)
        self.assertAlmostEqual(visit.checkin_distance, 111, delta=2)
        self.assertEqual((answer['flagged'], answer['state']), (False, 'in_progress'))
        self.assertAlmostEqual(answer['distance_m'], visit.checkin_distance, delta=0.5)
        self.assertEqual((visit.checkin_latitude, visit.checkin_longitude, visit.checkin_accuracy),
                         (NEAR[0], NEAR[1], 12.5))
        self.assertTrue(visit.photo)
        self.assertFalse(visit.flagged)
        with self.assertRaisesRegex(UserError, 'already checked in'):
            visit.check_in(NEAR[0], NEAR[1], 12.5)

        answer = visit.record_result('promise', note='Paga el viernes', promise_amount=500.0,
                                     promise_date='2026-06-19')
        self.assertEqual(visit.state, 'done')
        self.assertEqual((visit.result, visit.promise_amount, visit.promise_date),
                         ('promise', 500.0, date(2026, 6, 19)))
        self.assertTrue(visit.located)
        log = self.env['cobranza.contact.log'].browse(answer['contact_log_id'])
        self.assertEqual((log.channel, log.visit_id, log.visit_result, log.result, log.user_id),
                         ('visit', visit, 'promise', 'visited', self.collector_1))
        self.assertEqual(log.partner_id, self.customer_a)
        self.assertEqual(log.move_ids, self.invoice_a)
        self.assertIn('500', log.detail)
        self.assertIn('Promise of 500', self.account_a.message_ids[0].body)

        # Done: the collector cannot change it any more; a supervisor corrects it, with a trace.
        with self.assertRaises(AccessError):
            visit.note = 'Otra cosa'
        with self.assertRaises(UserError):
            visit.record_result('paid')
        visit.with_user(self.supervisor).note = 'Corregido: paga el sábado'
        self.assertIn('corrected by supervisor_1', visit.message_ids[0].body)
        # The evidence stays.
        with self.assertRaises(UserError):
            visit.sudo().unlink()

    def test_check_in_far_from_the_address_is_flagged(self):
        self.policy.visit_max_distance_m = 500
        visit = self._visit().with_user(self.collector_1)
        answer = visit.check_in(FAR[0], FAR[1], 8)
        self.assertTrue(answer['flagged'])
        self.assertTrue(visit.flag_distance and visit.flagged)
        self.assertGreater(visit.checkin_distance, 2000)
        self.assertIn('to review', visit.message_ids[0].body)

    def test_check_in_without_gps(self):
        visit = self._visit().with_user(self.collector_1)
        with self.assertRaisesRegex(ValidationError, 'say why'):
            visit.check_in(False, False, 0)
        visit.check_in(None, None, 0, False, no_gps_reason='Permiso de ubicación denegado')
        self.assertEqual(visit.state, 'in_progress')
        self.assertTrue(visit.flag_no_gps and visit.flagged)
        self.assertFalse(visit.checkin_located)
        self.assertEqual(visit.no_gps_reason, 'Permiso de ubicación denegado')

    def test_bad_input_is_refused(self):
        visit = self._visit().with_user(self.collector_1)
        for lat, lon, accuracy in [(100, 0, 5), (25, -200, 5), ('x', 1, 5), (25, -100, -3), (25, -100, 'a')]:
            with self.subTest(lat=lat, lon=lon, accuracy=accuracy), self.assertRaises(ValidationError):
                visit.check_in(lat, lon, accuracy)
        with self.assertRaisesRegex(ValidationError, 'base64'):
            visit.check_in(*NEAR, 5, 'not base64!')
        with self.assertRaisesRegex(ValidationError, 'PNG or JPEG'):
            visit.check_in(*NEAR, 5, base64.b64encode(b'%PDF-1.4 hello').decode())
        self.assertEqual(visit.state, 'planned')
        with self.assertRaisesRegex(ValidationError, 'Unknown visit result'):
            visit.record_result('maybe')
        with self.assertRaisesRegex(ValidationError, 'positive amount and a date'):
            visit.record_result('promise', promise_amount=0, promise_date='2026-06-20')
        with self.assertRaisesRegex(ValidationError, 'before the visit'):
            visit.record_result('promise', promise_amount=10, promise_date='2026-06-01')
        with self.assertRaisesRegex(ValidationError, 'must be a date'):
            visit.record_result('promise', promise_amount=10, promise_date='mañana')
        self.assertEqual(visit.state, 'planned')
        # A collector cannot set the check-in figures by hand.
        with self.assertRaises(AccessError):
            visit.write({'checkin_latitude': 1.0})
        with self.assertRaises(AccessError):
            visit.write({'state': 'done'})

    def test_result_from_the_paper_sheet_and_data_updates(self):
        visit = self._visit().with_user(self.collector_1)
        visit.write({'update_phone': '+52 81 1234 5678', 'update_street': 'Av. Constitución 400',
                     'update_contact_name': 'Su hermano'})
        visit.record_result('moved', note='Se mudó hace un mes')
        self.assertEqual(visit.state, 'done')
        self.assertTrue(visit.flag_no_checkin, "typed in later, without a check-in: to review")
        self.assertFalse(visit.located)
        self.assertEqual(self.customer_a.phone, '+52 81 1234 5678')
        self.assertEqual(self.customer_a.street, 'Av. Constitución 400')
        history = self.customer_a.message_ids[0].body
        self.assertIn('Calle Morelos 123', history)
        self.assertIn('Av. Constitución 400', history)
        self.assertIn('Su hermano', history)
        self.assertIn('Moved', history)

    def test_missed_visit_is_logged(self):
        visit = self._visit().with_user(self.collector_1)
        visit.action_mark_missed()
        self.assertEqual(visit.state, 'missed')
        log = self.env['cobranza.contact.log'].search([('visit_id', '=', visit.id)])
        self.assertEqual((log.result, log.channel), ('missed', 'visit'))
        visit.with_user(self.supervisor).action_reset()
        self.assertEqual(visit.state, 'planned')
        with self.assertRaises(UserError), mute_logger('odoo.sql_db'):
            visit.sudo().unlink()

    # -- security ---------------------------------------------------------------------------------
    def test_menus(self):
        collector_menus = self.env['ir.ui.menu'].with_user(self.collector_1)._visible_menu_ids()
        supervisor_menus = self.env['ir.ui.menu'].with_user(self.supervisor)._visible_menu_ids()
        my_visits, visits, report = (self.env.ref(f'cobranza_mx.{xmlid}').id for xmlid in (
            'menu_cobranza_my_visits', 'menu_cobranza_visits', 'menu_cobranza_visit_report'))
        self.assertIn(my_visits, collector_menus)
        self.assertNotIn(visits, collector_menus)
        self.assertNotIn(report, collector_menus)
        self.assertTrue({my_visits, visits, report} <= set(supervisor_menus))
        # The collector's action loads as the web client loads it.
        action = self.env['ir.actions.act_window'].with_user(self.collector_1)._for_xml_id(
            'cobranza_mx.cobranza_visit_action_my')
        self.assertEqual(action['path'], 'my-visits')
        self.env['cobranza.visit'].with_user(self.collector_1).web_search_read(
            domain=[('collector_id', '=', self.collector_1.id)], specification={'display_name': {}, 'route_url': {}})

    def test_collectors_see_only_their_visits(self):
        mine = self._visit()
        other = self._visit(self.account_b, collector_id=self.collector_2.id)
        as_1 = self.Visit.with_user(self.collector_1)
        self.assertEqual(as_1.search([]), mine)
        with self.assertRaises(AccessError):
            other.with_user(self.collector_1).check_in(*HOME, 5)
        with self.assertRaises(AccessError):
            other.with_user(self.collector_1).write({'note': 'x'})
        with self.assertRaises(AccessError):
            mine.with_user(self.collector_1).write({'collector_id': self.collector_2.id})
        with self.assertRaises(AccessError):
            as_1.create({'account_id': self.account_b.id, 'collector_id': self.collector_2.id,
                         'planned_start': utc(self.day, 12)})
        self.assertEqual(self.Visit.with_user(self.supervisor).search([]), mine | other)
        with self.assertRaises(AccessError):
            self.env['cobranza.visit.report'].with_user(self.collector_1).search([])

    def test_multi_company_rule(self):
        company_2 = self.env['res.company'].create({'name': 'Otra Agencia S.C.'})
        self.collector_1.company_ids |= company_2
        account = self.env['cobranza.account'].create({'partner_id': self.customer_c.id, 'company_id': company_2.id,
                                                       'collector_id': self.collector_1.id})
        foreign = self._visit(account)
        self.assertEqual(foreign.company_id, company_2)
        self.assertNotIn(foreign, self.Visit.with_user(self.supervisor).search([]))
        self.assertNotIn(foreign, self.Visit.with_user(self.collector_1).with_company(self.company).search([]))
        self.assertIn(foreign, self.Visit.with_user(self.collector_1).with_context(
            allowed_company_ids=[self.company.id, company_2.id]).search([]))

    # -- sheet and effectiveness ------------------------------------------------------------------
    def test_visit_sheet(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.collector_1.lang = 'es_MX'
        visits = self._visit(hour=9) | self._visit(self.account_b, hour=10, collector_id=self.collector_1.id)
        report = self.env['ir.actions.report']
        html = report._render_qweb_html('cobranza_mx.report_visit_sheet', visits.ids)[0].decode()
        for text in ('Hoja de visita', 'Abarrotes La Esperanza', 'María Fernanda', 'Calle Morelos 123',
                     self.invoice_a.name, self.invoice_b.name, 'Promesa de pago', 'No hay nadie', 'Fallecido',
                     'Firma del gestor', '09:00-09:30', 'collector_1'):
            self.assertIn(text, html)
        self.assertLess(html.index('Abarrotes'), html.index('María Fernanda'), "in route order")

    def test_effectiveness_report(self):
        first = self._visit(hour=9)
        first.record_result('promise', promise_amount=400, promise_date=self.day + timedelta(days=2))
        second = self._visit(self.account_b, hour=10, collector_id=self.collector_1.id)
        second.record_result('nobody_home')
        # The customer of the first visit pays 300 three days later, and 200 more after 20 days.
        for days, amount in ((3, 300.0), (20, 200.0), (40, 100.0)):
            self.env['account.payment.register'].with_context(
                active_model='account.move', active_ids=self.invoice_a.ids).create({
                    'amount': amount, 'payment_date': self.day + timedelta(days=days)})._create_payments()
        Report = self.env['cobranza.visit.report'].with_user(self.supervisor)
        rows = {row.visit_id: row for row in Report.search([])}
        self.assertEqual(rows[first].paid_7_days, 300.0)
        self.assertEqual(rows[first].paid_30_days, 500.0)
        self.assertEqual(rows[second].paid_30_days, 0.0)
        [group] = Report.read_group([], ['visit_count:sum', 'located_rate:avg', 'promise_count:sum',
                                         'promise_amount:sum'], ['collector_id'])
        self.assertEqual(group['visit_count'], 2)
        self.assertEqual(group['located_rate'], 50.0)
        self.assertEqual(group['promise_count'], 1)
        self.assertEqual(group['promise_amount'], 400.0)

    def test_spanish_labels(self):
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        labels = dict(self.Visit.with_context(lang='es_MX')._fields['result']._description_selection(
            self.env(context={'lang': 'es_MX'})))
        self.assertEqual(labels['promise'], 'Promesa de pago')
        self.assertEqual(labels['not_locatable'], 'No localizable')
        with self.assertRaisesRegex(ValidationError, 'fuera del horario legal'):
            self.Visit.with_context(lang='es_MX').create({'account_id': self.account_a.id,
                                                          'planned_start': utc(self.day, 23)})


@tagged('post_install', '-at_install')
class TestVisitPromises(VisitsCommon):
    """A promise made at the door is a promise to pay of the promises model."""

    def test_promise_at_the_door_is_a_promise_to_pay(self):
        visit = self._visit().with_user(self.collector_1)
        visit.check_in(NEAR[0], NEAR[1], 10.0)
        answer = visit.record_result('promise', note='Paga el viernes', promise_amount=600.0,
                                     promise_date='2026-06-26')
        promise = visit.promise_id
        self.assertEqual((promise.amount, promise.date, promise.state, promise.channel),
                         (600.0, date(2026, 6, 26), 'open', 'visit'))
        self.assertEqual((promise.account_id, promise.move_ids, promise.collector_id),
                         (self.account_a, self.invoice_a, self.collector_1))
        self.assertEqual(promise.made_on, self.day, "made at the visit, whenever the result is typed in")
        self.assertEqual(promise.residual_at_promise, 1000.0)
        self.assertEqual(visit.promise_state, 'open')
        self.assertIn(promise, self.account_a.promise_ids)
        self.assertTrue(self.invoice_a.cobranza_promise_open)
        log = self.env['cobranza.contact.log'].browse(answer['contact_log_id'])
        self.assertEqual(log.promise_id, promise)
        self.assertEqual(self.account_a.next_step_date, date(2026, 6, 27))
        # The promise follows the payments like any other: kept when the debtor pays it.
        self.env['account.payment.register'].with_context(active_model='account.move', active_ids=self.invoice_a.ids) \
            .create({'amount': 600.0, 'payment_date': date(2026, 6, 25)})._create_payments()
        self.assertEqual((promise.state, visit.promise_state), ('kept', 'kept'))
        # Other results make no promise.
        other = self._visit(self.account_b, hour=11, collector_id=self.collector_1.id)
        other.record_result('nobody_home')
        self.assertFalse(other.promise_id)

    def test_promise_outside_the_policy_limits_is_refused(self):
        self.policy.write({'promise_max_days': 10, 'promise_min_percent': 20.0})
        visit = self._visit().with_user(self.collector_1)
        visit.check_in(NEAR[0], NEAR[1], 10.0)
        refusals = [
            (1500.0, '2026-06-20', 'more than what is due'),
            (100.0, '2026-06-20', 'at least'),
            (500.0, '2026-06-27', 'beyond 2026-06-26'),
        ]
        for amount, day, message in refusals:
            with self.subTest(amount=amount, day=day), self.assertRaisesRegex(ValidationError, message):
                visit.record_result('promise', promise_amount=amount, promise_date=day)
        # Nothing was stored: no promise, the visit still open, no contact-log row.
        self.assertFalse(self.env['cobranza.promise'].search([('account_id', '=', self.account_a.id)]))
        self.assertEqual((visit.state, visit.result, visit.promise_id.id), ('in_progress', False, False))
        self.assertFalse(visit.contact_log_ids)
        # In the collector's language.
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        with self.assertRaisesRegex(ValidationError, 'no permite promesas'):
            visit.with_context(lang='es_MX').record_result('promise', promise_amount=500.0,
                                                           promise_date='2026-06-27')
        visit.record_result('promise', promise_amount=500.0, promise_date='2026-06-26')
        self.assertEqual((visit.state, visit.promise_id.amount), ('done', 500.0))


@tagged('post_install', '-at_install')
class TestVisitsApi(VisitsCommon, HttpCase):
    """check_in / record_result called by an agency app over Odoo's external API."""

    @mute_logger('odoo.addons.rpc.controllers.xmlrpc')
    def test_xmlrpc(self):
        visit = self._visit()
        uid = self.xmlrpc_common.authenticate(self.env.cr.dbname, 'collector_1', 'collector_1', {})
        self.assertEqual(uid, self.collector_1.id)
        call = self.xmlrpc_object.execute_kw
        args = (self.env.cr.dbname, uid, 'collector_1', 'cobranza.visit')
        answer = call(*args, 'check_in', [[visit.id], NEAR[0], NEAR[1], 9.0, png_base64()])
        self.assertEqual(answer['state'], 'in_progress')
        self.assertAlmostEqual(answer['distance_m'], 111, delta=2)
        answer = call(*args, 'record_result', [[visit.id], 'promise'],
                      {'note': 'Por XML-RPC', 'promise_amount': 250.0, 'promise_date': '2026-06-30'})
        self.assertEqual(answer['state'], 'done')
        visit.invalidate_recordset()
        self.assertEqual((visit.state, visit.promise_amount, visit.note), ('done', 250.0, 'Por XML-RPC'))
        self.assertEqual((visit.promise_id.amount, visit.promise_id.date, visit.promise_id.channel),
                         (250.0, date(2026, 6, 30), 'visit'))
        # Outside the policy's limits: a clear error, nothing stored.
        other = self._visit(hour=11)
        with self.assertRaisesRegex(Exception, 'more than what is due'), mute_logger('odoo.http'):
            call(*args, 'record_result', [[other.id], 'promise'], {'promise_amount': 99999.0,
                                                                   'promise_date': '2026-06-20'})
        other.invalidate_recordset()
        self.assertEqual((other.state, other.promise_id.id), ('planned', False))
        self.assertEqual(self.env['cobranza.contact.log'].browse(answer['contact_log_id']).visit_id, visit)
        # Bad input comes back as a clear error, and a done visit is closed to the collector.
        with self.assertRaisesRegex(Exception, 'cannot be changed this way'), mute_logger('odoo.http'):
            call(*args, 'record_result', [[visit.id], 'paid'])
        with self.assertRaisesRegex(Exception, 'can only be corrected by a collection supervisor'), \
                mute_logger('odoo.http'):
            call(*args, 'write', [[visit.id], {'note': 'cambio'}])

    @mute_logger('odoo.addons.rpc.controllers.xmlrpc')
    def test_jsonrpc(self):
        visit = self._visit()
        uid = self.collector_1.id

        def execute(method, args, kwargs=None):
            response = self.url_open('/jsonrpc', json={'jsonrpc': '2.0', 'method': 'call', 'id': 1, 'params': {
                'service': 'object', 'method': 'execute_kw',
                'args': [self.env.cr.dbname, uid, 'collector_1', 'cobranza.visit', method, args, kwargs or {}]}})
            return response.json()

        with mute_logger('odoo.http'):
            error = execute('check_in', [[visit.id], 95.0, -100.0, 5.0])
        self.assertIn('latitude must be within -90 and 90', error['error']['data']['message'])
        body = execute('check_in', [[visit.id], False, False, 0], {'no_gps_reason': 'GPS apagado'})
        self.assertTrue(body['result']['flagged'])
        body = execute('record_result', [[visit.id], 'refused'], {'note': 'No quiere pagar'})
        self.assertEqual(body['result']['result'], 'refused')
        visit.invalidate_recordset()
        self.assertEqual(visit.state, 'done')
        self.assertTrue(visit.flag_no_gps)


    def test_visit_sheet_pdf(self):
        """The sheet as a real PDF: wkhtmltopdf fetches the report assets from this test server."""
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        self.collector_1.lang = 'es_MX'
        visits = self._visit(hour=9) | self._visit(self.account_b, hour=10, collector_id=self.collector_1.id)
        pdf, kind = self.env['ir.actions.report'].with_context(force_report_rendering=True)._render_qweb_pdf(
            'cobranza_mx.report_visit_sheet', visits.ids)
        self.assertEqual(kind, 'pdf')
        self.assertTrue(pdf.startswith(b'%PDF'))
        # wkhtmltopdf's embedded fonts give PyPDF2 no text for the words (test_visit_sheet checks them on the
        # HTML), but the check boxes come through: ten results to mark for each of the two visits.
        text = ' '.join(page.extract_text() for page in PdfFileReader(io.BytesIO(pdf)).pages)
        self.assertEqual(text.count('\u2610'), 2 * len(self.Visit._fields['result'].selection))

    def test_json2(self):
        visit = self._visit()
        key = self.env['res.users.apikeys'].with_user(self.collector_1)._generate(
            scope='rpc', name='app de gestores', expiration_date=datetime.now() + timedelta(days=0.5))
        headers = {'Content-Type': 'application/json', 'Authorization': f'Bearer {key}',
                   'X-Odoo-Database': self.env.cr.dbname}

        def call(method, **params):
            return self.url_open(f'/json/2/cobranza.visit/{method}', data=json.dumps(params), headers=headers)

        response = call('check_in', ids=[visit.id], latitude=FAR[0], longitude=FAR[1], accuracy_m=20.0,
                        photo_base64=png_base64())
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()['flagged'], "2 km from the address")
        with mute_logger('odoo.http'):
            response = call('record_result', ids=[visit.id], result='promise', promise_amount=-5)
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn('positive amount and a date', response.json()['message'])
        response = call('record_result', ids=[visit.id], result='dispute', note='Factura duplicada')
        self.assertEqual(response.json()['state'], 'done')
        visit.invalidate_recordset()
        self.assertEqual((visit.state, visit.result, visit.flag_distance), ('done', 'dispute', True))
        self.assertTrue(visit.photo)


@tagged('post_install', '-at_install')
class TestVisitsTour(VisitsCommon, HttpCase):

    def test_collector_checks_in_on_the_phone(self):
        today = datetime.now(pytz.timezone('America/Mexico_City')).date()
        visit = self._visit(day=today, hour=12)
        self.browser_size = '375x667'  # pylint: disable=attribute-defined-outside-init
        self.touch_enabled = True  # pylint: disable=attribute-defined-outside-init
        self.start_tour('/odoo/my-visits', 'cobranza_visit_checkin', login='collector_1')
        self.assertEqual(visit.state, 'done')
        self.assertEqual(visit.result, 'promise')
        self.assertEqual(visit.promise_amount, 350.0)
        self.assertTrue(today < visit.promise_date <= today + timedelta(days=8), "a week after the visit")
        self.assertEqual((visit.promise_id.amount, visit.promise_id.date, visit.promise_id.state),
                         (350.0, visit.promise_date, 'open'))
        self.assertEqual((visit.checkin_latitude, visit.checkin_longitude), NEAR)
        self.assertEqual(visit.checkin_accuracy, 15.0)
        self.assertAlmostEqual(visit.checkin_distance, 111, delta=2)
        self.assertTrue(visit.photo)
        self.assertFalse(visit.flagged)
        log = self.env['cobranza.contact.log'].search([('visit_id', '=', visit.id)])
        self.assertEqual((log.channel, log.visit_result, log.user_id), ('visit', 'promise', self.collector_1))
