import socket
from unittest import TestCase

from ...tools import geocoding as geo
from ..nominatim_server import NOT_JSON, FakeNominatimServer

MORELOS = (25.6694, -100.3097)


class TestGeocodingQuery(TestCase):

    def test_query_string(self):
        self.assertEqual(geo.query_string('Calle Morelos 123', '', 'Monterrey', '64000', 'Nuevo León', 'México'),
                         'Calle Morelos 123, 64000 Monterrey, Nuevo León, México')
        self.assertEqual(geo.query_string(' Av. Juárez 5 ', 'Int. 3', '', '06000'), 'Av. Juárez 5, Int. 3, 06000')
        self.assertEqual(geo.query_string(), '')

    def test_parse_search(self):
        place = geo.parse_search([{'lat': '25.6694000', 'lon': '-100.3097000', 'display_name': 'Morelos'},
                                  {'lat': '1', 'lon': '2'}])
        self.assertEqual((place.latitude, place.longitude, place.display_name), (25.6694, -100.3097, 'Morelos'))
        with self.assertRaises(geo.GeocodingError) as caught:
            geo.parse_search([])
        self.assertEqual(caught.exception.code, geo.NOT_FOUND)
        for payload in [{'error': 'x'}, [{'lat': 'a', 'lon': '1'}], [{'lon': '1'}], [{'lat': '95', 'lon': '1'}],
                        [{'lat': 'nan', 'lon': '1'}], ['x']]:
            with self.subTest(payload=payload), self.assertRaises(geo.GeocodingError) as caught:
                geo.parse_search(payload)
            self.assertEqual(caught.exception.code, geo.BAD_RESPONSE)

    def test_loopback(self):
        self.assertTrue(geo.is_loopback('http://127.0.0.1:8080'))
        self.assertTrue(geo.is_loopback('http://localhost/nominatim'))
        self.assertFalse(geo.is_loopback(geo.DEFAULT_URL))


class TestGeocodingClient(TestCase):
    """The client against a local server speaking Nominatim's /search API."""

    def test_found(self):
        with FakeNominatimServer({'Calle Morelos 123, Monterrey': MORELOS}) as server:
            place = geo.geocode('Calle Morelos 123, 64000 Monterrey, Nuevo León', server.url + '/',
                                user_agent='cobranza_mx test')
            self.assertEqual((place.latitude, place.longitude), MORELOS)
            self.assertIn('México', place.display_name)
            self.assertEqual(len(server.requests), 1)
            request = server.requests[0]
            self.assertEqual(request['path'], '/search')
            self.assertEqual((request['params']['format'], request['params']['limit'],
                              request['params']['countrycodes']), ('jsonv2', '1', 'mx'))
            self.assertEqual(request['headers']['User-Agent'], 'cobranza_mx test')

    def test_failures(self):
        with FakeNominatimServer({'Calle Morelos 123, Monterrey': MORELOS}) as server:
            cases = [
                ('Calle Inexistente 1, Saltillo', None, geo.NOT_FOUND),
                ('Calle Morelos 123, Monterrey', 503, geo.HTTP_ERROR),
                ('Calle Morelos 123, Monterrey', NOT_JSON, geo.BAD_RESPONSE),
                ('   ', None, geo.NO_ADDRESS),
            ]
            for address, fault, code in cases:
                if fault:
                    server.fail_next(status=fault)
                with self.subTest(address=address, fault=fault), self.assertRaises(geo.GeocodingError) as caught:
                    geo.geocode(address, server.url)
                self.assertEqual(caught.exception.code, code)
            # Too slow is unreachable, and so is a server that is not there.
            server.fail_next(status=200, delay=1.5)
            with self.assertRaises(geo.GeocodingError) as caught:
                geo.geocode('Calle Morelos 123, Monterrey', server.url, timeout=0.5)
            self.assertEqual(caught.exception.code, geo.UNREACHABLE)
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        with self.assertRaises(geo.GeocodingError) as caught:
            geo.geocode('Calle Morelos 123, Monterrey', f'http://127.0.0.1:{port}', timeout=2)
        self.assertEqual(caught.exception.code, geo.UNREACHABLE)
