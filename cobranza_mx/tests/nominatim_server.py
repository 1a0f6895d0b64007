"""A local stand-in for Nominatim's search API, for tests.

It serves ``GET /search`` on 127.0.0.1 (an ephemeral port) in a background thread, as Nominatim
documents it (https://nominatim.org/release-docs/latest/api/Search/): the free-form query in ``q``,
``format`` ``json`` or ``jsonv2`` (anything else: 400), ``limit`` and ``countrycodes`` honoured, the
answer a JSON list of places with ``lat``/``lon`` as strings, ``display_name``, ``place_id``,
``importance``; an empty list when nothing matches. A request without a User-Agent is refused with
403, as the public server's usage policy does. Faults can be injected for the next calls: an HTTP
status, an answer that is not JSON, or a delay::

    with FakeNominatimServer({'calle morelos 123, monterrey': (25.6694, -100.3097)}) as server:
        tools.geocoding.geocode('Calle Morelos 123, Monterrey', server.url)
        server.fail_next(status=503)
"""
import json
import logging
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_logger = logging.getLogger(__name__)
NOT_JSON = 'not_json'


def _normalise(text):
    return ' '.join(text.lower().replace(',', ' ').split())


class FakeNominatimServer:
    """``places``: ``{address: (lat, lon)}``; an address matches a query containing all its words."""

    def __init__(self, places=None, country='mx'):
        self.places = dict(places or {})
        self.country = country
        self.requests = []
        self._faults = deque()
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self):
        return f'http://127.0.0.1:{self._server.server_address[1]}'

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def fail_next(self, status=500, delay=0.0, count=1):
        """The next ``count`` requests get ``status`` (an HTTP status or :data:`NOT_JSON`) after ``delay`` s."""
        for _ in range(count):
            self._faults.append((status, delay))

    def search(self, query, limit=10, countrycodes=''):
        """The places of ``query``, best first, as Nominatim's ``jsonv2`` answer."""
        if countrycodes and self.country not in countrycodes.lower().split(','):
            return []
        words = set(_normalise(query).split())
        found = []
        for index, (address, (lat, lon)) in enumerate(self.places.items()):
            if set(_normalise(address).split()) <= words:
                found.append({'place_id': 1000 + index, 'licence': 'Data © OpenStreetMap contributors, ODbL 1.0.',
                              'osm_type': 'way', 'lat': f'{lat:.7f}', 'lon': f'{lon:.7f}', 'category': 'building',
                              'type': 'house', 'importance': 0.5, 'display_name': f'{address}, México'})
        return found[:limit]

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                self._answer(*self._reply())

            def _reply(self):
                """(status, body, content type) of the request, as Nominatim would answer it."""
                parts = urlsplit(self.path)
                params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                server.requests.append({'path': parts.path, 'params': params, 'headers': dict(self.headers)})
                if server._faults:
                    status, delay = server._faults.popleft()
                    time.sleep(delay)
                    if status == NOT_JSON:
                        return 200, b'<html>Service temporarily unavailable</html>', 'text/html'
                    return status, json.dumps({'error': 'fault'}).encode(), 'application/json'
                error = None
                if parts.path.rstrip('/') != '/search':
                    error = (404, 'not found')
                elif not self.headers.get('User-Agent'):
                    error = (403, 'a User-Agent identifying the application is required')
                elif params.get('format', 'jsonv2') not in ('json', 'jsonv2'):
                    error = (400, 'format')
                elif not params.get('limit', '10').isdigit():
                    error = (400, 'limit')
                if error:
                    return error[0], json.dumps({'error': error[1]}).encode(), 'application/json'
                places = server.search(params.get('q', ''), int(params.get('limit', 10)),
                                       params.get('countrycodes', ''))
                return 200, json.dumps(places).encode(), 'application/json'

            def _answer(self, status, body, content_type):
                try:
                    self.send_response(status)
                    self.send_header('Content-Type', content_type)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (a delay fault): nobody to answer to.
                    _logger.debug('Nominatim stand-in: the client left before the answer')

        return Handler
