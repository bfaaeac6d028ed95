"""Numba kernels: compute on arrays, know nothing of frames, sockets or files."""
