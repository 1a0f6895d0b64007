import socket

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .nominatim_server import NOT_JSON, FakeNominatimServer
from .test_visits import VisitsCommon

MORELOS = (25.6694, -100.3097)


@tagged('post_install', '-at_install')
class TestGeocoding(VisitsCommon):
    """Debtors' addresses located by a geocoder speaking Nominatim's API (here on 127.0.0.1)."""

    def setUp(self):
        super().setUp()
        self.server = self.enterContext(FakeNominatimServer({'Calle Morelos 123, Monterrey': MORELOS}))
        self.env['ir.config_parameter'].sudo().set_param('cobranza_mx.geocoder_url', self.server.url)
        # Customer A has an address but no coordinates yet.
        self.customer_a.write({'partner_latitude': 0.0, 'partner_longitude': 0.0, 'zip': '64000',
                               'state_id': self.env.ref('base.state_mx_nl').id,
                               'country_id': self.env.ref('base.mx').id})

    def test_locate_the_address_of_a_visit(self):
        visit = self._visit(hour=10.0)
        self.assertFalse(visit.latitude or visit.longitude or visit.maps_url)
        visit.with_user(self.collector_1).action_geolocate()
        self.assertEqual((self.customer_a.partner_latitude, self.customer_a.partner_longitude), MORELOS)
        self.assertTrue(self.customer_a.cobranza_geo_date)
        self.assertIn('Address located at 25.6694, -100.3097', self.customer_a.message_ids[0].body)
        self.assertEqual((visit.latitude, visit.longitude), MORELOS, "the open visit moves to the point")
        self.assertEqual(visit.maps_url, 'https://www.google.com/maps/dir/25.669400,-100.309700')
        self.assertEqual(visit.route_sequence, 1)
        self.assertGreater(visit.route_leg_km, 0.0, "the route starts at the collector's base")
        [request] = self.server.requests
        self.assertEqual(request['params']['q'], 'Calle Morelos 123, 64000 Monterrey, Nuevo León, Mexico')
        self.assertEqual(request['params']['countrycodes'], 'mx')
        self.assertTrue(request['headers']['User-Agent'].startswith('cobranza_mx/19.0'))
        # The supervisor's list and the effectiveness report have the map link too.
        visit.record_result('nobody_home')
        report = self.env['cobranza.visit.report'].with_user(self.supervisor).search([('visit_id', '=', visit.id)])
        self.assertEqual(report.maps_url, visit.maps_url)
        for view in ('cobranza_mx.cobranza_visit_view_list', 'cobranza_mx.cobranza_visit_report_view_list'):
            arch = self.env.ref(view).arch
            self.assertIn('name="maps_url" widget="url"', arch)

    def test_failures_are_clear_messages(self):
        self.customer_b.write({'street': 'Calle Inexistente 1', 'city': 'Saltillo', 'partner_latitude': 0.0,
                               'partner_longitude': 0.0})
        with self.assertRaisesRegex(UserError, 'found no place for the address of María Fernanda'):
            self.customer_b.action_cobranza_geolocate()
        self.server.fail_next(status=503)
        with self.assertRaisesRegex(UserError, r'no usable answer .*HTTP 503'):
            self.customer_a.action_cobranza_geolocate()
        self.server.fail_next(status=NOT_JSON)
        with self.assertRaisesRegex(UserError, 'no usable answer'):
            self.customer_a.action_cobranza_geolocate()
        self.assertEqual((self.customer_a.partner_latitude, self.customer_a.partner_longitude), (0.0, 0.0))
        # Several at once: the located ones are kept, the others listed.
        action = (self.customer_a | self.customer_b).action_cobranza_geolocate()
        self.assertEqual(action['params']['type'], 'warning')
        self.assertIn('Addresses located: 1.', action['params']['message'])
        self.assertIn('María Fernanda', action['params']['message'])
        self.assertEqual(self.customer_a.partner_latitude, MORELOS[0])
        # Offline.
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        self.env['ir.config_parameter'].sudo().set_param('cobranza_mx.geocoder_url', f'http://127.0.0.1:{port}')
        with self.assertRaisesRegex(UserError, 'could not be reached'):
            self.customer_b.action_cobranza_geolocate()
        # In Spanish.
        self.env['res.lang']._activate_lang('es_MX')
        self.env['ir.module.module']._load_module_terms(['cobranza_mx'], ['es_MX'], overwrite=True)
        with self.assertRaisesRegex(UserError, 'No se pudo consultar el geocodificador'):
            self.customer_b.with_context(lang='es_MX').action_cobranza_geolocate()

    def test_who_may_locate(self):
        # Collector 1 has customer A's account, not customer B's; an accountant is no collection user.
        with self.assertRaisesRegex(AccessError, 'your own debtors'):
            self.customer_b.with_user(self.collector_1).action_cobranza_geolocate()
        accountant = self._new_user('contador_1', 'account.group_account_invoice')
        with self.assertRaisesRegex(AccessError, 'Only collection users'):
            self.customer_a.with_user(accountant).action_cobranza_geolocate()
        self.assertFalse(self.server.requests)
        self.customer_a.with_user(self.collector_1).action_cobranza_geolocate()
        self.assertEqual(self.customer_a.partner_latitude, MORELOS[0])

    def test_no_call_outside_this_machine_in_tests(self):
        self.env['ir.config_parameter'].sudo().set_param('cobranza_mx.geocoder_url',
                                                         'https://nominatim.openstreetmap.org')
        with self.assertRaisesRegex(UserError, 'disabled while testing'):
            self.customer_a.action_cobranza_geolocate()
        self.assertFalse(self.server.requests)
        self.assertEqual(self.customer_a.partner_latitude, 0.0)
