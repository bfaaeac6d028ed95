"""The service's insides: ``service`` wires them; ``intake`` keeps the series and queues
accepted frames for the workers (or ``offload`` sends them to a Dask cluster); ``publishing``
owns the PUB socket and each series' running statistics (``series``), with ``preview`` and
``recording``; ``events`` is what the intake tells the publisher, ``counters`` what both count;
``config`` and ``sockets`` are how it is told where and how to run."""
