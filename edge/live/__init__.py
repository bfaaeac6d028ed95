"""The streaming service: the wire protocol, the sources of frames, acquisition (series state,
queue, workers), publishing, configuration, replay and the demo. Runs ``edge.pipeline``; imports
nothing from ``edge.train``, ``edge.eval`` or ``edge.bench``.
"""
