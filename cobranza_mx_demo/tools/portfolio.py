"""A deterministic, realistic Mexican receivables portfolio for demos, tests and benchmarks.

Plain Python, no ORM. :func:`generate_portfolio` returns plain dicts: debtors (companies and
individuals with a valid RFC, an E.164 mobile, an e-mail at an example domain and an address in
one of ten cities spread over Mexico's time zones) and customer invoices spread over every aging
bucket, with a few partial payments, USD invoices and credit notes. The same seed gives the same
portfolio: everything is drawn from one ``random.Random(seed)``, and nothing reads the clock.

The RFC rules follow the SAT's algorithm (the letters of the name, the date, a two-character
homoclave and a check digit). The homoclave is drawn at random rather than derived from the full
name: it only has to look real, while the check digit has to be right.
"""
import random
import re
import unicodedata
from datetime import date, timedelta

# ---------------------------------------------------------------------------------------------
# RFC
# ---------------------------------------------------------------------------------------------

# Values of the characters in the SAT check-digit algorithm (a blank pads company RFCs to 12).
_RFC_CHECK_VALUES = {char: value for value, char in enumerate('0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ')}
# Characters of a homoclave (SAT table: no zero, no letter O). Its first character is a quotient
# of a sum by 34 and stays below W.
_HOMOCLAVE_FIRST = '123456789ABCDEFGHIJKLMNPQRSTUV'
_HOMOCLAVE_SECOND = '123456789ABCDEFGHIJKLMNPQRSTUVWXYZ'
_RFC_RE = re.compile(r'^([A-ZÑ&]{3,4})(\d{6})([1-9A-V][1-9A-Z])([0-9A])$')
# Words the SAT replaces in the four letters of an individual's RFC (last letter becomes X).
RFC_FORBIDDEN_WORDS = frozenset({
    'BUEI', 'BUEY', 'CACA', 'CACO', 'CAGA', 'CAGO', 'CAKA', 'CAKO', 'COGE', 'COJA', 'COJE', 'COJI',
    'COJO', 'CULO', 'FETO', 'GUEY', 'JOTO', 'KACA', 'KACO', 'KAGA', 'KAGO', 'KAKA', 'KOGE', 'KOJO',
    'KULO', 'MAME', 'MAMO', 'MEAR', 'MEAS', 'MEON', 'MION', 'MOCO', 'MULA', 'PEDA', 'PEDO', 'PENE',
    'PUTA', 'PUTO', 'QULO', 'RATA', 'RUIN',
})
# Words skipped when taking letters from names.
_SURNAME_PARTICLES = frozenset({'DA', 'DAS', 'DE', 'DEL', 'DER', 'DI', 'DIE', 'DD', 'EL', 'LA', 'LAS', 'LE', 'LES',
                                'LOS', 'MAC', 'MC', 'VAN', 'VON', 'Y'})
# The legal form is written with dots ('S. de R.L. de C.V.'): its pieces are skipped too.
_COMPANY_STOPWORDS = frozenset({'DE', 'DEL', 'LA', 'LAS', 'LOS', 'EL', 'Y', 'EN', 'CON', 'PARA', 'POR', 'AL',
                                'S', 'SA', 'CV', 'RL', 'SAPI', 'SC', 'SOCIEDAD', 'ANONIMA', 'CIA', 'COMPANIA'})
_COMPOUND_FIRST_NAMES = frozenset({'JOSE', 'J', 'MARIA', 'MA', 'M'})


def _plain_upper(text):
    """Upper case without accents; Ñ is written X in the letters of an RFC."""
    text = text.upper().replace('Ñ', 'X')
    text = unicodedata.normalize('NFKD', text)
    return ''.join(char for char in text if not unicodedata.combining(char))


def _words(text, skip):
    return [word for word in re.split(r'[^A-Z&]+', _plain_upper(text).replace('.', '')) if word and word not in skip]


def rfc_check_digit(rfc_base):
    """The check digit ('0'-'9' or 'A') of an RFC without it: 11 characters for a company, 12 for a person.

    SAT algorithm: the characters, left-padded with blanks to 12, are valued by their position in
    ``0-9 A-N & O-Z blank Ñ``, weighted 13 down to 2 and summed; the digit is 11 minus the sum
    modulo 11, with 11 written 0 and 10 written A.
    """
    base = rfc_base.upper()
    if len(base) not in (11, 12) or any(char not in _RFC_CHECK_VALUES for char in base):
        raise ValueError(f'not the base of an RFC: {rfc_base!r}')
    total = sum(_RFC_CHECK_VALUES[char] * (13 - position) for position, char in enumerate(base.rjust(12)))
    digit = (11 - total % 11) % 11
    return 'A' if digit == 10 else str(digit)


def is_valid_rfc(rfc):
    """Whether ``rfc`` is a well-formed RFC with the right check digit.

    12 characters for a company (persona moral), 13 for an individual (persona física): letters,
    a real date (yymmdd), a homoclave and the check digit. The generic RFCs of the general public
    and foreigners (XAXX010101000, XEXX010101000) are not debtors' RFCs and are refused.
    """
    if not isinstance(rfc, str):
        return False
    match = _RFC_RE.match(rfc)
    if not match:
        return False
    letters, day, _homoclave, check = match.groups()
    if len(letters) == 4 and letters in RFC_FORBIDDEN_WORDS:
        return False
    try:
        # The century is not in the RFC; 2000 is leap, so 29 February of any year divisible by 4 passes.
        date(2000 + int(day[:2]), int(day[2:4]), int(day[4:]))
    except ValueError:
        return False
    return rfc_check_digit(rfc[:-1]) == check


def person_rfc_letters(first_names, paternal, maternal):
    """The four letters of an individual's RFC (SAT rules, common cases).

    First letter and first inner vowel of the paternal surname, first letter of the maternal
    surname (X when there is none) and first letter of the first name, skipping María and José
    when they come first in a compound name; a forbidden word gets an X as its last letter.
    """
    paternal_word = ''.join(_words(paternal, _SURNAME_PARTICLES)) or 'X'
    maternal_word = ''.join(_words(maternal or '', _SURNAME_PARTICLES)) or 'X'
    names = _words(first_names, set()) or ['X']
    if len(names) > 1 and names[0] in _COMPOUND_FIRST_NAMES:
        names = names[1:]
    inner_vowel = next((char for char in paternal_word[1:] if char in 'AEIOU'), 'X')
    letters = paternal_word[0] + inner_vowel + maternal_word[0] + names[0][0]
    return letters[:3] + 'X' if letters in RFC_FORBIDDEN_WORDS else letters


def company_rfc_letters(name):
    """The three letters of a company's RFC: initials of its first three significant words.

    The legal form (S.A. de C.V., ...) and particles are left out; two words give the initial of
    the first and two letters of the second, one word its first three letters.
    """
    words = _words(name, _COMPANY_STOPWORDS)
    if not words:
        return 'XXX'
    if len(words) >= 3:
        return ''.join(word[0] for word in words[:3])
    if len(words) == 2:
        return (words[0][0] + words[1][:2]).ljust(3, 'X')
    return words[0][:3].ljust(3, 'X')


def make_rfc(letters, day, homoclave):
    """An RFC from its letters, the date and a two-character homoclave, with its check digit."""
    base = f'{letters}{day:%y%m%d}{homoclave}'
    return base + rfc_check_digit(base)


# ---------------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------------

# Cities: Odoo state code (base/data/res.country.state.csv), IANA zone, phone area codes, centre
# (latitude, longitude), neighbourhoods with their postal code, and a weight in the portfolio.
CITIES = (
    {'city': 'Ciudad de México', 'state_code': 'CMX', 'tz': 'America/Mexico_City', 'area_codes': ('55', '56'),
     'center': (19.4326, -99.1332), 'weight': 24,
     'colonias': (('Centro', '06000'), ('Roma Norte', '06700'), ('Condesa', '06140'), ('Del Valle Centro', '03100'),
                  ('Polanco V Sección', '11560'), ('Narvarte Poniente', '03020'), ('Coyoacán Centro', '04000'))},
    {'city': 'Monterrey', 'state_code': 'NLE', 'tz': 'America/Monterrey', 'area_codes': ('81',),
     'center': (25.6866, -100.3161), 'weight': 14,
     'colonias': (('Centro', '64000'), ('Obispado', '64060'), ('Mitras Centro', '64460'), ('Contry', '64860'),
                  ('Cumbres 1er Sector', '64610'), ('Del Valle', '66220'))},
    {'city': 'Guadalajara', 'state_code': 'JAL', 'tz': 'America/Mexico_City', 'area_codes': ('33',),
     'center': (20.6597, -103.3496), 'weight': 13,
     'colonias': (('Centro', '44100'), ('Americana', '44160'), ('Providencia', '44630'),
                  ('Ladrón de Guevara', '44600'), ('Chapalita', '44500'))},
    {'city': 'Puebla', 'state_code': 'PUE', 'tz': 'America/Mexico_City', 'area_codes': ('222',),
     'center': (19.0414, -98.2063), 'weight': 8,
     'colonias': (('Centro', '72000'), ('La Paz', '72160'), ('Anzures', '72530'), ('Huexotitla', '72534'))},
    {'city': 'Tijuana', 'state_code': 'BCN', 'tz': 'America/Tijuana', 'area_codes': ('664',),
     'center': (32.5149, -117.0382), 'weight': 8,
     'colonias': (('Zona Centro', '22000'), ('Zona Río', '22010'), ('Hipódromo', '22020'), ('Cacho', '22150'),
                  ('Playas de Tijuana', '22500'))},
    {'city': 'Mérida', 'state_code': 'YUC', 'tz': 'America/Merida', 'area_codes': ('999',),
     'center': (20.9674, -89.5926), 'weight': 7,
     'colonias': (('Centro', '97000'), ('García Ginerés', '97070'), ('Itzimná', '97100'), ('Montecristo', '97133'))},
    {'city': 'Cancún', 'state_code': 'ROO', 'tz': 'America/Cancun', 'area_codes': ('998',),
     'center': (21.1619, -86.8515), 'weight': 7,
     'colonias': (('Supermanzana 3 Centro', '77500'), ('Zona Hotelera', '77500'), ('Supermanzana 15', '77505'),
                  ('Región 96', '77535'))},
    {'city': 'Chihuahua', 'state_code': 'CHH', 'tz': 'America/Chihuahua', 'area_codes': ('614',),
     'center': (28.6353, -106.0889), 'weight': 6,
     'colonias': (('Centro', '31000'), ('San Felipe', '31203'), ('Quintas del Sol', '31214'), ('Campestre', '31213'))},
    {'city': 'Hermosillo', 'state_code': 'SON', 'tz': 'America/Hermosillo', 'area_codes': ('662',),
     'center': (29.0729, -110.9559), 'weight': 6,
     'colonias': (('Centro', '83000'), ('Pitic', '83150'), ('Modelo', '83190'), ('Valle Grande', '83205'))},
    {'city': 'Mazatlán', 'state_code': 'SIN', 'tz': 'America/Mazatlan', 'area_codes': ('669',),
     'center': (23.2494, -106.4111), 'weight': 6,
     'colonias': (('Centro', '82000'), ('Zona Dorada', '82110'), ('El Toreo', '82120'), ('Juárez', '82180'))},
)

STREETS = (
    'Av. Juárez', 'Av. Hidalgo', 'Calle Morelos', 'Av. Reforma', 'Calle 5 de Mayo', 'Av. Revolución',
    'Calle Zaragoza', 'Av. Insurgentes', 'Calle Allende', 'Av. Francisco I. Madero', 'Calle Guerrero',
    'Av. Independencia', 'Calle Aldama', 'Av. Constitución', 'Calle Matamoros', 'Av. Universidad',
    'Calle Benito Juárez', 'Blvd. Miguel Alemán', 'Av. López Mateos', 'Calle Niños Héroes',
)

MALE_NAMES = (
    'José Luis', 'Juan Carlos', 'Miguel Ángel', 'Luis', 'Carlos', 'Jorge', 'Alejandro', 'Francisco',
    'Ricardo', 'Fernando', 'Eduardo', 'Roberto', 'Arturo', 'Sergio', 'Daniel', 'Javier', 'Héctor',
    'Raúl', 'Óscar', 'Manuel', 'Jesús', 'Antonio', 'Pedro', 'Diego', 'José Antonio', 'Emiliano',
)
FEMALE_NAMES = (
    'María Fernanda', 'María Guadalupe', 'Guadalupe', 'Ana Karen', 'Verónica', 'Patricia', 'Claudia',
    'Gabriela', 'Alejandra', 'Adriana', 'Leticia', 'Mónica', 'Rosa María', 'Daniela', 'Sofía', 'Mariana',
    'Elizabeth', 'Norma', 'Silvia', 'Laura', 'Martha', 'Yolanda', 'Lucía', 'Ximena', 'María José',
)
SURNAMES = (
    'Hernández', 'García', 'Martínez', 'López', 'González', 'Pérez', 'Rodríguez', 'Sánchez', 'Ramírez',
    'Cruz', 'Flores', 'Gómez', 'Morales', 'Vázquez', 'Reyes', 'Jiménez', 'Torres', 'Díaz', 'Gutiérrez',
    'Ruiz', 'Mendoza', 'Aguilar', 'Ortiz', 'Moreno', 'Castillo', 'Romero', 'Álvarez', 'Méndez', 'Chávez',
    'Rivera', 'Juárez', 'Ramos', 'Domínguez', 'Herrera', 'Medina', 'Castro', 'Vargas', 'Guzmán',
    'Velázquez', 'Muñoz', 'Rojas', 'De la Cruz', 'Contreras', 'Salazar', 'Luna', 'Ortega', 'Guerrero',
    'Estrada', 'Bautista', 'Cortés', 'Soto', 'Alvarado', 'Espinoza', 'Lara', 'Ávila', 'Ríos', 'Cervantes',
    'Silva', 'Delgado', 'Vega', 'Núñez', 'Peña', 'Treviño', 'Garza', 'Villarreal', 'Cantú', 'Ibarra',
    'Canul', 'Pech', 'Dzul',
)
COMPANY_ACTIVITIES = (
    'Comercializadora', 'Distribuidora', 'Grupo', 'Servicios Integrales', 'Constructora', 'Transportes',
    'Abarrotes', 'Ferretería', 'Farmacias', 'Refaccionaria', 'Agroindustrias', 'Tecnologías', 'Inmobiliaria',
    'Logística', 'Alimentos', 'Materiales', 'Papelería', 'Maquinaria', 'Textiles', 'Consultores',
)
COMPANY_CORES = (
    'del Norte', 'del Pacífico', 'del Bajío', 'Peninsular', 'Azteca', 'La Esperanza', 'San José', 'Santa Fe',
    'El Roble', 'Del Valle', 'Maya', 'Sonorense', 'Regiomontana', 'Tapatía', 'Poblana', 'Sierra Madre',
    'Cumbres', 'Los Altos', 'del Sol', 'Águila Real', 'del Golfo', 'Anáhuac', 'Huasteca', 'Tres Ríos',
    'Occidente', 'Metropolitana', 'Cuauhtémoc', 'Independencia', 'Nueva Galicia', 'Mar de Cortés',
)
LEGAL_FORMS = (('S.A. de C.V.', 70), ('S. de R.L. de C.V.', 14), ('S.A.P.I. de C.V.', 8), ('S.C.', 5), ('S.A.', 3))
EMAIL_DOMAINS = ('example.com.mx', 'example.com', 'example.net', 'example.org')

# Products and services: name, quantity range, unit price range in MXN.
CATALOG = (
    ('Servicio de mantenimiento preventivo', (1, 4), (1500, 12000)),
    ('Cemento gris CPC 30R bulto 50 kg', (10, 400), (210, 260)),
    ('Varilla corrugada 3/8" (tonelada)', (1, 12), (17000, 21000)),
    ('Póliza de soporte técnico anual', (1, 1), (18000, 95000)),
    ('Renta de montacargas (día)', (1, 30), (1800, 3500)),
    ('Licencia de software contable (usuario/año)', (1, 25), (4500, 9800)),
    ('Flete Monterrey - Ciudad de México', (1, 6), (14000, 28000)),
    ('Consultoría fiscal (hora)', (2, 40), (1200, 3500)),
    ('Laptop Lenovo ThinkPad E14', (1, 15), (16000, 24000)),
    ('Tóner HP 58A', (1, 30), (1400, 2300)),
    ('Uniforme industrial (pieza)', (10, 200), (280, 650)),
    ('Aceite hidráulico cubeta 19 L', (1, 40), (1300, 2200)),
    ('Instalación eléctrica (obra)', (1, 1), (25000, 180000)),
    ('Refacciones para compresor', (1, 10), (900, 15000)),
    ('Capacitación en seguridad industrial (curso)', (1, 3), (8000, 35000)),
    ('Papel bond carta (caja 5,000 hojas)', (1, 50), (650, 950)),
    ('Servicio de limpieza mensual', (1, 3), (6500, 32000)),
    ('Garrafón de agua purificada 20 L', (10, 200), (38, 65)),
    ('Mantenimiento de aire acondicionado', (1, 12), (1200, 4500)),
    ('Llanta 295/80 R22.5', (2, 24), (6500, 9500)),
    ('Diésel (litro)', (200, 5000), (23, 26)),
    ('Arrendamiento de bodega (mes)', (1, 3), (22000, 85000)),
)
CREDIT_NOTE_REASONS = ('Devolución de mercancía', 'Bonificación comercial', 'Descuento por pronto pago',
                       'Ajuste de precio')

# Aging buckets of the portfolio: key, fewest and most days overdue, share of the invoices.
AGING_BUCKETS = (
    ('not_due', -60, 0, 30),
    ('1_30', 1, 30, 20),
    ('31_60', 31, 60, 12),
    ('61_90', 61, 90, 8),
    ('91_180', 91, 180, 10),
    ('181_365', 181, 365, 10),
    ('365_plus', 366, 1095, 10),
)
BUCKET_DAYS = {key: (low, high) for key, low, high, _share in AGING_BUCKETS}
PAYMENT_TERMS_DAYS = (0, 15, 30, 30, 45, 60, 90)
USD_MXN = 18.5  # pesos per dollar used to price the USD invoices (and the demo exchange rate)

COMPANY_SHARE = 0.4
USD_SHARE = 0.03
PARTIAL_PAYMENT_SHARE = 0.10
CREDIT_NOTE_SHARE = 0.02
MAX_INVOICE_AMOUNT = {True: 450000.0, False: 80000.0}  # untaxed MXN, companies / individuals
# Dates in the RFCs: fixed, so that the debtors do not depend on ``today``.
INCORPORATION_DATES = (date(1975, 1, 1), date(2021, 12, 31))
BIRTH_DATES = (date(1950, 1, 1), date(2004, 12, 31))


def aging_bucket_of(days_overdue):
    """The key of the aging bucket of an invoice ``days_overdue`` days past its due date."""
    for key, _low, high, _share in AGING_BUCKETS:
        if days_overdue <= high:
            return key
    return AGING_BUCKETS[-1][0]


# ---------------------------------------------------------------------------------------------
# Debtors
# ---------------------------------------------------------------------------------------------

def _slug(text):
    return re.sub(r'[^a-z0-9]+', '.', _plain_upper(text).lower()).strip('.')


def _random_date(rng, first, last):
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _unique(draw, seen, attempts=50):
    """Draw values until one is new (or give up after ``attempts`` and keep the last)."""
    for _attempt in range(attempts):
        value = draw()
        if value not in seen:
            break
    seen.add(value)
    return value


def _homoclave(rng):
    return rng.choice(_HOMOCLAVE_FIRST) + rng.choice(_HOMOCLAVE_SECOND)


def _company_name(rng):
    activity = rng.choice(COMPANY_ACTIVITIES)
    pattern = rng.random()
    if pattern < 0.55:
        core = f'{activity} {rng.choice(COMPANY_CORES)}'
    elif pattern < 0.85:
        core = f'{activity} {rng.choice(SURNAMES)}'
    else:
        core = f'{rng.choice(SURNAMES)} {rng.choice(SURNAMES)} y Asociados'
    legal_form = rng.choices([form for form, _w in LEGAL_FORMS], weights=[w for _f, w in LEGAL_FORMS])[0]
    return f'{core} {legal_form}'


def _person(rng):
    first_names = rng.choice(MALE_NAMES if rng.random() < 0.5 else FEMALE_NAMES)
    paternal, maternal = rng.choice(SURNAMES), rng.choice(SURNAMES)
    return first_names, paternal, maternal


def _address(rng, city):
    colonia, zip_code = rng.choice(city['colonias'])
    latitude, longitude = city['center']
    return {
        'street': f'{rng.choice(STREETS)} {rng.randint(1, 4999)}',
        'street2': f'Col. {colonia}',
        'city': city['city'],
        'zip': zip_code,
        'state_code': city['state_code'],
        'country_code': 'MX',
        'tz': city['tz'],
        'latitude': round(latitude + rng.uniform(-0.04, 0.04), 6),
        'longitude': round(longitude + rng.uniform(-0.05, 0.05), 6),
    }


def _mobile(rng, city):
    area_code = rng.choice(city['area_codes'])
    subscriber = str(rng.randint(2, 9)) + ''.join(str(rng.randint(0, 9)) for _i in range(9 - len(area_code)))
    return f'+52{area_code}{subscriber}'


# One pass in the order of the random draws, which makes the portfolio reproducible.
def generate_debtors(rng, count):  # pylint: disable=too-many-locals
    """``count`` debtors (about 40 % companies), each a dict ready to become a partner.

    Keys: ref, name, is_company, vat, phone (E.164), email, street, street2 (colonia), city, zip,
    state_code (Odoo's code), country_code, tz, latitude, longitude.
    """
    weights = [city['weight'] for city in CITIES]
    seen_names, seen_rfcs, seen_phones, seen_emails = set(), set(), set(), set()
    debtors = []
    for index in range(count):
        city = rng.choices(CITIES, weights=weights)[0]
        is_company = rng.random() < COMPANY_SHARE
        if is_company:
            name = _unique(lambda: _company_name(rng), seen_names)
            letters = company_rfc_letters(name)
            day_range = INCORPORATION_DATES
            email_local = _slug(name.split(' S.', 1)[0])
            email_domain = 'example.com.mx'
        else:
            first_names, paternal, maternal = _person(rng)
            name = f'{first_names} {paternal} {maternal}'
            letters = person_rfc_letters(first_names, paternal, maternal)
            day_range = BIRTH_DATES
            email_local = _slug(f'{first_names.split()[0]} {paternal}')
            email_domain = rng.choice(EMAIL_DOMAINS)
        rfc_date = _random_date(rng, *day_range)
        vat = _unique(lambda letters=letters, rfc_date=rfc_date: make_rfc(letters, rfc_date, _homoclave(rng)),
                      seen_rfcs)
        email = f'{email_local}@{email_domain}'
        if email in seen_emails:
            email = f'{email_local}{index}@{email_domain}'
        seen_emails.add(email)
        debtors.append({
            'ref': f'CLI-{index + 1:05d}',
            'name': name,
            'is_company': is_company,
            'vat': vat,
            'phone': _unique(lambda city=city: _mobile(rng, city), seen_phones),
            'email': email,
            **_address(rng, city),
        })
    return debtors


# ---------------------------------------------------------------------------------------------
# Invoices
# ---------------------------------------------------------------------------------------------

def _lines(rng, is_company, currency):
    lines = []
    for product, (qty_min, qty_max), (price_min, price_max) in rng.sample(CATALOG, rng.randint(1, 3)):
        lines.append({'name': product, 'quantity': rng.randint(qty_min, qty_max),
                      'price_unit': round(rng.uniform(price_min, price_max), 2)})
    # Keep invoices to a few hundred thousand pesos (less for individuals): halve the biggest line.
    limit = MAX_INVOICE_AMOUNT[is_company]
    while sum(line['quantity'] * line['price_unit'] for line in lines) > limit:
        biggest = max(lines, key=lambda line: line['quantity'] * line['price_unit'])
        if biggest['quantity'] > 1:
            biggest['quantity'] = max(1, biggest['quantity'] // 2)
        else:
            biggest['price_unit'] = round(biggest['price_unit'] / 2, 2)
    if currency == 'USD':
        for line in lines:
            line['price_unit'] = max(0.01, round(line['price_unit'] / USD_MXN, 2))
    return lines


def _buckets(rng, count):
    """One aging bucket per invoice: each bucket at least once, then by share, shuffled."""
    keys = [key for key, _low, _high, _share in AGING_BUCKETS]
    chosen = keys[:count] + rng.choices(keys, weights=[share for *_rest, share in AGING_BUCKETS],
                                        k=max(0, count - len(keys)))
    rng.shuffle(chosen)
    return chosen


def _share(count, ratio):
    """``ratio`` of ``count``, rounded, but at least one when ``count`` is not zero."""
    return max(1, round(count * ratio)) if count else 0


def _debtor_indexes(rng, n_debtors, count):
    """Each debtor once (while invoices last), the rest to a long-tailed few, shuffled."""
    indexes = list(range(n_debtors))
    rng.shuffle(indexes)
    indexes = indexes[:count]
    weights = [rng.paretovariate(1.5) for _i in range(n_debtors)]
    indexes += rng.choices(range(n_debtors), weights=weights, k=count - len(indexes))
    rng.shuffle(indexes)
    return indexes


# One pass in the order of the random draws, which makes the portfolio reproducible.
def generate_invoices(rng, debtors, count, today):  # pylint: disable=too-many-locals
    """``count`` customer documents of ``debtors``, as of ``today``: invoices first, credit notes last.

    Keys of each dict: debtor (index in ``debtors``), move_type ('out_invoice' or 'out_refund'),
    invoice_date, due_date, bucket (aging key of an invoice as of ``today``; None for a credit
    note), currency ('MXN' or 'USD'), lines (name, quantity, price_unit in the document's
    currency, before the 16 % VAT), payment_fraction and payment_date (a partial payment, or
    None), refund_of (for a credit note: index of the invoice of the same debtor it credits).
    """
    if count and not debtors:
        raise ValueError('invoices need at least one debtor')
    n_refunds = min(_share(count, CREDIT_NOTE_SHARE), count // 2)
    n_regular = count - n_refunds
    buckets = _buckets(rng, n_regular)
    debtor_indexes = _debtor_indexes(rng, len(debtors), n_regular)
    usd = set(rng.sample(range(n_regular), min(n_regular, _share(n_regular, USD_SHARE))))
    partial = set(rng.sample(range(n_regular), min(n_regular, _share(n_regular, PARTIAL_PAYMENT_SHARE))))

    invoices = []
    for index, (bucket, debtor) in enumerate(zip(buckets, debtor_indexes, strict=True)):
        days_overdue = rng.randint(*BUCKET_DAYS[bucket])
        due_date = today - timedelta(days=days_overdue)
        term = rng.choice([days for days in PAYMENT_TERMS_DAYS if days >= -days_overdue] or [PAYMENT_TERMS_DAYS[-1]])
        invoice_date = min(due_date - timedelta(days=term), today)
        currency = 'USD' if index in usd else 'MXN'
        payment_fraction = payment_date = None
        if index in partial:
            payment_fraction = round(rng.uniform(0.15, 0.85), 2)
            payment_date = invoice_date + timedelta(days=rng.randint(0, min(90, (today - invoice_date).days)))
        invoices.append({
            'debtor': debtor,
            'move_type': 'out_invoice',
            'invoice_date': invoice_date,
            'due_date': due_date,
            'bucket': bucket,
            'currency': currency,
            'lines': _lines(rng, debtors[debtor]['is_company'], currency),
            'payment_fraction': payment_fraction,
            'payment_date': payment_date,
            'refund_of': None,
        })

    # Credit notes: part of a peso invoice that is not being paid, of the same debtor.
    candidates = [index for index, invoice in enumerate(invoices)
                  if invoice['currency'] == 'MXN' and invoice['payment_fraction'] is None]
    for origin_index in rng.sample(candidates, min(n_refunds, len(candidates))):
        origin = invoices[origin_index]
        untaxed = sum(line['quantity'] * line['price_unit'] for line in origin['lines'])
        refund_date = origin['invoice_date'] + timedelta(
            days=rng.randint(0, min(60, (today - origin['invoice_date']).days)))
        invoices.append({
            'debtor': origin['debtor'],
            'move_type': 'out_refund',
            'invoice_date': refund_date,
            'due_date': refund_date,
            'bucket': None,
            'currency': origin['currency'],
            'lines': [{'name': f"{rng.choice(CREDIT_NOTE_REASONS)}: {origin['lines'][0]['name']}", 'quantity': 1,
                       'price_unit': max(0.01, round(untaxed * rng.uniform(0.1, 0.5), 2))}],
            'payment_fraction': None,
            'payment_date': None,
            'refund_of': origin_index,
        })
    return invoices


def generate_portfolio(seed, n_debtors, n_invoices, today):
    """A portfolio ``{'debtors': [...], 'invoices': [...]}`` as of the date ``today``.

    Deterministic: the same arguments give the same dicts. See :func:`generate_debtors` and
    :func:`generate_invoices` for their keys.
    """
    if n_debtors < 0 or n_invoices < 0:
        raise ValueError('the portfolio sizes cannot be negative')
    rng = random.Random(seed)
    debtors = generate_debtors(rng, n_debtors)
    return {'debtors': debtors, 'invoices': generate_invoices(rng, debtors, n_invoices, today)}
