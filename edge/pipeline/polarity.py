"""Which way a loop's contrast goes; a module of its own so that the command line and the
service's config can offer the choices without importing the measuring kernels."""

from typing import Literal

Polarity = Literal["auto", "dark", "bright"]
POLARITIES: tuple[str, ...] = ("auto", "dark", "bright")
LoopPolarity = Literal["dark", "bright"]  # the contrast a model set's training loops had
LOOP_POLARITIES: tuple[str, ...] = ("dark", "bright")
