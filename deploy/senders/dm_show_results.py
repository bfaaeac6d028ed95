"""Gatan DigitalMicrograph: print the service's live statistics in DM's output window.

Run it from DM's Python window on a background thread beside dm_send_frames.py (or any sender).
One line per analysed frame, and the series summary when it ends.
"""

try:
    from edge.live.client import FrameUpdate, SeriesUpdate, results
except ImportError:  # the one file copied beside this script
    from edge_client import FrameUpdate, SeriesUpdate, results

RESULTS = "tcp://analysis-pc:5556"  # the service's output


def line(update) -> str | None:
    """The output-window line for one update (None for heartbeats)."""
    if isinstance(update, FrameUpdate):
        size = "-" if update.mean_diameter_nm is None else f"{update.mean_diameter_nm:.1f} nm"
        density = "" if update.density_per_um2 is None else f", {update.density_per_um2:.0f} per µm²"
        return f"frame {update.frame}: {update.count} loops, mean diameter {size}{density}"
    if isinstance(update, SeriesUpdate) and update.final:
        size = (
            "-"
            if update.mean_diameter_nm is None
            else f"{update.mean_diameter_nm:.1f} ± {update.std_diameter_nm:.1f} nm"
        )
        return f"series {update.series}: {update.frames} frames, {update.count} loops, diameter {size}"
    return None


if __name__ == "__main__":
    for update in results(RESULTS, topics=("frame", "series")):
        text = line(update)
        if text:
            print(text)
