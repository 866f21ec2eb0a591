"""Randomness, threads and devices of one fit, without touching the process.

Fits run side by side on thread workers (Dask, joblib), so nothing here may
leave a process-wide setting changed: torch's global generators, its thread
count, its default dtype. What torch only draws from its global generators
(weight initialisation, dropout, a data loader's shuffling) runs inside
:meth:`TorchRandomStream.active`, which lends the fit its own stream of them
for the block; the rest (augmentation, mixup, prediction's loaders) has a
``torch.Generator`` of its own.
"""

import contextlib
import threading

import torch

__all__ = ["TorchRandomStream", "check_device", "resolve_device", "torch_threads"]

# One lock for every stream: while a stream is active torch's global
# generators hold its state, so two streams must not be active at once.
_GLOBAL_GENERATORS = threading.RLock()


def _cuda_index(device):
    device = torch.device(device)
    if device.type != "cuda":
        return None
    return torch.cuda.current_device() if device.index is None else device.index


class TorchRandomStream:
    """A private stream of torch's global generators, for one fit.

    The stream starts from ``seed`` (the state ``torch.manual_seed(seed)``
    gives) and carries on from where the last :meth:`active` block left it;
    outside those blocks torch's generators hold whatever the caller had.
    Blocks of different streams take turns (a lock; a block may hold
    another stream's block), so fits on thread workers get the draws of a
    serial run, training one at a time: process workers train in parallel.

    Parameters
    ----------
    seed : int
    device : str
        The fit's device; a CUDA device's generator is part of the stream.
    """

    def __init__(self, seed, device="cpu"):
        self.cuda = _cuda_index(device)
        generator = torch.Generator().manual_seed(seed)
        self._cpu_state = generator.get_state()
        self._cuda_state = None
        if self.cuda is not None:
            cuda = torch.Generator(device=torch.device("cuda", self.cuda))
            self._cuda_state = cuda.manual_seed(seed).get_state()

    @contextlib.contextmanager
    def active(self):
        """Lend torch's global generators this stream's state for the block."""
        devices = [] if self.cuda is None else [self.cuda]
        with _GLOBAL_GENERATORS, torch.random.fork_rng(devices=devices):
            torch.set_rng_state(self._cpu_state)
            if self.cuda is not None:
                torch.cuda.set_rng_state(self._cuda_state, self.cuda)
            try:
                yield self
            finally:
                self._cpu_state = torch.get_rng_state()
                if self.cuda is not None:
                    self._cuda_state = torch.cuda.get_rng_state(self.cuda)


@contextlib.contextmanager
def torch_threads(n_threads):
    """At most ``n_threads`` CPU threads for torch in this thread, for the block.

    threadpoolctl sets OpenMP's limit of the calling thread only, which is
    what torch's CPU kernels read: other threads (other workers) keep theirs.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads, user_api="openmp"):
        yield


def _available(device):
    if device.type == "cuda":
        if not torch.cuda.is_available():
            return "torch sees no CUDA device"
        count = torch.cuda.device_count()
        if device.index is not None and device.index >= count:
            return f"torch sees {count} CUDA device(s), numbered from 0"
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            return "torch sees no Apple MPS device"
    return None


def check_device(device):
    """``device`` as a canonical string, or a ValueError saying what to give.

    ``"auto"`` stays ``"auto"``; anything else must parse as a torch device
    (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` ...).
    """
    if device == "auto":
        return device
    try:
        return str(torch.device(device))
    except (RuntimeError, TypeError, ValueError):
        raise ValueError(
            f"device={device!r} is not a torch device; give e.g. 'cpu', 'cuda', "
            "'cuda:1', 'mps', or 'auto' (a GPU when torch sees one)."
        ) from None


def resolve_device(device):
    """The device a fit runs on: ``"auto"`` resolved, availability checked."""
    device = check_device(device)
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    missing = _available(torch.device(device))
    if missing:
        raise ValueError(
            f"device={device!r} was asked for but {missing}; use device='cpu', "
            "or device='auto' to take a GPU only when there is one."
        )
    return device


def loadable_device(device):
    """Where a model fitted on ``device`` can run here (for unpickling)."""
    try:
        missing = _available(torch.device(device))
    except (RuntimeError, TypeError, ValueError):
        return "cpu"
    return "cpu" if missing else device
