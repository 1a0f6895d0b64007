"""A local stand-in for the WhatsApp Business Cloud API, for tests and the benchmark.

It serves ``POST /{version}/{phone_number_id}/messages`` on 127.0.0.1 (an ephemeral port) in a
background thread, the way Meta documents it: bearer token check (401 and error code 190 when
wrong), template message shape check (400 and error code 100, 132000 or 132001 when wrong), a
``wamid.`` id when accepted. Faults can be injected for the next N calls or per recipient: 500, 429
with Retry-After, any other status, a delay longer than the client's timeout, a connection reset
after the request was read (the message accepted or not), or a 200 answer without a message id.
It also builds signed status webhooks, as Meta would POST them to our controller::

    with FakeWhatsAppServer() as server:
        client = WhatsAppClient(server.url, server.token, server.phone_number_id)
        server.fail_next(1, status=429, retry_after=7)
        ...
        body, headers = server.status_webhook(message_id, 'delivered')
"""
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import re
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_logger = logging.getLogger(__name__)

TIMEOUT = 'timeout'
PAIR_LIMIT = 'pair_limit'
MALFORMED = 'malformed'
RESET = 'reset'
_PATH_RE = re.compile(r'^/(v\d+\.\d+)/([^/]+)/messages/?$')
_COMPONENT_TYPES = ('header', 'body', 'button')


@dataclass(frozen=True)
class Fault:
    """What to answer instead of a success.

    ``status``: an HTTP status (500, 429, 503, 400...), ``TIMEOUT``, ``RESET`` (the request is read,
    then the connection is reset without an answer) or ``MALFORMED`` (a 200 answer without a message
    id, after which the message counts as sent). ``retry_after``: the
    Retry-After header in seconds (429 gets 30 when not given). ``delay``: seconds to wait before
    answering (for ``TIMEOUT``, make it longer than the client's timeout). ``accept``: for
    ``TIMEOUT``, whether the message is accepted (and recorded) after the delay, as a provider that
    is slow but did send it; otherwise the late answer is a 504 and nothing is recorded. For
    ``RESET``, whether the message is accepted (and recorded) before the connection is cut.
    """
    status: object = 500
    retry_after: int | None = None
    delay: float = 0.0
    accept: bool = False


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``body`` is the decoded JSON (None if it was not JSON)."""
    method: str
    path: str
    headers: dict
    raw: bytes
    body: object
    status: int
    message_id: str | None = None


def _error_body(message, code, error_type='OAuthException', details=None, subcode=None, is_transient=None):
    error = {'message': message, 'type': error_type, 'code': code, 'fbtrace_id': f'AFakeTrace{code:d}'}
    if details:
        error['error_data'] = {'messaging_product': 'whatsapp', 'details': details}
    if subcode is not None:
        error['error_subcode'] = subcode
    if is_transient is not None:
        error['is_transient'] = is_transient
    return {'error': error}


class _Drop(Exception):
    """Cut the connection without answering; ``message_id`` when the message was accepted first."""

    def __init__(self, message_id=None):
        super().__init__(message_id)
        self.message_id = message_id


class _Rejection(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _invalid(message, details=None, code=100):
    return _Rejection(400, _error_body(message, code, details=details))


def _check_message(body, templates):
    """Raise a _Rejection when ``body`` is not a template message the Cloud API would accept."""
    if not isinstance(body, dict):
        raise _invalid('(#100) The request body must be a JSON object.')
    if body.get('messaging_product') != 'whatsapp':
        raise _invalid('(#100) The parameter messaging_product is required.',
                       "messaging_product must be 'whatsapp'")
    if not isinstance(body.get('to'), str) or not body['to'].strip():
        raise _invalid('(#100) The parameter to is required.')
    if body.get('type') != 'template':
        raise _invalid('(#100) Param type must be template on this test server.')
    template = body.get('template')
    if not isinstance(template, dict) or not isinstance(template.get('name'), str) or not template['name']:
        raise _invalid('(#100) The parameter template[name] is required.')
    language = template.get('language')
    if not isinstance(language, dict) or not isinstance(language.get('code'), str) or not language['code']:
        raise _invalid('(#100) The parameter template[language][code] is required.')
    body_params = _body_param_count(template.get('components', []))
    if templates is not None:
        name, code = template['name'], language['code']
        if name not in templates:
            raise _invalid('(#132001) Template name does not exist in the translation',
                           f'template name ({name}) does not exist in {code}', code=132001)
        if templates[name] != body_params:
            raise _invalid('(#132000) Number of parameters does not match the expected number of params',
                           f'body: number of localizable_params ({body_params:d}) does not match the expected '
                           f'number of params ({templates[name]:d})', code=132000)


def _body_param_count(components):
    """The number of body parameters of valid template ``components``; raise a _Rejection otherwise."""
    if not isinstance(components, list):
        raise _invalid('(#100) Param template[components] must be an array.')
    body_params = 0
    for component in components:
        if not isinstance(component, dict) or component.get('type') not in _COMPONENT_TYPES:
            raise _invalid('(#100) Invalid parameter', 'components[].type must be header, body or button')
        parameters = component.get('parameters', [])
        if not isinstance(parameters, list):
            raise _invalid('(#100) Param template[components][parameters] must be an array.')
        for parameter in parameters:
            if not isinstance(parameter, dict) or parameter.get('type') != 'text':
                raise _invalid('(#100) Invalid parameter', 'parameters[].type must be text on this test server')
            if not isinstance(parameter.get('text'), str) or not parameter['text'].strip():
                raise _invalid('(#131008) Required parameter is missing', 'parameters[].text is empty',
                               code=131008)
        if component['type'] == 'body':
            body_params += len(parameters)
    return body_params


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive: the benchmark sends thousands of messages
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall
    server_version = 'FakeWhatsApp/1.0'

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # The signature of BaseHTTPRequestHandler.log_message.
        _logger.debug('%s %s', self.address_string(), format % args)

    def do_GET(self):
        self._reply(400, _error_body('Unsupported get request.', 100, 'GraphMethodException', subcode=33))

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        raw = self.rfile.read(length) if length else b''
        self.server.fake.handle_post(self, raw)

    def _abort(self):
        """Reset the connection (RST, no FIN): what the client sees when a proxy or the provider drops it."""
        # close_connection is BaseHTTPRequestHandler's, set by its handle(), not by __init__.
        self.close_connection = True  # pylint: disable=attribute-defined-outside-init
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.connection.close()

    def _reply(self, status, body, headers=None):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout test): nobody is listening any more.
            self.close_connection = True  # pylint: disable=attribute-defined-outside-init


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, *args, fake=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fake = fake
        self._connections = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        return super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        return super().shutdown_request(request)

    def close_connections(self):
        """Cut the kept-alive connections: a stopped server must not answer on them any more."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        _logger.debug('Fake WhatsApp server: error while serving %s', client_address, exc_info=True)


# A test double's state: its configuration, its faults, what it received and its HTTP server.
class FakeWhatsAppServer:  # pylint: disable=too-many-instance-attributes
    """The Cloud API messages endpoint on 127.0.0.1; a context manager that starts and stops it.

    ``templates``, when given, maps the approved template names to their number of body parameters:
    other names get error 132001, another count error 132000. Any API version is served.
    """

    def __init__(self, token='test-token', phone_number_id='106540352242922', app_secret='test-app-secret',
                 templates=None, rate_limit=None, latency=0.0, pair_interval=None):
        # Meta's limits: ``rate_limit`` messages per second for the phone number (more in the last
        # second: error 130429), one message per ``pair_interval`` seconds to the same recipient
        # (error 131056); ``latency``: seconds before each answer, as a distant API takes.
        self.rate_limit = rate_limit
        self.latency = latency
        self.pair_interval = pair_interval
        self._window = deque()
        self._last_by_recipient = {}
        self._accepted_at = []
        self.throttled = 0
        self.token = token
        self.phone_number_id = str(phone_number_id)
        self.app_secret = app_secret
        self.templates = templates
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._faults = deque()
        self._phone_faults = {}
        self._ids = itertools.count(1)
        self._accepted = deque()
        self._received = deque()
        self._httpd = None
        self._thread = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self):
        self._stopping.clear()
        self._httpd = _HTTPServer(('127.0.0.1', 0), _Handler, fake=self)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05},
                                        name='fake-whatsapp', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self._stopping.set()  # wakes the handlers that are sleeping for a TIMEOUT fault
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join(5)
        self._httpd = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._httpd.server_address[1]

    @property
    def url(self):
        """The base URL to configure in the client (without the API version)."""
        return f'http://127.0.0.1:{self.port:d}'

    # -- what tests look at and control --------------------------------------------------------
    @property
    def requests(self):
        """The accepted requests (a message id was returned), oldest first."""
        with self._lock:
            return list(self._accepted)

    @property
    def received(self):
        """Every POST received, whatever the answer, oldest first."""
        with self._lock:
            return list(self._received)

    def fail_next(self, count=1, status=500, retry_after=None, delay=0.0, accept=False):
        """Answer the next ``count`` valid requests with a fault instead of a success."""
        fault = Fault(status, retry_after, delay, accept)
        with self._lock:
            self._faults.extend([fault] * count)

    def fail_for(self, phone, status=500, retry_after=None, delay=0.0, accept=False):
        """Answer every valid request to ``phone`` (digits compared) with a fault, until cleared."""
        with self._lock:
            self._phone_faults[_digits(phone)] = Fault(status, retry_after, delay, accept)

    def clear_faults(self):
        with self._lock:
            self._faults.clear()
            self._phone_faults.clear()

    def reset(self):
        """Forget the faults and the recorded requests."""
        with self._lock:
            self._faults.clear()
            self._phone_faults.clear()
            self._accepted.clear()
            self._received.clear()
            self._window.clear()
            self._last_by_recipient.clear()
            self._accepted_at.clear()
            self.throttled = 0

    # -- the endpoint ----------------------------------------------------------------------------
    def handle_post(self, handler, raw):
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        try:
            message_id = self._answer(handler, body)
        except _Rejection as rejection:
            self._record(handler, raw, body, rejection.status)
            handler._reply(rejection.status, rejection.body, rejection.headers)
            return
        except _Drop as drop:
            self._record(handler, raw, body, 200 if drop.message_id else 0, drop.message_id)
            handler._abort()
            return
        self._record(handler, raw, body, 200, message_id)
        to = body['to']
        handler._reply(200, {
            'messaging_product': 'whatsapp',
            'contacts': [{'input': to, 'wa_id': _digits(to)}],
            'messages': [{'id': message_id, 'message_status': 'accepted'}],
        })

    def _answer(self, handler, body):
        """The message id of an accepted request; raises _Rejection otherwise."""
        match = _PATH_RE.match(handler.path.split('?', 1)[0])
        if not match or match.group(2) != self.phone_number_id:
            object_id = match.group(2) if match else handler.path
            raise _Rejection(400, _error_body(
                f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to "
                "missing permissions, or does not support this operation.",
                100, 'GraphMethodException', subcode=33))
        authorization = handler.headers.get('Authorization') or ''
        if not authorization.startswith('Bearer '):
            raise _Rejection(401, _error_body(
                'An active access token must be used to query information about the current user.', 2500))
        if not hmac.compare_digest(authorization[len('Bearer '):].encode(), self.token.encode()):
            raise _Rejection(401, _error_body('Invalid OAuth access token - Cannot parse access token', 190))
        if body is None:
            raise _invalid('(#100) The request body is not valid JSON.')
        _check_message(body, self.templates)

        with self._lock:
            fault = self._faults.popleft() if self._faults else self._phone_faults.get(_digits(body['to']))
        if fault is not None:
            self._apply(fault)
        self._check_limits(_digits(body['to']))
        if self.latency:
            self._stopping.wait(self.latency)
        return self._new_message_id()

    def _check_limits(self, to):
        """Refuse the message as Meta does past the number's throughput or the pair rate limit."""
        now = _clock()
        with self._lock:
            if self.rate_limit:
                while self._window and self._window[0] <= now - 1.0:
                    self._window.popleft()
                if len(self._window) >= self.rate_limit:
                    self.throttled += 1
                    raise _Rejection(400, _error_body(
                        '(#130429) Rate limit hit', 130429,
                        details='Cloud API message throughput has been reached.'))
            last = self._last_by_recipient.get(to)
            if self.pair_interval and last is not None and now - last < self.pair_interval:
                self.throttled += 1
                raise _Rejection(400, _error_body(
                    '(#131056) (Business Account, Consumer Account) pair rate limit hit', 131056,
                    details='Message failed to send because there were too many messages sent from this phone '
                            'number to the same phone number in a short period of time.'))
            if self.rate_limit:
                self._window.append(now)
            self._last_by_recipient[to] = now
            self._accepted_at.append(now)

    def max_per_second(self):
        """The most messages accepted within any one second (a sliding window over the arrivals)."""
        with self._lock:
            times = sorted(self._accepted_at)
        most, first = 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    def _new_message_id(self):
        return f'wamid.HBgMNTIxNTUxMjM0NTY3OBUCABEYEkZBS0V{next(self._ids):08d}'

    def _apply(self, fault):
        """Sleep and raise the fault's answer; return only for a slow request that is accepted."""
        if fault.delay:
            self._stopping.wait(fault.delay)
        if fault.status == TIMEOUT:
            if fault.accept:
                return
            raise _Rejection(504, _error_body('Gateway timeout', 2, is_transient=True))
        if fault.status == RESET:
            raise _Drop(self._new_message_id() if fault.accept else None)
        if fault.status == PAIR_LIMIT:
            raise _Rejection(400, _error_body(
                '(#131056) (Business Account, Consumer Account) pair rate limit hit', 131056,
                details='Message failed to send because there were too many messages sent from this phone '
                        'number to the same phone number in a short period of time.'))
        if fault.status == MALFORMED:
            raise _Rejection(200, {'messaging_product': 'whatsapp', 'contacts': []})
        status = int(fault.status)
        headers = {}
        if status == 429:
            headers['Retry-After'] = str(30 if fault.retry_after is None else fault.retry_after)
            raise _Rejection(429, _error_body('(#130429) Rate limit hit', 130429,
                                              details='Cloud API message throughput has been reached.'), headers)
        if fault.retry_after is not None:
            headers['Retry-After'] = str(fault.retry_after)
        if status >= 500:
            raise _Rejection(status, _error_body('An unknown error has occurred.', 1, is_transient=True), headers)
        raise _Rejection(status, _error_body('(#131009) Parameter value is not valid', 131009,
                                             details='Injected failure'), headers)

    def _record(self, handler, raw, body, status, message_id=None):
        recorded = RecordedRequest(
            method=handler.command, path=handler.path, headers=dict(handler.headers.items()), raw=raw,
            body=body, status=status, message_id=message_id,
        )
        with self._lock:
            self._received.append(recorded)
            if message_id:
                self._accepted.append(recorded)
        return recorded

    # -- webhooks ------------------------------------------------------------------------------
    def status_webhook(self, message_id, status, timestamp=None, recipient_id='525512345678', errors=None,
                       callback_data=None, app_secret=None):
        """(raw body, headers) of a signed status webhook, as Meta would POST it to our controller.

        ``app_secret`` signs instead of the server's secret (to make a bad signature).
        """
        item = status_item(message_id, status, timestamp, recipient_id, errors, callback_data)
        payload = status_payload([item], self.phone_number_id)
        return signed_webhook(self.app_secret if app_secret is None else app_secret, payload)


def _clock():
    # The real monotonic clock: tests freeze time.monotonic, not this.
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def _digits(phone):
    return re.sub(r'\D', '', phone or '')


def status_item(message_id, status, timestamp=None, recipient_id='525512345678', errors=None,
                callback_data=None):
    """One ``statuses[]`` item of a webhook (``errors``: a list of {code, title, message...})."""
    item = {
        'id': message_id,
        'status': status,
        'timestamp': str(int(time.time() if timestamp is None else timestamp)),
        'recipient_id': recipient_id,
    }
    if status in ('sent', 'delivered', 'read'):
        item['pricing'] = {'billable': True, 'pricing_model': 'PMP', 'category': 'utility', 'type': 'regular'}
    if errors:
        item['errors'] = errors
    if callback_data is not None:
        item['biz_opaque_callback_data'] = callback_data
    return item


def status_payload(items, phone_number_id, display_phone_number='15550783881', waba_id='102290129340398'):
    """The documented webhook envelope around ``statuses[]`` items."""
    return {
        'object': 'whatsapp_business_account',
        'entry': [{
            'id': waba_id,
            'changes': [{
                'field': 'messages',
                'value': {
                    'messaging_product': 'whatsapp',
                    'metadata': {'display_phone_number': display_phone_number, 'phone_number_id': phone_number_id},
                    'statuses': items,
                },
            }],
        }],
    }


def signed_webhook(app_secret, payload):
    """(raw body bytes, headers) with X-Hub-Signature-256 = 'sha256=' + HMAC-SHA256 of the body."""
    raw = json.dumps(payload, separators=(',', ':')).encode()
    signature = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {'Content-Type': 'application/json', 'X-Hub-Signature-256': 'sha256=' + signature}
