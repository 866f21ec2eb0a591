"""Where the tasks of ``vskd run`` run: inline, or on a Dask cluster.

Both runners take the same calls: ``share`` data once, ``submit`` a task
(whose arguments may be other tasks' futures), and iterate ``as_completed``.
The serial runner needs no Dask: it runs each task when its turn comes, in
the order submitted, which is the order of the old sequential loop.
"""

import contextlib

from ._config import ConfigError

__all__ = ["DaskRunner", "SerialRunner", "open_client", "runner_for"]


class _Deferred:
    """A task of the serial runner: run on first ``result()``, then kept."""

    def __init__(self, label, fn, args, kwargs, log):
        self.label, self._call, self._log = label, (fn, args, kwargs), log
        self._done = False

    def result(self):
        if not self._done:
            fn, args, kwargs = self._call
            self._log(self.label)
            args = [a.result() if isinstance(a, _Deferred) else a for a in args]
            self._value = fn(*args, **kwargs)
            self._done, self._call = True, None  # let the arguments go
        return self._value


class SerialRunner:
    """Run tasks in this process, one after the other."""

    serial = True

    def __init__(self, log=None):
        self._log = log or (lambda message: None)

    def share(self, value):
        return value

    def submit(self, label, fn, *args, **kwargs):
        return _Deferred(label, fn, args, kwargs, self._log)

    def as_completed(self, futures):
        for future in futures:
            future.result()
            yield future

    def cancel(self, futures):
        pass


class DaskRunner:
    """Run tasks on the Dask cluster of ``client``.

    Data is scattered once and tasks take it by reference; a task's result
    stays on its worker and moves only to the tasks that need it.
    """

    serial = False

    def __init__(self, client):
        self.client = client

    def share(self, value):
        # On every worker (every one needs it), so that losing a worker does
        # not lose data that has no task to recompute it from. In a list: a
        # dict is scattered whole, not key by key.
        return self.client.scatter([value], hash=False, broadcast=True)[0]

    def submit(self, label, fn, *args, **kwargs):
        # pure=False: two tasks with the same arguments are two fits.
        return self.client.submit(fn, *args, key=_key(label), pure=False, **kwargs)

    def as_completed(self, futures):
        from distributed import as_completed

        return as_completed(futures)

    def cancel(self, futures):
        self.client.cancel(list(futures))


def _key(label):
    import uuid

    return f"vskd {label} {uuid.uuid4().hex[:8]}"


def lost_task_errors():
    """Exceptions that mean a task's worker was lost, not that the task failed."""
    from concurrent.futures import CancelledError

    try:
        from distributed import KilledWorker
        from distributed.comm import CommClosedError
    except ImportError:
        return ()
    # Cancelled: what the task needed was lost with its worker.
    return (KilledWorker, CommClosedError, CancelledError)


def runner_for(client, log=None):
    """The Dask runner of ``client``, or the serial runner for None."""
    return SerialRunner(log) if client is None else DaskRunner(client)


@contextlib.contextmanager
def open_client(workers=None, scheduler=None, log=None):
    """A Dask client on a running scheduler or on N local worker processes;
    None (the serial path, no Dask needed) when neither is asked for."""
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}.")
    if workers is None and scheduler is None:
        yield None
        return
    if workers is not None and scheduler is not None:
        raise ConfigError(
            "Give --workers (a cluster on this machine) or --scheduler (a "
            "running cluster), not both."
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(
            "--workers and --scheduler run on Dask, which is not installed: "
            "pip install 'vskdlearn[dask]'."
        ) from None
    log = log or (lambda message: None)
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout="10s"))
            except OSError as exc:
                raise ConfigError(
                    f"Cannot reach the Dask scheduler at {scheduler}: {exc}"
                ) from None
        else:
            # One thread per worker process: torch's kernels get a core each.
            cluster = stack.enter_context(
                LocalCluster(n_workers=workers, threads_per_worker=1)
            )
            client = stack.enter_context(Client(cluster))
        n_workers = len(client.scheduler_info()["workers"])
        log(f"Dask cluster of {n_workers} worker(s): {client.dashboard_link}")
        yield client
