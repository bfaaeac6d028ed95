"""Frames and labels in and out: image files of every vendor format, box files, the labelled
data set's layout and the bundled sample frames. The bottom layer: imports nothing else of ``edge``.
"""
