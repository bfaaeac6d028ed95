"""Freed frame memory kept for the next frames, instead of given back to the kernel.

glibc's ``malloc`` gives each block larger than its mmap threshold (at first 128 kB) a mapping of
its own and unmaps it when freed, and gives the free top of a heap back beyond its trim
threshold; a thread's own arena (ZeroMQ's I/O thread receives every frame into its own) unmaps
each of its heaps that empties, whatever the threshold. A process that receives a burst of
frames and frees them on other threads as they are analysed (the service's queue behind a busy
pipeline) then gets fresh pages for every frame: the kernel zeroes each 4 kB page on first
touch, 512 page faults for a 1024x1024 uint16 frame, several milliseconds of CPU. Raising both
thresholds and keeping every thread on the one main heap puts frames there and keeps what was
freed for the next ones, so a service pays for its largest backlog once. The price: the process
keeps the memory of its largest backlog until it exits, and its threads share one heap's lock.
Threads that allocated before the call keep the arena they had, so call it early.
"""

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # glibc's malloc.h
LARGEST_HEAP_BLOCK = 32 << 20  # glibc's largest mmap threshold (64-bit): blocks below it go on the heap
KEPT_FREE = 1 << 30  # free memory a heap keeps before giving any back


def keep_freed_memory() -> bool:
    """Allocate blocks up to ``LARGEST_HEAP_BLOCK`` on the one main heap and keep up to
    ``KEPT_FREE`` of freed memory for reuse, for the rest of this process. True where it took
    effect (glibc accepted every setting; threads that already had an arena of their own keep
    it); False on a C library without glibc's ``mallopt`` (musl, macOS, Windows), which is left
    as it is. A 4096x4096 uint16 frame (32 MiB and a header) is still mapped on its own."""
    if not sys.platform.startswith("linux"):
        return False
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_ARENA_MAX, 1), (M_MMAP_THRESHOLD, LARGEST_HEAP_BLOCK), (M_TRIM_THRESHOLD, KEPT_FREE))
    return all([bool(mallopt(option, value)) for option, value in settings])
