"""The per-track table: a row per track, beside the per-defect table whose ``track`` column
holds each track's every sighting."""

from edge.track.linking import Track

# name -> pyarrow type name, as edge.pipeline.tables
TRACK_COLUMNS = {
    "series": "string",
    "track": "int64",
    "first_frame": "int64",
    "last_frame": "int64",
    "sightings": "int64",
    "x_px": "float64",  # where it was last seen
    "y_px": "float64",
    "first_major_axis_px": "float64",  # of the sightings kept (the track's latest ``history``)
    "last_major_axis_px": "float64",
    "growth_rate": "float64",  # slope of the major axis; empty with fewer than min_sightings
    "growth_unit": "string",
}


def track_rows(series: str, tracks: list[Track]) -> list[dict]:
    """One row per ended track (``TRACK_COLUMNS``)."""
    return [
        {
            "series": series,
            "track": track.track_id,
            "first_frame": track.first_frame,
            "last_frame": track.last_frame,
            "sightings": track.sightings,
            "x_px": track.x,
            "y_px": track.y,
            "first_major_axis_px": track.majors_px[0],
            "last_major_axis_px": track.majors_px[-1],
            "growth_rate": track.growth_rate,
            "growth_unit": track.growth_unit,
        }
        for track in tracks
    ]
