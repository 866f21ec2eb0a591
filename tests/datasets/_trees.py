"""Small fixture trees in the exact layouts of the authors' releases."""

from pathlib import Path

import numpy as np
import scipy.io


def write_avi(path, n_frames, height=48, width=64, rate=30, seed=0):
    """An RGB .avi (MPEG-4) whose frame ``i`` is filled with grey level 20*i."""
    import av

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for i in range(n_frames):
            image = np.full((height, width, 3), min(20 * i, 255), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def utd_tree(
    root,
    actions=(1, 2, 22),
    subjects=(1, 2),
    trials=(1, 2),
    kinds=("inertial", "skeleton"),
    skip=(),
    seed=0,
):
    """UTD-MHAD files; inertial samples encode (action, subject, trial)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    folders = {
        "inertial": "Inertial",
        "skeleton": "Skeleton",
        "depth": "Depth",
        "video": "RGB",
    }
    for action in actions:
        for subject in subjects:
            for trial in trials:
                if (action, subject, trial) in skip:
                    continue
                name = f"a{action}_s{subject}_t{trial}"
                length = int(rng.integers(100, 200))
                frames = int(rng.integers(40, 70))
                for kind in kinds:
                    folder = root / folders[kind]
                    folder.mkdir(parents=True, exist_ok=True)
                    if kind == "inertial":
                        d_iner = rng.normal(size=(length, 6))
                        d_iner[:, 0] = action  # recognisable after resampling
                        d_iner[:, 1] = subject
                        d_iner[:, 2] = np.linspace(0, 1, length)  # a ramp
                        scipy.io.savemat(
                            folder / f"{name}_inertial.mat", {"d_iner": d_iner}
                        )
                    elif kind == "skeleton":
                        d_skel = rng.normal(size=(20, 3, frames))
                        d_skel[0, 0, :] = np.linspace(0, 1, frames)  # head x ramp
                        scipy.io.savemat(
                            folder / f"{name}_skeleton.mat", {"d_skel": d_skel}
                        )
                    elif kind == "depth":
                        d_depth = np.zeros((240, 320, 8), dtype=np.uint16)
                        d_depth[:, :, :] = np.arange(8, dtype=np.uint16) * 100 + 1000
                        scipy.io.savemat(
                            folder / f"{name}_depth.mat", {"d_depth": d_depth}
                        )
                    elif kind == "video":
                        write_avi(folder / f"{name}_color.avi", n_frames=12)
    return root


def berkeley_tree(
    root,
    subjects=(1, 8),
    actions=(1, 2),
    repetitions=(1,),
    sensors=(1, 2, 3, 4, 5, 6),
    skip=(),
    camera=True,
    mocap=True,
    seed=0,
):
    """Berkeley MHAD files with consistent Unix time stamps across streams."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    start = 1309539264.0
    for subject in subjects:
        for action in actions:
            for repetition in repetitions:
                key = f"s{subject:02d}_a{action:02d}_r{repetition:02d}"
                if key in skip:
                    continue
                duration = 3.0
                stamps = start + np.arange(0.0, duration, 1 / 22.0)
                folder = root / "Time_stamps"
                folder.mkdir(parents=True, exist_ok=True)
                np.savetxt(
                    folder / f"time_stamps_img_{key}.txt",
                    np.column_stack([np.arange(len(stamps)), stamps]),
                    fmt=["%d", "%.6f"],
                )
                for sensor in sensors:
                    times = start - 0.05 + np.cumsum(rng.uniform(0.02, 0.045, 200))
                    times = times[times < start + duration + 0.05]
                    values = np.column_stack(
                        [
                            np.full(len(times), sensor / 10),  # which sensor
                            np.sin(2 * np.pi * (times - start) / duration),
                            rng.uniform(-1, 1, len(times)),
                        ]
                    )
                    folder = root / "Accelerometer" / f"Shimmer{sensor:02d}"
                    folder.mkdir(parents=True, exist_ok=True)
                    np.savetxt(
                        folder / f"acc_h{sensor:02d}_{key}.txt",
                        np.column_stack([values, times]),
                        fmt=["%.6f", "%.6f", "%.6f", "%.6f"],
                    )
                if camera:
                    folder = (
                        root
                        / "Camera"
                        / "Cluster01"
                        / "Cam01"
                        / f"S{subject:02d}"
                        / f"A{action:02d}"
                        / f"R{repetition:02d}"
                    )
                    folder.mkdir(parents=True, exist_ok=True)
                    for i in range(len(stamps)):
                        image = np.full((48, 64), min(4 * i, 255), dtype=np.uint8)
                        header = b"P5\n# fixture\n64 48\n255\n"
                        name = f"img_l01_c01_{key}_{i:05d}.pgm"
                        (folder / name).write_bytes(header + image.tobytes())
                if mocap:
                    folder = root / "Mocap" / "OpticalData"
                    folder.mkdir(parents=True, exist_ok=True)
                    times = start + np.arange(0.0, duration, 1 / 480.0)
                    markers = rng.normal(size=(len(times), 43 * 3))
                    markers[:, 0] = (times - start) / duration  # marker 0 x: ramp
                    markers[100:110, 3:6] = 0.0  # marker 1 occluded for 10 frames
                    table = np.column_stack([markers, np.arange(len(times)), times])
                    np.savetxt(folder / f"moc_{key}.txt", table, fmt="%.6f")
    return root


def mmact_line(time, x, y, z):
    return f"{time},{x},{y},{z}\n"


def mmact_clip(path, n=300, rate=100.0, start_second=0, backwards=True, seed=0):
    """A sensor clip with YYYYMMDD_HH:MM:SS.ffffff stamps, some going back."""
    rng = np.random.default_rng(seed)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        seconds = start_second + i / rate
        stamp = (
            f"20181016_13:37:{int(seconds):02d}.{int(round((seconds % 1) * 1e6)):06d}"
        )
        rows.append((stamp, i / (n - 1), 9.80665, rng.normal()))
    if backwards:  # the authors' files have a few rows out of order
        rows[10], rows[11] = rows[11], rows[10]
        rows.insert(50, rows[49])  # and a repeated time stamp
    path.write_text("".join(mmact_line(*row) for row in rows))
    return path


def mmact_tree(
    root,
    subjects=(1, 17),
    scenes=(1, 2),
    sessions=(1,),
    actions=("carrying", "Walking"),
    sources=("acc_phone_clip", "acc_watch_clip", "gyro_clip", "orientation_clip"),
    skip=(),
    video=False,
):
    root = Path(root)
    for subject in subjects:
        for scene in scenes:
            for session in sessions:
                for action in actions:
                    for source in sources:
                        if (subject, scene, session, action, source) in skip:
                            continue
                        name = action if source != "gyro_clip" else action.lower()
                        rate = 50.0 if source == "gyro_clip" else 100.0
                        mmact_clip(
                            root
                            / source
                            / f"subject{subject}"
                            / f"scene{scene}"
                            / f"session{session}"
                            / f"{name}.csv",
                            n=int(3 * rate),
                            rate=rate,
                        )
                    if video:
                        write_avi(
                            root
                            / "trimmed"
                            / f"subject{subject}"
                            / "cam1"
                            / f"scene{scene}"
                            / f"session{session}"
                            / f"{action.lower()}.mp4",
                            n_frames=10,
                        )
    return root
