"""The benchmarks' shared figures file, ``$BENCH_JSON``: each benchmark merges its key into it."""
import json
import os
from pathlib import Path


def read(path):
    """The figures already in ``path``: an empty dict when it is missing, unreadable or not an object."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        figures = json.loads(path.read_text(encoding='utf-8'))
    except ValueError:
        return {}
    return figures if isinstance(figures, dict) else {}


def merge(key, figures, path=None):
    """Write ``figures`` under ``key`` into ``path`` (default ``$BENCH_JSON``; nothing when unset), keeping the rest."""
    path = path or os.environ.get('BENCH_JSON')
    if not path:
        return
    data = read(path)
    data[key] = figures
    Path(path).write_text(json.dumps(data, indent=2, default=str) + '\n', encoding='utf-8')
