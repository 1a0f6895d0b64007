from unittest import TestCase

from ...tools.aging import AGING_BUCKETS, aging_bucket


class TestAging(TestCase):
    """Both sides of every bucket boundary, and the buckets the accounts' selection offers."""

    def test_bucket_boundaries(self):
        expected = {
            None: 'not_due', -400: 'not_due', -1: 'not_due', 0: 'not_due',
            1: '1_30', 30: '1_30',
            31: '31_60', 60: '31_60',
            61: '61_90', 90: '61_90',
            91: '91_180', 180: '91_180',
            181: '181_365', 365: '181_365',
            366: '365_plus', 5000: '365_plus',
        }
        for days, bucket in expected.items():
            with self.subTest(days=days):
                self.assertEqual(aging_bucket(days), bucket)

    def test_every_bucket_is_a_selection_value(self):
        self.assertEqual([key for key, _label in AGING_BUCKETS],
                         ['not_due', '1_30', '31_60', '61_90', '91_180', '181_365', '365_plus'])
        keys = {key for key, _label in AGING_BUCKETS}
        self.assertEqual({aging_bucket(days) for days in range(-5, 800)}, keys)
