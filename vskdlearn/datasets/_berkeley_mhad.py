"""Berkeley MHAD: 11 actions, 12 subjects, 5 repetitions; six accelerometers."""

import itertools
import os
import re
import warnings
from numbers import Real
from pathlib import Path

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import (
    NOT_FOUND_AT_ALL,
    AlignmentFallbackWarning,
    ClippedValuesWarning,
    DatasetFileError,
    check_arguments,
    check_enough_samples,
    check_length,
    check_modalities,
    check_on_error,
    check_size,
    clean_times,
    interpolate,
    listing,
    read_error,
    resample_on_normalised_time,
    resize_image,
    samples_in_window,
    user_stacklevel,
    walk,
)
from ._loader import DatasetLoader, protocol, shared_parameter_docs
from ._readers import read_large_whitespace_table, read_pgm, read_whitespace_table

__all__ = ["load_berkeley_mhad", "BERKELEY_MHAD_ACTIONS", "BERKELEY_MHAD_SENSORS"]

#: Action names, in the order of the authors' action numbers 1..11.
BERKELEY_MHAD_ACTIONS = (
    "jumping_in_place",
    "jumping_jacks",
    "bending",
    "punching",
    "waving_two_hands",
    "waving_one_hand",
    "clapping_hands",
    "throwing_a_ball",
    "sit_down_then_stand_up",
    "sit_down",
    "stand_up",
)

#: Shimmer accelerometer number -> where it was worn.
BERKELEY_MHAD_SENSORS = {
    1: "left wrist",
    2: "right wrist",
    3: "hip",
    4: "hip",
    5: "ankle",
    6: "ankle",
}

N_SUBJECTS, N_ACTIONS, N_REPETITIONS = 12, 11, 5
N_MARKERS = 43
OFFICIALLY_ABSENT = frozenset({(4, 8, 5)})
# A stream whose time stamps cover less of the common window than this is
# taken as broken (some Shimmer files stop early, or squeeze their samples
# into too short a span): the recording is then aligned by normalised time.
MIN_OVERLAP = 0.8
HOME_PAGE = "https://tele-immersion.citris-uc.org/berkeley_mhad"
_CLIP = (
    [Interval(Real, 0, None, closed="neither"), None],
    "a positive range in g or None",
)
_ALIGN = ([StrOptions({"time_stamps", "normalised"})], "'time_stamps' or 'normalised'")
_PRUNE = {"camera", "kinect", "audio"}  # per-frame folders: huge, indexed on demand
_ACC = re.compile(r"^acc_h(\d+)_s(\d+)_a(\d+)_r(\d+)\.txt$")
_STAMPS = re.compile(r"^time_stamps_img_s(\d+)_a(\d+)_r(\d+)\.txt$")
_MOCAP = re.compile(r"^moc_s(\d+)_a(\d+)_r(\d+)\.txt$")

DESCR = f"""Berkeley MHAD (Berkeley Multimodal Human Action Database)
========================================================

11 actions by 12 subjects (7 male, 5 female), 5 repetitions each: 659
sequences in the release (s04_a08_r05 does not exist). Temporally
synchronised optical motion capture (43 markers), 12 cameras in 4 clusters
(640x480 at about 22 frames per second), 2 Kinects, 4 microphones and six
Shimmer accelerometers (about 30 Hz with jitter; h01 left wrist, h02 right
wrist, h03/h04 hips, h05/h06 ankles) whose rows carry Unix time stamps.

Actions: jumping in place, jumping jacks, bending (hands up all the way
down), punching (boxing), waving (two hands), waving (one hand, right),
clapping hands, throwing a ball, sit down then stand up, sit down, stand up.

Layout (the authors' release):
  Accelerometer/ShimmerNN/acc_hNN_sSS_aAA_rRR.txt   ax ay az (g) unix_time
  Camera/ClusterCC/CamKK/SSS/AAA/RRR/*.pgm         one image per frame
  .../time_stamps_img_sSS_aAA_rRR.txt              frame index, unix time
  Mocap/OpticalData/moc_sSS_aAA_rRR.txt            43 x (x y z), then 2 more
                                                   columns, the last a time

Home page: {HOME_PAGE}

Citation: F. Ofli, R. Chaudhry, G. Kurillo, R. Vidal and R. Bajcsy, "Berkeley
MHAD: A Comprehensive Multimodal Human Action Database", IEEE Workshop on
Applications of Computer Vision (WACV), 2013.
"""


def _name(key):
    subject, action, repetition = key
    return f"s{subject:02d}_a{action:02d}_r{repetition:02d}"


def _index(root, on_error):
    index = {"acc": {}, "stamps": {}, "mocap": {}}
    for folder, dirs, files in walk(root, "Berkeley MHAD", on_error):
        dirs[:] = sorted(d for d in dirs if d.lower() not in _PRUNE)
        for name in files:
            if match := _ACC.match(name):
                sensor, *key = (int(g) for g in match.groups())
                slot = index["acc"].setdefault(tuple(key), {})
                _add_once(slot, sensor, Path(folder) / name)
            elif match := _STAMPS.match(name):
                key = tuple(int(g) for g in match.groups())
                _add_once(index["stamps"], key, Path(folder) / name)
            elif match := _MOCAP.match(name):
                key = tuple(int(g) for g in match.groups())
                _add_once(index["mocap"], key, Path(folder) / name)
    return index


def _add_once(slot, key, path):
    if key in slot:
        raise DatasetFileError(
            f"Berkeley MHAD file {path.name} found twice: {slot[key]} and {path}. "
            "Point root at one copy of the dataset."
        )
    slot[key] = path


def _camera_folder(root, camera, key):
    cluster, cam = camera
    subject, action, repetition = key
    return (
        root
        / "Camera"
        / f"Cluster{cluster:02d}"
        / f"Cam{cam:02d}"
        / f"S{subject:02d}"
        / f"A{action:02d}"
        / f"R{repetition:02d}"
    )


def _check_camera(value):
    try:
        cluster, cam = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(
            f"camera must be (cluster, camera) numbers, e.g. (1, 1) for "
            f"Camera/Cluster01/Cam01, got {value!r}."
        ) from None
    return cluster, cam


def _check_sensors(sensors):
    sensors = tuple(int(s) for s in np.atleast_1d(sensors))
    bad = [s for s in sensors if s not in BERKELEY_MHAD_SENSORS]
    if bad or not sensors or len(set(sensors)) != len(sensors):
        raise ValueError(
            f"sensors must be distinct Shimmer numbers among 1..6, got {sensors}."
        )
    return sensors


@shared_parameter_docs
def load_berkeley_mhad(
    root,
    modalities=("accelerometer",),
    *,
    sensors=(1, 2, 3, 4, 5, 6),
    n_timestamps=128,
    n_frames=32,
    camera=(1, 1),
    video_size=(48, 64),
    clip=2.0,
    align="time_stamps",
    on_error="raise",
    cache=False,
    data_home=None,
):
    """Load Berkeley MHAD from the authors' files, aligned on real time.

    Parameters
    ----------
    root : str or path-like
        The dataset folder (holding ``Accelerometer/``, and where present
        ``Camera/``, ``Mocap/`` and the image time stamps).
    modalities : sequence of str, default=("accelerometer",)
        Among ``"accelerometer"``, ``"video"`` (frames of one camera, read
        from its ``.pgm`` images) and ``"mocap"`` (optical motion capture).
    sensors : sequence of int, default=(1, 2, 3, 4, 5, 6)
        Shimmer accelerometers to stack, in this order, as channels of
        ``accelerometer`` (x, y, z each): 1 left wrist, 2 right wrist, 3 and 4
        hips, 5 and 6 ankles. ``sensors=(2,)`` gives a single right-wrist
        accelerometer of shape (n, 3, n_timestamps).
    n_timestamps : int or None, default=128
        Length of the accelerometer series. ``None`` keeps each recording's
        own length (the median number of samples of its sensors).
    n_frames : int or None, default=32
        Number of video and motion capture frames per recording.
    camera : (int, int), default=(1, 1)
        ``(cluster, camera)``: the folder ``Camera/ClusterCC/CamKK``.
    video_size : (int, int) or None, default=(48, 64)
        Height and width of video frames (area average of the 480x640 images).
    clip : float or None, default=2.0
        Accelerometer range in g. The files hold 12-bit values in steps of
        1/1024 g that saturate at +-2 g, but a few single samples carry
        spikes up to 60 g (transmission glitches); values are clipped to
        +-``clip`` and the number clipped per recording is in
        ``frame["n_clipped"]`` (a
        :class:`~vskdlearn.datasets.ClippedValuesWarning` lists the
        recordings). ``None`` keeps them.
    align : {"time_stamps", "normalised"}, default="time_stamps"
        ``"time_stamps"``: every stream is resampled at the same instants,
        evenly spread over the camera clip (first to last image time stamp;
        without an image time stamp file, the span all streams share). A
        recording whose streams do not each cover 80% of that window falls
        back to normalised time (some Shimmer files stop early or squeeze
        their samples into too short a span), and ``frame["alignment"]``
        says so (an :class:`~vskdlearn.datasets.AlignmentFallbackWarning`
        lists them).
        ``"normalised"``: each stream's first and last samples map to 0 and
        1, ignoring the time stamps.
    on_error : {"raise", "warn"}, default="raise"
        A file that cannot be parsed raises a
        :class:`~vskdlearn.datasets.DatasetFileError` naming it, or with
        ``"warn"`` its recording is left out and reported.
    {cache_and_data_home}

    Returns
    -------
    data : ActivityDataset
        ``accelerometer`` float32 (n, 3 * len(sensors), n_timestamps) in g,
        ``video`` uint8 (n, n_frames, 1, H, W) (one grey channel, as stored
        in the PGM files), ``mocap`` float32 (n, n_frames, 43, 3) marker
        positions as recorded (occluded markers, stored as 0 0 0, are
        interpolated over time); ``target`` (action - 1), ``target_names``,
        ``subject`` (1..12), ``repetition`` (1..5), ``frame``, ``missing``,
        ``channel_names``, ``sensor_locations``; protocol
        ``"cross_subject"``.

    Notes
    -----
    Protocol ``"cross_subject"``: subjects 1-7 train, 8-12 test (Ofli et
    al., 2013).

    Motion capture runs at 480 Hz in the authors' description; its rows'
    last column is read as a time stamp when it looks like Unix time, and
    otherwise the stream is aligned by normalised time.

    Examples
    --------
    >>> from vskdlearn.datasets import load_berkeley_mhad
    >>> data = load_berkeley_mhad("~/data/BerkeleyMHAD", sensors=(2,))  # doctest: +SKIP
    >>> data.accelerometer.shape  # doctest: +SKIP
    (659, 3, 128)
    """
    options = {
        "modalities": check_modalities(
            modalities, ("accelerometer", "video", "mocap"), "Berkeley MHAD"
        ),
        "sensors": _check_sensors(sensors),
        "n_timestamps": check_length(n_timestamps, "n_timestamps"),
        "n_frames": check_length(n_frames, "n_frames"),
        "camera": _check_camera(camera),
        "video_size": check_size(video_size),
        "clip": clip,
        "align": align,
        "on_error": on_error,
    }
    check_arguments({"clip": _CLIP, "align": _ALIGN}, clip=clip, align=align)
    check_on_error(on_error)
    return _BerkeleyMHAD(options, cache=cache, data_home=data_home).load(
        root, options["modalities"]
    )


class _BerkeleyMHAD(DatasetLoader):
    title, name, descr = "Berkeley MHAD", "berkeley_mhad", DESCR
    array_names = ("accelerometer", "video", "mocap")
    root_hint = (
        "the release's Accelerometer/ShimmerNN/acc_hNN_sSS_aAA_rRR.txt files (and "
        f"Camera/, Mocap/), see {HOME_PAGE}"
    )

    def recording_name(self, key):
        return _name(key)

    def index(self, root):
        index = _index(root, self.options["on_error"])
        _check_present(root, index, *self._wanted())
        return index

    def _wanted(self):
        return (
            self.options["modalities"],
            self.options["sensors"],
            self.options["camera"],
        )

    def recordings(self, index):
        keys, files, missing = [], [], []
        for key in itertools.product(
            range(1, N_SUBJECTS + 1),
            range(1, N_ACTIONS + 1),
            range(1, N_REPETITIONS + 1),
        ):
            needed, absent = _files_for(self.root, index, key, *self._wanted())
            if absent:
                missing.extend(_missing_rows(key, needed, absent, index))
            else:
                keys.append(key)
                files.extend(needed)
        return keys, files, missing

    def read(self, index, key):
        return _read_recording(index, key, dict(self.options, root=self.root))

    def check_frame(self, frame):
        _warn_clipped(frame, self.options["clip"])
        if self.options["align"] == "time_stamps":
            _warn_fallback(frame)

    def units(self):
        return {
            "accelerometer": "g",
            "video": "grey level, 0-255",
            "mocap": "as recorded",
        }

    def channel_names(self):
        sensors = self.options["sensors"]
        return {
            "accelerometer": [
                f"h{s:02d} ({BERKELEY_MHAD_SENSORS[s]}) {axis}"
                for s in sensors
                for axis in "xyz"
            ],
            "video": ["grey"],
        }

    def describe(self, frame):
        sensors = self.options["sensors"]
        return {
            "target": frame["action"].to_numpy(dtype=np.int64) - 1,
            "target_names": np.array(BERKELEY_MHAD_ACTIONS),
            "subject": frame["subject"].to_numpy(dtype=np.int64),
            "repetition": frame["repetition"].to_numpy(dtype=np.int64),
            "sensor_locations": {
                f"h{s:02d}": BERKELEY_MHAD_SENSORS[s] for s in sensors
            },
        }

    def protocols(self):
        return {
            "cross_subject": protocol(
                "subject",
                range(1, 8),
                range(8, 13),
                "subjects 1-7 train, 8-12 test (Ofli et al., 2013)",
            )
        }


def _missing_rows(key, needed, absent, index):
    """Rows of the missing table for a recording with ``absent`` files."""
    official = key in OFFICIALLY_ABSENT
    by_modality = {}
    for modality, what in absent:
        by_modality.setdefault(modality, []).append(what)
    # An image time stamp file shows the recording was made.
    nothing = not needed and key not in index["stamps"]
    rows = []
    for modality, what in by_modality.items():
        if official:
            reason = "absent from the official release"
        elif nothing:
            reason = NOT_FOUND_AT_ALL
        else:
            unreadable = [w for w in what if w.startswith("unreadable")]
            not_found = [w for w in what if w not in unreadable]
            found = ["file not found: " + ", ".join(not_found)] if not_found else []
            reason = "; ".join(found + unreadable)
        rows.append(
            {
                "recording": _name(key),
                "modality": modality,
                "reason": reason,
                "official": official,
            }
        )
    return rows


def _warn_clipped(frame, clip):
    if clip is None or "n_clipped" not in frame:
        return
    clipped = frame[frame["n_clipped"] > 0]
    if clipped.empty:
        return
    warnings.warn(
        f"Berkeley MHAD: {int(clipped['n_clipped'].sum())} accelerometer value(s) "
        f"in {len(clipped)} recording(s) were beyond +-{clip:g} g and were clipped "
        "to it:\n"
        + listing(
            f"{row.recording}: {row.n_clipped} value(s)" for row in clipped.itertuples()
        )
        + '\nclip=None keeps them; frame["n_clipped"] counts them per recording.',
        ClippedValuesWarning,
        stacklevel=user_stacklevel(),
    )


def _warn_fallback(frame):
    fallback = frame.loc[frame["alignment"] == "normalised time", "recording"]
    if fallback.empty:
        return
    warnings.warn(
        f"Berkeley MHAD: {len(fallback)} recording(s) were aligned by normalised "
        "time instead of their time stamps, because their streams did not each "
        f"cover {MIN_OVERLAP:.0%} of the camera window (a sensor file stopping "
        "early or squeezing its samples into too short a span, or a stream "
        "without time stamps):\n"
        + listing(fallback)
        + '\nframe["alignment"] says how each recording was aligned.',
        AlignmentFallbackWarning,
        stacklevel=user_stacklevel(),
    )


def _check_present(root, index, modalities, sensors, camera):
    if "accelerometer" in modalities:
        found = {s for slot in index["acc"].values() for s in slot}
        absent = [s for s in sensors if s not in found]
        if absent:
            raise FileNotFoundError(
                f"No Berkeley MHAD accelerometer files for Shimmer sensor(s) {absent} "
                f"under {root}. Expected files like "
                f"{root / 'Accelerometer' / 'Shimmer01' / 'acc_h01_s01_a01_r01.txt'} "
                f"(see {HOME_PAGE})."
            )
    if "mocap" in modalities and not index["mocap"]:
        raise FileNotFoundError(
            f"No Berkeley MHAD motion capture files under {root}. Expected files "
            f"like {root / 'Mocap' / 'OpticalData' / 'moc_s01_a01_r01.txt'} "
            f"(see {HOME_PAGE})."
        )
    if "video" in modalities:
        folder = _camera_folder(root, camera, (1, 1, 1)).parents[2]
        if not folder.is_dir():
            clusters = sorted(
                str(p.relative_to(root))
                for p in (root / "Camera").glob("Cluster*/Cam*")
            )
            raise FileNotFoundError(
                f"No Berkeley MHAD camera folder {folder}. Expected one .pgm image "
                f"per frame in {folder / 'S01' / 'A01' / 'R01'}; camera folders found: "
                f"{clusters or 'none'} (see {HOME_PAGE})."
            )


def _files_for(root, index, key, modalities, sensors, camera):
    """Files a recording needs, and what is absent as (modality, file)."""
    needed, absent = [], []
    name = _name(key)
    if "accelerometer" in modalities:
        slot = index["acc"].get(key, {})
        for sensor in sensors:
            if sensor in slot:
                needed.append(slot[sensor])
            else:
                absent.append(("accelerometer", f"acc_h{sensor:02d}_{name}.txt"))
    if "mocap" in modalities:
        if key in index["mocap"]:
            needed.append(index["mocap"][key])
        else:
            absent.append(("mocap", f"moc_{name}.txt"))
    if "video" in modalities:
        folder = _camera_folder(root, camera, key)
        images = []
        if folder.is_dir():
            try:
                os.listdir(folder)  # glob would yield nothing, silently
            except OSError as exc:
                absent.append(("video", f"unreadable folder {folder} ({exc.strerror})"))
                images = None
            else:
                images = sorted(folder.glob("*.pgm"))
        if images:
            needed.extend(images)
        elif images is not None:
            absent.append(("video", f"{folder.relative_to(root)}/*.pgm"))
    if key in index["stamps"] and not absent:
        needed.append(index["stamps"][key])
    return needed, absent


def _read_stamps(path):
    table = read_whitespace_table(path)
    if table.shape[1] == 2:
        times = table[:, 1]
    elif table.shape[1] == 3:  # seconds and microseconds in two columns
        times = table[:, 1] + table[:, 2] * 1e-6
    else:
        raise read_error(path, f"{table.shape[1]} columns, expected index and time")
    if times.size < 2 or np.any(np.diff(times) <= 0):
        raise read_error(path, "image time stamps are not increasing")
    return times


def _read_accelerometer(path, clip):
    table = read_whitespace_table(path, n_columns=4)
    times, values = clean_times(table[:, 3], table[:, :3])
    check_enough_samples(len(times), path, "accelerometer sample(s) at distinct times")
    n_clipped = 0
    if clip is not None:
        n_clipped = int((np.abs(values) > clip).sum())
        values = np.clip(values, -clip, clip)
    return times, values, n_clipped


def _read_mocap(path):
    table = read_large_whitespace_table(path, min_columns=3 * N_MARKERS)
    markers = table[:, : 3 * N_MARKERS].reshape(-1, N_MARKERS, 3)
    last = table[:, -1]
    times = None
    if table.shape[1] > 3 * N_MARKERS and last.min() > 1e9:
        times, markers = clean_times(last, markers)
    check_enough_samples(len(markers), path, "motion capture frame(s)")
    occluded = (markers == 0).all(axis=2)
    n_occluded = int(occluded.sum())
    if n_occluded:
        markers = markers.copy()
        steps = np.arange(len(markers))
        for marker in np.flatnonzero(occluded.any(axis=0)):
            seen = ~occluded[:, marker]
            if seen.sum() >= 1:
                for axis in range(3):
                    markers[:, marker, axis] = np.interp(
                        steps, steps[seen], markers[seen, marker, axis]
                    )
    return times, markers, n_occluded


def _read_recording(index, key, settings):
    subject, action, repetition = key
    row = {
        "recording": _name(key),
        "subject": subject,
        "action": action,
        "action_name": BERKELEY_MHAD_ACTIONS[action - 1],
        "repetition": repetition,
    }
    streams, stamps = _read_streams(index, key, settings, row)
    window = _window(streams, stamps) if settings["align"] == "time_stamps" else None
    row["alignment"] = "time stamps" if window is not None else "normalised time"
    parsed = _accelerometer(streams, window, settings["n_timestamps"], row)
    n_frames = settings["n_frames"]
    for name, times, values in streams:
        if name == "mocap":
            length = n_frames or samples_in_window(times, window, len(values))
            parsed["mocap"] = _resample(values, times, length, window, "linear")
        elif name == "video":
            length = n_frames or samples_in_window(times, window, len(values))
            picks = _resample(
                np.arange(len(values)), times, length, window, "nearest"
            ).astype(int)
            frames = [_read_frame(values[i], settings["video_size"]) for i in picks]
            parsed["video"] = np.stack(frames)[:, None]
    row["path_accelerometer"] = (
        ";".join(str(index["acc"][key][s]) for s in settings["sensors"])
        if "accelerometer" in parsed
        else ""
    )
    row["path_time_stamps"] = str(index["stamps"].get(key, ""))
    return parsed, row


def _read_streams(index, key, settings, row):
    """``(modality, times or None, values with time on axis 0)`` per stream,
    and the image time stamps (or None); the counts go into ``row``."""
    modalities = settings["modalities"]
    streams = []
    if "accelerometer" in modalities:
        clipped = 0
        for sensor in settings["sensors"]:
            times, values, n_clipped = _read_accelerometer(
                index["acc"][key][sensor], settings["clip"]
            )
            clipped += n_clipped
            streams.append(("accelerometer", times, values))
        row["n_clipped"] = clipped
    stamps = None
    if key in index["stamps"]:
        stamps = _read_stamps(index["stamps"][key])
    if "mocap" in modalities:
        times, markers, n_occluded = _read_mocap(index["mocap"][key])
        streams.append(("mocap", times, markers))
        row["n_mocap_frames"] = len(markers)
        row["n_mocap_occluded"] = n_occluded
    if "video" in modalities:
        folder = _camera_folder(settings["root"], settings["camera"], key)
        images = sorted(folder.glob("*.pgm"))
        check_enough_samples(len(images), folder, "PGM frame(s)")
        times = stamps if stamps is not None and len(stamps) == len(images) else None
        streams.append(("video", times, images))
        row["n_video_frames"] = len(images)
        row["path_video"] = str(folder)
    return streams, stamps


def _accelerometer(streams, window, n_timestamps, row):
    """``{"accelerometer": (3 * n_sensors, length)}``, or ``{}`` without one."""
    sensors = [values for name, _, values in streams if name == "accelerometer"]
    acc_times = [times for name, times, _ in streams if name == "accelerometer"]
    if not sensors:
        return {}
    if n_timestamps is None:
        counts = [
            len(t)
            if window is None
            else int(((t >= window[0]) & (t <= window[1])).sum())
            for t in acc_times
        ]
        length = max(int(np.median(counts)), 2)
    else:
        length = n_timestamps
    channels = [
        _resample(values, times, length, window, "linear")
        for values, times in zip(sensors, acc_times, strict=True)
    ]
    row["n_accelerometer_samples"] = int(np.median([len(s) for s in sensors]))
    return {"accelerometer": np.concatenate(channels, axis=1).T}


def _read_frame(path, size):
    image = read_pgm(path).astype(np.float32)
    if image.max() > 255:
        image = image / 257.0  # 16-bit PGM to the 0-255 range
    return np.clip(np.rint(resize_image(image, size, "area")), 0, 255).astype(np.uint8)


def _window(streams, stamps):
    """Common real-time window, or None where the time stamps disagree."""
    spans = [(t[0], t[-1]) for _, t, _ in streams if t is not None]
    if any(t is None for _, t, _ in streams) or not spans:
        return None
    if stamps is not None:
        start, stop = stamps[0], stamps[-1]
    else:
        start = max(s for s, _ in spans)
        stop = min(e for _, e in spans)
    if not stop > start:
        return None
    for first, last in spans:
        overlap = min(stop, last) - max(start, first)
        if overlap < MIN_OVERLAP * (stop - start):
            return None
    return start, stop


def _resample(values, times, length, window, kind):
    if window is None or times is None:
        return resample_on_normalised_time(values, length, kind=kind)
    targets = np.linspace(window[0], window[1], length)
    return interpolate(values, times, targets, axis=0, kind=kind)
