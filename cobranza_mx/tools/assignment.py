"""Load-balanced assignment of collection accounts to collectors (no ORM)."""
import heapq


def balance(accounts, loads):
    """Assign each account to the collector with the lowest load.

    :param accounts: iterable of ``(account_id, weight)``; heavier accounts are
        placed first (longest-processing-time rule), which keeps the final loads
        within one account of each other.
    :param loads: dict ``{collector_id: current_load}``; collectors already
        carrying work start with it.
    :return: dict ``{account_id: collector_id}``
    """
    if not loads:
        return {}
    heap = [(load, collector_id) for collector_id, load in loads.items()]
    heapq.heapify(heap)
    result = {}
    for account_id, weight in sorted(accounts, key=lambda a: (-a[1], a[0])):
        load, collector_id = heapq.heappop(heap)
        result[account_id] = collector_id
        heapq.heappush(heap, (load + weight, collector_id))
    return result
