"""What one experiment is: a validated, TOML-serialisable configuration.

A run writes its configuration next to its results, so ``vskd run --config
DIR/config.toml`` repeats it exactly.
"""

import argparse
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

from .._torch_scope import check_device
from ..losses._terms import PAPER_DASK_WEIGHTS, loss_parameters

try:  # Python >= 3.11
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ExperimentConfig", "ConfigError", "METHODS", "STUDENTS"]


_DASK = {"distillation": "dask", **PAPER_DASK_WEIGHTS}


class ConfigError(ValueError):
    """A configuration value that cannot be run; the message says what to change."""


# Student training recipes, by the short name used on the command line. Each
# is a display name and the DistilledStudentClassifier parameters that make it
# (on top of its defaults, which are the "kd" recipe: soft labels, relational
# weights 0).
METHODS = {
    "alone": ("student alone", {"distillation": "none"}),
    "kd": ("KD (soft labels)", {"distillation": "kd"}),
    "rkd": ("RKD (distance + angle)", {"distillation": "rkd", **PAPER_DASK_WEIGHTS}),
    "sp": ("SP (similarity-preserving)", {"distillation": "sp"}),
    "at": ("AT (attention)", {"distillation": "at"}),
    "dask": ("DASK", {"distillation": "dask", **PAPER_DASK_WEIGHTS}),
    # The DASK ablation: one relational term at a time, and DASK without the
    # soft labels (what the relational terms add on their own).
    "dask-d": (
        "DASK: distance only",
        {**_DASK, "angle_weight": 0.0, "semantic_weight": 0.0},
    ),
    "dask-a": (
        "DASK: angle only",
        {**_DASK, "distance_weight": 0.0, "semantic_weight": 0.0},
    ),
    "dask-s": (
        "DASK: semantic only",
        {**_DASK, "distance_weight": 0.0, "angle_weight": 0.0},
    ),
    "dask-nokd": ("DASK without soft labels", {**_DASK, "kd_weight": 0.0}),
}

# The student networks: "sensor" reads the raw windows (SensorCNN); the
# others are the paper's GAF students, the GAF encoder inside the network.
STUDENTS = ("sensor", "small", "resnet18")

# Suffixes of files that are certainly not TOML, each with its format's name.
_NOT_TOML = {".yaml": "YAML", ".yml": "YAML", ".json": "JSON"}

# DistilledStudentClassifier parameters a grid search may vary: those of the
# loss terms marked grid=True in the registry, and the learning rate.
GRID_PARAMETERS = (*loss_parameters(grid_only=True), "lr")


def _datasets():
    from ._datasets import DATASETS

    return DATASETS


def comma_list(text):
    return [item.strip() for item in text.split(",") if item.strip()]


def grid_item(text):
    """``NAME=V1,V2`` of ``--grid``, as (name, [values])."""
    name, sep, values = text.partition("=")
    if not sep or not values:
        raise argparse.ArgumentTypeError(
            f"--grid takes NAME=V1,V2,... (e.g. angle_weight=0,1,2), got {text!r}"
        )
    try:
        return name.strip(), [float(v) for v in comma_list(values)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--grid values must be numbers, got {values!r}"
        ) from None


def _seed_range(n_seeds):
    if n_seeds < 1:
        raise ConfigError(f"--seeds must be at least 1, got {n_seeds}.")
    return list(range(n_seeds))


def _gaf_scaling(text):
    if "," not in text:
        return text
    try:
        return [float(v) for v in comma_list(text)]
    except ValueError:
        raise ConfigError(
            f"--gaf-scaling takes 'fit', 'sample' or LOW,HIGH; got {text!r}."
        ) from None


def option(default, help, **cli):
    """A configuration field that is also an option of ``vskd run``.

    ``default`` is the value, or a callable making it (for lists and dicts);
    ``help`` the option's help (a callable, if it needs the datasets; None:
    no option). ``cli`` holds argparse keywords (``type``, ``choices``,
    ``action``, ``metavar``; the type defaults to the field's) and
    ``convert``, which turns the parsed value into the field's.
    """
    metadata = {"help": help, "cli": cli}
    if callable(default):
        return field(default_factory=default, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class ExperimentConfig:
    """Everything that defines one run of ``vskd run``.

    Parameters
    ----------
    dataset : {"synthetic", "utd-mhad", "berkeley-mhad", "mmact"}
        Which data to run on.
    data_home : str or None
        Folder holding the dataset in its authors' layout (not needed for
        ``"synthetic"``).
    protocol : str
        One of the dataset's protocols, e.g. ``"cross_subject"``.
    teacher : str or None
        The teacher's input (``"video"``, ``"skeleton"``, ``"fusion"``, ...);
        None takes the dataset's default.
    student : {"sensor", "small", "resnet18"}
        The student network: ``"sensor"`` on the raw windows (``SensorCNN``),
        ``"small"`` / ``"resnet18"`` on GAF images made inside the network
        (``encoder=GAFTransformer(...)``).
    augmentation : bool
        Train students with the default :class:`~vskdlearn.augmentation.SensorAugmentation`
        (rotation, scaling, time warp, crop, jitter); False trains them on
        the windows as recorded.
    magnitude : bool
        Give students the magnitude of the accelerometer as a fourth channel.
    methods : list of str
        Student recipes to compare, keys of ``METHODS`` (default: the
        student alone, the baselines, DASK and its ablation; ``"at"`` only
        on request, since it needs a teacher with feature maps).
    seeds : list of int
        One run of every method per seed; results are mean and std over seeds.
    image_size, gaf_method, gaf_scaling
        GAF encoding of the accelerometer windows (see ``GAFTransformer``).
    n_timestamps, n_frames
        Length of sensor windows and of vision clips after resampling.
    teacher_epochs, student_epochs, batch_size, lr
        Training budget (``lr`` is the students' peak learning rate of the
        one-cycle schedule; teachers keep their default).
    grid : dict of str to list
        If not empty, the ``"dask"`` method is tuned by ``GridSearchCV`` over
        these student parameters, with ``GroupKFold(cv_folds)`` on the
        training subjects (never the test subjects).
    cv_folds : int
        Folds of that grid search.
    synthetic : dict
        Keyword arguments of ``make_multimodal_activities`` (synthetic only).
    output : str or None
        Folder for the report; None writes nothing to disk.
    save_models : bool
        Also keep every fitted student pipeline as
        ``<output>/models/<model>-seed<seed>.joblib`` (``vskd export`` turns
        one into an ONNX file).
    device : str
        The torch device of every fit (``"cpu"``, ``"cuda"``, ``"cuda:1"``,
        ``"mps"``, ``"auto"``).
    mixed_precision : bool
        Train and predict under bfloat16 autocast.

    Every field but ``synthetic`` is also an option of ``vskd run``
    (``--image-size`` for ``image_size``), made from the field's metadata.
    """

    dataset: str = option(
        "synthetic", "which data to run on", choices=lambda: sorted(_datasets())
    )
    data_home: str | None = option(
        None, "folder holding the dataset in its authors' layout"
    )
    protocol: str = option(
        "cross_subject", "evaluation protocol (default cross_subject)"
    )
    teacher: str | None = option(
        None,
        lambda: (
            "teacher input: "
            + "; ".join(f"{d}: {', '.join(s.teachers)}" for d, s in _datasets().items())
        ),
    )
    student: str = option(
        "sensor",
        "sensor (default): a 1-D CNN on the raw windows; small, resnet18: the "
        "paper's GAF students (GAF made inside the network)",
        choices=STUDENTS,
    )
    augmentation: bool = option(
        True,
        "train students on randomly rotated, scaled, warped, cropped and "
        "jittered windows (default: on)",
    )
    magnitude: bool = option(
        True, "give students the accelerometer magnitude as a channel (default: on)"
    )
    methods: list = option(
        lambda: [m for m in METHODS if m != "at"],
        f"comma-separated, among {', '.join(METHODS)}",
        type=comma_list,
    )
    seeds: list = option(
        lambda: [0, 1, 2],
        "number of seeds (0, 1, ... N-1; default 3)",
        type=int,
        metavar="N",
        convert=_seed_range,
    )
    image_size: int = option(32, "GAF image size (default 32)")
    gaf_method: str = option(
        "both",
        "GAF images: summation, difference or both (default)",
        choices=("summation", "difference", "both"),
    )
    gaf_scaling: str = option(
        "fit",
        "'fit' (default), 'sample' or LOW,HIGH (a sensor range; give it as "
        "--gaf-scaling=-8,8)",
        metavar="SCALING",
        convert=_gaf_scaling,
    )
    n_timestamps: int = option(128, "length of the sensor windows (default 128)")
    n_frames: int = option(16, "frames per vision clip (default 16)")
    teacher_epochs: int = option(30, "teacher training epochs (default 30)")
    student_epochs: int = option(150, "student training epochs (default 150)")
    batch_size: int = option(32, "samples per batch (default 32)")
    lr: float = option(2e-3, "the students' peak learning rate (default 0.002)")
    grid: dict = option(
        dict,
        "grid-search a DASK weight with GroupKFold on the training subjects "
        "(repeatable)",
        type=grid_item,
        action="append",
        metavar="NAME=V1,V2",
        convert=dict,
    )
    cv_folds: int = option(3, "folds of the grid search (default 3)")
    synthetic: dict = option(dict, None)  # a TOML table only
    output: str | None = option(None, "report folder (default vskd-results/<dataset>)")
    save_models: bool = option(
        False, "keep the fitted students as OUTPUT/models/*.joblib"
    )
    device: str = option(
        "cpu",
        "torch device of every fit: cpu (default), cuda, cuda:1, mps, or auto "
        "(a GPU when there is one)",
    )
    mixed_precision: bool = option(
        False, "train and predict under bfloat16 autocast (for recent GPUs)"
    )

    def __post_init__(self):
        self.validate()

    def validate(self):
        from ._datasets import DATASETS

        if self.dataset not in DATASETS:
            raise ConfigError(
                f"Unknown dataset {self.dataset!r}; choose one of {sorted(DATASETS)}."
            )
        spec = DATASETS[self.dataset]
        if self.protocol not in spec.protocols:
            raise ConfigError(
                f"The {self.dataset} dataset has no protocol {self.protocol!r}; "
                f"choose one of {list(spec.protocols)}."
            )
        if self.teacher is not None and self.teacher not in spec.teachers:
            raise ConfigError(
                f"The {self.dataset} dataset has no teacher {self.teacher!r}; "
                f"choose one of {sorted(spec.teachers)}."
            )
        if self.student not in STUDENTS:
            raise ConfigError(
                f"Unknown student {self.student!r}; choose one of {list(STUDENTS)}."
            )
        if not self.methods:
            raise ConfigError("Give at least one method, e.g. --methods alone,dask.")
        unknown = [m for m in self.methods if m not in METHODS]
        if unknown:
            raise ConfigError(
                f"Unknown method(s) {unknown}; choose among {list(METHODS)}."
            )
        if len(set(self.methods)) != len(self.methods):
            raise ConfigError(f"Methods are listed twice: {self.methods}.")
        if not self.seeds or not all(isinstance(s, int) and s >= 0 for s in self.seeds):
            raise ConfigError(
                f"seeds must be a non-empty list of non-negative ints, got {self.seeds!r}."
            )
        for name in (
            "image_size",
            "n_timestamps",
            "n_frames",
            "teacher_epochs",
            "student_epochs",
            "batch_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive int, got {value!r}.")
        try:
            check_device(self.device)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        for name in ("augmentation", "magnitude", "save_models", "mixed_precision"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(
                    f"{name} must be true or false, got {getattr(self, name)!r}."
                )
        self._validate_encoding_and_grid()
        _check_synthetic(self.synthetic)
        if self.dataset != "synthetic" and self.data_home is None:
            raise ConfigError(
                f"The {self.dataset} dataset needs --data-home, the folder holding "
                f"it in its authors' layout. {spec.where_to_get}"
            )

    def _validate_encoding_and_grid(self):
        if self.student != "sensor" and self.image_size > self.n_timestamps:
            # Found here, not by the first student after the teacher trained.
            raise ConfigError(
                f"image_size={self.image_size} is larger than n_timestamps="
                f"{self.n_timestamps}: a GAF image has at most one pixel per time "
                f"step. Use --image-size {self.n_timestamps} or less."
            )
        if self.gaf_method not in ("summation", "difference", "both"):
            raise ConfigError(
                "gaf_method must be 'summation', 'difference' or 'both', got "
                f"{self.gaf_method!r}."
            )
        scaling = self.gaf_scaling
        if not (
            scaling in ("fit", "sample")
            or (
                isinstance(scaling, (list, tuple))
                and len(scaling) == 2
                and all(isinstance(v, (int, float)) for v in scaling)
                and scaling[0] < scaling[1]
            )
        ):
            raise ConfigError(
                "gaf_scaling must be 'fit', 'sample' or a sensor range [low, high] "
                f"with low < high, got {scaling!r}."
            )
        if not (isinstance(self.lr, (int, float)) and 0 < self.lr < math.inf):
            raise ConfigError(f"lr must be a positive number, got {self.lr!r}.")
        if not isinstance(self.cv_folds, int) or self.cv_folds < 2:
            raise ConfigError(f"cv_folds must be an int >= 2, got {self.cv_folds!r}.")
        for key, values in self.grid.items():
            if key not in GRID_PARAMETERS:
                raise ConfigError(
                    f"Cannot grid-search {key!r}; choose among {list(GRID_PARAMETERS)}."
                )
            if not isinstance(values, list) or not values:
                raise ConfigError(
                    f"grid {key!r} needs a non-empty list of values, got {values!r}."
                )
        if self.grid and "dask" not in self.methods:
            raise ConfigError(
                "A grid search tunes the 'dask' method: add it to methods."
            )

    @property
    def teacher_name(self):
        from ._datasets import DATASETS

        return self.teacher or DATASETS[self.dataset].default_teacher

    # -- TOML round trip -------------------------------------------------
    def to_dict(self):
        return dataclasses.asdict(self)

    def to_toml(self):
        lines = [
            "# vskdlearn experiment; repeat it with: vskd run --config <this file>"
        ]
        tables = {}
        for key, value in self.to_dict().items():
            if isinstance(value, dict):
                tables[key] = value
            elif value is not None:
                lines.append(f"{key} = {_toml_value(value)}")
        for name, table in tables.items():
            lines.append(f"\n[{name}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
        return "\n".join(lines) + "\n"

    @classmethod
    def from_toml(cls, path, **overrides):
        path = Path(path)
        kind = _NOT_TOML.get(path.suffix.lower())
        if kind is not None:
            # By name, before reading: an empty YAML file would pass as empty TOML.
            raise ConfigError(
                f"{path} is a {kind} file; configuration files are TOML, like the "
                "config.toml that vskd run writes next to its report."
            )
        try:
            with path.open("rb") as f:
                values = tomllib.load(f)
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at "
                f"offset {exc.start}); TOML files are UTF-8: save it as UTF-8."
            ) from None
        except FileNotFoundError:
            raise ConfigError(f"No configuration file at {path}.") from None
        except OSError as exc:
            # Windows says PermissionError for a folder: ask the disk instead.
            if path.is_dir():
                inside = path / "config.toml"
                hint = f"; did you mean {inside}?" if inside.is_file() else "."
                raise ConfigError(
                    f"{path} is a folder, not a configuration file{hint}"
                ) from None
            raise ConfigError(
                f"Cannot read the configuration file {path}: {exc.strerror or exc}."
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"{path} has unknown key(s) {unknown}; known keys are {sorted(known)}."
            )
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _check_synthetic(table):
    """Refuse keys of the ``[synthetic]`` table the generator does not take."""
    import inspect

    from ..datasets import make_multimodal_activities

    if not isinstance(table, dict):
        raise ConfigError(
            f"synthetic must be a table of make_multimodal_activities arguments, "
            f"got {table!r}."
        )
    taken = set(inspect.signature(make_multimodal_activities).parameters)
    # The experiment sets these from its own top-level keys.
    taken -= {"n_timestamps", "n_frames"}
    for key in table:
        if key in taken:
            continue
        if key in {f.name for f in dataclasses.fields(ExperimentConfig)}:
            raise ConfigError(
                f"{key!r} is a top-level setting, but it sits in the [synthetic] "
                "table: TOML puts every key written after the [synthetic] header "
                "into that table. Move it above the header."
            )
        raise ConfigError(
            f"Unknown key {key!r} in the [synthetic] table; "
            f"make_multimodal_activities takes {sorted(taken)}."
        )


def _toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"Cannot write {value!r} to TOML.")
