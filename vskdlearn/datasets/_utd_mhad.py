"""UTD-MHAD: 27 actions, 8 subjects, 4 trials, Kinect v1 and a wearable IMU."""

import itertools
import re
import warnings
from pathlib import Path

import numpy as np

from ._base import (
    NOT_FOUND_AT_ALL,
    DatasetFileError,
    check_enough_samples,
    check_length,
    check_modalities,
    check_on_error,
    check_size,
    read_error,
    resample_on_normalised_time,
    resize_image,
    user_stacklevel,
    walk,
)
from ._fetch import fetch_archive, get_data_home
from ._loader import DatasetLoader, protocol, shared_parameter_docs
from ._readers import _import_av, read_mat_variable, read_video

__all__ = ["load_utd_mhad", "fetch_utd_mhad", "UTD_MHAD_ACTIONS", "UTD_MHAD_JOINTS"]

#: Action names, in the order of the authors' action numbers 1..27.
UTD_MHAD_ACTIONS = (
    "swipe_left",
    "swipe_right",
    "wave",
    "clap",
    "throw",
    "arm_cross",
    "basketball_shoot",
    "draw_x",
    "draw_circle_clockwise",
    "draw_circle_counter_clockwise",
    "draw_triangle",
    "bowling",
    "boxing",
    "baseball_swing",
    "tennis_swing",
    "arm_curl",
    "tennis_serve",
    "push",
    "knock",
    "catch",
    "pickup_and_throw",
    "jog",
    "walk",
    "sit_to_stand",
    "stand_to_sit",
    "lunge",
    "squat",
)

#: Kinect v1 joint order of ``d_skel`` (the authors' Skeleton_joint_order.txt).
UTD_MHAD_JOINTS = (
    "head",
    "shoulder_center",
    "spine",
    "hip_center",
    "left_shoulder",
    "left_elbow",
    "left_wrist",
    "left_hand",
    "right_shoulder",
    "right_elbow",
    "right_wrist",
    "right_hand",
    "left_hip",
    "left_knee",
    "left_ankle",
    "left_foot",
    "right_hip",
    "right_knee",
    "right_ankle",
    "right_foot",
)

N_ACTIONS, N_SUBJECTS, N_TRIALS = 27, 8, 4
#: (action, subject, trial) absent from the authors' release.
OFFICIALLY_ABSENT = frozenset({(8, 1, 4), (23, 6, 4), (27, 8, 4)})

# file kind -> (file name suffix, authors' archive and folder)
_KINDS = {
    "inertial": ("inertial.mat", "Inertial"),
    "skeleton": ("skeleton.mat", "Skeleton"),
    "depth": ("depth.mat", "Depth"),
    "video": ("color.avi", "RGB"),
}
_NAME = re.compile(
    r"^a(\d+)_s(\d+)_t(\d+)_(inertial\.mat|skeleton\.mat|depth\.mat|color\.avi)$"
)
# requested modality -> file kind
_MODALITY_KIND = {
    "inertial": "inertial",
    "accelerometer": "inertial",
    "gyroscope": "inertial",
    "skeleton": "skeleton",
    "depth": "depth",
    "video": "video",
}
URL = "https://www.utdallas.edu/~kehtar/UTD-MAD/{archive}.zip"
HOME_PAGE = "https://personal.utdallas.edu/~kehtar/UTD-MHAD.html"

DESCR = f"""UTD-MHAD (UTD Multimodal Human Action Dataset)
==============================================

27 actions performed by 8 subjects (4 female, 4 male), 4 trials each: 861
sequences (a8_s1_t4, a23_s6_t4 and a27_s8_t4 are absent from the release).
Four temporally synchronised modalities: RGB video and depth from a Kinect v1
camera (about 30 frames per second), 20-joint Kinect skeletons, and a wearable
inertial sensor (3-axis accelerometer in g and 3-axis gyroscope in deg/s,
50 Hz) on the right wrist for actions 1-21 and on the right thigh for
actions 22-27.

Layout (the authors' zip archives Inertial.zip, Skeleton.zip, Depth.zip,
RGB.zip; any folder nesting is accepted):
  a{{action}}_s{{subject}}_t{{trial}}_inertial.mat   variable d_iner (T, 6)
  a{{action}}_s{{subject}}_t{{trial}}_skeleton.mat   variable d_skel (20, 3, F)
  a{{action}}_s{{subject}}_t{{trial}}_depth.mat      variable d_depth (240, 320, F)
  a{{action}}_s{{subject}}_t{{trial}}_color.avi

Home page: {HOME_PAGE}

Citation: C. Chen, R. Jafari and N. Kehtarnavaz, "UTD-MHAD: A Multimodal
Dataset for Human Action Recognition Utilizing a Depth Camera and a Wearable
Inertial Sensor", IEEE International Conference on Image Processing (ICIP),
2015.
"""


def _index(root, on_error):
    """Map file kind -> {(action, subject, trial): path}, searching all folders."""
    index = {kind: {} for kind in _KINDS}
    suffix_kind = {suffix: kind for kind, (suffix, _) in _KINDS.items()}
    for folder, dirs, files in walk(root, "UTD-MHAD", on_error):
        dirs.sort()
        for name in files:
            match = _NAME.match(name)
            if not match:
                continue
            key = tuple(int(g) for g in match.groups()[:3])
            kind = suffix_kind[match.group(4)]
            path = Path(folder) / name
            if key in index[kind]:
                raise DatasetFileError(
                    f"UTD-MHAD recording {name} found twice: {index[kind][key]} and "
                    f"{path}. Point root at one copy of the dataset."
                )
            index[kind][key] = path
    return index


def _expected_files_message(root, kind):
    suffix, folder = _KINDS[kind]
    archive = "RGB" if kind == "video" else folder
    return (
        f"No UTD-MHAD {kind} files found under {root}. Expected files named "
        f"a{{action}}_s{{subject}}_t{{trial}}_{suffix} (e.g. "
        f"{root / folder / ('a1_s1_t1_' + suffix)}), as in the authors' "
        f"{archive}.zip from {HOME_PAGE}; fetch_utd_mhad(modalities=...) (on the "
        "command line: vskd fetch utd-mhad) downloads them."
    )


@shared_parameter_docs
def load_utd_mhad(
    root,
    modalities=("inertial", "skeleton"),
    *,
    n_timestamps=128,
    n_frames=32,
    video_size=(48, 64),
    on_error="raise",
    cache=False,
    data_home=None,
):
    """Load UTD-MHAD from the authors' files, sample-aligned across modalities.

    Read the ``.mat`` and ``.avi`` files as the authors distribute them (any
    folder layout under ``root``), resample every recording on normalised
    time and return the standard protocols.

    Parameters
    ----------
    root : str or path-like
        Folder holding the extracted archives (e.g. ``Inertial/``,
        ``Skeleton/``); ``~`` is expanded.
    modalities : sequence of str, default=("inertial", "skeleton")
        Among ``"inertial"`` (both ``accelerometer`` and ``gyroscope``),
        ``"accelerometer"``, ``"gyroscope"``, ``"skeleton"``, ``"depth"``,
        ``"video"`` (needs the ``video`` extra: ``pip install
        'vskdlearn[video]'``).
    n_timestamps : int or None, default=128
        Length of every inertial series after resampling (the raw series are
        107 to 326 samples long at 50 Hz). ``None`` keeps each recording's
        own length (the attributes are then object arrays).
    n_frames : int or None, default=32
        Number of skeleton, depth and video frames per recording (raw: 41 to
        125 skeleton frames). Skeletons are interpolated linearly; depth and
        video take the nearest frame. ``None`` keeps all frames.
    video_size : (int, int) or None, default=(48, 64)
        Height and width of video (area average) and depth (nearest sample)
        frames; ``None`` keeps 480x640 video and 240x320 depth.
    on_error : {"raise", "warn"}, default="raise"
        What to do with a file that exists but cannot be parsed: raise a
        :class:`~vskdlearn.datasets.DatasetFileError` naming it, or leave the
        recording out with a :class:`~vskdlearn.datasets.MissingRecordingsWarning`.
    {cache_and_data_home}

    Returns
    -------
    data : ActivityDataset
        Modality attributes (see Notes), ``target`` (action - 1),
        ``target_names``, ``subject`` (1..8), ``trial`` (1..4),
        ``sensor_location`` (``"right wrist"`` or ``"right thigh"`` per
        recording), ``joint_names``, ``frame``, ``missing``, ``units``,
        ``protocols`` = ``("cross_subject", "trial")``.

    Notes
    -----
    Attributes: ``accelerometer`` and ``gyroscope`` float32 (n, 3,
    n_timestamps) in g and deg/s; ``skeleton`` float32 (n, n_frames, 20, 3)
    in metres (Kinect camera space, joint order ``joint_names``); ``depth``
    uint16 (n, n_frames, H, W) in millimetres; ``video`` uint8 (n, n_frames,
    3, H, W), RGB.

    The modalities run at different rates (inertial 50 Hz, Kinect about 30
    frames per second, fewer for some videos) and each file spans the same
    action, so every recording is aligned by normalised time: its first and
    last samples map to 0 and 1.

    Protocols:

    - ``"cross_subject"``: subjects 1, 3, 5, 7 train (431 recordings), 2, 4,
      6, 8 test (430), as in Chen et al. (2015).
    - ``"trial"``: trials 1-2 train (432), 3-4 test (429). The same subjects
      appear on both sides, so it is *not* subject-independent and scores
      higher; it is the split the VSKD authors' released code used by
      default.

    Examples
    --------
    >>> from vskdlearn.datasets import load_utd_mhad
    >>> data = load_utd_mhad("~/data/UTD-MHAD")  # doctest: +SKIP
    >>> train, test = data.split("cross_subject")  # doctest: +SKIP
    >>> data.accelerometer[train].shape  # doctest: +SKIP
    (431, 3, 128)
    """
    modalities = check_modalities(modalities, tuple(_MODALITY_KIND), "UTD-MHAD")
    options = {
        "kinds": tuple(dict.fromkeys(_MODALITY_KIND[m] for m in modalities)),
        "n_timestamps": check_length(n_timestamps, "n_timestamps"),
        "n_frames": check_length(n_frames, "n_frames"),
        "video_size": check_size(video_size),
        "on_error": on_error,
    }
    check_on_error(on_error)
    return _UTDMHAD(options, cache=cache, data_home=data_home).load(root, modalities)


def _recording_name(key):
    action, subject, trial = key
    return f"a{action}_s{subject}_t{trial}"


class _UTDMHAD(DatasetLoader):
    title, name, descr = "UTD-MHAD", "utd_mhad", DESCR
    root_hint = (
        f"the extracted Inertial/, Skeleton/ (and Depth/, RGB/) folders of {HOME_PAGE}"
    )
    array_names = ("accelerometer", "gyroscope", "skeleton", "depth", "video")

    def recording_name(self, key):
        return _recording_name(key)

    def index(self, root):
        kinds = self.options["kinds"]
        if "video" in kinds:
            _import_av()  # say what to install before reading anything
        index = _index(root, self.options["on_error"])
        for kind in kinds:
            if not index[kind]:
                raise FileNotFoundError(_expected_files_message(root, kind))
        return index

    def recordings(self, index):
        kinds = self.options["kinds"]
        _warn_stray(index, kinds)
        keys, missing = [], []
        for key in itertools.product(
            range(1, N_ACTIONS + 1), range(1, N_SUBJECTS + 1), range(1, N_TRIALS + 1)
        ):
            absent = [kind for kind in kinds if key not in index[kind]]
            if absent:
                missing.extend(_missing_rows(key, absent, kinds))
            else:
                keys.append(key)
        files = [index[kind][key] for key in keys for kind in kinds]
        return keys, files, missing

    def read(self, index, key):
        action, subject, trial = key
        parsed, lengths = _read_recording(index, key, self.options)
        row = {
            "recording": _recording_name(key),
            "action": action,
            "action_name": UTD_MHAD_ACTIONS[action - 1],
            "subject": subject,
            "trial": trial,
            "sensor_location": "right wrist" if action <= 21 else "right thigh",
        }
        row.update(lengths)
        row.update(
            {f"path_{kind}": str(index[kind][key]) for kind in self.options["kinds"]}
        )
        return parsed, row

    def attributes(self, arrays, modalities):
        names = []
        for modality in modalities:
            both = modality == "inertial"
            for name in ("accelerometer", "gyroscope") if both else (modality,):
                if name not in names:
                    names.append(name)
        return {name: arrays[name] for name in names}

    def units(self):
        return {
            "accelerometer": "g",
            "gyroscope": "deg/s",
            "skeleton": "m",
            "depth": "mm",
            "video": "RGB, 0-255",
        }

    def channel_names(self):
        return {
            "accelerometer": ["x", "y", "z"],
            "gyroscope": ["x", "y", "z"],
            "video": ["red", "green", "blue"],
        }

    def describe(self, frame):
        return {
            "target": frame["action"].to_numpy(dtype=np.int64) - 1,
            "target_names": np.array(UTD_MHAD_ACTIONS),
            "subject": frame["subject"].to_numpy(dtype=np.int64),
            "trial": frame["trial"].to_numpy(dtype=np.int64),
            "sensor_location": frame["sensor_location"].to_numpy(dtype=str),
            "joint_names": np.array(UTD_MHAD_JOINTS),
        }

    def protocols(self):
        return {
            "cross_subject": protocol(
                "subject",
                (1, 3, 5, 7),
                (2, 4, 6, 8),
                "subjects 1, 3, 5, 7 train; 2, 4, 6, 8 test (Chen et al., 2015)",
            ),
            "trial": protocol(
                "trial",
                (1, 2),
                (3, 4),
                "trials 1-2 train, 3-4 test; every subject on both sides (not "
                "subject-independent)",
            ),
        }


def _warn_stray(index, kinds):
    stray = [
        str(path)
        for kind in kinds
        for (a, s, t), path in index[kind].items()
        if not (1 <= a <= N_ACTIONS and 1 <= s <= N_SUBJECTS and 1 <= t <= N_TRIALS)
    ]
    if stray:
        warnings.warn(
            f"Ignoring {len(stray)} file(s) whose action, subject or trial number is "
            f"outside UTD-MHAD's range: {stray[:5]}",
            stacklevel=user_stacklevel(),
        )


def _missing_rows(key, absent, kinds):
    official = key in OFFICIALLY_ABSENT
    name = _recording_name(key)
    rows = []
    for kind in absent:
        if official:
            reason = "absent from the official release"
        elif len(absent) == len(kinds):
            reason = NOT_FOUND_AT_ALL
        else:
            reason = f"file not found: {name}_{_KINDS[kind][0]}"
        rows.append(
            {
                "recording": name,
                "modality": kind,
                "reason": reason,
                "official": official,
            }
        )
    return rows


def _read_recording(index, key, options):
    kinds, n_timestamps = options["kinds"], options["n_timestamps"]
    n_frames, video_size = options["n_frames"], options["video_size"]
    parsed, lengths = {}, {}
    if "inertial" in kinds:
        path = index["inertial"][key]
        inertial = read_mat_variable(path, "d_iner", ndim=2)
        if inertial.shape[1] != 6:
            raise read_error(
                path,
                f"d_iner has shape {inertial.shape}, expected (T, 6) "
                "(acc x, y, z then gyro x, y, z)",
            )
        check_enough_samples(len(inertial), path, "inertial sample(s)")
        series = resample_on_normalised_time(inertial.astype(np.float64), n_timestamps)
        parsed["accelerometer"] = np.ascontiguousarray(series[:, :3].T)
        parsed["gyroscope"] = np.ascontiguousarray(series[:, 3:].T)
        lengths["n_inertial_samples"] = inertial.shape[0]
    if "skeleton" in kinds:
        path = index["skeleton"][key]
        skeleton = read_mat_variable(path, "d_skel", ndim=3)
        if skeleton.shape[:2] != (20, 3):
            raise read_error(
                path, f"d_skel has shape {skeleton.shape}, expected (20, 3, n_frames)"
            )
        frames = skeleton.transpose(2, 0, 1).astype(np.float64)
        check_enough_samples(len(frames), path, "skeleton frame(s)")
        parsed["skeleton"] = resample_on_normalised_time(frames, n_frames)
        lengths["n_skeleton_frames"] = frames.shape[0]
    if "depth" in kinds:
        path = index["depth"][key]
        depth = read_mat_variable(path, "d_depth", ndim=3).transpose(2, 0, 1)
        check_enough_samples(len(depth), path, "depth frame(s)")
        lengths["n_depth_frames"] = depth.shape[0]
        depth = resample_on_normalised_time(depth, n_frames, kind="nearest")
        parsed["depth"] = resize_image(depth, video_size, method="nearest")
    if "video" in kinds:
        path = index["video"][key]
        video, times = read_video(path, video_size)
        parsed["video"] = resample_on_normalised_time(
            video, n_frames, times=times, kind="nearest"
        )
        lengths["n_video_frames"] = video.shape[0]
    return parsed, lengths


def fetch_utd_mhad(
    modalities=("inertial", "skeleton"),
    *,
    data_home=None,
    base_url=None,
    checksums=None,
    progress=True,
    **load_kwargs,
):
    """Download UTD-MHAD from the authors' site (once), then load it.

    The authors publish one zip archive per modality (Inertial.zip 20 MB,
    Skeleton.zip 15 MB, Depth.zip, RGB.zip 1.1 GB) at
    ``https://www.utdallas.edu/~kehtar/UTD-MAD/``. They are saved and
    extracted in ``<data_home>/utd_mhad``; a second call downloads nothing.

    Parameters
    ----------
    modalities : sequence of str, default=("inertial", "skeleton")
        As for :func:`load_utd_mhad`; only the archives they need are fetched.
    data_home : str or path-like, optional
        See :func:`~vskdlearn.datasets.get_data_home`.
    base_url : str, optional
        Another location holding the same archives (a mirror).
    checksums : dict, optional
        Archive name (e.g. ``"Inertial.zip"``) to its SHA-256. The authors
        publish no checksums, so by default none is verified: a warning
        gives the digest of what was received, and it is recorded in
        ``<data_home>/utd_mhad/.<archive>.sha256``. A checksum given later,
        once the archive is there, is compared with that record (a mismatch
        raises an OSError).
    progress : bool, default=True
        Show a progress bar while downloading.
    **load_kwargs
        Passed to :func:`load_utd_mhad` (``n_timestamps``, ``n_frames``, ...).

    Returns
    -------
    data : ActivityDataset
    """
    modalities = check_modalities(modalities, tuple(_MODALITY_KIND), "UTD-MHAD")
    folder = Path(get_data_home(data_home)) / "utd_mhad"
    checksums = dict(checksums or {})
    for kind in dict.fromkeys(_MODALITY_KIND[m] for m in modalities):
        archive = _KINDS[kind][1]
        url = (
            f"{base_url.rstrip('/')}/{archive}.zip"
            if base_url
            else URL.format(archive=archive)
        )
        fetch_archive(
            url,
            folder,
            sha256=checksums.get(f"{archive}.zip"),
            progress=progress,
            by_hand=f"extract it into {folder}, then load it with "
            f"load_utd_mhad({str(folder)!r}) (fetch_utd_mhad downloads into "
            "<data_home>/utd_mhad; pass data_home= to choose another folder)",
        )
    return load_utd_mhad(folder, modalities, data_home=data_home, **load_kwargs)
