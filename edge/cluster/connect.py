"""``--dask SCHEDULER|local[:N]``: a Dask client, on a scheduler already running or on a local
cluster of single-threaded worker processes started here."""

import logging
import os
import re
from dataclasses import dataclass

LOCAL = re.compile(r"local(?::(\d+))?")
DEFAULT_RETRIES = 3


@dataclass
class Cluster:
    """A connected Dask client; ``close`` also stops the local cluster it started, if any."""

    client: "distributed.Client"  # noqa: F821 (distributed is imported only when a cluster is asked for)
    address: str
    local: object | None = None

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    def workers(self) -> dict:
        """The cluster's workers now: how many, and their threads."""
        threads = self.client.nthreads()
        return {"scheduler": self.address, "workers": len(threads), "threads": sum(threads.values())}


def check_address(address: str) -> str:
    """``address`` if it is ``local``, ``local:N`` (N >= 1) or a scheduler address, else ``ValueError``."""
    match = LOCAL.fullmatch(address)
    if match and match.group(1) is not None and int(match.group(1)) < 1:
        raise ValueError(f"--dask {address}: a local cluster needs at least one worker")
    if not match and not re.fullmatch(r"(tcp|tls|inproc|ucx)://\S+|[\w.-]+:\d+", address):
        raise ValueError(f"--dask {address!r}: give local, local:N or a scheduler address such as tcp://host:8786")
    return address


def connect(address: str, retries: int = DEFAULT_RETRIES) -> Cluster:
    """A client on the cluster ``address`` names.

    Parameters
    ----------
    address : str
        ``local`` (one worker process per core), ``local:N`` (N worker processes), each with one
        thread, or a scheduler's address (``tcp://host:8786``).
    retries : int
        For a local cluster, how many workers may die running one task before it is given up
        (Dask's ``distributed.scheduler.allowed-failures``). A remote scheduler has its own
        setting (``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES``).
    """
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise RuntimeError(f"--dask needs Dask distributed: pip install 'microscope-edge[dask]' ({error})") from error

    # every frame travels inside its task (edge.live.service.offload): a 4096x4096 uint16 frame is 32 MiB
    dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GiB"})
    if not logging.getLogger("edge").isEnabledFor(logging.INFO):  # Dask's own progress talk only with -v
        logging.getLogger("distributed").setLevel(logging.WARNING)
    # results (a few kB) come straight from the workers, not through the scheduler
    match = LOCAL.fullmatch(check_address(address))
    if match is None:
        client = Client(address, timeout="20s", direct_to_workers=True)
        return Cluster(client, address)
    workers = int(match.group(1) or os.cpu_count() or 1)
    settings = {
        "distributed.scheduler.allowed-failures": retries,
        # Dask's default environment for worker processes, less MALLOC_TRIM_THRESHOLD_: setting it
        # stops glibc from adapting its mmap threshold, so each frame's large temporary arrays
        # are mapped and page-faulted afresh, and the analysis of a frame took 15 % longer
        "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
        # a local cluster's scheduler and nannies live in this process, beside the service: they
        # poll each worker's memory and the host's load less often than Dask's 0.1 s and 0.5 s
        "distributed.worker.memory.monitor-interval": "1s",
        "distributed.admin.system-monitor.interval": "2s",
        # every Dask server (scheduler, nanny, worker) measures its event loop's delay on a
        # tick, 50 times a second by default: 70 ms of CPU a second in this process while idle
        # (10 ms at 2 ticks a second), time a 2-core host's workers lose
        "distributed.admin.tick.interval": "500ms",
    }
    with dask.config.set(settings):
        local = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: the dashboard (with bokeh) and /health
            host="127.0.0.1",
            preload=["edge.cluster.local_worker"],
        )
    return Cluster(Client(local, direct_to_workers=True), local.scheduler_address, local)
