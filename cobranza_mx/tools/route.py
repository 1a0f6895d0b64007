"""Route of a collector's day: great-circle distances, stop order, total length, a maps link.

Plain Python, no ORM. A point is a ``(latitude, longitude)`` pair in decimal degrees. The order is
an open path from a fixed start (the collector's base) through every stop: nearest neighbour gives a
first order, then 2-opt (reversing a segment) and or-opt (moving a run of one to three stops
elsewhere) improve it until no move shortens the path. No external call is ever made.
"""
import math
from urllib.parse import quote

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
MAPS_URL = 'https://www.google.com/maps/dir/'
# Google Maps takes at most about 25 points in a directions link: longer days get several links.
MAPS_MAX_POINTS = 25
_EPSILON = 1e-9


def check_point(point):
    """``point`` as a ``(latitude, longitude)`` tuple of floats; ValueError when it is not one."""
    try:
        latitude, longitude = (float(value) for value in point)
    except (TypeError, ValueError):
        raise ValueError(f"A point is a (latitude, longitude) pair of numbers, not {point!r}.") from None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0) or math.isnan(latitude + longitude):
        raise ValueError(f"Latitude must be within -90 and 90 and longitude within -180 and 180, not {point!r}.")
    return latitude, longitude


def haversine_km(a, b):
    """Great-circle distance in kilometres between two points."""
    lat1, lon1 = check_point(a)
    lat2, lon2 = check_point(b)
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_matrix(points):
    """Symmetric matrix (list of lists) of the distances in km between ``points``."""
    n = len(points)
    matrix = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i][j] = matrix[j][i] = haversine_km(points[i], points[j])
    return matrix


def path_length(matrix, path):
    """Length of the path of matrix indexes ``path`` (start included, no return)."""
    return sum(matrix[path[k]][path[k + 1]] for k in range(len(path) - 1))


def _nearest_neighbour(matrix, n):
    path, left = [0], set(range(1, n))
    while left:
        last = path[-1]
        nearest = min(left, key=lambda j: (matrix[last][j], j))
        path.append(nearest)
        left.remove(nearest)
    return path


def _two_opt(matrix, path):
    """Reverse segments while it shortens the open path; ``path[0]`` (the start) stays."""
    n = len(path)
    improved = False
    changed = True
    while changed:
        changed = False
        for i in range(1, n - 1):
            a, b = path[i - 1], path[i]
            for j in range(i + 1, n):
                c = path[j]
                d = path[j + 1] if j + 1 < n else None
                delta = matrix[a][c] - matrix[a][b]
                if d is not None:
                    delta += matrix[b][d] - matrix[c][d]
                if delta < -_EPSILON:
                    path[i:j + 1] = reversed(path[i:j + 1])
                    b = path[i]
                    changed = improved = True
    return improved


def _or_opt(matrix, path):
    """Move a run of 1 to 3 stops (possibly reversed) to a better place; the first improving move."""
    n = len(path)
    for length in (1, 2, 3):
        for i in range(1, n - length + 1):
            run = path[i:i + length]
            prev, nxt = path[i - 1], path[i + length] if i + length < n else None
            removed = matrix[prev][run[0]] + (matrix[run[-1]][nxt] - matrix[prev][nxt] if nxt is not None else 0.0)
            rest = path[:i] + path[i + length:]
            for k, p in enumerate(rest):
                if k == i - 1:
                    continue
                q = rest[k + 1] if k + 1 < len(rest) else None
                for candidate in (run, run[::-1]):
                    added = matrix[p][candidate[0]]
                    if q is not None:
                        added += matrix[candidate[-1]][q] - matrix[p][q]
                    if added < removed - _EPSILON:
                        path[:] = rest[:k + 1] + candidate + rest[k + 1:]
                        return True
    return False


def plan_route(start, stops):
    """The order in which to visit ``stops`` leaving from ``start``: a list of indexes into ``stops``.

    :param start: the collector's base, a point.
    :param stops: the points to visit, in any order.
    """
    points = [check_point(start)] + [check_point(stop) for stop in stops]
    if len(points) <= 2:
        return list(range(len(stops)))
    matrix = distance_matrix(points)
    path = _nearest_neighbour(matrix, len(points))
    while True:
        _two_opt(matrix, path)
        if not _or_opt(matrix, path):
            break
    return [index - 1 for index in path[1:]]


def route_legs(start, stops, order):
    """The length in km of each leg of the route: start to first stop, then stop to stop."""
    points = [start] + [stops[index] for index in order]
    return [haversine_km(points[k], points[k + 1]) for k in range(len(points) - 1)]


def total_km(start, stops, order):
    """Total length in km of the route ``order`` (as returned by :func:`plan_route`)."""
    return sum(route_legs(start, stops, order))


def _coordinates(point):
    latitude, longitude = check_point(point)
    return f'{latitude:.6f},{longitude:.6f}'


def maps_url(points, base=MAPS_URL):
    """An "open in maps" directions link through ``points`` in their order, built from coordinates only.

    Points beyond :data:`MAPS_MAX_POINTS` are left out: the link is for the phone of the collector,
    who opens the day's route piece by piece when it is longer.
    """
    parts = [_coordinates(point) for point in list(points)[:MAPS_MAX_POINTS]]
    if not parts:
        return ''
    return base + '/'.join(quote(part, safe=',') for part in parts)
