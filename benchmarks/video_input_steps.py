"""What VideoTRNTeacher's two input steps do on the synthetic activities.

Fits ``TeacherClassifier(modality="video", max_epochs=15, random_state=0)``
on the cross-subject training subjects of
``make_multimodal_activities(random_state=0)``, with and without clip
standardisation (``standardize``) and the motion channels (``motion``), and
prints the test accuracy of each::

    OMP_NUM_THREADS=1 python benchmarks/video_input_steps.py
"""

import argparse
import time

from vskdlearn import TeacherClassifier
from vskdlearn.datasets import make_multimodal_activities

STEPS = {
    "neither": {"module__standardize": False, "module__motion": False},
    "motion only": {"module__standardize": False, "module__motion": True},
    "standardize only": {"module__standardize": True, "module__motion": False},
    "both (default)": {"module__standardize": True, "module__motion": True},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()

    data = make_multimodal_activities(random_state=0)
    train, test = data.split("cross_subject")
    print(f"{'input steps':<18} {'test accuracy':>13} {'fit s':>7}")
    for name, params in STEPS.items():
        teacher = TeacherClassifier(
            modality="video", max_epochs=args.epochs, random_state=0, **params
        )
        start = time.perf_counter()
        teacher.fit(data.video[train], data.target[train])
        seconds = time.perf_counter() - start
        accuracy = teacher.score(data.video[test], data.target[test])
        print(f"{name:<18} {accuracy:>13.3f} {seconds:>7.0f}", flush=True)


if __name__ == "__main__":
    main()
