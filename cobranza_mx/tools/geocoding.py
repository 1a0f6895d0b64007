"""A small client of Nominatim's ``/search`` API (OpenStreetMap's geocoder, or any server speaking it).

Plain Python, no ORM. Nominatim answers ``GET {base}/search?q=<address>&format=jsonv2&limit=1`` with a
JSON list of places, best first, each with ``lat`` and ``lon`` as strings and a ``display_name``
(https://nominatim.org/release-docs/latest/api/Search/). The public server asks for an identifying
User-Agent and at most one request per second: :func:`geocode` makes one request per address.
Every failure is a :class:`GeocodingError` with a ``code`` the caller turns into a message.
"""
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

DEFAULT_URL = 'https://nominatim.openstreetmap.org'
DEFAULT_TIMEOUT = 10
# Error codes of GeocodingError.
NO_ADDRESS, UNREACHABLE, HTTP_ERROR, BAD_RESPONSE, NOT_FOUND = (
    'no_address', 'unreachable', 'http_error', 'bad_response', 'not_found')
LOOPBACK_HOSTS = frozenset({'127.0.0.1', 'localhost', '::1'})


class GeocodingError(Exception):
    """The address could not be geocoded; ``code`` says why, ``detail`` gives the technical reason."""

    def __init__(self, code, detail=''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    display_name: str


def query_string(street='', street2='', city='', zip_code='', state='', country=''):
    """The free-form query of an address: its non-empty parts, comma-separated, in Nominatim's order."""
    town = f'{zip_code.strip()} {city.strip()}' if zip_code and city else city or zip_code
    parts = [street, street2, town, state, country]
    return ', '.join(part.strip() for part in parts if part and part.strip())


def is_loopback(url):
    """Whether ``url`` points at this machine (the only geocoder tests may call)."""
    return (urlsplit(url).hostname or '') in LOOPBACK_HOSTS


def parse_search(payload):
    """The first place of a decoded ``/search`` answer, or a :class:`GeocodingError`."""
    if not isinstance(payload, list):
        raise GeocodingError(BAD_RESPONSE, 'the answer is not a list of places')
    if not payload:
        raise GeocodingError(NOT_FOUND)
    place = payload[0]
    try:
        latitude, longitude = float(place['lat']), float(place['lon'])
    except (TypeError, KeyError, ValueError) as error:
        raise GeocodingError(BAD_RESPONSE, f'no coordinates in the first place ({error})') from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise GeocodingError(BAD_RESPONSE, f'coordinates out of range: {latitude}, {longitude}')
    return Place(latitude, longitude, str(place.get('display_name') or ''))


def geocode(address, base_url=DEFAULT_URL, user_agent='cobranza_mx', country_codes='mx', timeout=DEFAULT_TIMEOUT,
            session=None):
    """Coordinates of ``address`` (a free-form query) from the Nominatim server at ``base_url``.

    :param country_codes: ISO 3166-1 alpha-2 codes the search is limited to (comma-separated), or ''.
    :return: a :class:`Place`.
    :raises GeocodingError: no address, server unreachable or too slow, an HTTP error, an answer that
        is not Nominatim's, or no place found.
    """
    if not (address or '').strip():
        raise GeocodingError(NO_ADDRESS)
    params = {'q': address.strip(), 'format': 'jsonv2', 'limit': 1, 'addressdetails': 0}
    if country_codes:
        params['countrycodes'] = country_codes
    http = session or requests
    try:
        response = http.get(base_url.rstrip('/') + '/search', params=params, timeout=timeout,
                            headers={'User-Agent': user_agent, 'Accept': 'application/json'})
    except requests.RequestException as error:
        raise GeocodingError(UNREACHABLE, str(error)) from None
    if response.status_code != 200:
        raise GeocodingError(HTTP_ERROR, f'HTTP {response.status_code}')
    try:
        payload = json.loads(response.content)
    except ValueError:
        raise GeocodingError(BAD_RESPONSE, 'the answer is not JSON') from None
    return parse_search(payload)
