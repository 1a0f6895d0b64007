"""WhatsApp Business Cloud API: template messages, webhook signatures and delivery statuses.

Plain Python with ``requests``, no ORM. The client sends one approved template message per call
and sorts every failure into three kinds:

* transient: the provider did not take the message, try again later (the connection could not be
  opened, 5xx, 429, the Cloud API's throttling codes);
* unknown outcome: the request was written but no answer came back (the answer timed out, the
  connection was reset or closed after sending): the provider may have accepted it, and a retry
  could send it twice, so it is never retried automatically;
* permanent: fix the data or the configuration (other 4xx, an answer that cannot be read). A 2xx
  answer without a message id is permanent on purpose: the message may have gone out.
"""
import hashlib
import hmac
import json
import logging
import math
import random
from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import NamedTuple

import requests
from urllib3.exceptions import NewConnectionError

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = 'https://graph.facebook.com'
DEFAULT_API_VERSION = 'v21.0'
SIGNATURE_HEADER = 'X-Hub-Signature-256'
SIGNATURE_PREFIX = 'sha256='
# biz_opaque_callback_data: returned in the status webhooks, at most 512 characters.
CALLBACK_DATA_MAX = 512
# Longest values read from a status webhook: Meta's ids are about 60 characters.
MESSAGE_ID_MAX = 256
STATUS_MAX = 32
ERROR_TEXT_MAX = 1000

# Cloud API error codes that mean "not now" even when the HTTP status is 400: API unknown or
# service errors (1, 2), application throttling (4), account rate limit (80007), throughput
# (130429), generic send failure (131000), service unavailable (131016, 133004), spam rate limit
# (131048), pair rate limit (131056).
TRANSIENT_ERROR_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004})


class ProviderError(Exception):
    """A message the provider did not accept. ``provider_message`` is the provider's own text."""

    def __init__(self, message, provider_message=None, code=None, http_status=None):
        super().__init__(message)
        self.provider_message = provider_message
        self.code = code
        self.http_status = http_status


class TransientProviderError(ProviderError):
    """Try again later; ``retry_after`` is the wait in seconds the server asked for, if any."""

    def __init__(self, message, provider_message=None, code=None, http_status=None, retry_after=None):
        super().__init__(message, provider_message, code, http_status)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Retrying the same request will not help."""


class UnknownOutcomeError(ProviderError):
    """The request was sent but its answer never came: the message may or may not have gone out.

    Not a :class:`TransientProviderError` on purpose: retrying it could send the message twice.
    """


class StatusEvent(NamedTuple):
    """One delivery status from a webhook. ``timestamp`` is a naive UTC datetime."""
    message_id: str
    status: str
    timestamp: datetime | None
    error: str | None
    callback_data: str | None = None


def _retry_after(value, now=None):
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0, round(seconds)) if math.isfinite(seconds) else None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0, round((moment - (now or datetime.now(timezone.utc))).total_seconds()))


def _error_payload(response):
    """The ``error`` object of a Graph API answer, or {} when there is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get('error') if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _list(value):
    return value if isinstance(value, list) else ()


def _details(error):
    error_data = error.get('error_data')
    return error_data.get('details') if isinstance(error_data, dict) else None


def _error_code(error):
    try:
        return int(error.get('code'))
    except (TypeError, ValueError):
        return None


def _refused_before_sending(error):
    """Whether a requests ``ConnectionError`` happened while opening the connection (refused, unknown
    host): nothing was written then. A reset or a closed connection later is not that."""
    reason = error.args[0] if error.args else None
    # urllib3 wraps the cause of a failed connection in a MaxRetryError.
    reason = getattr(reason, 'reason', reason)
    return isinstance(reason, NewConnectionError)


class WhatsAppClient:
    """Sends approved template messages through ``POST {base_url}/{version}/{phone_number_id}/messages``."""

    def __init__(self, base_url, token, phone_number_id, api_version=DEFAULT_API_VERSION, timeout=10,
                 session=None):
        if not (base_url and token and phone_number_id):
            raise ValueError("WhatsApp needs an API base URL, an access token and a phone number id.")
        self.base_url = base_url.rstrip('/')
        self.token = token
        self.phone_number_id = str(phone_number_id)
        self.api_version = api_version
        self.timeout = timeout
        self.session = session or requests.Session()

    @property
    def messages_url(self):
        return f'{self.base_url}/{self.api_version}/{self.phone_number_id}/messages'

    @staticmethod
    def build_template_payload(to, template, language, params=(), callback_data=None):
        """The JSON body of a template message.

        ``params`` fill the body placeholders: a sequence for positional ones ({{1}}, {{2}}), a
        mapping for named ones. ``callback_data`` comes back in every status webhook of the message.
        """
        if not to or not template or not language:
            raise ValueError("A WhatsApp message needs a recipient, a template name and a language.")
        message = {
            'messaging_product': 'whatsapp',
            'recipient_type': 'individual',
            'to': to,
            'type': 'template',
            'template': {'name': template, 'language': {'code': language}},
        }
        if isinstance(params, Mapping):
            parameters = [{'type': 'text', 'parameter_name': name, 'text': str(value)}
                          for name, value in params.items()]
        else:
            parameters = [{'type': 'text', 'text': str(value)} for value in params or ()]
        if parameters:
            message['template']['components'] = [{'type': 'body', 'parameters': parameters}]
        if callback_data is not None:
            callback_data = str(callback_data)
            if len(callback_data) > CALLBACK_DATA_MAX:
                raise ValueError(f"The WhatsApp callback data is longer than {CALLBACK_DATA_MAX:d} characters.")
            message['biz_opaque_callback_data'] = callback_data
        return message

    def send_template(self, to, template, language, params=(), callback_data=None):
        """Send a template message and return the provider's message id ('wamid.…').

        Raises :class:`TransientProviderError`, :class:`UnknownOutcomeError` or
        :class:`PermanentProviderError`.
        """
        payload = self.build_template_payload(to, template, language, params, callback_data)
        response = self._post(payload)
        if response.status_code >= 400:
            raise self._http_error(response)
        try:
            message_id = response.json()['messages'][0]['id']
        except (ValueError, KeyError, IndexError, TypeError):
            message_id = None
        if not isinstance(message_id, str) or not message_id:
            raise PermanentProviderError(
                "WhatsApp accepted the request but its answer has no message id; the message may have "
                "been sent and is not retried.",
                provider_message=response.text[:500], http_status=response.status_code,
            )
        return message_id

    def _post(self, payload):
        headers = {'Authorization': f'Bearer {self.token}', 'Content-Type': 'application/json'}
        try:
            return self.session.post(self.messages_url, json=payload, headers=headers, timeout=self.timeout)
        except requests.ConnectTimeout as error:
            # No connection, so no request written: the provider has nothing.
            raise TransientProviderError(
                f"WhatsApp could not be reached within the time limit ({self.timeout} s).",
                provider_message=str(error)) from None
        except requests.Timeout as error:
            raise UnknownOutcomeError(
                f"WhatsApp did not answer within the time limit ({self.timeout} s) after the message was sent: it may "
                "have been accepted.", provider_message=str(error)) from None
        except requests.ConnectionError as error:
            if _refused_before_sending(error):
                raise TransientProviderError(
                    "WhatsApp could not be reached.", provider_message=str(error)) from None
            raise UnknownOutcomeError(
                "The connection to WhatsApp was lost after the message was sent: it may have been accepted.",
                provider_message=str(error)) from None
        except requests.exceptions.ChunkedEncodingError as error:
            raise UnknownOutcomeError(
                "The answer of WhatsApp was cut off: the message may have been accepted.",
                provider_message=str(error)) from None
        except requests.RequestException as error:
            # Invalid URL, too many redirects...: the configuration is wrong, retrying won't help.
            raise PermanentProviderError(
                f"The request to WhatsApp could not be made: {error}", provider_message=str(error)) from None

    @staticmethod
    def _http_error(response):
        error = _error_payload(response)
        code = _error_code(error)
        provider_message = error.get('message') or response.text[:500] or response.reason
        details = _details(error)
        if details and details not in provider_message:
            provider_message = f'{provider_message} ({details})'
        status = response.status_code
        transient = (
            status == 429 or status >= 500 or code in TRANSIENT_ERROR_CODES or error.get('is_transient') is True
        )
        if transient:
            return TransientProviderError(
                f"WhatsApp is not accepting messages right now (HTTP {status}): {provider_message}",
                provider_message=provider_message, code=code, http_status=status,
                retry_after=_retry_after(response.headers.get('Retry-After')),
            )
        return PermanentProviderError(
            f"WhatsApp rejected the message (HTTP {status}): {provider_message}",
            provider_message=provider_message, code=code, http_status=status,
        )


def backoff_seconds(attempt, retry_after=None, base=60.0, cap=3600.0, jitter=0.0, key=None):
    """The wait before retry number ``attempt`` (1 for the first retry) after a transient error.

    ``base`` doubled at each attempt, at most ``cap``. With ``jitter`` (a fraction such as 0.2)
    and a ``key`` (the reminder's id), the wait is spread by up to that fraction, the same for the
    same key and attempt, so that a batch throttled together does not come back together. A
    ``retry_after`` from the server is a floor: it is honoured even above ``cap``.
    """
    if attempt < 1:
        raise ValueError("The retry attempt starts at 1.")
    delay = min(cap, base * 2 ** min(attempt - 1, 32))
    if jitter and key is not None:
        delay *= random.Random(f'{key}:{attempt}').uniform(1 - jitter, 1 + jitter)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


def signature_header(app_secret, raw_body):
    """The X-Hub-Signature-256 value Meta sends with ``raw_body`` signed by ``app_secret``."""
    secret = app_secret.encode() if isinstance(app_secret, str) else app_secret
    return SIGNATURE_PREFIX + hmac.new(secret, raw_body, hashlib.sha256).hexdigest()


def verify_signature(app_secret, raw_body, header_value):
    """Whether the X-Hub-Signature-256 ``header_value`` signs ``raw_body`` (the bytes as received).

    False without a secret or a header: an unsigned webhook is never trusted.
    """
    if not isinstance(raw_body, bytes | bytearray):
        # The signature covers the exact bytes: a re-encoded body would not match, or worse.
        raise TypeError("The webhook body must be the raw bytes of the request.")
    if not app_secret or not header_value or not header_value.startswith(SIGNATURE_PREFIX):
        return False
    expected = signature_header(app_secret, bytes(raw_body))
    return hmac.compare_digest(expected.encode(), header_value.strip().lower().encode())


def verify_challenge(params, verify_token):
    """The hub.challenge to answer to Meta's webhook verification, or None when it must be refused."""
    if not verify_token or params.get('hub.mode') != 'subscribe':
        return None
    token = params.get('hub.verify_token') or ''
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return params.get('hub.challenge')


def _timestamp(value):
    if isinstance(value, bool):
        return None
    try:
        return datetime.fromtimestamp(int(value), timezone.utc).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text(value, limit):
    """``value`` when it is a non-empty string PostgreSQL can store (no NUL) of at most ``limit`` characters."""
    if isinstance(value, str) and 0 < len(value) <= limit and '\x00' not in value:
        return value
    return None


def _status_error(errors):
    errors = _list(errors)
    if not errors or not isinstance(errors[0], dict):
        return None
    error = errors[0]
    text = next((value for value in (error.get('message'), error.get('title')) if isinstance(value, str) and value),
                'Unknown error')
    details = _details(error)
    if isinstance(details, str) and details and details != text:
        text = f'{text} ({details})'
    code = error.get('code')
    if isinstance(code, int | str) and not isinstance(code, bool) and code != '':
        text = f'{code}: {text}'
    return text.replace('\x00', '')[:ERROR_TEXT_MAX]


class StatusWebhook(NamedTuple):
    """A webhook payload read: its delivery statuses, and where it did not have the documented shape."""
    events: list
    problems: list


def read_status_webhook(payload, phone_number_id=None):
    """The delivery statuses of a webhook payload and the places where its shape was unexpected.

    ``payload`` is the decoded JSON, or its text or bytes (a ``ValueError`` when they are not JSON).
    Reads ``entry[].changes[].value.statuses[]`` in payload order and never raises on the shape:
    whatever is not as documented is left out and named in ``problems`` (``'entry[0].changes'``...).
    Changes without ``statuses`` (incoming messages, other fields) are not problems. A status keeps
    its place when only its optional parts are wrong (timestamp, errors, callback data). With
    ``phone_number_id``, only the statuses of that business number are kept.
    """
    if isinstance(payload, bytes | bytearray | str):
        try:
            payload = json.loads(payload)
        except RecursionError:
            raise ValueError("The webhook payload is nested too deeply.") from None
    events, problems = [], []
    if not isinstance(payload, dict):
        return StatusWebhook(events, ['payload: not an object'])
    entries = payload.get('entry')
    if not isinstance(entries, list):
        return StatusWebhook(events, ['entry: not a list'])
    for e, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(f'entry[{e:d}]: not an object')
            continue
        changes = entry.get('changes')
        if not isinstance(changes, list):
            problems.append(f'entry[{e:d}].changes: not a list')
            continue
        for c, change in enumerate(changes):
            _read_change(change, f'entry[{e:d}].changes[{c:d}]', phone_number_id, events, problems)
    return StatusWebhook(events, problems)


def _read_change(change, where, phone_number_id, events, problems):
    """Append to ``events`` the statuses of one ``changes[]`` item, to ``problems`` where its shape is unexpected."""
    value = change.get('value') if isinstance(change, dict) else None
    if not isinstance(value, dict):
        problems.append(f'{where}.value: not an object')
        return
    if 'statuses' not in value:
        return
    metadata = value.get('metadata') if isinstance(value.get('metadata'), dict) else {}
    if phone_number_id is not None and str(metadata.get('phone_number_id')) != str(phone_number_id):
        return
    statuses = value['statuses']
    if not isinstance(statuses, list):
        problems.append(f'{where}.value.statuses: not a list')
        return
    for s, status in enumerate(statuses):
        event = _status_event(status, f'{where}.value.statuses[{s:d}]', problems)
        if event:
            events.append(event)


def _status_event(status, where, problems):
    """The StatusEvent of one ``statuses[]`` item, or None (and a problem) when it has no usable id and status."""
    if not isinstance(status, dict):
        problems.append(f'{where}: not an object')
        return None
    message_id = _text(status.get('id'), MESSAGE_ID_MAX)
    state = _text(status.get('status'), STATUS_MAX)
    if not message_id or not state:
        problems.append(f"{where}.{'status' if message_id else 'id'}: not a valid string")
        return None
    callback_data = status.get('biz_opaque_callback_data')
    if callback_data is not None and not _text(callback_data, CALLBACK_DATA_MAX):
        problems.append(f'{where}.biz_opaque_callback_data: not a valid string')
        callback_data = None
    return StatusEvent(
        message_id=message_id,
        status=state.lower(),
        timestamp=_timestamp(status.get('timestamp')),
        error=_status_error(status.get('errors')),
        callback_data=callback_data,
    )


def parse_status_webhook(payload, phone_number_id=None):
    """The delivery statuses of a webhook payload, as :class:`StatusEvent` tuples, in payload order.

    The ``events`` of :func:`read_status_webhook`: malformed items are left out.
    """
    return read_status_webhook(payload, phone_number_id).events
