"""What UTD-MHAD's depth teacher costs: loading, memory, training, prediction.

Prints the first (parsing) and the cached load time of the 861 depth clips
(in new processes, as the next session would load them; best and worst of
three), with, measured in the same run, a plain ``np.load`` of an ``.npy``
of the same size into memory as a reference (likewise), and the cached load
followed by a first pass over the clips (a cache hit maps them into memory,
so their pages are read when first used); their resident size as the loader
keeps them (uint16 millimetres) against float32, the size of one training
batch once the network has cropped it, and the training and prediction time
of ``TeacherClassifier(modality="depth")`` with the recipe of ``vskd run
--teacher depth``, per epoch and per clip. What a GPU would change is
computed, not measured (there is none here): the floating-point work of one
training epoch, counted by torch's ``FlopCounterMode``, the rate this CPU
achieved on it, and the time that work takes at a GPU's rate.
Run it on an idle machine::

    OMP_NUM_THREADS=2 python benchmarks/bench_depth_cost.py --data-home PATH/TO/utd_mhad
"""

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from vskdlearn import TeacherClassifier
from vskdlearn.datasets import load_utd_mhad

DEPTH = {"modalities": ("depth",), "n_frames": 32, "video_size": (120, 160)}
# float32 rate of a mid-range GPU (an RTX 3060's peak is 12.7 TFLOP/s); a
# round number, for the order of magnitude.
GPU_FLOPS = 10e12


def _load(root, cache):
    start = time.perf_counter()
    data = load_utd_mhad(root, cache=cache, **DEPTH)
    return data, time.perf_counter() - start


def _in_new_process(statement, **names):
    """Seconds ``statement`` takes in a new Python process, imports aside.

    A cache serves the next session, whose process starts with no memory of
    its own: timed in this one, a load would reuse what earlier loads freed.
    """
    code = (
        "import time\nimport numpy as np\n"
        "from vskdlearn.datasets import load_utd_mhad\n"
        f"start = time.perf_counter()\n{statement.format(**names)}\n"
        "print(time.perf_counter() - start)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return float(done.stdout.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        data, first = _load(args.data_home, cache)
        # The reference: the same bytes read from a plain .npy into memory.
        reference = os.path.join(cache, "reference.npy")
        np.save(reference, data.depth)
        # Three of each: timings on a shared machine are noisy.
        hit = "load_utd_mhad({root!r}, cache={cache!r}, **{options!r})"
        second = [
            _in_new_process(hit, root=args.data_home, cache=cache, options=DEPTH)
            for _ in range(3)
        ]
        plain = [_in_new_process("np.load({path!r})", path=reference) for _ in range(3)]
        first_pass = _in_new_process(
            f"{hit}.depth.max()", root=args.data_home, cache=cache, options=DEPTH
        )
    depth = data.depth
    print(
        f"load: first {first:.1f} s (parsing .mat), cached {min(second):.2f} s "
        f"(new processes, best of 3; worst {max(second):.2f} s)"
    )
    print(
        f"reference: np.load of a {depth.nbytes / 1e9:.2f} GB .npy into memory "
        f"{min(plain):.2f} s (best of 3; worst {max(plain):.2f} s), cached / "
        f"np.load = {min(second) / min(plain):.2f}; cached load then a first "
        f"pass over the clips (max) {first_pass:.2f} s"
    )
    print(
        f"memory: {depth.shape} {depth.dtype} {depth.nbytes / 1e9:.2f} GB "
        f"(float32 would be {depth.size * 4 / 1e9:.2f} GB)"
    )

    train, test = data.split("cross_subject")
    y = np.asarray(data.target)
    teacher = TeacherClassifier(
        modality="depth",
        max_epochs=args.epochs,
        lr=3e-3,
        lr_schedule="onecycle",
        random_state=0,
    )
    start = time.perf_counter()
    teacher.fit(depth[train], y[train])
    per_epoch = (time.perf_counter() - start) / args.epochs
    start = time.perf_counter()
    teacher.predict(depth[test])
    per_clip = (time.perf_counter() - start) / len(test) * 1000
    module = teacher.net_.module_
    batch = torch.as_tensor(depth[train][:32])[:, :, None]
    with torch.no_grad():
        # What the convolutions read: the TRN's sampled frames, or the maps.
        if hasattr(module, "motion_maps"):
            seen = module.motion_maps(batch)
        else:
            seen = module._frames(batch)[0]
    print(
        f"{type(module).__name__}; training batch: {batch.numel() * 2 / 1e6:.0f} "
        f"MB of uint16 clips; its CNN sees {tuple(seen.shape)} float32 "
        f"({seen.numel() * 4 / 1e6:.0f} MB)"
    )
    print(
        f"teacher on {len(train)} clips, torch threads {torch.get_num_threads()}: "
        f"{per_epoch:.1f} s per epoch (40 epochs: {40 * per_epoch / 60:.1f} min); "
        f"predict {per_clip:.1f} ms per clip"
    )
    module.train()
    with FlopCounterMode(display=False) as counter:
        module(batch)[0].logsumexp(dim=1).sum().backward()
    epoch_flops = counter.get_total_flops() * math.ceil(len(train) / len(batch))
    print(
        f"training work: {epoch_flops / 1e9:.0f} GFLOP per epoch (FlopCounterMode: "
        f"convolutions and matrix products, forward and backward), "
        f"{epoch_flops / per_epoch / 1e9:.1f} GFLOP/s achieved here; at "
        f"{GPU_FLOPS / 1e12:.0f} TFLOP/s (a mid-range GPU) that work takes "
        f"{epoch_flops / GPU_FLOPS * 1000:.0f} ms per epoch (not counted: the "
        "crop, the projections and moving the batches to the GPU)"
    )


if __name__ == "__main__":
    main()
