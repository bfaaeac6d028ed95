"""How loops are linked from frame to frame, and how much of them a series keeps: settings the
service's config checks without loading what linking needs."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TrackSettings:
    """How loops are linked and how much of them a series keeps.

    Attributes
    ----------
    search_px : float
        How far a loop's centre may move between frames once the drift is taken out.
    memory : int
        Frames a loop may go unseen and keep its track (gap closing).
    max_open : int
        Tracks a series keeps open at most; beyond, the longest unseen are ended early (counted
        as dropped).
    history : int
        Sightings of each track kept for its size history and growth rate (the latest).
    min_sightings : int
        Sightings a track needs before its growth rate counts.
    growth_window : int
        Growth rates of ended tracks a series keeps for its distribution (the latest).
    """

    search_px: float = 20.0
    memory: int = 2
    max_open: int = 5000
    history: int = 200
    min_sightings: int = 5
    growth_window: int = 20000

    def __post_init__(self):
        if not (isinstance(self.search_px, int | float) and 0 < self.search_px < float("inf")):
            raise ValueError(f"track_search_px must be a finite number > 0, got {self.search_px!r}")
        counts = {"memory": 0, "max_open": 1, "history": 2, "min_sightings": 2, "growth_window": 1}
        for name, least in counts.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"track_{name} must be an integer >= {least}, got {value!r}")
