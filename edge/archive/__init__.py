"""Re-analysing archives: many image files, on this machine or spread over a Dask cluster,
resumable, with tables of every defect and every image."""
