"""What UTD-MHAD's depth teacher costs: loading, memory, training, prediction.

Prints the first (parsing) and the cached load time of the 861 depth clips,
their resident size as the loader keeps them (uint16 millimetres) against
float32, the size of one training batch once the network has cropped it, and
the training and prediction time of ``TeacherClassifier(modality="depth")``
with the recipe of ``vskd run --teacher depth``, per epoch and per clip.
Run it on an idle machine::

    OMP_NUM_THREADS=2 python benchmarks/bench_depth_cost.py --data-home PATH/TO/utd_mhad
"""

import argparse
import tempfile
import time

import numpy as np
import torch

from vskdlearn import TeacherClassifier
from vskdlearn.datasets import load_utd_mhad


def _load(root, cache):
    start = time.perf_counter()
    data = load_utd_mhad(
        root, modalities=("depth",), n_frames=32, video_size=(120, 160), cache=cache
    )
    return data, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as cache:
        data, first = _load(args.data_home, cache)
        _, second = _load(args.data_home, cache)
    depth = data.depth
    print(f"load: first {first:.1f} s (parsing .mat), cached {second:.2f} s")
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
    frames, _ = module._frames(batch)
    print(
        f"training batch: {batch.numel() * 2 / 1e6:.0f} MB of uint16 clips; "
        f"the frame CNN sees {tuple(frames.shape)} float32 "
        f"({frames.numel() * 4 / 1e6:.0f} MB)"
    )
    print(
        f"teacher on {len(train)} clips, torch threads {torch.get_num_threads()}: "
        f"{per_epoch:.1f} s per epoch (40 epochs: {40 * per_epoch / 60:.1f} min); "
        f"predict {per_clip:.1f} ms per clip"
    )


if __name__ == "__main__":
    main()
