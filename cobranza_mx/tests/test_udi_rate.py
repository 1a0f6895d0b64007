import base64
from datetime import date

from freezegun import freeze_time
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger
from psycopg2.errors import UniqueViolation

from .sie_server import FakeSieServer


@tagged('post_install', '-at_install')
class TestUdiRate(TransactionCase):
    """UDI values: the daily cron against a local SIE API, CSV import, manual entry, missing values."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rate = cls.env['cobranza.udi.rate']
        cls.Rate.search([]).unlink()
        cls.cron = cls.env.ref('cobranza_mx.ir_cron_cobranza_udi_fetch')
        cls.params = cls.env['ir.config_parameter'].sudo()

    def _trigger(self):
        with self.enter_registry_test_mode():
            self.cron.method_direct_trigger()

    def _configure(self, server, token=None):
        self.params.set_param('cobranza_mx.sie_url', server.url)
        self.params.set_param('cobranza_mx.sie_token', token or server.token)

    @freeze_time('2026-06-10')
    def test_cron_fetches_the_period_with_the_token(self):
        values = {date(2026, 6, 1): '8.501234', date(2026, 6, 2): '8.502001', date(2026, 6, 3): None,
                  date(2026, 7, 20): '8.530000'}
        with FakeSieServer(values) as server:
            self._configure(server)
            self.Rate.create({'date': date(2026, 5, 31), 'value': 8.5})
            self._trigger()
        path, token = server.requests[-1]
        self.assertEqual(token, server.token, "the token goes in the Bmx-Token header")
        # From the day after the last known value to the values published ahead.
        self.assertEqual(path, '/SieAPIRest/service/v1/series/SP68257/datos/2026-06-01/2026-07-25')
        rates = self.Rate.search([('source', '=', 'sie')], order='date')
        self.assertEqual(rates.mapped('date'), [date(2026, 6, 1), date(2026, 6, 2), date(2026, 7, 20)],
                         "N/E values are never stored")
        self.assertAlmostEqual(rates[0].value, 8.501234, places=6)
        self.assertFalse(self.params.get_param('cobranza_mx.sie_last_error'))
        # The next run asks from the day after the last value only.
        with FakeSieServer({date(2026, 7, 21): '8.530500'}) as server:
            self._configure(server)
            self._trigger()
        self.assertEqual(server.requests[-1][0], '/SieAPIRest/service/v1/series/SP68257/datos/2026-07-21/2026-07-25')
        self.assertEqual(self.Rate.search_count([]), 5)

    @freeze_time('2026-06-10')
    def test_bad_token_is_reported_and_nothing_stored(self):
        with FakeSieServer({date(2026, 6, 1): '8.501234'}) as server:
            self._configure(server, token='wrong-token')
            self._trigger()
            self.assertFalse(self.Rate.search([]))
            self.assertIn('401', self.params.get_param('cobranza_mx.sie_last_error'))
            with self.assertRaisesRegex(UserError, 'refused the token'):
                self.Rate.action_fetch_now()

    @freeze_time('2026-06-10')
    def test_server_error_then_the_next_run_succeeds(self):
        with FakeSieServer({date(2026, 6, 1): '8.501234'}) as server:
            self._configure(server)
            server.fail_next(1, 503)
            self._trigger()
            self.assertFalse(self.Rate.search([]))
            self.assertIn('503', self.params.get_param('cobranza_mx.sie_last_error'))
            self._trigger()
        self.assertEqual(self.Rate.search([]).mapped('value'), [8.501234])
        self.assertFalse(self.params.get_param('cobranza_mx.sie_last_error'))

    def test_missing_value_is_a_clear_error(self):
        self.Rate.create({'date': date(2026, 1, 31), 'value': 8.4})
        values = self.Rate._values_for([date(2026, 1, 31)])
        self.assertEqual(str(values[date(2026, 1, 31)]), '8.400000')
        with self.assertRaisesRegex(UserError, 'no UDI value for 2026-02-01, 2026-02-02'):
            self.Rate._values_for([date(2026, 1, 31), date(2026, 2, 2), date(2026, 2, 1)])

    def test_manual_entry_is_unique_and_positive(self):
        self.Rate.create({'date': date(2026, 1, 31), 'value': 8.4})
        with self.assertRaises(ValidationError):
            self.Rate.create({'date': date(2026, 2, 1), 'value': 0.0})
        with self.assertRaises(UniqueViolation), self.cr.savepoint(), mute_logger('odoo.sql_db'):
            self.Rate.create({'date': date(2026, 1, 31), 'value': 8.5})

    def test_csv_import(self):
        text = 'Fecha,SP68257\n01/03/2026,8.450001\n2026-03-02,8.450502\n03/03/2026,N/E\n'
        wizard = self.env['cobranza.udi.import.wizard'].create({'file': base64.b64encode(text.encode())})
        wizard.action_import()
        rates = self.Rate.search([], order='date')
        self.assertEqual(rates.mapped('date'), [date(2026, 3, 1), date(2026, 3, 2)])
        self.assertEqual(set(rates.mapped('source')), {'csv'})
        bad = 'date,value\n2026-03-04,8.45\n2026-03-05,abc\n'
        wizard = self.env['cobranza.udi.import.wizard'].create({'file': base64.b64encode(bad.encode())})
        with self.assertRaisesRegex(UserError, 'line 3'):
            wizard.action_import()
        self.assertEqual(self.Rate.search_count([]), 2, "nothing of a bad file is imported")
