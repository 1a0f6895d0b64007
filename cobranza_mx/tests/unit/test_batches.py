from unittest import TestCase

from ...tools.batches import InOrder


class TestInOrder(TestCase):
    """Batches ending out of order are released as contiguous prefixes, never with a gap."""

    def test_out_of_order(self):
        in_order = InOrder()
        self.assertEqual(in_order.add(1, 'b'), [], "batch 0 has not ended: nothing is released")
        self.assertEqual(in_order.add(2, 'c'), [])
        self.assertEqual(in_order.waiting, [1, 2])
        self.assertEqual(in_order.released, 0)
        self.assertEqual(in_order.add(0, 'a'), ['a', 'b', 'c'])
        self.assertEqual(in_order.released, 3)
        self.assertEqual(in_order.waiting, [])
        self.assertEqual(in_order.add(4, 'e'), [])
        self.assertEqual(in_order.add(3, 'd'), ['d', 'e'])
        self.assertEqual(in_order.released, 5)

    def test_in_order(self):
        in_order = InOrder()
        self.assertEqual([in_order.add(index, index * 10) for index in range(3)], [[0], [10], [20]])
        self.assertEqual(in_order.released, 3)

    def test_stopped_with_a_gap(self):
        """A run stopped while batch 1 runs records batch 0 only, though 2 and 3 ended."""
        in_order = InOrder()
        for index in (0, 2, 3):
            in_order.add(index, index)
        self.assertEqual(in_order.released, 1)
        self.assertEqual(in_order.waiting, [2, 3])

    def test_a_batch_received_twice_is_refused(self):
        in_order = InOrder()
        in_order.add(0, 'a')
        in_order.add(2, 'c')
        with self.assertRaises(ValueError):
            in_order.add(0, 'again')
        with self.assertRaises(ValueError):
            in_order.add(2, 'again')
        self.assertEqual(in_order.add(1, 'b'), ['b', 'c'])
