"""Tracks: each loop followed from frame to frame of a series, and what the population does.

A frame's path: its defects (``edge.pipeline``) -> the field of view's drift against the frame
before (``drift``) -> linked to the loops of the frames before (``linking``), in the order the
frames came -> each track's size history and growth rate (``growth``)."""
