"""A local stand-in for Banco de México's SIE API (series data), for tests.

It serves, on 127.0.0.1 (an ephemeral port) in a background thread, the two endpoints the UDI
client uses, the way Banxico documents them:

- ``GET /SieAPIRest/service/v1/series/{ids}/datos/oportuno``: the latest value of each series;
- ``GET /SieAPIRest/service/v1/series/{ids}/datos/{yyyy-mm-dd}/{yyyy-mm-dd}``: the values of a period;

answering ``{"bmx": {"series": [{"idSerie", "titulo", "datos": [{"fecha": "dd/mm/yyyy", "dato"}]}]}}``.
The token goes in the ``Bmx-Token`` header: a missing or wrong one is answered 401 with SIE's error
body. Values given as ``None`` are published as ``"N/E"``. ``fail_next(n, status)`` answers the next
``n`` requests with that status (500, 503...)::

    with FakeSieServer({date(2026, 6, 1): '8.501234'}) as server:
        client = SieClient(server.url, server.token)
"""
import json
import logging
import re
import threading
from collections import deque
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_logger = logging.getLogger(__name__)

_PATH_RE = re.compile(r'^/SieAPIRest/service/v1/series/([A-Z0-9,]+)/datos/'
                      r'(oportuno|(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2}))/?$')
TITLES = {'SP68257': 'Valor de UDIS'}


class _Handler(BaseHTTPRequestHandler):
    server_version = 'FakeSIE/1.0'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        _logger.debug('%s %s', self.address_string(), format % args)

    def do_GET(self):
        status, body = self.server.fake.answer(self.path, self.headers)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args, fake=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fake = fake


def _error(status, message, detail):
    return status, {'error': {'mensaje': message, 'detalle': detail}}


class FakeSieServer:
    """The SIE series endpoints on 127.0.0.1; a context manager that starts and stops it.

    ``values`` maps dates to the UDI value as text (or None for ``N/E``).
    """

    def __init__(self, values=None, token='test-sie-token'):
        self.values = dict(values or {})
        self.token = token
        self.requests = []
        self._faults = deque()
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    @property
    def url(self):
        """The service root to configure (``…/SieAPIRest/service/v1``)."""
        host, port = self._httpd.server_address[:2]
        return f'http://{host}:{port}/SieAPIRest/service/v1'

    def fail_next(self, count=1, status=500):
        with self._lock:
            self._faults.extend([status] * count)

    def __enter__(self):
        self._httpd = _HTTPServer(('127.0.0.1', 0), _Handler, fake=self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def answer(self, path, headers):
        """(status, JSON body) for a GET of ``path``."""
        with self._lock:
            self.requests.append((path, headers.get('Bmx-Token')))
            fault = self._faults.popleft() if self._faults else None
        if fault:
            return _error(fault, 'Error interno', 'Ocurrió un error en el servidor')
        if headers.get('Bmx-Token') != self.token:
            return _error(401, 'Token inválido', 'El token proporcionado no es válido')
        match = _PATH_RE.match(path)
        if not match:
            return _error(404, 'No encontrado', 'La ruta no existe')
        series_ids = match.group(1).split(',')
        if match.group(2) == 'oportuno':
            days = sorted(self.values)[-1:]
        else:
            start, end = date.fromisoformat(match.group(3)), date.fromisoformat(match.group(4))
            days = sorted(day for day in self.values if start <= day <= end)
        series = []
        for series_id in series_ids:
            entry = {'idSerie': series_id, 'titulo': TITLES.get(series_id, series_id)}
            data = [{'fecha': day.strftime('%d/%m/%Y'), 'dato': self.values[day] or 'N/E'}
                    for day in days] if series_id == 'SP68257' else []
            if data:
                entry['datos'] = data
            series.append(entry)
        return 200, {'bmx': {'series': series}}
