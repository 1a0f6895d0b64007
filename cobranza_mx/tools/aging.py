"""Aging buckets of receivables: the one definition the accounts and the daily run share."""

# (key, label) in increasing age; the label is translated where the selection field shows it.
AGING_BUCKETS = [
    ('not_due', 'Not due'),
    ('1_30', '1-30 days'),
    ('31_60', '31-60 days'),
    ('61_90', '61-90 days'),
    ('91_180', '91-180 days'),
    ('181_365', '181-365 days'),
    ('365_plus', 'Over 365 days'),
]
# Upper bound (days overdue, inclusive) of each bucket after 'not_due'; the last one is open.
_LIMITS = ((30, '1_30'), (60, '31_60'), (90, '61_90'), (180, '91_180'), (365, '181_365'))


def aging_bucket(days):
    """Aging bucket of ``days`` overdue (None or 0 and less: not due)."""
    if days is None or days <= 0:
        return 'not_due'
    for limit, key in _LIMITS:
        if days <= limit:
            return key
    return '365_plus'
