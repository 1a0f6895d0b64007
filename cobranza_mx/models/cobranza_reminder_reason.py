"""Why a reminder was deferred, skipped, paused, cancelled or failed: stored as a code, shown translated.

A reminder (and its contact log row) keeps ``reason_code`` and ``reason_args`` (JSON); ``reason``
is computed in the reader's language. The cron that decides runs in the language of nobody in
particular, so storing its sentence would show English to a Spanish supervisor forever. Codes whose
arguments are themselves codes (a channel, an exclusion reason) show their arguments translated too.
A provider's own error text is kept as it came (code ``provider``): it is evidence, not ours to translate.
"""
from typing import NamedTuple

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

PROVIDER = 'provider'
REASONS = {
    'outside_window': _lt("Outside the contact window of the debtor (%(tz)s)."),
    'daily_cap': _lt("Daily limit of messages for this debtor and channel reached."),
    'opted_out': _lt("The debtor opted out of this channel."),
    'other_channel': _lt("The debtor prefers another channel (%(channel)s)."),
    'no_email': _lt("The debtor has no e-mail address."),
    'invalid_phone': _lt("Invalid phone number %(phone)s: %(reason)s"),
    'no_address': _lt("The debtor has no postal address."),
    'paid': _lt("The invoice is paid or cancelled."),
    'promise': _lt("The debtor promised to pay: paused until the promise is settled."),
    'event_over': _lt("The promise is settled or the visit is no longer due."),
    'excluded': _lt("Excluded from collection: %(reason)s"),
    'forbidden': _lt("Refused: the message contains forbidden language: %(terms)s"),
    'error': _lt("Could not be sent: %(error)s"),
    'interrupted': _lt("Interrupted while sending: the provider may have the message. It is not sent again "
                       "automatically; its status settles it, or a supervisor resends it."),
    'resent': _lt("Resent by hand by %(user)s: the provider never confirmed the first attempt."),
    'whatsapp_not_configured': _lt("WhatsApp is not configured for %(company)s."),
    'no_whatsapp_template': _lt("The rule %(rule)s has no WhatsApp template."),
    'provider_unavailable': _lt("Provider unavailable after %(count)s attempts: %(error)s"),
    'retry': _lt("%(error)s Next attempt at %(when)s UTC."),
    'rejected': _lt("Rejected by the provider: %(error)s"),
    'outcome_unknown': _lt("Outcome unknown, not sent again automatically: %(error)s"),
    'send_error': _lt("Error while sending, the provider may have the message: %(error)s"),
    'provider_failed': _lt("Failed at the provider."),
    'agreement_ended': _lt("The payment agreement is no longer active."),
    'installment_done': _lt("The installment is paid or its agreement ended."),
}


class Reason(NamedTuple):
    """A reason to store: its code and the arguments of its sentence (strings and numbers)."""
    code: str
    args: dict

    def values(self):
        """The stored values of this reason (``reason_code``, ``reason_args``)."""
        return {'reason_code': self.code, 'reason_args': self.args or None}


def because(code, **args):
    """The :class:`Reason` ``code`` with ``args`` (made JSON-safe)."""
    if code not in REASONS and code != PROVIDER:
        raise KeyError(f"Unknown reminder reason {code!r}")
    return Reason(code, {key: value if isinstance(value, (int, float)) else str(value)
                         for key, value in args.items()})


def provider_reason(text):
    """A provider's own words, kept as they came."""
    return Reason(PROVIDER, {'text': str(text)})


NO_REASON = {'reason_code': None, 'reason_args': None}


def reason_values(value):
    """Stored values of ``value``: a :class:`Reason`, a plain text (kept as the provider's words) or None."""
    if not value:
        return dict(NO_REASON)
    if isinstance(value, Reason):
        return value.values()
    return provider_reason(value).values()


def reason_text(env, code, args):
    """The sentence of reason ``code`` in ``env``'s language, or False without a code."""
    if not code:
        return False
    args = dict(args or {})
    if code == PROVIDER or code not in REASONS:
        return args.get('text') or code
    if code == 'other_channel' and 'channel' in args:
        channels = dict(env['cobranza.reminder']._fields['channel']._description_selection(env))
        args['channel'] = channels.get(args['channel'], args['channel'])
    if code == 'excluded' and 'reason' in args:
        labels = dict(env['account.move']._fields['cobranza_exclusion_reason']._description_selection(env))
        args['reason'] = labels.get(args['reason'], args['reason'])
    text = env._(REASONS[code])
    try:
        return text % args if args else text
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not hide the reason.
        return str(REASONS[code]._source) % args if args else text
