"""Amounts in words as Mexican documents write them: "CIENTO VEINTITRÉS MIL ... PESOS 78/100 M.N."

Plain Python over ``num2words`` (Spanish). Spanish shortens "uno" before a noun: "UN PESO",
"VEINTIÚN PESOS", "CIENTO UN MIL PESOS"; a round number of millions takes "DE": "UN MILLÓN DE PESOS".
"""
from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

CURRENCY_NAMES = {
    # code: (singular, plural, suffix)
    'MXN': ('PESO', 'PESOS', 'M.N.'),
    'USD': ('DÓLAR', 'DÓLARES', 'USD'),
}


def _apocope(words):
    """"uno" → "un" and "veintiuno" → "veintiún" wherever it qualifies a noun (mil, millón, the currency)."""
    tokens = words.split()
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        before_noun = last or tokens[index + 1] in ('mil', 'millón', 'millones', 'billón', 'billones')
        if before_noun and token == 'uno':
            tokens[index] = 'un'
        elif before_noun and token == 'veintiuno':
            tokens[index] = 'veintiún'
    return ' '.join(tokens)


def integer_words(number):
    """The integer ``number`` in Spanish words, shortened before a noun (``21`` → "veintiún")."""
    return _apocope(num2words(int(number), lang='es'))


def amount_in_words(amount, currency='MXN'):
    """``amount`` as Mexican invoices and legal documents write it, upper case.

    ``amount_in_words(123456.78)`` → "CIENTO VEINTITRÉS MIL CUATROCIENTOS CINCUENTA Y SEIS PESOS 78/100 M.N.".
    """
    value = Decimal(str(amount)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
    if value < 0:
        raise ValueError("an amount in words is not negative")
    singular, plural, suffix = CURRENCY_NAMES.get(currency, (currency, currency, currency))
    units = int(value)
    cents = int((value - units) * 100)
    words = integer_words(units)
    noun = singular if units == 1 else plural
    if units >= 1_000_000 and units % 1_000_000 == 0:
        noun = f'DE {noun}'
    return f'{words.upper()} {noun} {cents:02d}/100 {suffix}'
