"""The table the selection scripts print: accuracy and paired difference per candidate."""

import time

import numpy as np


def candidate_names(parser, text, candidates):
    """The names of a ``--candidates`` value; an unknown one is a usage error."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in candidates]
    if unknown:
        parser.error(f"unknown candidates {unknown}; choose among {list(candidates)}")
    return names


def print_paired_table(scores, seconds, reference):
    """``scores[name][seed, fold]``: accuracy; ``seconds[name]``: fit times.

    Prints mean ± std over folds x seeds, and the difference against the
    ``reference`` candidate taken at each (seed, fold) before averaging.
    """
    print()
    print(
        f"| candidate | LOSO accuracy % | paired Δ vs {reference} (points) | fit s |\n"
        "|---|---|---|---|"
    )
    for name in scores:
        keys = sorted(scores[name])
        accuracy = 100 * np.array([scores[name][k] for k in keys])
        delta = accuracy - 100 * np.array([scores[reference][k] for k in keys])
        print(
            f"| {name} | {accuracy.mean():.1f} ± {accuracy.std():.1f} | "
            f"{delta.mean():+.1f} ± {delta.std():.1f} | "
            f"{np.mean(seconds[name]):.0f} |"
        )


def fit_and_score(model, fit, validation, record, **fit_params):
    """Fit ``model`` on ``fit`` = (X, y) and score it on ``validation``.

    ``record`` is ``(scores, seconds, name, key)``: the accuracy goes to
    ``scores[name][key]``, the fit's wall time to ``seconds[name]``. Returns
    the ``"name accuracy"`` text of the progress line.
    """
    scores, seconds, name, key = record
    start = time.perf_counter()
    model.fit(*fit, **fit_params)
    seconds[name].append(time.perf_counter() - start)
    scores[name][key] = model.score(*validation)
    return f"{name} {scores[name][key]:.3f}"
