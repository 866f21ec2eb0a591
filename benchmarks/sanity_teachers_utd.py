"""Sanity check of the teacher networks on real UTD-MHAD (cross-subject).

Trains, with a plain torch loop and a fixed budget, ``SkeletonTeacher`` on
the skeleton, ``SensorCNN`` on accelerometer + gyroscope and
``FusionTeacher`` on skeleton + accelerometer + gyroscope, and prints the
accuracy on the test subjects. Reads the ``.mat`` files directly (no
dependency on ``vskdlearn.datasets``), resampled to a fixed length.

Protocol: train subjects 1, 3, 5, 7; test subjects 2, 4, 6, 8; 60 epochs of
AdamW (one-cycle learning rate up to 2e-3, batch 32), no data augmentation,
default network parameters. Design choices (e.g. no auxiliary branch heads
in the fusion teacher) were made by leave-one-subject-out over the training
subjects only, the epoch count was fixed in advance;
``--validation loso`` reproduces them (``--validation subject7``: one fold,
train 1, 3, 5, score 7).

    OMP_NUM_THREADS=1 python benchmarks/sanity_teachers_utd.py --seeds 0 1 2
    OMP_NUM_THREADS=1 python benchmarks/sanity_teachers_utd.py \
        --validation loso --only Fusion --modality-dropout 0

The data folder is ``../shared/datasets/utd_mhad`` next to the repository,
or ``$VSKD_SHARED_DATASETS/utd_mhad``.
"""

import argparse
import os
import re
import time
from pathlib import Path

import numpy as np
import scipy.io
import torch
import torch.nn.functional as F

from vskdlearn.networks import FusionTeacher, SensorCNN, SkeletonTeacher

N_TIMESTAMPS = 128
N_FRAMES = 48


def _resample(array, length, axis):
    old = np.linspace(0.0, 1.0, array.shape[axis])
    new = np.linspace(0.0, 1.0, length)
    moved = np.moveaxis(array, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    out = np.stack([np.interp(new, old, row) for row in flat])
    return np.moveaxis(out.reshape(*moved.shape[:-1], length), -1, axis)


def load_utd(root):
    pattern = re.compile(r"a(\d+)_s(\d+)_t(\d+)_inertial\.mat")
    inertial, skeleton, target, subject = [], [], [], []
    for path in sorted((root / "Inertial").glob("*.mat")):
        action, subj, trial = map(int, pattern.fullmatch(path.name).groups())
        skel_path = root / "Skeleton" / f"a{action}_s{subj}_t{trial}_skeleton.mat"
        if not skel_path.exists():
            continue
        iner = scipy.io.loadmat(path)["d_iner"].T  # (6, T)
        skel = scipy.io.loadmat(skel_path)["d_skel"].transpose(2, 0, 1)  # (F, 20, 3)
        inertial.append(_resample(iner, N_TIMESTAMPS, axis=1))
        skeleton.append(_resample(skel, N_FRAMES, axis=0))
        target.append(action - 1)
        subject.append(subj)
    inertial = np.asarray(inertial, dtype=np.float32)
    return {
        "accelerometer": inertial[:, :3],
        "gyroscope": inertial[:, 3:],
        "skeleton": np.asarray(skeleton, dtype=np.float32),
        "target": np.asarray(target),
        "subject": np.asarray(subject),
    }


def train_and_score(make_net, inputs, target, train, test, epochs, seed):
    torch.manual_seed(seed)
    generator = np.random.default_rng(seed)
    net = make_net()
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-2)
    batch_size = 32
    steps = epochs * int(np.ceil(len(train) / batch_size))
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, 2e-3, total_steps=steps)
    tensors = {k: torch.from_numpy(v) for k, v in inputs.items()}
    y = torch.from_numpy(target)
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = generator.permutation(train)
        for i in range(0, len(order), batch_size):
            idx = torch.from_numpy(order[i : i + batch_size])
            if len(idx) < 2:  # batch norm needs two samples
                continue
            logits, _ = net(**{k: v[idx] for k, v in tensors.items()})
            loss = F.cross_entropy(logits, y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
    elapsed = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        idx = torch.from_numpy(test)
        logits, _ = net(**{k: v[idx] for k, v in tensors.items()})
    accuracy = (logits.argmax(1) == y[idx]).float().mean().item()
    return accuracy, elapsed


class _Single(torch.nn.Module):
    """Lets a unimodal network take keyword inputs like the fusion teacher."""

    def __init__(self, net, names):
        super().__init__()
        self.net, self.names = net, names

    def forward(self, **modalities):
        return self.net(torch.cat([modalities[n] for n in self.names], dim=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--validation",
        choices=["none", "subject7", "loso"],
        default="none",
        help="score training subjects instead of the test subjects: subject 7 "
        "(train 1, 3, 5) or leave-one-subject-out over 1, 3, 5, 7",
    )
    parser.add_argument("--modality-dropout", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)

    shared = os.environ.get("VSKD_SHARED_DATASETS")
    base = Path(shared) if shared else Path(__file__).resolve().parents[1] / ".."
    root = base / "utd_mhad" if shared else base / "shared" / "datasets" / "utd_mhad"
    data = load_utd(root.resolve())
    subject, target = data["subject"], data["target"]
    held_out = {"none": [], "subject7": [7], "loso": [1, 3, 5, 7]}[args.validation]
    if held_out:
        folds = [
            (
                np.flatnonzero((subject % 2 == 1) & (subject != s)),
                np.flatnonzero(subject == s),
            )
            for s in held_out
        ]
    else:
        folds = [(np.flatnonzero(subject % 2 == 1), np.flatnonzero(subject % 2 == 0))]
    n_classes = int(target.max()) + 1
    shapes = {k: data[k].shape[1:] for k in ("skeleton", "accelerometer", "gyroscope")}

    experiments = {
        "skeleton SkeletonTeacher": (
            ["skeleton"],
            lambda: _Single(
                SkeletonTeacher(n_classes, shapes["skeleton"]), ["skeleton"]
            ),
        ),
        "accelerometer SensorCNN": (
            ["accelerometer"],
            lambda: _Single(SensorCNN(n_classes, (3, N_TIMESTAMPS)), ["accelerometer"]),
        ),
        "accelerometer+gyroscope SensorCNN": (
            ["accelerometer", "gyroscope"],
            lambda: _Single(
                SensorCNN(n_classes, (6, N_TIMESTAMPS)), ["accelerometer", "gyroscope"]
            ),
        ),
        "skeleton+accelerometer+gyroscope FusionTeacher": (
            ["skeleton", "accelerometer", "gyroscope"],
            lambda: FusionTeacher(
                n_classes,
                shapes,
                modality_dropout=args.modality_dropout,
            ),
        ),
    }
    split = {
        "none": "cross-subject (train 1,3,5,7; test 2,4,6,8)",
        "subject7": "validation (train 1,3,5; score 7)",
        "loso": "leave-one-subject-out over 1,3,5,7",
    }[args.validation]
    print(
        f"UTD-MHAD {split}, {len(folds[0][0])} train / {len(folds[0][1])} scored"
        f"{' (first fold)' if len(folds) > 1 else ''}, {args.epochs} epochs, seeds {args.seeds}, fusion "
        f"modality_dropout={args.modality_dropout}"
    )
    for name, (modalities, make_net) in experiments.items():
        if args.only and not any(word in name for word in args.only):
            continue
        inputs = {m: data[m] for m in modalities}
        scores, seconds = [], []
        for seed in args.seeds:
            for train, test in folds:
                accuracy, elapsed = train_and_score(
                    make_net, inputs, target, train, test, args.epochs, seed
                )
                scores.append(accuracy)
                seconds.append(elapsed)
        print(
            f"{name:48s} accuracy {np.mean(scores):.3f} "
            f"[{', '.join(f'{a:.3f}' for a in scores)}] "
            f"({np.mean(seconds):.0f} s per run)",
            flush=True,
        )


if __name__ == "__main__":
    main()
