"""WhatsApp template messages sent concurrently, at a provider's rate: plain Python, no ORM.

A :class:`ConcurrentSender` runs a pool of threads, each with its own kept-alive
``requests.Session`` (one :class:`~.whatsapp.WhatsAppClient` per thread). Each :class:`Job` carries
the slot it may start in, ``[not_before, not_after)`` on the real monotonic clock (not the one that
tests freeze): a thread sleeps until its slot opens and gives the job back unsent (``late``) when
the slot has closed before it could start, so a message never starts outside its slot.

Slots are :func:`slot_interval` apart and a message may start at most :data:`LATE_TOLERANCE`
seconds after its slot opens: with slots ``(1 + tolerance) / rate`` seconds apart, no window of
one second holds more than ``rate`` starts, however late each start is within its tolerance. That
is how the per-phone-number limit is never exceeded, by one worker or by several sharing the
slots (the model reserves them in the database).
"""
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .whatsapp import ProviderError, WhatsAppClient

# Cloud API codes that mean "too many messages", not "this message is wrong": throughput (130429,
# HTTP 429), pair rate limit (131056: the same recipient too often), application throttling (4),
# account rate limit (80007), spam rate limit (131048). Retried with backoff, never failed.
THROTTLE_CODES = frozenset({4, 80007, 130429, 131048, 131056})
PAIR_RATE_LIMIT = 131056
# How late after its slot a message may still start (seconds); later, it gets a new slot.
LATE_TOLERANCE = 0.05


def clock():
    """Seconds on the system's monotonic clock: what the pacing is measured with."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def slot_interval(rate, tolerance=LATE_TOLERANCE):
    """Seconds between two messages of one phone number allowed ``rate`` messages per second.

    Starts at most ``tolerance`` late are ``k`` slots apart only if ``k * interval < 1 + tolerance``:
    with ``interval = (1 + tolerance) / rate``, at most ``rate`` of them fit in one second.
    """
    if not rate or rate < 2:
        raise ValueError("The WhatsApp rate limit must be at least 2 messages per second.")
    return (1.0 + tolerance) / rate


def is_throttled(error):
    """Whether a provider error says "slow down" (retry later, never a failure of the message)."""
    return getattr(error, 'http_status', None) == 429 or getattr(error, 'code', None) in THROTTLE_CODES


@dataclass
class Job:
    """One message to send: ``params`` fill the template's body; the slot is on :func:`clock`."""
    key: object
    to: str
    template: str
    language: str
    params: list
    callback_data: str | None = None
    not_before: float = 0.0
    not_after: float = float('inf')


@dataclass
class Result:
    """What became of a job: a message id, a provider error, or ``late`` (not sent at all)."""
    key: object
    message_id: str | None = None
    error: BaseException | None = None
    late: bool = False
    started_at: float | None = field(default=None, repr=False)


class ConcurrentSender:
    """A pool of ``workers`` threads sending :class:`Job` objects through their own WhatsApp client."""

    def __init__(self, base_url, token, phone_number_id, api_version, timeout, workers=8):
        self._client_args = (base_url, token, phone_number_id, api_version, timeout)
        self._local = threading.local()
        self._clients = []
        self._clients_lock = threading.Lock()
        self.workers = max(1, int(workers))
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix='cobranza-whatsapp')

    def _client(self):
        client = getattr(self._local, 'client', None)
        if client is None:
            base_url, token, phone_number_id, api_version, timeout = self._client_args
            client = WhatsAppClient(base_url, token, phone_number_id, api_version=api_version, timeout=timeout)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def submit(self, job):
        """A future of the :class:`Result` of ``job``."""
        return self._pool.submit(self._run, job)

    def _run(self, job):
        delay = job.not_before - clock()
        if delay > 0:
            time.sleep(delay)
        started = clock()
        if started >= job.not_after:
            return Result(job.key, late=True)
        try:
            message_id = self._client().send_template(job.to, job.template, job.language, job.params,
                                                      callback_data=job.callback_data)
        except ProviderError as error:
            return Result(job.key, error=error, started_at=started)
        # pylint: disable-next=broad-exception-caught
        except Exception as error:  # noqa: BLE001 (whatever it is, the request may have gone out)
            return Result(job.key, error=error, started_at=started)
        return Result(job.key, message_id=message_id, started_at=started)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._clients_lock:
            for client in self._clients:
                client.session.close()
            self._clients.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
