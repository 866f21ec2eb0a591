import hashlib
import http.server
import io
import tarfile
import threading
import zipfile
from functools import partial

import numpy as np
import pytest
from _trees import utd_tree

from vskdlearn.datasets import fetch_utd_mhad, get_data_home
from vskdlearn.datasets._fetch import download, extract, fetch_archive


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www; counts requests."""
    folder = tmp_path / "www"
    folder.mkdir()
    requests = []

    class Counting(_Handler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(Counting, directory=str(folder))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", folder, requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_data_home_argument_environment_and_default(tmp_path, monkeypatch):
    assert get_data_home(tmp_path / "a") == str(tmp_path / "a")
    assert (tmp_path / "a").is_dir()
    monkeypatch.setenv("VSKDLEARN_DATA", str(tmp_path / "env"))
    assert get_data_home() == str(tmp_path / "env")
    monkeypatch.delenv("VSKDLEARN_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == str(tmp_path / "home" / "vskdlearn_data")


def test_download_verifies_and_extracts(server, tmp_path):
    url, www, requests = server
    digest = _zip(www / "Inertial.zip", {"Inertial/a1_s1_t1_inertial.mat": b"x" * 1000})
    target = tmp_path / "home" / "utd"
    fetch_archive(f"{url}/Inertial.zip", target, sha256=digest, progress=False)
    assert (target / "Inertial" / "a1_s1_t1_inertial.mat").read_bytes() == b"x" * 1000
    assert not (target / "Inertial.zip").exists()  # archive removed once extracted
    assert (target / ".Inertial.zip.sha256").read_text().startswith(digest)
    fetch_archive(f"{url}/Inertial.zip", target, sha256=digest, progress=False)
    assert requests == ["/Inertial.zip"]  # the second call downloads nothing


def test_wrong_checksum_raises_and_leaves_nothing(server, tmp_path):
    url, www, _ = server
    _zip(www / "a.zip", {"f.txt": b"data"})
    target = tmp_path / "t"
    with pytest.raises(OSError, match="Checksum mismatch.*expected SHA-256 0000"):
        fetch_archive(f"{url}/a.zip", target, sha256="0" * 64, progress=False)
    assert list(target.iterdir()) == []


def test_unknown_checksum_warns_with_the_digest(server, tmp_path):
    url, www, _ = server
    digest = _zip(www / "a.zip", {"f.txt": b"data"})
    with pytest.warns(UserWarning, match=f"cannot be verified.*{digest}"):
        download(f"{url}/a.zip", tmp_path / "a.zip", progress=False)
    assert (tmp_path / "a.zip").exists()


def test_missing_file_on_server_raises(server, tmp_path):
    url, _, _ = server
    with pytest.raises(OSError, match="404"):
        download(f"{url}/nothing.zip", tmp_path / "n.zip", sha256="0" * 64)
    assert not (tmp_path / "n.zip.part").exists()


@pytest.mark.parametrize(
    "member", ["../escape.txt", "/tmp/absolute.txt", "inner/../../escape.txt"]
)
def test_zip_members_escaping_the_folder_are_refused(server, tmp_path, member):
    url, www, _ = server
    digest = _zip(www / "evil.zip", {"ok.txt": b"fine", member: b"owned"})
    target = tmp_path / "deep" / "target"
    with pytest.raises(ValueError, match="Refusing to extract"):
        fetch_archive(f"{url}/evil.zip", target, sha256=digest, progress=False)
    assert not (tmp_path / "deep" / "escape.txt").exists()
    assert not (target / "ok.txt").exists()  # nothing written: checked first


def test_tar_links_and_escapes_are_refused(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as bundle:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        bundle.addfile(info)
    with pytest.raises(ValueError, match="links and special files"):
        extract(archive, tmp_path / "out")
    archive = tmp_path / "escape.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        data = b"owned"
        info = tarfile.TarInfo("../escape.txt")
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "escape.txt").exists()


def test_tar_archive_is_extracted(tmp_path):
    archive = tmp_path / "good.tar.gz"
    with tarfile.open(archive, "w:gz") as bundle:
        data = b"1 2 3 4\n"
        info = tarfile.TarInfo("Accelerometer/Shimmer01/acc.txt")
        info.size = len(data)
        bundle.addfile(info, io.BytesIO(data))
    extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "Accelerometer" / "Shimmer01" / "acc.txt").exists()


def test_not_an_archive(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"plain bytes")
    with pytest.raises(ValueError, match="neither a zip nor a tar"):
        extract(path, tmp_path / "out")


@pytest.mark.filterwarnings("ignore::vskdlearn.datasets.MissingRecordingsWarning")
def test_fetch_utd_mhad_from_a_mirror(server, tmp_path):
    url, www, requests = server
    tree = utd_tree(tmp_path / "built", actions=(1,), subjects=(1, 2), trials=(1,))
    checksums = {}
    for folder in ("Inertial", "Skeleton"):
        members = {
            f"{folder}/{p.name}": p.read_bytes() for p in (tree / folder).iterdir()
        }
        checksums[f"{folder}.zip"] = _zip(www / f"{folder}.zip", members)
    home = tmp_path / "home"
    data = fetch_utd_mhad(
        data_home=home, base_url=url, checksums=checksums, progress=False, n_frames=8
    )
    assert data.skeleton.shape == (2, 8, 20, 3)
    assert sorted(requests) == ["/Inertial.zip", "/Skeleton.zip"]
    again = fetch_utd_mhad(
        data_home=home, base_url=url, checksums=checksums, n_frames=8
    )
    np.testing.assert_array_equal(again.skeleton, data.skeleton)
    assert len(requests) == 2
    # Only what the modalities need is fetched.
    fetch_utd_mhad(
        ("inertial",),
        data_home=tmp_path / "other",
        base_url=url,
        checksums=checksums,
        progress=False,
    )
    assert requests[2:] == ["/Inertial.zip"]


def test_vskd_fetch_downloads_and_says_what_to_run(server, tmp_path, capsys):
    from vskdlearn import cli

    url, www, requests = server
    tree = utd_tree(tmp_path / "built", actions=(1,), subjects=(1, 2), trials=(1,))
    for folder in ("Inertial", "Skeleton"):
        members = {
            f"{folder}/{p.name}": p.read_bytes() for p in (tree / folder).iterdir()
        }
        _zip(www / f"{folder}.zip", members)
    home = tmp_path / "home"
    argv = ["fetch", "utd-mhad", "--data-home", str(home), "--mirror", url]
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert sorted(requests) == ["/Inertial.zip", "/Skeleton.zip"]
    assert (home / "utd_mhad" / "Skeleton" / "a1_s1_t1_skeleton.mat").is_file()
    assert out.splitlines() == [
        f"utd-mhad: 2 recordings (inertial, skeleton) in {home / 'utd_mhad'}",
        f"run: vskd run --dataset utd-mhad --data-home {home / 'utd_mhad'}",
    ]
    # The authors publish no checksums: said in one line, not a Python warning.
    assert "vskd: warning: No published checksum for" in err
    assert "UserWarning" not in err


def test_vskd_fetch_failures_are_one_line_messages(server, tmp_path, capsys):
    from vskdlearn import cli

    url, _, _ = server  # serves nothing: every archive is a 404
    argv = ["fetch", "utd-mhad", "--data-home", str(tmp_path), "--mirror", url]
    assert cli.main([*argv, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("vskd: error: cannot fetch utd-mhad: ")
        and "Traceback" not in err
    )
    assert err.count("\n") == 1
    assert cli.main([*argv, "--modalities", "inertial,smell", "--quiet"]) == 2
    assert "smell" in capsys.readouterr().err
