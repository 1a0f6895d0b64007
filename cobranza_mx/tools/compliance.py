"""Forbidden collection language (CONDUSEF 2014 rules, Código Penal Federal art. 284 Bis).

Plain Python: the model keeps the configurable list, this module finds terms in a text.
Matching ignores case and accents and respects word boundaries, so "cárcel" catches
"CARCEL" but "juzgado" does not catch "enjuzgadores".
"""
import html
import re
import unicodedata
from functools import lru_cache

_TAG_RE = re.compile(r'<[^>]+>')


def fold(text):
    """Lower-case, accent-free, single-spaced text."""
    text = unicodedata.normalize('NFKD', text or '')
    text = ''.join(ch for ch in text if not unicodedata.combining(ch))
    return ' '.join(text.lower().split())


def plain_text(text):
    """Text of an HTML or plain body, for scanning."""
    return html.unescape(_TAG_RE.sub(' ', text or ''))


@lru_cache(maxsize=64)
def _patterns(terms):
    """(term, compiled pattern of its folded form) of each term that folds to something."""
    return tuple((term, re.compile(r'(?<!\w)' + re.escape(needle) + r'(?!\w)'))
                 for term in terms if (needle := fold(term)))


def find_forbidden(text, terms):
    """The terms (as given) that appear in ``text``, in the order of ``terms``, without duplicates.

    The terms' patterns are compiled once per list (a batch of messages checks the same list).
    """
    haystack = fold(plain_text(text))
    found = []
    for term, pattern in _patterns(tuple(terms)):
        if term not in found and pattern.search(haystack):
            found.append(term)
    return found
