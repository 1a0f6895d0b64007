import itertools
import random
from unittest import TestCase

from ...tools import route

MONTERREY = (25.6866, -100.3161)
SAN_PEDRO = (25.6573, -100.4025)
CDMX_ZOCALO = (19.4326, -99.1332)


class TestRoute(TestCase):
    """The route of a collector's day, without the ORM."""

    def test_haversine_known_distances(self):
        self.assertEqual(route.haversine_km(MONTERREY, MONTERREY), 0.0)
        # Monterrey to Mexico City: about 705 km as the crow flies.
        self.assertAlmostEqual(route.haversine_km(MONTERREY, CDMX_ZOCALO), 705.0, delta=5)
        self.assertAlmostEqual(route.haversine_km(MONTERREY, SAN_PEDRO), 9.3, delta=0.3)
        # One degree of latitude is about 111.2 km everywhere.
        self.assertAlmostEqual(route.haversine_km((0, 0), (1, 0)), 111.19, delta=0.01)

    def test_invalid_points(self):
        for point in [(91, 0), (0, 181), ('a', 1), (None, None), (1,), (float('nan'), 0)]:
            with self.subTest(point=point), self.assertRaises(ValueError):
                route.haversine_km(point, (0, 0))

    def test_trivial_routes(self):
        self.assertEqual(route.plan_route(MONTERREY, []), [])
        self.assertEqual(route.plan_route(MONTERREY, [SAN_PEDRO]), [0])
        self.assertEqual(route.total_km(MONTERREY, [], []), 0)

    def test_points_on_a_line_are_visited_in_order(self):
        stops = [(25.0, -100.0 + 0.01 * k) for k in (5, 1, 4, 2, 3)]
        order = route.plan_route((25.0, -100.0), stops)
        self.assertEqual([stops[i][1] for i in order], sorted(s[1] for s in stops))
        self.assertAlmostEqual(route.total_km((25.0, -100.0), stops, order),
                               route.haversine_km((25.0, -100.0), (25.0, -99.95)), places=6)

    def test_order_is_a_permutation(self):
        rng = random.Random(7)
        stops = [(19.4 + rng.uniform(-0.2, 0.2), -99.1 + rng.uniform(-0.2, 0.2)) for _ in range(40)]
        order = route.plan_route(CDMX_ZOCALO, stops)
        self.assertEqual(sorted(order), list(range(40)))
        legs = route.route_legs(CDMX_ZOCALO, stops, order)
        self.assertEqual(len(legs), 40)
        self.assertAlmostEqual(sum(legs), route.total_km(CDMX_ZOCALO, stops, order))

    def _optimum(self, start, stops):
        matrix = route.distance_matrix([start, *stops])
        return min(route.path_length(matrix, (0, *order))
                   for order in itertools.permutations(range(1, len(stops) + 1)))

    def test_close_to_brute_force_optimum(self):
        """Never more than 10 % longer than the optimum, on average within 3 %, up to 9 stops."""
        rng = random.Random(20260615)
        ratios = []
        for n in range(2, 10):
            instances = 40 if n <= 7 else 4
            for _ in range(instances):
                start = (rng.uniform(19.2, 19.6), rng.uniform(-99.3, -98.9))
                stops = [(rng.uniform(19.2, 19.6), rng.uniform(-99.3, -98.9)) for _ in range(n)]
                found = route.total_km(start, stops, route.plan_route(start, stops))
                optimum = self._optimum(start, stops)
                self.assertGreaterEqual(found, optimum - 1e-9)
                ratio = found / optimum
                self.assertLessEqual(ratio, 1.10, f"{n} stops: {found:.3f} km against an optimum of {optimum:.3f}")
                ratios.append(ratio)
        self.assertLessEqual(sum(ratios) / len(ratios), 1.03)

    def test_maps_url(self):
        url = route.maps_url([MONTERREY, SAN_PEDRO])
        self.assertEqual(url, 'https://www.google.com/maps/dir/25.686600,-100.316100/25.657300,-100.402500')
        self.assertEqual(route.maps_url([]), '')
        long_url = route.maps_url([MONTERREY] * 30)
        self.assertEqual(long_url.count('25.686600,-100.316100'), route.MAPS_MAX_POINTS)
        with self.assertRaises(ValueError):
            route.maps_url([(100, 0)])
