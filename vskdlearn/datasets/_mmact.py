"""MMAct: 20 subjects, 4 scenes, 5 sessions; phone, watch and 4 cameras."""

import re
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import (
    check_arguments,
    check_length,
    check_modalities,
    check_on_error,
    check_size,
    interpolate,
    listing,
    resample_on_normalised_time,
    samples_in_window,
    user_stacklevel,
    walk,
)
from ._loader import DatasetLoader, protocol, shared_parameter_docs
from ._readers import _import_av, read_mmact_csv, read_video

__all__ = ["load_mmact", "MMACT_ACTIONS"]

#: The 35 action names used by the released clip files (lower-cased), sorted.
#: The paper counts 37 classes; other names found on disk are appended.
MMACT_ACTIONS = (
    "carrying",
    "carrying_heavy",
    "carrying_light",
    "checking_time",
    "closing",
    "crouching",
    "drinking",
    "entering",
    "exiting",
    "fall",
    "jumping",
    "kicking",
    "loitering",
    "looking_around",
    "opening",
    "picking_up",
    "pocket_in",
    "pocket_out",
    "pointing",
    "pulling",
    "pushing",
    "running",
    "setting_down",
    "sitting",
    "sitting_down",
    "standing",
    "standing_up",
    "talking",
    "talking_on_phone",
    "throwing",
    "transferring_object",
    "using_pc",
    "using_phone",
    "walking",
    "waving_hand",
)

# modality -> folder of the authors' sensor archives
_SOURCES = {
    "acc_phone": "acc_phone_clip",
    "acc_watch": "acc_watch_clip",
    "gyroscope": "gyro_clip",
    "orientation": "orientation_clip",
}
_FOLDER_SOURCE = {folder: modality for modality, folder in _SOURCES.items()}
_PART = re.compile(r"^(subject|scene|session|cam)(\d+)$", re.IGNORECASE)
_VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv"}
STANDARD_GRAVITY = 9.80665  # m/s^2 per g
HOME_PAGE = "https://mmact19.github.io/2019/"
MIN_OVERLAP = 0.8
_UNITS = ([StrOptions({"g", "m/s^2"})], "'g' or 'm/s^2'")
_CAMERA = ([Interval(Integral, None, None, closed="neither")], "a camera number (1..4)")

DESCR = f"""MMAct (a large-scale dataset for cross modal human action understanding)
=====================================================================

20 subjects, 37 action classes in the paper, 4 scenes, 5 sessions; more than
36k clips. Sensors: smartphone accelerometer (acc_phone, 100 Hz), smartwatch
accelerometer (acc_watch, 100 Hz), gyroscope (50 Hz) and orientation of the
phone; RGB video from 4 cameras; also keypoints, Wi-Fi and pressure.

Access needs the authors' agreement (a signed licence): request it from
{HOME_PAGE}. The data is not downloadable without it.

Layout of the trimmed sensor clips (no header; time,x,y,z rows with time as
YYYYMMDD_HH:MM:SS.ffffff; acceleration in m/s^2):
  acc_phone_clip/subjectN/sceneM/sessionK/<action>.csv
  acc_watch_clip/...   gyro_clip/...   orientation_clip/...
Video clips: <folder>/subjectN/camC/sceneM/sessionK/<action>.mp4

Citation: Q. Kong, Z. Wu, Z. Deng, M. Klinkigt, B. Tong and T. Murakami,
"MMAct: A Large-Scale Dataset for Cross Modal Human Action Understanding",
IEEE/CVF International Conference on Computer Vision (ICCV), 2019.
"""


def canonical_action(name):
    """File stem to action name: lower case, words joined by underscores."""
    return re.sub(r"[\s\-_]+", "_", name.strip().lower()).strip("_")


def _parts(path, root):
    factors, source = {}, None
    for part in path.relative_to(root).parts[:-1]:
        if (match := _PART.match(part)) is not None:
            factors[match.group(1).lower()] = int(match.group(2))
        elif part.lower() in _FOLDER_SOURCE:
            source = _FOLDER_SOURCE[part.lower()]
    return source, factors


def _index(root, on_error):
    """modality -> {(subject, scene, session, action): path}; video by camera."""
    index = {modality: {} for modality in _SOURCES}
    videos = {}
    duplicates, misplaced = [], []
    for folder, dirs, files in walk(root, "MMAct", on_error):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            suffix = path.suffix.lower()
            if suffix != ".csv" and suffix not in _VIDEO_SUFFIXES:
                continue
            source, factors = _parts(path, root)
            if not {"subject", "scene", "session"} <= factors.keys():
                if suffix == ".csv" and source is not None:
                    misplaced.append(path.relative_to(root))
                continue
            key = (
                factors["subject"],
                factors["scene"],
                factors["session"],
                canonical_action(path.stem),
            )
            if suffix == ".csv" and source is not None:
                slot = index[source]
            elif suffix in _VIDEO_SUFFIXES and "cam" in factors:
                slot = videos.setdefault(factors["cam"], {})
            else:
                continue
            if key in slot:
                duplicates.append((slot[key], path))
                continue
            slot[key] = path
    if duplicates:
        warnings.warn(
            f"MMAct: {len(duplicates)} clip(s) appear twice under names that differ "
            "only in capitalisation or separators; the first was kept:\n"
            + listing(f"kept {a}, ignored {b}" for a, b in duplicates),
            stacklevel=user_stacklevel(),
        )
    if misplaced:
        # Without this, a misplaced archive would only look like missing clips.
        warnings.warn(
            f"MMAct: {len(misplaced)} CSV file(s) under a sensor folder were "
            "ignored: clips are read only from <sensor folder>/subjectN/sceneM/"
            "sessionK/<action>.csv:\n" + listing(misplaced),
            stacklevel=user_stacklevel(),
        )
    return index, videos


@shared_parameter_docs
def load_mmact(
    root,
    modalities=("acc_phone", "acc_watch", "gyroscope", "orientation"),
    *,
    n_timestamps=128,
    n_frames=32,
    camera=1,
    video_size=(48, 64),
    accelerometer_units="g",
    on_error="raise",
    cache=False,
    data_home=None,
):
    """Load MMAct's trimmed clips from the authors' folders.

    MMAct is distributed only to those who sign the authors' agreement
    (see ``DESCR``); this loader reads the archives as they come.

    Parameters
    ----------
    root : str or path-like
        Folder holding ``acc_phone_clip/``, ``acc_watch_clip/``,
        ``gyro_clip/``, ``orientation_clip/`` and, for video, the trimmed
        video folders ``subjectN/camC/sceneM/sessionK/<action>.mp4``.
    modalities : sequence of str
        Among ``"acc_phone"``, ``"acc_watch"``, ``"gyroscope"``,
        ``"orientation"`` and ``"video"`` (needs ``pip install
        'vskdlearn[video]'``). Default: the four sensors.
    n_timestamps : int or None, default=128
        Length of every sensor series (``None``: each clip's own length).
    n_frames : int or None, default=32
        Number of video frames per clip (nearest frame on normalised time).
    camera : int, default=1
        Camera number (``camC`` folder) for ``"video"``.
    video_size : (int, int) or None, default=(48, 64)
        Height and width of video frames (area average).
    accelerometer_units : {"g", "m/s^2"}, default="g"
        The files hold m/s^2; ``"g"`` divides by 9.80665 so that every
        loader of this package returns acceleration in g.
    on_error : {"raise", "warn"}, default="raise"
        A clip that cannot be parsed (empty file, short row, bad time stamp)
        raises a :class:`~vskdlearn.datasets.DatasetFileError` naming it, or
        is left out and reported with ``"warn"``.
    {cache_and_data_home}

    Returns
    -------
    data : ActivityDataset
        ``accelerometer`` float32 (n, 3 or 6, n_timestamps): the phone's
        x, y, z then the watch's, whichever were loaded (``channel_names``
        says which); ``gyroscope`` and ``orientation`` float32 (n, 3,
        n_timestamps) as recorded; ``video`` uint8 (n, n_frames, 3, H, W).
        ``target``, ``target_names``, ``subject`` (1..20), ``scene`` (1..4),
        ``session`` (1..5), ``frame``, ``missing``; protocols
        ``"cross_subject"`` and ``"cross_scene"``.

    Notes
    -----
    Time stamps in the files sometimes go backwards: rows are sorted and
    rows sharing a time stamp averaged. The sensors run at different rates
    (accelerometers 100 Hz, gyroscope 50 Hz), so all sensor series of a clip
    are resampled at the same instants spread over the time span they share;
    a clip where one sensor covers less than 80% of that span falls back to
    normalised time (``frame["alignment"]``). Video has no time stamps and is
    aligned by normalised time over the same action clip.

    Action file names differ in capitalisation between folders; they are
    matched lower-cased. The paper reports 37 classes; the released clip
    files known to us use the 35 names of ``MMACT_ACTIONS``, and any other
    name found is appended to ``target_names`` with a warning.

    Protocols (Kong et al., 2019, Sec. 5):

    - ``"cross_subject"``: subjects 1-16 train, 17-20 test.
    - ``"cross_scene"``: scene 2 held out for testing, scenes 1, 3, 4 train.
      Kong et al. evaluate across scenes with the occlusion scene unseen in
      training; that the occlusion scene is ``scene2`` in the folder
      numbering is our reading and could not be checked against the
      authors' text. Choose another held-out scene with
      ``split("cross_scene", test=[k])``.

    Examples
    --------
    >>> from vskdlearn.datasets import load_mmact
    >>> data = load_mmact("~/data/MMAct", modalities=("acc_watch",))  # doctest: +SKIP
    >>> train, test = data.split("cross_subject")  # doctest: +SKIP
    """
    options = {
        "modalities": check_modalities(modalities, (*_SOURCES, "video"), "MMAct"),
        "n_timestamps": check_length(n_timestamps, "n_timestamps"),
        "n_frames": check_length(n_frames, "n_frames"),
        "camera": camera,
        "video_size": check_size(video_size),
        "on_error": on_error,
    }
    check_on_error(on_error)
    check_arguments(
        {"accelerometer_units": _UNITS, "camera": _CAMERA},
        accelerometer_units=accelerometer_units,
        camera=camera,
    )
    options["camera"] = int(camera)
    return _MMAct(options, accelerometer_units, cache=cache, data_home=data_home).load(
        root, options["modalities"]
    )


class _MMAct(DatasetLoader):
    title, name, descr = "MMAct", "mmact", DESCR
    root_hint = (
        "the authors' acc_phone_clip/, acc_watch_clip/, gyro_clip/, "
        f"orientation_clip/ folders (access needs the authors' agreement: {HOME_PAGE})"
    )

    def __init__(self, options, accelerometer_units, **kwargs):
        super().__init__(options, **kwargs)
        self.accelerometer_units = accelerometer_units
        self.target_names = np.array(MMACT_ACTIONS)
        self.array_names = ()

    def recording_name(self, key):
        return _name(key)

    def index(self, root):
        """The clips of each requested modality: modality -> {key: path}."""
        modalities, camera = self.options["modalities"], self.options["camera"]
        if "video" in modalities:
            _import_av()  # say what to install before reading anything
        index, videos = _index(root, self.options["on_error"])
        slots = {m: index[m] for m in modalities if m in _SOURCES}
        if "video" in modalities:
            slots["video"] = videos.get(camera, {})
        for modality, slot in slots.items():
            if not slot:
                raise FileNotFoundError(
                    _expected_message(root, modality, camera, videos)
                )
        self.array_names = tuple(slots)
        return slots

    def recordings(self, slots):
        all_keys = sorted(set().union(*(slot.keys() for slot in slots.values())))
        keys, missing = [], []
        for key in all_keys:
            absent = [m for m, slot in slots.items() if key not in slot]
            if not absent:
                keys.append(key)
                continue
            missing.extend(
                {
                    "recording": _name(key),
                    "modality": modality,
                    "reason": "file not found (other modalities of this clip exist)",
                    "official": False,
                }
                for modality in absent
            )
        self.target_names = _target_names(keys)
        position = {name: i for i, name in enumerate(self.target_names)}
        keys.sort(key=lambda k: (k[0], k[1], k[2], position[k[3]]))
        files = [slots[m][key] for key in keys for m in slots]
        return keys, files, missing

    def read(self, slots, key):
        return _read_clip(slots, key, self.options)

    def attributes(self, arrays, modalities):
        data = {}
        accelerometers = [m for m in ("acc_phone", "acc_watch") if m in modalities]
        scale = 1.0 / STANDARD_GRAVITY if self.accelerometer_units == "g" else 1.0
        if accelerometers:
            parts = [list(arrays[m]) for m in accelerometers]
            data["accelerometer"] = [
                np.concatenate(p, axis=0) * scale for p in zip(*parts, strict=True)
            ]
        for modality in ("gyroscope", "orientation", "video"):
            if modality in modalities:
                data[modality] = arrays[modality]
        return data

    def units(self):
        return {
            "accelerometer": self.accelerometer_units,
            "gyroscope": "as recorded",
            "orientation": "as recorded",
            "video": "RGB, 0-255",
        }

    def channel_names(self):
        modalities = self.options["modalities"]
        accelerometers = [m for m in ("acc_phone", "acc_watch") if m in modalities]
        return {
            "accelerometer": [
                f"{m.split('_')[1]} {axis}" for m in accelerometers for axis in "xyz"
            ],
            "gyroscope": ["x", "y", "z"],
            "orientation": ["x", "y", "z"],
            "video": ["red", "green", "blue"],
        }

    def describe(self, frame):
        position = {name: i for i, name in enumerate(self.target_names)}
        target = [position[a] for a in frame["action_name"]]
        return {
            "target": np.array(target, dtype=np.int64),
            "target_names": self.target_names,
            "subject": frame["subject"].to_numpy(dtype=np.int64),
            "scene": frame["scene"].to_numpy(dtype=np.int64),
            "session": frame["session"].to_numpy(dtype=np.int64),
        }

    def protocols(self):
        return {
            "cross_subject": protocol(
                "subject",
                range(1, 17),
                range(17, 21),
                "subjects 1-16 train, 17-20 test (Kong et al., 2019)",
            ),
            "cross_scene": protocol(
                "scene",
                (1, 3, 4),
                (2,),
                "scene 2 (occlusion, by our reading of Kong et al., 2019) test, "
                "scenes 1, 3, 4 train",
            ),
        }


def _target_names(keys):
    """The known action names, then any other found (with a warning)."""
    found_actions = sorted({key[3] for key in keys})
    unknown = [a for a in found_actions if a not in MMACT_ACTIONS]
    if unknown:
        warnings.warn(
            f"MMAct: action names not among the 35 known ones, appended to "
            f"target_names: {unknown}",
            stacklevel=user_stacklevel(),
        )
    return np.array(MMACT_ACTIONS + tuple(unknown))


def _name(key):
    subject, scene, session, action = key
    return f"subject{subject}/scene{scene}/session{session}/{action}"


def _expected_message(root, modality, camera, videos):
    if modality == "video":
        cameras = sorted(videos)
        return (
            f"No MMAct video clips for camera {camera} under {root}. Expected files "
            f"like {root / 'trimmed' / 'subject1' / f'cam{camera}' / 'scene1'}"
            f"/session1/<action>.mp4; cameras found: {cameras or 'none'}. MMAct "
            f"access needs the authors' agreement ({HOME_PAGE})."
        )
    folder = _SOURCES[modality]
    return (
        f"No MMAct {modality} clips under {root}. Expected "
        f"{root / folder / 'subject1' / 'scene1' / 'session1'}/<action>.csv (the "
        f"authors' {folder} archive). MMAct access needs the authors' agreement "
        f"({HOME_PAGE})."
    )


def _read_clip(slots, key, options):
    subject, scene, session, action = key
    row = {
        "recording": _name(key),
        "subject": subject,
        "scene": scene,
        "session": session,
        "action_name": action,
    }
    sensors = {}
    for modality, slot in slots.items():
        if modality == "video":
            continue
        times, values = read_mmact_csv(slot[key])
        sensors[modality] = (times, values)
        row[f"n_{modality}_samples"] = len(times)
        row[f"path_{modality}"] = str(slot[key])
    parsed = {}
    window = _window([t for t, _ in sensors.values()])
    row["alignment"] = "time stamps" if window is not None else "normalised time"
    accelerometers = [m for m in ("acc_phone", "acc_watch") if m in sensors]
    for modality, (times, values) in sensors.items():
        # Phone and watch are stacked as channels of one array: same length.
        counted = sensors[accelerometers[0]][0] if modality in accelerometers else times
        length = options["n_timestamps"] or samples_in_window(
            counted, window, len(counted)
        )
        if window is None:
            series = resample_on_normalised_time(values, length, times=times)
        else:
            targets = np.linspace(window[0], window[1], length)
            series = interpolate(values, times, targets, axis=0)
        parsed[modality] = np.ascontiguousarray(series.T)
    if "video" in slots:
        path = slots["video"][key]
        video, times = read_video(path, options["video_size"])
        parsed["video"] = resample_on_normalised_time(
            video, options["n_frames"], times=times, kind="nearest"
        )
        row["camera"] = options["camera"]
        row["n_video_frames"] = len(video)
        row["path_video"] = str(path)
    return parsed, row


def _window(spans_times):
    if not spans_times:
        return None
    start = max(t[0] for t in spans_times)
    stop = min(t[-1] for t in spans_times)
    if not stop > start:
        return None
    for times in spans_times:
        if stop - start < MIN_OVERLAP * (times[-1] - times[0]):
            return None
    return start, stop
