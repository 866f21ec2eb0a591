"""How the loaders walk a dataset folder: links followed, nothing skipped silently."""

import os
import re
import shutil
import warnings

import pytest
from _trees import berkeley_tree, mmact_tree, utd_tree

from vskdlearn.datasets import (
    MissingRecordingsWarning,
    load_berkeley_mhad,
    load_mmact,
    load_utd_mhad,
)


def _move_and_link(root, folder, elsewhere):
    shutil.move(root / folder, elsewhere)
    (root / folder).symlink_to(elsewhere, target_is_directory=True)


@pytest.mark.parametrize(
    "make, load, folder",
    [
        (utd_tree, load_utd_mhad, "Inertial"),
        (utd_tree, load_utd_mhad, "Skeleton"),
        (berkeley_tree, load_berkeley_mhad, "Accelerometer"),
        (mmact_tree, load_mmact, "acc_watch_clip"),
    ],
)
@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
def test_a_symlinked_modality_folder_is_followed(tmp_path, make, load, folder):
    root = make(tmp_path / "d")
    expected = load(root)
    _move_and_link(root, folder, tmp_path / "other_disk")
    (root / folder / "loop").symlink_to(root, target_is_directory=True)  # a cycle
    linked = load(root)
    assert len(linked.target) == len(expected.target)
    assert linked.missing["reason"].tolist() == expected.missing["reason"].tolist()


def _unlistable(monkeypatch, folder):
    # Permissions cannot hide a folder from root (tests may run as root), so
    # os.scandir, which os.walk lists folders with, refuses this one.
    scandir = os.scandir

    def refusing(path="."):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)


def _utd_with_a_sub_folder(root):
    root = utd_tree(root)
    (root / "Skeleton" / "more").mkdir()
    for path in sorted((root / "Skeleton").glob("a2_*.mat")):
        path.rename(root / "Skeleton" / "more" / path.name)
    return root


@pytest.mark.parametrize(
    "make, load, folder",
    [
        (_utd_with_a_sub_folder, load_utd_mhad, "Skeleton/more"),
        (mmact_tree, load_mmact, "gyro_clip/subject1"),
        (berkeley_tree, load_berkeley_mhad, "Accelerometer/Shimmer03"),
    ],
)
def test_an_unreadable_folder_is_said_to_be_unreadable(
    tmp_path, monkeypatch, make, load, folder
):
    root = make(tmp_path / "d")
    unreadable = root.resolve() / folder
    _unlistable(monkeypatch, unreadable)
    message = re.escape(
        f"cannot read the folder(s)\n  {unreadable} (Permission denied)"
    )
    with pytest.raises(PermissionError, match="(?s)" + message + ".*on_error='warn'"):
        load(root)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if folder.startswith("Accelerometer"):
            # A whole sensor unreadable: none of its files is left to load.
            with pytest.raises(FileNotFoundError, match="Shimmer sensor"):
                load(root, on_error="warn")
        else:
            assert len(load(root, on_error="warn").target) > 0
    first = record[0]
    assert first.category is MissingRecordingsWarning
    assert re.search(message, str(first.message))
    # Then, where something was loaded, the recordings left out.
    assert len(record) == (1 if folder.startswith("Accelerometer") else 2)


def test_an_unreadable_berkeley_camera_folder_is_reported_so(tmp_path, monkeypatch):
    root = berkeley_tree(tmp_path / "b").resolve()
    folder = root / "Camera" / "Cluster01" / "Cam01" / "S01" / "A02" / "R01"
    listdir = os.listdir

    def refusing(path="."):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listdir(path)

    monkeypatch.setattr(os, "listdir", refusing)
    with pytest.warns(MissingRecordingsWarning, match="unreadable folder .*R01"):
        data = load_berkeley_mhad(root, modalities=("accelerometer", "video"))
    assert data.missing["reason"].str.contains("Permission denied").any()
