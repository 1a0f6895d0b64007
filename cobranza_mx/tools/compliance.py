"""Forbidden collection language (CONDUSEF 2014 rules, Código Penal Federal art. 284 Bis).

Plain Python: the model keeps the configurable list, this module finds terms in a text.
Matching ignores case and accents and respects word boundaries, so "cárcel" catches
"CARCEL" but "juzgado" does not catch "enjuzgadores".
"""
import html
import re
import unicodedata

_TAG_RE = re.compile(r'<[^>]+>')


def fold(text):
    """Lower-case, accent-free, single-spaced text."""
    text = unicodedata.normalize('NFKD', text or '')
    text = ''.join(ch for ch in text if not unicodedata.combining(ch))
    return ' '.join(text.lower().split())


def plain_text(text):
    """Text of an HTML or plain body, for scanning."""
    return html.unescape(_TAG_RE.sub(' ', text or ''))


def find_forbidden(text, terms):
    """The terms (as given) that appear in ``text``, in the order of ``terms``, without duplicates."""
    haystack = fold(plain_text(text))
    found = []
    for term in terms:
        needle = fold(term)
        if needle and re.search(r'(?<!\w)' + re.escape(needle) + r'(?!\w)', haystack) and term not in found:
            found.append(term)
    return found
