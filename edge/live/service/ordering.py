"""Frame outcomes put back in the order the intake accepted the frames (``ordered = true``).

With several workers a frame can finish before an earlier one. Every accepted frame has a
ticket and ends in exactly one outcome event (``edge.live.service.events``), so holding each
outcome until every earlier ticket's has come puts them back in order. The cost is latency: a
frame waits for the slowest frame accepted before it, which is at most the ``queue_size +
workers`` frames accepted but not yet done, so that is also the most ever held.
"""

from edge.live.service.events import FrameOutcome


class TicketOrder:
    """Releases frame outcomes in ticket order, from ticket 0."""

    def __init__(self) -> None:
        self._next = 0
        self._held: dict[int, FrameOutcome] = {}

    def release(self, outcome: FrameOutcome) -> list[FrameOutcome]:
        """``outcome`` and every outcome held for it, in ticket order (none while an earlier
        ticket's outcome is still to come)."""
        if outcome.ticket < self._next or outcome.ticket in self._held:
            raise ValueError(f"ticket {outcome.ticket} has had its outcome already")
        self._held[outcome.ticket] = outcome
        released = []
        while self._next in self._held:
            released.append(self._held.pop(self._next))
            self._next += 1
        return released

    def flush(self) -> list[FrameOutcome]:
        """Every outcome still held, in ticket order (at shutdown: a lost ticket holds nothing back)."""
        released = [self._held.pop(ticket) for ticket in sorted(self._held)]
        if released:
            self._next = released[-1].ticket + 1
        return released

    def __len__(self) -> int:
        """How many outcomes are held."""
        return len(self._held)
