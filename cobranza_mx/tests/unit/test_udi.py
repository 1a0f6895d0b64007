from datetime import date
from decimal import Decimal
from unittest import TestCase

from ...tools import udi
from ..sie_server import FakeSieServer

VALUES = {
    date(2026, 5, 30): '8.512345',
    date(2026, 5, 31): '8.513001',
    date(2026, 6, 1): None,  # N/E
    date(2026, 6, 2): '8.514800',
}


class TestSieClient(TestCase):

    def test_period_and_latest(self):
        with FakeSieServer(VALUES) as server:
            client = udi.SieClient(server.url, server.token)
            values = client.period(date(2026, 5, 31), date(2026, 6, 2))
            self.assertEqual(values, {date(2026, 5, 31): Decimal('8.513001'), date(2026, 6, 2): Decimal('8.514800')})
            self.assertEqual(client.latest(), {date(2026, 6, 2): Decimal('8.514800')})
            path, token = server.requests[0]
            self.assertEqual(path, '/SieAPIRest/service/v1/series/SP68257/datos/2026-05-31/2026-06-02')
            self.assertEqual(token, server.token)
            self.assertEqual(server.requests[1][0], '/SieAPIRest/service/v1/series/SP68257/datos/oportuno')

    def test_bad_token_is_an_auth_error(self):
        with FakeSieServer(VALUES) as server:
            client = udi.SieClient(server.url, 'wrong')
            with self.assertRaises(udi.SieAuthError) as caught:
                client.latest()
            self.assertEqual(caught.exception.http_status, 401)

    def test_server_error_is_transient(self):
        with FakeSieServer(VALUES) as server:
            server.fail_next(1, 503)
            client = udi.SieClient(server.url, server.token)
            with self.assertRaises(udi.SieTransientError) as caught:
                client.latest()
            self.assertEqual(caught.exception.http_status, 503)
            self.assertEqual(len(client.latest()), 1)  # the next call succeeds

    def test_unreachable_is_transient(self):
        with FakeSieServer(VALUES) as server:
            url = server.url
        with self.assertRaises(udi.SieTransientError):
            udi.SieClient(url, 'token', timeout=2).latest()

    def test_no_token(self):
        with self.assertRaises(udi.SieAuthError):
            udi.SieClient('http://127.0.0.1:9', '')

    def test_payload_shape(self):
        with self.assertRaises(udi.SieError):
            udi.parse_sie_payload({'series': []})
        with self.assertRaises(udi.SieError):
            udi.parse_sie_payload({'bmx': {'series': [{'idSerie': 'SP68257',
                                                         'datos': [{'fecha': '2026-06-01', 'dato': '8.1'}]}]}})
        other = {'bmx': {'series': [{'idSerie': 'SF43718', 'datos': [{'fecha': '01/06/2026', 'dato': '17.1'}]}]}}
        self.assertEqual(udi.parse_sie_payload(other), {})


class TestUdiCsv(TestCase):

    def test_formats(self):
        text = 'Fecha,SP68257\n2026-06-01,8.500000\n02/06/2026,"8.501000"\n03/06/2026,N/E\n'
        self.assertEqual(udi.parse_udi_csv(text), {date(2026, 6, 1): Decimal('8.5'),
                                                   date(2026, 6, 2): Decimal('8.501')})
        self.assertEqual(udi.parse_udi_csv('01/06/2026;8,5\n'.replace('8,5', '8.5')),
                         {date(2026, 6, 1): Decimal('8.5')})

    def test_bad_rows_name_their_line(self):
        with self.assertRaises(udi.UdiCsvError) as caught:
            udi.parse_udi_csv('2026-06-01,8.5\n2026-06-02,abc\n')
        self.assertEqual(caught.exception.line, 2)
        with self.assertRaises(udi.UdiCsvError) as caught:
            udi.parse_udi_csv('2026-06-01,8.5\nnot a date,8.6\n')
        self.assertEqual(caught.exception.line, 2)
        with self.assertRaises(udi.UdiCsvError):
            udi.parse_udi_csv('2026-06-01,8.5\n2026-06-01,8.6\n')
        with self.assertRaises(udi.UdiCsvError):
            udi.parse_udi_csv('2026-06-01,-8.5\n')

    def test_conversion_and_missing(self):
        self.assertEqual(udi.to_udis(8500, '8.5'), Decimal('1000.000000'))
        self.assertEqual(udi.to_udis('100.00', Decimal('8.123456')), Decimal('12.310032'))
        with self.assertRaises(ValueError):
            udi.to_udis(1, 0)
        self.assertEqual(udi.missing_dates([date(2026, 6, 2), date(2026, 6, 1)], {date(2026, 6, 1): 1}),
                         [date(2026, 6, 2)])
