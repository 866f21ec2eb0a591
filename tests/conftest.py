"""Shared test fixtures."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_datasets_dir():
    override = os.environ.get("VSKD_SHARED_DATASETS")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def shared_datasets():
    """Folder of the real datasets in the authors' layouts; skip when absent."""
    path = _shared_datasets_dir()
    if not path.is_dir():
        pytest.skip(
            f"real datasets not found at {path} (set VSKD_SHARED_DATASETS to the "
            "folder holding utd_mhad/, berkeley_mhad/, mmact_sample/)"
        )
    return path
