"""One frame's path: the 8-bit view -> detect (module I, the cascade) -> screen (module II, the CNN
through an inference backend) -> measure (module III, the flood) -> statistics, and the scene
classifier. Imports ``edge.io`` and ``edge.kernels``, nothing above.
"""
