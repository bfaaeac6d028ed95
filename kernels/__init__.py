"""Numba kernels: compute on arrays, know nothing of frames, sockets or files.

Each kernel compiles on its first call and is cached on disk where Numba can write: the folder
``NUMBA_CACHE_DIR`` names, the kernels' own ``__pycache__``, or the user's cache folder. Where
none is writable (a read-only install run by a system user without a home) the kernels compile
in memory in each process instead, and one warning says so.
"""

import logging
import os
import tempfile

import numpy as np
from numba.core import config
from numba.misc.appdirs import AppDirs


def _writable(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def _disk_cache_writable() -> bool:
    """Whether one of the folders Numba's cache locators try is writable."""
    folders = [config.CACHE_DIR] if config.CACHE_DIR else []
    folders += [
        os.path.join(os.path.dirname(__file__), "__pycache__"),
        AppDirs("numba", appauthor=False).user_cache_dir,
    ]
    return any(_writable(folder) for folder in folders)


CACHE = _disk_cache_writable()
if not CACHE:
    logging.getLogger("edge").warning(
        "no writable Numba cache (read-only install, no writable home, NUMBA_CACHE_DIR unset): kernels compile "
        "in memory in each process; set NUMBA_CACHE_DIR to a writable folder to keep them"
    )


def checked(array, name: str, dtypes: tuple, ndim: int, kernel: str):
    """``array`` as a C-contiguous array, or a ``ValueError`` that says what ``kernel`` needs:
    a NumPy array of ``ndim`` dimensions and one of ``dtypes``. The public wrappers check their
    inputs with it; the compiled kernels behind them only compute."""
    if type(array) is np.ndarray and array.ndim == ndim and array.dtype.type in dtypes:
        return array if array.flags.c_contiguous else np.ascontiguousarray(array)
    if isinstance(array, np.ndarray) and array.ndim == ndim and array.dtype in dtypes:  # a subclass
        return np.ascontiguousarray(array)
    wanted = " or ".join(np.dtype(d).name for d in dtypes)
    got = f"{array.dtype} of shape {array.shape}" if isinstance(array, np.ndarray) else type(array).__name__
    raise ValueError(f"{kernel}: {name} must be a {ndim}-D {wanted} array, got {got}")
