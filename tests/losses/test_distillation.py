import pytest
import torch
import torch.nn.functional as F

from vskdlearn.losses import (
    DistillationLoss,
    angle_loss,
    distance_loss,
    semantic_loss,
    similarity_preserving_loss,
    soft_label_loss,
)

BATCH, N_CLASSES, STUDENT_DIM, TEACHER_DIM = 6, 4, 5, 3


def _batch(seed=0, student_dim=STUDENT_DIM, teacher_dim=TEACHER_DIM):
    g = torch.Generator().manual_seed(seed)
    return {
        "student_logits": torch.randn(BATCH, N_CLASSES, generator=g).requires_grad_(),
        "student_embedding": torch.randn(
            BATCH, student_dim, generator=g
        ).requires_grad_(),
        "y": torch.randint(N_CLASSES, (BATCH,), generator=g),
        "teacher_logits": torch.randn(BATCH, N_CLASSES, generator=g).requires_grad_(),
        "teacher_embedding": torch.randn(
            BATCH, teacher_dim, generator=g
        ).requires_grad_(),
    }


WEIGHTS = {
    "ce_weight": 0.5,
    "kd_weight": 2.0,
    "distance_weight": 3.0,
    "angle_weight": 4.0,
    "semantic_weight": 5.0,
    "sp_weight": 6.0,
    "attention_weight": 7.0,
}
TERM_WEIGHT = {
    "ce": "ce_weight",
    "kd": "kd_weight",
    "distance": "distance_weight",
    "angle": "angle_weight",
    "semantic": "semantic_weight",
    "sp": "sp_weight",
    "attention": "attention_weight",
}


@pytest.mark.parametrize(
    ("distillation", "terms"),
    [
        ("none", {"ce"}),
        ("kd", {"ce", "kd"}),
        ("rkd", {"ce", "distance", "angle"}),
        ("sp", {"ce", "sp"}),
        ("dask", {"ce", "kd", "distance", "angle", "semantic"}),
    ],
)
def test_total_is_the_weighted_sum_of_the_terms(distillation, terms):
    batch = _batch()
    loss = DistillationLoss(
        distillation,
        temperature=2.0,
        student_dim=STUDENT_DIM,
        teacher_dim=TEACHER_DIM,
        **WEIGHTS,
    )
    total = loss(**batch)
    recorded = dict(loss.last_terms)
    assert recorded.pop("total") == pytest.approx(total.item())
    assert set(recorded) == terms
    expected = sum(WEIGHTS[TERM_WEIGHT[t]] * v for t, v in recorded.items())
    assert total.item() == pytest.approx(expected, rel=1e-6)


def test_dask_terms_match_the_functions_on_the_projected_embedding():
    batch = _batch()
    loss = DistillationLoss(
        "dask", temperature=3.0, student_dim=STUDENT_DIM, teacher_dim=TEACHER_DIM
    )
    assert isinstance(loss.projection, torch.nn.Linear)
    assert loss.projection.in_features == STUDENT_DIM
    assert loss.projection.out_features == TEACHER_DIM
    loss(**batch)
    with torch.no_grad():
        s = loss.projection(batch["student_embedding"])
        t = batch["teacher_embedding"]
        expected = {
            "ce": F.cross_entropy(batch["student_logits"], batch["y"]),
            "kd": soft_label_loss(batch["student_logits"], batch["teacher_logits"], 3),
            "distance": distance_loss(s, t),
            "angle": angle_loss(s, t),
            "semantic": semantic_loss(s, t),
        }
    for term, value in expected.items():
        assert loss.last_terms[term] == pytest.approx(value.item(), rel=1e-6), term


def test_rkd_and_sp_use_the_raw_student_embedding():
    batch = _batch()
    rkd = DistillationLoss("rkd")
    sp = DistillationLoss("sp")
    assert isinstance(rkd.projection, torch.nn.Identity)
    rkd(**batch)
    sp(**batch)
    with torch.no_grad():
        s, t = batch["student_embedding"], batch["teacher_embedding"]
        assert rkd.last_terms["distance"] == pytest.approx(distance_loss(s, t).item())
        assert rkd.last_terms["angle"] == pytest.approx(angle_loss(s, t).item())
        assert sp.last_terms["sp"] == pytest.approx(
            similarity_preserving_loss(s, t).item()
        )


def test_equal_widths_need_no_projection():
    loss = DistillationLoss("dask", student_dim=4, teacher_dim=4)
    assert isinstance(loss.projection, torch.nn.Identity)
    assert list(loss.parameters()) == []


def test_distillation_terms_vanish_when_student_equals_teacher():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(BATCH, N_CLASSES, generator=g)
    embedding = torch.randn(BATCH, 4, generator=g)
    loss = DistillationLoss("dask")
    loss(logits, embedding, torch.zeros(BATCH, dtype=torch.long), logits, embedding)
    for term in ("kd", "distance", "angle", "semantic"):
        assert loss.last_terms[term] == pytest.approx(0.0, abs=1e-6), term
    assert loss.last_terms["ce"] > 0


@pytest.mark.parametrize("distillation", ["kd", "rkd", "sp", "dask"])
def test_gradients_reach_the_student_and_projection_never_the_teacher(distillation):
    batch = _batch()
    loss = DistillationLoss(
        distillation, student_dim=STUDENT_DIM, teacher_dim=TEACHER_DIM
    )
    loss(**batch).backward()
    assert batch["student_logits"].grad.abs().sum() > 0
    if distillation != "kd":
        assert batch["student_embedding"].grad.abs().sum() > 0
    if distillation == "dask":
        assert loss.projection.weight.grad.abs().sum() > 0
    assert batch["teacher_logits"].grad is None
    assert batch["teacher_embedding"].grad is None


def test_attention_transfer_mode():
    g = torch.Generator().manual_seed(0)
    s_maps = [torch.randn(BATCH, 3, 8, 8, generator=g).requires_grad_()]
    t_maps = [torch.randn(BATCH, 5, 4, 4, generator=g).requires_grad_()]
    batch = _batch()
    loss = DistillationLoss("at", ce_weight=1.0, attention_weight=10.0)
    total = loss(**batch, student_features=s_maps, teacher_features=t_maps)
    assert set(loss.last_terms) == {"ce", "attention", "total"}
    assert total.item() == pytest.approx(
        loss.last_terms["ce"] + 10 * loss.last_terms["attention"], rel=1e-6
    )
    total.backward()
    assert s_maps[0].grad.abs().sum() > 0
    assert t_maps[0].grad is None


def test_zero_weight_terms_are_skipped():
    loss = DistillationLoss("dask", angle_weight=0.0, semantic_weight=0.0)
    loss(**_batch(teacher_dim=STUDENT_DIM))
    assert set(loss.last_terms) == {"ce", "kd", "distance", "total"}


def test_none_needs_no_teacher_and_equals_cross_entropy():
    batch = _batch()
    loss = DistillationLoss("none", ce_weight=2.0)
    total = loss(batch["student_logits"], batch["student_embedding"], batch["y"])
    expected = 2 * F.cross_entropy(batch["student_logits"], batch["y"])
    assert total.item() == pytest.approx(expected.item())


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ({"distillation": "fitnet"}, ValueError, "distillation must be one of"),
        ({"ce_weight": -1.0}, ValueError, "ce_weight must be a finite number >= 0"),
        ({"kd_weight": -0.1}, ValueError, "kd_weight must be"),
        ({"distance_weight": float("nan")}, ValueError, "distance_weight must be"),
        ({"angle_weight": -2}, ValueError, "angle_weight must be"),
        ({"semantic_weight": "1"}, ValueError, "semantic_weight must be"),
        ({"sp_weight": float("inf")}, ValueError, "sp_weight must be"),
        ({"attention_weight": -1}, ValueError, "attention_weight must be"),
        ({"temperature": 0}, ValueError, "temperature must be a finite number > 0"),
        ({"temperature": -4.0}, ValueError, "temperature must be"),
        ({"student_dim": 0}, ValueError, "student_dim must be a positive int"),
        ({"teacher_dim": 2.5}, ValueError, "teacher_dim must be a positive int"),
    ],
)
def test_constructor_validation(params, error, message):
    with pytest.raises(error, match=message):
        DistillationLoss(**params)


def _drop(batch, *names):
    return {k: v for k, v in batch.items() if k not in names}


def _shrink(batch, name):
    return {**batch, name: batch[name][:-1]}


@pytest.mark.parametrize(
    ("distillation", "batch", "message"),
    [
        ("kd", _drop(_batch(), "teacher_logits"), "needs teacher_logits"),
        ("rkd", _drop(_batch(), "teacher_embedding"), "needs teacher_embedding"),
        ("dask", _drop(_batch(), "teacher_logits"), "needs teacher_logits"),
        ("sp", _drop(_batch(), "teacher_embedding"), "needs teacher_embedding"),
        ("at", _batch(), "needs student_features"),
        ("kd", _shrink(_batch(), "teacher_logits"), "5 samples but the student"),
        ("rkd", _shrink(_batch(), "teacher_embedding"), "same samples"),
        ("none", _shrink(_batch(), "y"), "y must have shape"),
        ("rkd", _shrink(_batch(), "student_embedding"), "student_embedding has 5"),
        (
            "kd",
            {**_batch(), "teacher_logits": torch.zeros(BATCH, N_CLASSES + 1)},
            "same classes",
        ),
        ("dask", _batch(), "pass student_dim=5 and teacher_dim=3"),
    ],
)
def test_forward_errors(distillation, batch, message):
    with pytest.raises(ValueError, match=message):
        DistillationLoss(distillation)(**batch)


def test_student_dim_must_match_the_embedding():
    loss = DistillationLoss("dask", student_dim=7, teacher_dim=TEACHER_DIM)
    with pytest.raises(ValueError, match="width 5 but student_dim=7"):
        loss(**_batch())


def test_projection_is_trained_by_an_optimizer():
    torch.manual_seed(0)
    loss = DistillationLoss(
        "dask",
        ce_weight=0.0,
        kd_weight=0.0,
        distance_weight=0.0,
        angle_weight=0.0,
        student_dim=STUDENT_DIM,
        teacher_dim=TEACHER_DIM,
    )
    batch = {k: v.detach() for k, v in _batch().items()}
    optimizer = torch.optim.SGD(loss.parameters(), lr=0.1)
    first = loss(**batch).item()
    for _ in range(50):
        optimizer.zero_grad()
        loss(**batch).backward()
        optimizer.step()
    assert loss(**batch).item() < 0.5 * first


def test_weights_follow_the_registry():
    # Every registered term has its weight in the signature (the paper's
    # value as default) and in the docstring, and every method's terms exist.
    import inspect

    from vskdlearn.losses._terms import LOSS_TERMS, METHOD_TERMS, weight_name

    signature = inspect.signature(DistillationLoss).parameters
    weights = {
        name: p.default for name, p in signature.items() if name.endswith("_weight")
    }
    assert weights == {
        weight_name(t): spec.loss_default for t, spec in LOSS_TERMS.items()
    }
    assert all(f"    {name} : float" in DistillationLoss.__doc__ for name in weights)
    assert {t for terms in METHOD_TERMS.values() for t in terms} <= set(LOSS_TERMS)
    loss = DistillationLoss("dask", sp_weight=7.0)
    assert loss.weights["sp"] == 7.0
    assert set(loss.weights) == set(LOSS_TERMS)
