"""Recording batches in order when they end out of order."""


class InOrder:
    """Results of numbered batches (0, 1, 2...) arriving in any order, released in order.

    :meth:`add` returns the results that became contiguous with those already released: a batch
    is released only once every batch before it is, so that what was released is always a prefix
    and a run stopped at any moment resumes after it.
    """

    def __init__(self):
        self._waiting = {}
        self.released = 0  # number of batches released, i.e. the index of the next one expected

    def add(self, index, result):
        """Take the ``result`` of batch ``index``; return the results released by it, in order."""
        if index < self.released or index in self._waiting:
            raise ValueError(f"Batch {index} was already received.")
        self._waiting[index] = result
        ready = []
        while self.released in self._waiting:
            ready.append(self._waiting.pop(self.released))
            self.released += 1
        return ready

    @property
    def waiting(self):
        """Indexes received but not released (an earlier batch has not ended), in order."""
        return sorted(self._waiting)
