"""Phone numbers of Mexican debtors, normalised to E.164 with ``phonenumbers``.

Plain Python, no ORM. Mexico dropped its dialling prefixes in August 2019 (the "1" after +52 for
mobiles, 044 and 045 for calls to mobiles, 01 for long distance), yet portfolios still carry them:
they are removed before validation, so every writing of a number gives the same E.164 string.
"""
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

DEFAULT_REGION = 'MX'
MX_COUNTRY_CODE = 52
MX_NATIONAL_LENGTH = 10

# Old national prefixes, by the length of the national significant number that carries them.
_LEGACY_PREFIXES = (
    (11, '1'),    # +52 1 55 1234 5678: mobile from abroad
    (13, '044'),  # 044 55 1234 5678: local call to a mobile
    (13, '045'),  # 045 33 1234 5678: long-distance call to a mobile
    (12, '01'),   # 01 33 1234 5678: long distance
)

_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: 'invalid country code',
    NumberParseException.NOT_A_NUMBER: 'not a number',
    NumberParseException.TOO_SHORT_AFTER_IDD: 'too short',
    NumberParseException.TOO_SHORT_NSN: 'too short',
    NumberParseException.TOO_LONG: 'too long',
}


class InvalidPhoneError(ValueError):
    """A phone number that cannot be used; ``reason`` is a short English phrase ('empty', ...)."""

    def __init__(self, reason, raw=None):
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


def _strip_legacy_prefix(national):
    for length, prefix in _LEGACY_PREFIXES:
        if len(national) == length and national.startswith(prefix):
            return national[len(prefix):]
    return national


def normalize_mx_phone(raw, allow_foreign=True):
    """The E.164 form ('+525512345678') of a phone number written the Mexican way.

    Numbers without a country code are Mexican. A number with another country code (a US mobile
    in Tijuana) is accepted when valid for its country, unless ``allow_foreign`` is False. An
    extension is dropped: it cannot receive an SMS or a WhatsApp message.

    Raises :class:`InvalidPhoneError` with one of the reasons 'empty', 'not a number', 'too short',
    'too long', 'invalid country code', 'invalid for Mexico', 'invalid number' (another country)
    and 'not a Mexican number'.
    """
    text = '' if raw is None or raw is False else str(raw).strip()
    if not text:
        raise InvalidPhoneError('empty', raw)
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except NumberParseException as error:
        raise InvalidPhoneError(_PARSE_REASONS.get(error.error_type, 'not a number'), raw) from None

    if number.country_code != MX_COUNTRY_CODE:
        if not allow_foreign:
            raise InvalidPhoneError('not a Mexican number', raw)
        if not phonenumbers.is_valid_number(number):
            raise InvalidPhoneError('invalid number', raw)
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)

    national = _strip_legacy_prefix(phonenumbers.national_significant_number(number))
    if len(national) < MX_NATIONAL_LENGTH:
        raise InvalidPhoneError('too short', raw)
    if len(national) > MX_NATIONAL_LENGTH:
        raise InvalidPhoneError('too long', raw)
    number = phonenumbers.parse(f'+{MX_COUNTRY_CODE:d}{national}')
    if phonenumbers.is_possible_number_with_reason(number) != ValidationResult.IS_POSSIBLE \
            or not phonenumbers.is_valid_number(number):
        raise InvalidPhoneError('invalid for Mexico', raw)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
