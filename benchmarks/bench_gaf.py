"""GAFTransformer vs pyts GramianAngularField: throughput and import time.

Run from the repository root::

    python benchmarks/bench_gaf.py

Workload: 10,000 windows x 3 channels x 180 samples -> 64 x 64 images, GASF and
GADF ("both"). pyts is univariate, so it gets the same data as (30,000, 180)
and runs method="summation" then method="difference". Both are timed in this
run, warm (after one small call each), best of ``--repeat`` runs. pyts's
kernels are single-threaded numba; vskdlearn is timed with its default
``n_jobs=None`` (one torch thread, like for like) and with ``n_jobs=-1``.

Import times are measured inside fresh subprocesses (best of ``--repeat``).
"""

import argparse
import os
import platform
import subprocess
import sys
import time

import numpy as np


def best_time(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
        del result
    return min(times)


def import_time(statement, repeat):
    code = (
        "import time; t = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - t)"
    )
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]
    return min(times)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-windows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import torch
    from joblib import effective_n_jobs
    from pyts.image import GramianAngularField

    from vskdlearn.gaf import GAFTransformer

    default_threads = torch.get_num_threads()
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f}, python {platform.python_version()}, "
        f"torch {torch.__version__} (default threads {default_threads})"
    )
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.n_windows, 3, 180)).cumsum(axis=-1)  # random walks
    X_pyts = X.reshape(-1, 180)

    ours = GAFTransformer(image_size=64, method="both").fit(X)
    gasf = GramianAngularField(image_size=64, method="summation")
    gadf = GramianAngularField(image_size=64, method="difference")

    def run_pyts(data=X_pyts):
        return gasf.transform(data), gadf.transform(data)

    # Warm-up, and a check that both compute the same images.
    small = ours.transform(X[:100])
    ref_s, ref_d = run_pyts(X_pyts[:300])
    diff = max(
        np.abs(small[:, :3].reshape(-1, 64, 64) - ref_s).max(),
        np.abs(small[:, 3:].reshape(-1, 64, 64) - ref_d).max(),
    )
    print(f"max |vskdlearn - pyts| on 100 windows: {diff:.1e}")

    t_pyts = best_time(run_pyts, args.repeat)
    t_ours_1 = best_time(lambda: ours.transform(X), args.repeat)
    ours.set_params(n_jobs=-1)
    t_ours_n = best_time(lambda: ours.transform(X), args.repeat)

    n = args.n_windows
    n_all = effective_n_jobs(-1)
    print(f"\nthroughput, {n} windows x 3 channels x 180 -> 64x64, GASF + GADF:")
    print(f"  pyts GramianAngularField (summation + difference): {t_pyts:.3f} s")
    print(
        f"  vskdlearn GAFTransformer, n_jobs=None (1 thread):   {t_ours_1:.3f} s"
        f"  -> {t_pyts / t_ours_1:.1f}x pyts"
    )
    print(
        f"  vskdlearn GAFTransformer, n_jobs=-1 ({n_all} threads):   "
        f"{t_ours_n:.3f} s  -> {t_pyts / t_ours_n:.1f}x pyts"
    )

    print("\nimport time (fresh subprocess):")
    t_pkg = import_time("import vskdlearn", args.repeat)
    t_gaf = import_time("import vskdlearn.gaf", args.repeat)
    t_pyts_import = import_time("import pyts.image", min(args.repeat, 2))
    print(f"  import pyts.image:     {t_pyts_import * 1e3:8.1f} ms")
    print(
        f"  import vskdlearn:      {t_pkg * 1e3:8.1f} ms  -> pyts.image takes "
        f"{t_pyts_import / t_pkg:,.0f}x as long"
    )
    print(
        f"  import vskdlearn.gaf:  {t_gaf * 1e3:8.1f} ms  -> pyts.image takes "
        f"{t_pyts_import / t_gaf:,.0f}x as long (vskdlearn.gaf imports torch)"
    )


if __name__ == "__main__":
    main()
