"""Timing, SQL query count and memory of one benchmark scenario.

Memory is the resident set size (RSS) of the whole process, sampled every 10 ms by a
thread with psutil: ``peak_rss_mb`` is the highest RSS seen during the scenario (it includes
the registry and everything loaded before), ``rss_growth_mb`` how much that peak exceeds the
RSS at the start of the scenario. ``ru_maxrss`` cannot be used because it only ever grows
over the life of the process, and tracemalloc would slow the Python code down several times.
"""
import threading
import time

import psutil
from odoo import sql_db

MB = 1024 * 1024
SAMPLE_SECONDS = 0.01


class RssSampler(threading.Thread):
    """Records the peak RSS of this process until stopped."""

    def __init__(self):
        super().__init__(name='bench-rss-sampler', daemon=True)
        self.process = psutil.Process()
        self.start_rss = self.peak_rss = self.process.memory_info().rss
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            self._stop_event.wait(SAMPLE_SECONDS)

    def stop(self):
        self._stop_event.set()
        self.join()
        self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)


class Measure:
    """Context manager measuring one scenario over ``items`` invoices.

    ``with Measure('first_run', 100000) as m: ...`` then ``m.as_dict()``.
    """

    def __init__(self, name, items, note=''):
        self.name = name
        self.items = items
        self.note = note
        self.seconds = self.queries = None
        self.peak_rss_mb = self.rss_growth_mb = None
        self.extra = {}

    def __enter__(self):
        self._sampler = RssSampler()
        self._sampler.start()
        self._queries = sql_db.sql_counter
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.seconds = time.perf_counter() - self._start
        self.queries = sql_db.sql_counter - self._queries
        self._sampler.stop()
        self.peak_rss_mb = self._sampler.peak_rss / MB
        self.rss_growth_mb = (self._sampler.peak_rss - self._sampler.start_rss) / MB
        return False

    @property
    def per_second(self):
        return self.items / self.seconds if self.seconds else None

    def as_dict(self):
        return {
            'seconds': round(self.seconds, 3),
            'per_second': round(self.per_second, 1) if self.per_second else None,
            'queries': self.queries,
            'peak_rss_mb': round(self.peak_rss_mb, 1),
            'rss_growth_mb': round(self.rss_growth_mb, 1),
            'items': self.items,
            **({'note': self.note} if self.note else {}),
            **self.extra,
        }
