"""Which data each experiment reads: the student's sensor and the teachers' inputs.

One entry per dataset says how to load it for a given teacher, what the
student sees (one accelerometer, as a watch would) and what each teacher
sees. Loading is delegated to :mod:`vskdlearn.datasets`.
"""

from dataclasses import dataclass, field

from .._modality_kinds import teacher_modality

__all__ = ["DATASETS", "DatasetSpec"]


def _select(data, source):
    """A dataset attribute, or some of its channels: ``"accelerometer:h02"``.

    Loaders stack several sensors of one kind as channels of one attribute
    (Berkeley's six Shimmers, MMAct's phone and watch); the part after the
    colon picks the channels whose name starts with it.
    """
    name, _, prefix = source.partition(":")
    X = data[name]
    if not prefix:
        return X
    channels = [
        i for i, c in enumerate(data.channel_names[name]) if c.startswith(prefix)
    ]
    if not channels:
        raise ValueError(
            f"No {name} channel named {prefix!r}...; the loaded channels are "
            f"{data.channel_names[name]}."
        )
    return X[:, channels]


@dataclass(frozen=True)
class Teacher:
    """A teacher choice: its input, and what the loader must read for it."""

    inputs: tuple  # sources for _select; several make a Modalities bundle
    loads: tuple  # the loader's modality names for those inputs
    # Loader arguments this teacher needs beyond the config's (depth wants
    # frames large enough to crop the body from), and the TeacherClassifier
    # parameters of its recipe (chosen on training subjects, benchmarks/).
    load_options: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    @property
    def modality(self):
        """The ``TeacherClassifier`` modality, from the registry of kinds."""
        return teacher_modality(self.inputs)


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    teachers: dict
    default_teacher: str
    student_input: str
    where_to_get: str
    loader: str  # the function of vskdlearn.datasets that reads it
    student_loads: tuple  # the loader's modality names for the student input
    # The loader's protocols, so that a config naming another is refused
    # before any data is read (a test checks them against the loaders).
    protocols: tuple = ("cross_subject",)

    def load(self, config):
        """Load what ``config`` needs: the student's sensor and the teacher's input."""
        from .. import datasets

        load = getattr(datasets, self.loader)
        kwargs = {"n_timestamps": config.n_timestamps, "n_frames": config.n_frames}
        if self.name == "synthetic":  # generated, every modality at once
            kwargs.update(config.synthetic)
            kwargs.setdefault("random_state", 0)
            return load(**kwargs)
        teacher = self.teachers[config.teacher_name]
        needed = {*self.student_loads, *teacher.loads}
        kwargs.update(teacher.load_options)
        return load(
            config.data_home, modalities=tuple(sorted(needed)), cache=True, **kwargs
        )

    def student_X(self, data):
        """The student's accelerometer windows, ``(n, 3, n_timestamps)``."""
        return _select(data, self.student_input)

    def teacher_X(self, data, teacher_name):
        from ..modalities import Modalities

        inputs = self.teachers[teacher_name].inputs
        if len(inputs) == 1:
            return _select(data, inputs[0])
        return Modalities({s.replace(":", "_"): _select(data, s) for s in inputs})


# The depth teacher's frames and recipe: benchmarks/select_depth_teacher_utd.py.
_DEPTH_LOAD = {"video_size": (120, 160), "n_frames": 32}
_DEPTH_RECIPE = {"lr": 3e-3, "lr_schedule": "onecycle"}

DATASETS = {
    "synthetic": DatasetSpec(
        name="synthetic",
        teachers={
            "video": Teacher(("video",), ()),
            "skeleton": Teacher(("skeleton",), ()),
            "fusion": Teacher(("video", "skeleton"), ()),
        },
        default_teacher="video",
        student_input="accelerometer",
        where_to_get="Generated on the fly; no download.",
        loader="make_multimodal_activities",
        student_loads=(),
    ),
    "utd-mhad": DatasetSpec(
        name="utd-mhad",
        teachers={
            "skeleton": Teacher(("skeleton",), ("skeleton",)),
            "fusion": Teacher(
                ("skeleton", "accelerometer", "gyroscope"),
                ("inertial", "skeleton"),
            ),
            "depth": Teacher(("depth",), ("depth",), _DEPTH_LOAD, _DEPTH_RECIPE),
            "fusion-depth": Teacher(
                ("skeleton", "accelerometer", "gyroscope", "depth"),
                ("depth", "inertial", "skeleton"),
                _DEPTH_LOAD,
            ),
            "video": Teacher(("video",), ("video",)),
        },
        default_teacher="fusion",
        student_input="accelerometer",
        where_to_get=(
            "Download UTD-MHAD (Inertial and Skeleton .mat files, optionally Depth "
            "and RGB) from https://personal.utdallas.edu/~kehtar/UTD-MHAD.html, "
            "or run `vskd fetch utd-mhad [--data-home PATH]`, which says which "
            "--data-home to give vskd run."
        ),
        loader="load_utd_mhad",
        student_loads=("inertial",),
        protocols=("cross_subject", "trial"),
    ),
    "berkeley-mhad": DatasetSpec(
        name="berkeley-mhad",
        teachers={
            # The shared copy has accelerometers only; a body-worn sensor
            # network is then the richest teacher available.
            "body-sensors": Teacher(("accelerometer",), ()),
            "mocap": Teacher(("mocap",), ("mocap",)),
            "video": Teacher(("video",), ("video",)),
        },
        default_teacher="body-sensors",
        # Six Shimmers stacked x, y, z each; the watch is the right wrist.
        student_input="accelerometer:h02",
        where_to_get=(
            "Request Berkeley MHAD from https://tele-immersion.citris-uc.org/"
            "berkeley_mhad and unpack it keeping the Accelerometer/ (and Camera/, "
            "Mocap/) folders."
        ),
        loader="load_berkeley_mhad",
        student_loads=("accelerometer",),
    ),
    "mmact": DatasetSpec(
        name="mmact",
        teachers={
            "video": Teacher(("video",), ("video",)),
            # The loader stacks the phone and watch accelerometers as channels
            # of one ``accelerometer`` attribute ("phone x", ..., "watch z").
            "phone-sensors": Teacher(
                ("accelerometer:phone", "gyroscope", "orientation"),
                ("acc_phone", "gyroscope", "orientation"),
            ),
        },
        default_teacher="phone-sensors",
        student_input="accelerometer:watch",
        where_to_get=(
            "MMAct is released only to those who sign the authors' agreement: see "
            "https://mmact19.github.io/2019/ and unpack the trimmed sensor clips "
            "(acc_phone_clip/, acc_watch_clip/, gyro_clip/, orientation_clip/)."
        ),
        loader="load_mmact",
        student_loads=("acc_watch",),
        protocols=("cross_subject", "cross_scene"),
    ),
}
