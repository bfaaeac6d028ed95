"""Running the pipeline on a Dask distributed cluster: connecting to one (or starting a local
one), and what each worker keeps loaded (docs/scaling.md)."""
