"""The streaming service. ``inputs`` are the wire formats it takes in (each a decoder with its
simulator beside it); ``service`` is its insides (intake, workers, publishing, configuration);
``client`` is what acquisition software and integrators use to talk to it, ``viewer`` the live
page, ``loopback`` the one harness the demo, the benchmark and the tests run it in, and ``demo``
``edge demo``. Runs ``edge.pipeline``; imports nothing from ``edge.train``, ``edge.eval`` or
``edge.bench``.
"""
