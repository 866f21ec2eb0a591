"""Dataset loaders and the synthetic generator: sizes, load times, learnability.

Run from the repository root::

    OMP_NUM_THREADS=1 python benchmarks/bench_datasets.py [--shared ../shared/datasets]

Prints, for the real datasets found in the shared folder (the authors'
layouts; skipped when absent): recording counts, protocol sizes, the time of a
first load and of a second load from the on-disk cache (ratio to the first),
and for the synthetic generator its generation time, memory, and the
cross-subject accuracy of a linear model on the skeleton versus on
accelerometer features (the accelerometer's share of the skeleton's score is
the ratio printed).
"""

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vskdlearn.datasets import (
    MissingRecordingsWarning,
    load_berkeley_mhad,
    load_utd_mhad,
    make_multimodal_activities,
)
from vskdlearn.datasets._readers import read_mmact_csv


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def real_data(shared):
    with tempfile.TemporaryDirectory() as cache:
        root = shared / "utd_mhad"
        if root.is_dir():
            data, first = timed(load_utd_mhad, root, cache=cache)
            _, second = timed(load_utd_mhad, root, cache=cache)
            _, plain = timed(load_utd_mhad, root)
            print(f"UTD-MHAD {root}")
            print(f"  recordings {len(data.target)}, {data}")
            for name in data.protocols:
                print(f"  split {name!r}: {[len(i) for i in data.split(name)]}")
            print(f"  missing: {sorted(set(data.missing['recording']))}")
            print(
                f"  load (no cache) {plain:.2f} s; first load writing the cache "
                f"{first:.2f} s; second load from the cache {second:.3f} s "
                f"(ratio {second / plain:.3f})"
            )
        root = shared / "berkeley_mhad"
        if root.is_dir():
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", MissingRecordingsWarning)
                data, first = timed(load_berkeley_mhad, root, cache=cache)
                _, second = timed(load_berkeley_mhad, root, cache=cache)
            caught = caught[:1]  # both loads report the same recordings
            print(f"Berkeley MHAD {root}")
            print(f"  recordings {len(data.target)}, {data}")
            for name in data.protocols:
                print(f"  split {name!r}: {[len(i) for i in data.split(name)]}")
            print(f"  warnings: {[str(w.message).splitlines()[1] for w in caught]}")
            print(f"  clipped samples {int(data.frame['n_clipped'].sum())}")
            print(f"  alignment {data.frame['alignment'].value_counts().to_dict()}")
            print(
                f"  first load {first:.2f} s; from the cache {second:.3f} s "
                f"(ratio {second / first:.3f})"
            )
        clip = shared / "mmact_sample" / "carrying.csv"
        if clip.is_file():
            (times, values), seconds = timed(read_mmact_csv, clip)
            print(
                f"MMAct sample {clip}: {values.shape[0]} rows after sorting and "
                f"merging, {times[-1] - times[0]:.2f} s, read in {seconds * 1e3:.1f} ms"
            )


def features(X):
    centred = X - X.mean(-1, keepdims=True)
    spectrum = np.abs(np.fft.rfft(centred, axis=-1))[..., :40]
    return np.concatenate([X.reshape(len(X), -1), spectrum.reshape(len(X), -1)], 1)


def synthetic(seeds):
    for seed in seeds:
        data, seconds = timed(make_multimodal_activities, random_state=seed)
        size = sum(data[name].nbytes for name in data.modality_names) / 1e6
        train, test = data.split("cross_subject")
        y = data.target
        skeleton = (data.skeleton - data.skeleton[:, :, 3:4]).reshape(len(y), -1)
        scores = {}
        for name, X in (
            ("skeleton", skeleton),
            ("accelerometer", features(data.accelerometer)),
        ):
            model = make_pipeline(
                StandardScaler(), LogisticRegression(C=0.1, max_iter=3000)
            ).fit(X[train], y[train])
            predicted = model.predict(X[test])
            scores[name] = (
                (predicted == y[test]).mean(),
                (predicted // 2 == y[test] // 2).mean(),
            )
        print(
            f"synthetic seed {seed}: {len(y)} recordings, {size:.1f} MB, generated in "
            f"{seconds:.2f} s; cross-subject logistic regression: skeleton "
            f"{scores['skeleton'][0]:.3f}, accelerometer {scores['accelerometer'][0]:.3f} "
            f"(pairs of activities {scores['accelerometer'][1]:.3f}); ratio "
            f"{scores['accelerometer'][0] / scores['skeleton'][0]:.2f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = Path(__file__).resolve().parents[1]
    default = os.environ.get(
        "VSKD_SHARED_DATASETS", str(repo.parent / "shared" / "datasets")
    )
    parser.add_argument("--shared", type=Path, default=Path(default))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args(argv)
    if args.shared.is_dir():
        real_data(args.shared)
    else:
        print(f"no shared datasets at {args.shared}: real-data part skipped")
    synthetic(args.seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
