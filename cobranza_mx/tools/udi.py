"""UDI values (Unidades de Inversión): Banco de México's SIE API client and the CSV fallback.

Plain Python with ``requests``, no ORM. The SIE API (https://www.banxico.org.mx/SieAPIRest/service/v1/)
serves series SP68257, the value of the UDI in pesos, one value per calendar day:

- ``GET {base}/series/SP68257/datos/oportuno``: the latest published value;
- ``GET {base}/series/SP68257/datos/{yyyy-mm-dd}/{yyyy-mm-dd}``: every value of a period,

with the query token in the header ``Bmx-Token``. The answer is
``{"bmx": {"series": [{"idSerie": "SP68257", "titulo": "...", "datos": [{"fecha": "dd/mm/yyyy",
"dato": "8.123456"}]}]}}``; a value not published is ``"N/E"`` (skipped, never guessed). A bad token
is answered 401, a server problem 5xx.
"""
import csv
import io
from datetime import datetime
from decimal import Decimal, InvalidOperation

import requests

DEFAULT_BASE_URL = 'https://www.banxico.org.mx/SieAPIRest/service/v1'
SERIES = 'SP68257'
TOKEN_HEADER = 'Bmx-Token'
NOT_AVAILABLE = ('N/E', '', None)
# The UDI is published with six decimals.
DIGITS = 6


class SieError(Exception):
    """The SIE API could not give the values; ``http_status`` when it answered."""

    def __init__(self, message, http_status=None):
        super().__init__(message)
        self.http_status = http_status


class SieAuthError(SieError):
    """The token was refused (401/403): retrying will not help."""


class SieTransientError(SieError):
    """A 5xx, a timeout or a connection error: the next run may succeed."""


def parse_sie_date(text):
    """``dd/mm/yyyy`` (the SIE format) as a date; ValueError otherwise."""
    return datetime.strptime(text.strip(), '%d/%m/%Y').date()


def parse_value(text):
    """A UDI value as a Decimal, or None when it is not available (``N/E``); ValueError when malformed."""
    if text is None or str(text).strip() in NOT_AVAILABLE:
        return None
    try:
        value = Decimal(str(text).strip().replace(',', ''))
    except InvalidOperation as error:
        raise ValueError(f"not a number: {text!r}") from error
    if not value.is_finite() or value <= 0:
        raise ValueError(f"not a positive number: {text!r}")
    return value


def parse_sie_payload(payload, series=SERIES):
    """The ``{date: Decimal}`` values of ``series`` in a SIE JSON answer; ``N/E`` values are left out.

    Raises SieError when the payload does not have the documented shape.
    """
    try:
        all_series = payload['bmx']['series']
    except (KeyError, TypeError) as error:
        raise SieError("The SIE answer has no bmx.series.") from error
    if not isinstance(all_series, list):
        raise SieError("The SIE answer has no bmx.series.")
    values = {}
    for entry in all_series:
        if not isinstance(entry, dict) or entry.get('idSerie') != series:
            continue
        for point in entry.get('datos') or []:
            try:
                day = parse_sie_date(point['fecha'])
                value = parse_value(point.get('dato'))
            except (KeyError, TypeError, ValueError) as error:
                raise SieError(f"The SIE answer has a malformed value: {point!r}.") from error
            if value is not None:
                values[day] = value
    return values


class SieClient:
    """Reads the UDI series from Banxico's SIE API.

    ``base_url`` is the service root (``…/SieAPIRest/service/v1``), ``token`` the query token
    Banxico issues; ``session`` may be a shared ``requests.Session``.
    """

    def __init__(self, base_url, token, timeout=15, session=None, series=SERIES):
        if not token:
            raise SieAuthError("No Banxico SIE token is configured.")
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip('/')
        self.token = token
        self.timeout = timeout
        self.series = series
        self.session = session or requests.Session()

    def latest(self):
        """The latest published values (``datos/oportuno``) as ``{date: Decimal}``."""
        return self._get(f'series/{self.series}/datos/oportuno')

    def period(self, date_from, date_to):
        """Every published value from ``date_from`` to ``date_to`` (both included) as ``{date: Decimal}``."""
        if date_from > date_to:
            raise ValueError("date_from is after date_to")
        return self._get(f'series/{self.series}/datos/{date_from.isoformat()}/{date_to.isoformat()}')

    def _get(self, path):
        url = f'{self.base_url}/{path}'
        try:
            response = self.session.get(url, headers={TOKEN_HEADER: self.token, 'Accept': 'application/json'},
                                        timeout=self.timeout)
        except requests.RequestException as error:
            raise SieTransientError(f"Banxico SIE could not be reached: {error}") from error
        if response.status_code in (401, 403):
            raise SieAuthError(f"Banxico SIE refused the token (HTTP {response.status_code}).",
                               response.status_code)
        if response.status_code >= 500:
            raise SieTransientError(f"Banxico SIE answered HTTP {response.status_code}.", response.status_code)
        if response.status_code != 200:
            raise SieError(f"Banxico SIE answered HTTP {response.status_code}: {response.text[:200]}",
                           response.status_code)
        try:
            payload = response.json()
        except ValueError as error:
            raise SieError("Banxico SIE answered something that is not JSON.", response.status_code) from error
        return parse_sie_payload(payload, self.series)


class UdiCsvError(ValueError):
    """A CSV row that is not a date and a value; ``line`` is its 1-based line number."""

    def __init__(self, message, line):
        super().__init__(message)
        self.line = line


def _parse_any_date(text):
    text = text.strip()
    for pattern in ('%Y-%m-%d', '%d/%m/%Y'):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_udi_csv(text):
    """``{date: Decimal}`` from a CSV of ``date,value`` rows (``yyyy-mm-dd`` or ``dd/mm/yyyy``; comma or
    semicolon separated; an optional header; ``N/E`` rows skipped), as Banxico's SIE exports it.

    Raises UdiCsvError naming the first bad line, and when the same date has two different values.
    """
    sample = text[:2048]
    delimiter = ';' if sample.count(';') > sample.count(',') else ','
    values = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells:
            continue
        if len(cells) < 2:
            raise UdiCsvError(f"line {number}: expected a date and a value", number)
        try:
            day = _parse_any_date(cells[0])
        except ValueError as error:
            if number == 1 or not values:
                continue  # a header or the title lines of a SIE export
            raise UdiCsvError(f"line {number}: {cells[0]!r} is not a date", number) from error
        try:
            value = parse_value(cells[1])
        except ValueError as error:
            raise UdiCsvError(f"line {number}: {cells[1]!r} is not a UDI value", number) from error
        if value is None:
            continue
        if day in values and values[day] != value:
            raise UdiCsvError(f"line {number}: {day.isoformat()} has two different values", number)
        values[day] = value
    return values


def missing_dates(needed, known):
    """The dates of ``needed`` that have no value in ``known`` (a mapping or set of dates), sorted."""
    return sorted(set(needed) - set(known))


def to_udis(amount_mxn, udi_value):
    """``amount_mxn`` pesos in UDIS at ``udi_value`` pesos per UDI (Decimal, rounded to DIGITS)."""
    udi_value = Decimal(str(udi_value))
    if udi_value <= 0:
        raise ValueError("a UDI value is positive")
    return (Decimal(str(amount_mxn)) / udi_value).quantize(Decimal(1).scaleb(-DIGITS))
