"""The service's counts, shared by its threads: what came in, and what became of it."""

import threading
from dataclasses import dataclass, field

from edge.live.inputs.messages import REJECTIONS

COUNTER_LIMIT = 2**63 - 1  # int64: what msgpack and every client can carry
COUNTS = ("received", "processed", "dropped", "gaps", "errors", "series_closed", "tracks_dropped")


@dataclass
class Counters:
    """Service-wide counts. ``received`` counts every message that is not a valid series start
    or end, so received = processed + dropped + errors + in flight; ``errors_by_reason`` splits
    ``errors`` by the rule the message broke (the keys of ``REJECTIONS``)."""

    received: int = 0
    processed: int = 0
    dropped: int = 0
    gaps: int = 0
    errors: int = 0
    series_closed: int = 0
    tracks_dropped: int = 0  # tracks ended early, a series having reached track_max_open
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **amounts: int) -> None:
        """Add to the counts; each stays within int64."""
        with self.lock:
            for name, amount in amounts.items():
                setattr(self, name, _capped(getattr(self, name) + amount))

    def reject(self, reason: str, received: bool = True) -> None:
        """Count one message rejected for ``reason`` (and, unless it was counted when it came in,
        as received)."""
        if reason not in REJECTIONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        with self.lock:
            self.received = _capped(self.received + received)
            self.errors = _capped(self.errors + 1)
            self.errors_by_reason[reason] = _capped(self.errors_by_reason.get(reason, 0) + 1)

    def snapshot(self) -> dict:
        with self.lock:
            return {**{name: getattr(self, name) for name in COUNTS}, "errors_by_reason": dict(self.errors_by_reason)}


def _capped(value: int) -> int:
    return min(value, COUNTER_LIMIT)
