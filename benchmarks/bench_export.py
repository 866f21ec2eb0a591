"""Exported students: latency, size, parameters, and what int8 costs in accuracy.

Run from the repository root (needs the ``export`` extra and UTD-MHAD)::

    OMP_NUM_THREADS=1 python benchmarks/bench_export.py --data ../shared/datasets/utd_mhad

Models, each trained in this run on the UTD-MHAD cross-subject split (odd
subjects train, even test; accelerometer windows resampled to 128 steps) with
cross-entropy only (``distillation="none"``, the "student alone"), ``--epochs``
epochs, AdamW, lr 1e-3, seed 0:

- default student: ``DistilledStudentClassifier`` on raw windows (its default
  network, ``SensorCNN()``, width 64);
- watch student: ``module=SensorCNN, module__width=16,
  module__embedding_dim=64`` (about 20 k parameters);
- the paper's ResNet18 GAF student: ``Pipeline(GAFTransformer(image_size=32,
  scaling="fit"), DistilledStudentClassifier(module=ResNet18Student))``. It
  costs ~50x the sensor students per training step on one CPU thread, so it
  gets ``--resnet-epochs`` (default 0: untrained, latency and size only).

Latency is per window, at batch 1 and 64, best of ``--repeat`` timed loops,
one thread everywhere (``torch.set_num_threads(1)``, onnxruntime
``intra_op_num_threads=1``): onnxruntime fp32 and int8 (``quantize="dynamic"``),
the TorchScript file, the torch module in eager mode, and the estimator's
``predict_proba``, printed as milliseconds and as ratios to onnxruntime fp32.
"""

import argparse
import os
import platform
import tempfile
import time
import warnings

import numpy as np
import torch


def per_window_ms(function, windows, repeat, min_seconds=0.2):
    function(windows)  # warm up
    best = np.inf
    for _ in range(repeat):
        calls, start = 0, time.perf_counter()
        while True:
            function(windows)
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        best = min(best, elapsed / calls)
    return 1e3 * best / len(windows)


def build_models(epochs, resnet_epochs):
    from sklearn.pipeline import make_pipeline

    from vskdlearn import DistilledStudentClassifier, GAFTransformer
    from vskdlearn.networks import ResNet18Student, SensorCNN

    common = {"distillation": "none", "random_state": 0, "lr": 1e-3}
    return {
        "default student (SensorCNN, raw)": DistilledStudentClassifier(
            max_epochs=epochs, **common
        ),
        "watch student (SensorCNN width 16)": DistilledStudentClassifier(
            module=SensorCNN,
            module__width=16,
            module__embedding_dim=64,
            max_epochs=epochs,
            **common,
        ),
        "ResNet18 GAF student (paper)": make_pipeline(
            GAFTransformer(image_size=32, scaling="fit"),
            DistilledStudentClassifier(
                module=ResNet18Student, max_epochs=max(resnet_epochs, 1), **common
            ),
        ),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/datasets/utd_mhad")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--resnet-epochs", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import onnxruntime as ort

    from vskdlearn.datasets import load_utd_mhad
    from vskdlearn.export import deployable, to_onnx, to_torchscript

    torch.set_num_threads(1)
    data = load_utd_mhad(args.data, modalities=("inertial",))
    train, test = data.split("cross_subject")
    X, y = data.accelerometer, data.target
    print(
        f"UTD-MHAD accelerometer {X.shape[1:]}, {len(train)} train / {len(test)} "
        f"test windows; torch {torch.__version__}, onnxruntime {ort.__version__}, "
        f"{platform.processor() or platform.machine()}, OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS')}"
    )
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    folder = tempfile.mkdtemp()
    rows = []
    for name, model in build_models(args.epochs, args.resnet_epochs).items():
        trained = "ResNet18" not in name or args.resnet_epochs > 0
        start = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X[train], y[train])
        fit_seconds = time.process_time() - start
        fp32 = to_onnx(model, os.path.join(folder, "fp32.onnx"))
        int8 = to_onnx(model, os.path.join(folder, "int8.onnx"), quantize="dynamic")
        to_torchscript(model, os.path.join(folder, "model.pt"))
        scripted = torch.jit.load(os.path.join(folder, "model.pt"))
        eager, _ = deployable(model)
        sessions = {
            "ort fp32": ort.InferenceSession(fp32, options),
            "ort int8": ort.InferenceSession(int8, options),
        }
        probabilities = {
            k: s.run(["probabilities"], {"windows": X[test]})[0]
            for k, s in sessions.items()
        }
        accuracy = {
            k: float(np.mean(model.classes_[p.argmax(1)] == y[test]))
            for k, p in probabilities.items()
        }
        gap = np.abs(probabilities["ort fp32"] - model.predict_proba(X[test])).max()

        def run_session(session):
            return lambda w: session.run(["probabilities"], {"windows": w})

        def run_torch(module):
            def call(w):
                with torch.no_grad():
                    return module(torch.from_numpy(w))

            return call

        runners = {
            "ort fp32": run_session(sessions["ort fp32"]),
            "ort int8": run_session(sessions["ort int8"]),
            "TorchScript": run_torch(scripted),
            "torch eager": run_torch(eager),
            "predict_proba": model.predict_proba,
        }
        latency = {
            (k, b): per_window_ms(f, np.ascontiguousarray(X[test][:b]), args.repeat)
            for b in (1, 64)
            for k, f in runners.items()
        }
        rows.append(
            {
                "name": name,
                "parameters": sum(p.numel() for p in eager.parameters()),
                "fp32_kb": os.path.getsize(fp32) / 1024,
                "int8_kb": os.path.getsize(int8) / 1024,
                "accuracy": accuracy if trained else None,
                "gap": gap,
                "latency": latency,
                "fit_s": fit_seconds,
            }
        )
        print(f"  {name}: fitted in {fit_seconds:.0f} s CPU")

    print(
        "\nmodel | parameters | ONNX fp32 kB | int8 kB | accuracy fp32 | int8 | "
        "max |ORT - predict_proba|"
    )
    for r in rows:
        acc = r["accuracy"]
        acc_text = (
            f"{acc['ort fp32']:.3f} | {acc['ort int8']:.3f}"
            if acc
            else "(not trained) | -"
        )
        print(
            f"{r['name']} | {r['parameters']:,} | {r['fp32_kb']:.0f} | "
            f"{r['int8_kb']:.0f} | {acc_text} | {r['gap']:.1e}"
        )
    for batch in (1, 64):
        print(f"\nper-window latency at batch {batch}, ms (ratio to ort fp32)")
        names = list(rows[0]["latency"].keys())
        kinds = [k for k, b in names if b == batch]
        print("model | " + " | ".join(kinds))
        for r in rows:
            base = r["latency"][("ort fp32", batch)]
            cells = [
                f"{r['latency'][(k, batch)]:.3f} ({r['latency'][(k, batch)] / base:.1f}x)"
                for k in kinds
            ]
            print(f"{r['name']} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
