"""Which data each experiment reads: the student's sensor and the teachers' inputs.

One entry per dataset says how to load it for a given teacher, what the
student sees (one accelerometer, as a watch would) and what each teacher
sees. Loading is delegated to :mod:`vskdlearn.datasets`.
"""

from dataclasses import dataclass

__all__ = ["DATASETS", "DatasetSpec"]


@dataclass(frozen=True)
class Teacher:
    """A teacher choice: its ``TeacherClassifier`` modality and its input."""

    modality: str
    inputs: tuple  # dataset attributes; several make a Modalities bundle
    description: str


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    teachers: dict
    default_teacher: str
    student_input: str
    where_to_get: str

    def load(self, config):
        """Load what ``config`` needs: the student's sensor and the teacher's input."""
        from .. import datasets

        teacher = self.teachers[config.teacher_name]
        kwargs = {"n_timestamps": config.n_timestamps, "n_frames": config.n_frames}
        if self.name == "synthetic":
            kwargs.update(config.synthetic)
            kwargs.setdefault("random_state", 0)
            return datasets.make_multimodal_activities(**kwargs)
        if self.name == "utd-mhad":
            needed = {"inertial"} | {
                "inertial" if m in ("accelerometer", "gyroscope") else m
                for m in teacher.inputs
            }
            return datasets.load_utd_mhad(
                config.data_home, modalities=tuple(sorted(needed)), cache=True, **kwargs
            )
        if self.name == "berkeley-mhad":
            needed = {"accelerometer"} | {
                m for m in teacher.inputs if m in ("video", "mocap")
            }
            return datasets.load_berkeley_mhad(
                config.data_home, modalities=tuple(sorted(needed)), cache=True, **kwargs
            )
        if self.name == "mmact":
            needed = {"acc_watch"} | set(teacher.inputs)
            return datasets.load_mmact(
                config.data_home, modalities=tuple(sorted(needed)), cache=True, **kwargs
            )
        raise AssertionError(self.name)  # pragma: no cover - DATASETS is closed

    def student_X(self, data):
        """The student's accelerometer windows, ``(n, 3, n_timestamps)``."""
        X = data[self.student_input]
        if self.name == "berkeley-mhad":
            # Six Shimmers stacked x, y, z each; the watch is the right wrist (h02).
            return X[:, 3:6]
        return X

    def teacher_X(self, data, teacher_name):
        teacher = self.teachers[teacher_name]
        if len(teacher.inputs) == 1:
            return data[teacher.inputs[0]]
        return data.modalities(*teacher.inputs)


DATASETS = {
    "synthetic": DatasetSpec(
        name="synthetic",
        teachers={
            "video": Teacher("video", ("video",), "rendered video clip (TRN)"),
            "skeleton": Teacher("skeleton", ("skeleton",), "skeleton sequence"),
            "fusion": Teacher(
                "fusion", ("video", "skeleton"), "video and skeleton fused"
            ),
        },
        default_teacher="video",
        student_input="accelerometer",
        where_to_get="Generated on the fly; no download.",
    ),
    "utd-mhad": DatasetSpec(
        name="utd-mhad",
        teachers={
            "skeleton": Teacher("skeleton", ("skeleton",), "Kinect skeleton"),
            "fusion": Teacher(
                "fusion",
                ("skeleton", "accelerometer", "gyroscope"),
                "skeleton, accelerometer and gyroscope fused",
            ),
            "depth": Teacher("depth", ("depth",), "Kinect depth video"),
            "video": Teacher("video", ("video",), "RGB video"),
        },
        default_teacher="fusion",
        student_input="accelerometer",
        where_to_get=(
            "Download UTD-MHAD (Inertial and Skeleton .mat files, optionally Depth "
            "and RGB) from https://personal.utdallas.edu/~kehtar/UTD-MHAD.html, "
            "or call vskdlearn.datasets.fetch_utd_mhad()."
        ),
    ),
    "berkeley-mhad": DatasetSpec(
        name="berkeley-mhad",
        teachers={
            # The shared copy has accelerometers only; a body-worn sensor
            # network is then the richest teacher available.
            "body-sensors": Teacher(
                "accelerometer", ("accelerometer",), "all six body accelerometers"
            ),
            "mocap": Teacher("skeleton", ("mocap",), "optical motion capture"),
            "video": Teacher("video", ("video",), "camera frames"),
        },
        default_teacher="body-sensors",
        student_input="accelerometer",
        where_to_get=(
            "Request Berkeley MHAD from https://tele-immersion.citris-uc.org/"
            "berkeley_mhad and unpack it keeping the Accelerometer/ (and Camera/, "
            "Mocap/) folders."
        ),
    ),
    "mmact": DatasetSpec(
        name="mmact",
        teachers={
            "video": Teacher("video", ("video",), "camera video"),
            "phone-sensors": Teacher(
                "fusion",
                ("acc_phone", "gyroscope", "orientation"),
                "phone accelerometer, gyroscope and orientation fused",
            ),
        },
        default_teacher="phone-sensors",
        student_input="acc_watch",
        where_to_get=(
            "MMAct is released only to those who sign the authors' agreement: see "
            "https://mmact19.github.io/2019/ and unpack the trimmed sensor clips "
            "(acc_phone_clip/, acc_watch_clip/, gyro_clip/, orientation_clip/)."
        ),
    ),
}
