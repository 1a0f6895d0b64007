"""Benchmark: the routes of the day of 2,000 visits of 50 collectors, ordered from each collector's base.

Usage (what `make bench` runs):
    python bench/bench_routes.py [--visits 2000] [--collectors 50] [--seed 42]

It draws the visits around six Mexican cities, each collector working one city, and times the route
planning of cobranza_mx/tools/route.py (nearest neighbour + 2-opt + or-opt, great-circle distances),
the pure function that cobranza.visit._order_route calls for each collector and day. The limit is
5 s for all of them; the script exits non-zero above it. With BENCH_JSON set, the figures are merged
into that JSON file under the key "routes".
"""
import argparse
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

import bench_json

LIMIT_SECONDS = 5.0
CITIES = {
    'Ciudad de México': (19.4326, -99.1332),
    'Monterrey': (25.6866, -100.3161),
    'Guadalajara': (20.6597, -103.3496),
    'Puebla': (19.0414, -98.2063),
    'Tijuana': (32.5149, -117.0382),
    'Mérida': (20.9674, -89.5926),
}


def load_route_tool():
    """cobranza_mx/tools/route.py imported by path: it is plain Python and needs no Odoo."""
    path = Path(__file__).resolve().parent.parent / 'cobranza_mx' / 'tools' / 'route.py'
    spec = importlib.util.spec_from_file_location('cobranza_route', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--visits', type=int, default=2000)
    parser.add_argument('--collectors', type=int, default=50)
    parser.add_argument('--seed', type=int, default=42)
    args = parser.parse_args()
    route = load_route_tool()
    rng = random.Random(args.seed)
    cities = list(CITIES.values())
    days = []
    for collector in range(args.collectors):
        lat, lon = cities[collector % len(cities)]
        base = (lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02))
        count = args.visits // args.collectors + (1 if collector < args.visits % args.collectors else 0)
        stops = [(lat + rng.uniform(-0.12, 0.12), lon + rng.uniform(-0.12, 0.12)) for _ in range(count)]
        days.append((base, stops))
    started = time.perf_counter()
    total_km, nn_km, longest = 0.0, 0.0, 0.0
    for base, stops in days:
        day_started = time.perf_counter()
        order = route.plan_route(base, stops)
        longest = max(longest, time.perf_counter() - day_started)
        assert sorted(order) == list(range(len(stops)))
        total_km += route.total_km(base, stops, order)
    seconds = time.perf_counter() - started
    for base, stops in days:  # the first order alone, to show what 2-opt and or-opt gain
        matrix = route.distance_matrix([base, *stops])
        nn_km += route.path_length(matrix, route._nearest_neighbour(matrix, len(stops) + 1))
    figures = {
        'visits': args.visits, 'collectors': args.collectors, 'seconds': round(seconds, 3),
        'limit_seconds': LIMIT_SECONDS, 'slowest_route_seconds': round(longest, 4),
        'visits_per_second': round(args.visits / seconds) if seconds else None,
        'total_km': round(total_km, 1), 'nearest_neighbour_km': round(nn_km, 1),
        'improvement_pct': round(100 * (1 - total_km / nn_km), 2) if nn_km else 0.0,
    }
    print(json.dumps(figures, indent=2))
    print(f"routes: {args.visits} visits of {args.collectors} collectors ordered in {figures['seconds']} s "
          f"(limit {LIMIT_SECONDS} s), {figures['total_km']} km, {figures['improvement_pct']} % shorter than "
          f"nearest neighbour alone")
    bench_json.merge('routes', figures)
    if seconds > LIMIT_SECONDS:
        print(f"ERROR: the routes took {seconds:.2f} s, more than {LIMIT_SECONDS} s")
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
