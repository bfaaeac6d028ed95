"""One terminal line per published message, for people watching a run (``edge demo``, ``edge
serve --files``): a frame's loop count, mean diameter and density, a series summary's totals.
Sizes are in nm where the frame's pixel size is known, else in pixels."""


def frame_line(body: dict, total: int, name: str = "") -> str:
    """A ``frame`` message: ``frame 3/12 (name): 41 loops, diameter 9.8 ± 3.1 nm, 812/µm²; latency ...``."""
    label = f" ({name})" if name else ""
    density = f", {body['density_per_um2']:.0f}/µm²" if body.get("density_per_um2") is not None else ""
    stages = " ".join(f"{k} {v:.0f}" for k, v in body["stage_ms"].items() if k != "classify" or v >= 0.5)
    if body["count"] is None:  # a frame of a scene not analysed
        return f"frame {body['frame']:3d}/{total}{label}: scene {body['scene']['label']}, not analysed"
    return (
        f"frame {body['frame']:3d}/{total}{label}: {body['count']:3d} loops, diameter {_diameter(body)}{density}; "
        f"latency {body['latency_ms']:.0f} ms ({stages} ms)"
    )


def series_line(body: dict) -> str:
    """A ``series`` message: ``series 'demo' (final): 12 frames, 480 loops, diameter 9.9 ± 3.0 nm``."""
    label = "final" if body["final"] else "running"
    return (
        f"  series '{body['series']}' ({label}): {body['frames']} frames, {body['count']} loops, "
        f"diameter {_diameter(body)}"
    )


def _diameter(body: dict) -> str:
    """Mean ± sd of the loops' major axes: in nm where known, else in px; '-' without loops."""
    if not body["count"]:
        return "-"
    if body.get("mean_diameter_nm") is not None:
        return f"{body['mean_diameter_nm']:.1f} ± {body['std_diameter_nm']:.1f} nm"
    return f"{body['mean_diameter_px']:.1f} ± {body['std_diameter_px']:.1f} px (no pixel size)"
