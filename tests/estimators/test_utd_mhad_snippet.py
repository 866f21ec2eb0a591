"""The README's quick-start snippets, as written, on the real UTD-MHAD files.

They are the API contract (the grid search is also in the user guide's
"Pipelines, grid search and metadata routing", docs/user_guide/distillation.rst).

Only the training lengths are cut (``max_epochs``) so that it runs in CI;
every call is the snippet's own. The snippet passes no ``random_state``, so
the estimators draw their seeds from numpy's global generator: seeding it
makes the run repeatable (two epochs from an unlucky draw can sit at chance).
"""

import numpy as np
import pytest
import sklearn
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline

from vskdlearn import DistilledStudentClassifier, GAFTransformer, TeacherClassifier
from vskdlearn.datasets import load_utd_mhad


@pytest.mark.realdata
@pytest.mark.slow
def test_design_snippet_on_utd_mhad(shared_datasets):
    root = shared_datasets / "utd_mhad"
    if not root.is_dir():
        pytest.skip(f"UTD-MHAD not found at {root}")
    np.random.seed(0)  # noqa: NPY002 (random_state=None draws from this generator)
    with sklearn.config_context(enable_metadata_routing=True):
        data = load_utd_mhad(root, modalities=("inertial", "skeleton"))
        train, test = data.split("cross_subject")  # odd subjects train, even test

        teacher = TeacherClassifier(modality="skeleton", max_epochs=3).fit(
            data.skeleton[train], data.target[train]
        )
        pipe = make_pipeline(
            GAFTransformer(image_size=64, method="both"),
            DistilledStudentClassifier(teacher=FrozenEstimator(teacher), max_epochs=2),
        )
        grid = GridSearchCV(
            pipe,
            {"distilledstudentclassifier__angle_weight": [0, 1, 2]},
            cv=GroupKFold(4),
        )
        grid.fit(
            data.accelerometer[train],
            data.target[train],
            teacher_X=data.skeleton[train],
            groups=data.subject[train],
        )
        score = grid.score(data.accelerometer[test], data.target[test])
    print(f"snippet score: {score:.3f}")

    assert sorted(set(data.subject[train])) == [1, 3, 5, 7]
    assert len(grid.cv_results_["params"]) == 3
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # 27 actions: chance is 1/27 = 0.037; two epochs already do better.
    assert 1 / 27 < score <= 1, score


@pytest.mark.realdata
@pytest.mark.slow
def test_raw_window_contract_on_utd_mhad(shared_datasets):
    """The README's wearable quick start: raw windows, encoder inside."""
    from vskdlearn import Modalities

    root = shared_datasets / "utd_mhad"
    if not root.is_dir():
        pytest.skip(f"UTD-MHAD not found at {root}")
    data = load_utd_mhad(root, modalities=("inertial", "skeleton"))
    train, test = data.split("cross_subject")
    fusion = Modalities(
        skeleton=data.skeleton,
        accelerometer=data.accelerometer,
        gyroscope=data.gyroscope,
    )
    # Only the training lengths are cut, so that it runs in CI.
    teacher = TeacherClassifier(modality="fusion", random_state=0, max_epochs=2).fit(
        fusion[train], data.target[train]
    )
    student = DistilledStudentClassifier(
        teacher=FrozenEstimator(teacher), random_state=0, max_epochs=3
    )
    student.fit(data.accelerometer[train], data.target[train], teacher_X=fusion[train])
    score = student.score(data.accelerometer[test], data.target[test])
    assert data.accelerometer.shape[1:] == (3, 128)
    assert student.input_shape_ == (3, 128)
    assert 1 / 27 < score <= 1, score
    gaf_student = DistilledStudentClassifier(
        teacher=FrozenEstimator(teacher),
        encoder=GAFTransformer(image_size=32, method="both", scaling="fit"),
        max_epochs=1,
        random_state=0,
    ).fit(data.accelerometer[train], data.target[train], teacher_X=fusion[train])
    # 4 series (x, y, z, |a|) x (GASF, GADF), made per batch in the network.
    assert gaf_student.net_.module_.backbone.input_shape == (8, 32, 32)
    assert gaf_student.predict(data.accelerometer[test]).shape == (len(test),)
