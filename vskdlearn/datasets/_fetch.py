"""Data home, verified downloads and safe archive extraction."""

import hashlib
import os
import re
import shutil
import tarfile
import urllib.error
import urllib.request
import warnings
import zipfile
from pathlib import Path, PurePosixPath

__all__ = ["get_data_home", "clear_data_home"]

_CHUNK = 1 << 16


def get_data_home(data_home=None):
    """Folder where vskdlearn keeps downloads and its cache.

    By order of precedence: the ``data_home`` argument, the ``VSKDLEARN_DATA``
    environment variable, ``~/vskdlearn_data``. The folder is created if it
    does not exist.

    Parameters
    ----------
    data_home : str or path-like, optional

    Returns
    -------
    str
    """
    if data_home is None:
        data_home = os.environ.get("VSKDLEARN_DATA", "~/vskdlearn_data")
    path = Path(os.path.expanduser(os.fspath(data_home)))
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def clear_data_home(data_home=None):
    """Delete the data home and everything in it (downloads and cache)."""
    shutil.rmtree(get_data_home(data_home))


def _what_to_do(url, by_hand):
    return (
        "Check the address (a typo in base_url? the file moved?) and the network "
        "connection (offline? a proxy or firewall?), then try again; or download "
        f"{url} by hand (e.g. in a browser) and "
        + (by_hand or "put it where it is expected")
        + "."
    )


def download(url, target, sha256=None, progress=True, timeout=60, by_hand=None):
    """Download ``url`` to ``target``, checking its SHA-256 when one is known.

    The file is written to ``target.part`` and renamed once complete and
    verified, so an interrupted download never looks finished. Returns the
    SHA-256 of the file. With ``sha256=None`` nothing can be verified: a
    warning says so and gives the digest of what was received. A failed
    request raises an OSError naming the URL and saying what to do;
    ``by_hand`` completes "download it by hand and ...".
    """
    from tqdm.auto import tqdm

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    request = urllib.request.Request(url, headers={"User-Agent": "vskdlearn"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = response.headers.get("Content-Length")
            bar = tqdm(
                total=int(total) if total else None,
                unit="B",
                unit_scale=True,
                desc=target.name,
                disable=not progress,
                leave=False,
            )
            received = 0
            with bar, open(partial, "wb") as stream:
                for block in iter(lambda: response.read(_CHUNK), b""):
                    stream.write(block)
                    digest.update(block)
                    received += len(block)
                    bar.update(len(block))
            if total and received != int(total):
                raise OSError(
                    f"Download of {url} ended early ({received} of {total} bytes)."
                )
    except urllib.error.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise OSError(
            f"Could not download {url}: the server answered HTTP {exc.code} "
            f"({exc.reason}). {_what_to_do(url, by_hand)}"
        ) from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", None) or exc
        raise OSError(
            f"Could not download {url}: {reason}. {_what_to_do(url, by_hand)}"
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    actual = digest.hexdigest()
    if sha256 is not None and actual != sha256.lower():
        partial.unlink(missing_ok=True)
        raise OSError(
            f"Checksum mismatch for {url}: expected SHA-256 {sha256}, got {actual}. "
            "The download is corrupt or the file changed on the server; it was "
            "deleted. Try again, or download it by hand."
        )
    if sha256 is None:
        warnings.warn(
            f"No published checksum for {url}: its integrity cannot be verified. "
            f"Received SHA-256 {actual} (recorded next to the file).",
            stacklevel=3,
        )
    os.replace(partial, target)
    return actual


def _check_member(name, target):
    """Refuse archive members that would land outside ``target``."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if (
        pure.is_absolute()
        or ".." in pure.parts
        or (pure.parts and ":" in pure.parts[0])
    ):
        raise ValueError(
            f"Refusing to extract {name!r}: it would be written outside {target} "
            "(absolute path or '..' in the archive)."
        )
    resolved = (target / pure).resolve()
    if resolved != target and target not in resolved.parents:
        raise ValueError(
            f"Refusing to extract {name!r}: it would be written outside {target}."
        )


def extract(archive, target):
    """Extract a zip or tar archive into ``target``, refusing unsafe members.

    Every member is checked before anything is written: absolute paths, ``..``
    components, and (in tar files) links and device files are refused with a
    ValueError naming the member.
    """
    archive, target = Path(archive), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    target = target.resolve()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                _check_member(info.filename, target)
            bundle.extractall(target)
        return target
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            members = bundle.getmembers()
            for member in members:
                _check_member(member.name, target)
                if not (member.isfile() or member.isdir()):
                    raise ValueError(
                        f"Refusing to extract {member.name!r}: links and special "
                        "files are not expected in a dataset archive."
                    )
            # The "data" filter (Python >= 3.10.12 / 3.11.4) re-checks the same.
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            bundle.extractall(target, members=members, **kwargs)
        return target
    raise ValueError(f"{archive} is neither a zip nor a tar archive.")


def _recorded_digest(marker):
    """The SHA-256 a marker recorded, or None if it is not readable as one."""
    try:
        fields = marker.read_text().split()
    except (OSError, UnicodeDecodeError):
        return None
    if fields and re.fullmatch(r"[0-9a-f]{64}", fields[0]):
        return fields[0]
    return None


def fetch_archive(
    url, folder, *, sha256=None, progress=True, keep_archive=False, by_hand=None
):
    """Download an archive once into ``folder`` and extract it there.

    A marker file records the archive's SHA-256 after a successful
    extraction, so a second call downloads nothing; a ``sha256`` given to
    that call is checked against the recorded one (a checksum given is
    always verified, never skipped because the files are already there).
    """
    folder = Path(folder)
    name = PurePosixPath(urllib.request.urlparse(url).path).name or "download"
    marker = folder / f".{name}.sha256"
    if marker.exists():
        recorded = _recorded_digest(marker)
        if sha256 is None or recorded == sha256.lower():
            return folder
        if recorded is not None:
            raise OSError(
                f"Checksum mismatch for {name} in {folder}: it was downloaded and "
                f"extracted with SHA-256 {recorded}, not the {sha256} given. If "
                "the given checksum is right, the copy there is another version: "
                f"delete {marker} (and the extracted files) to download it again; "
                "otherwise correct the checksum."
            )
        # A marker that records no digest cannot vouch for anything: refetch.
    archive = folder / name
    digest = download(url, archive, sha256=sha256, progress=progress, by_hand=by_hand)
    try:
        extract(archive, folder)
    finally:
        if not keep_archive:
            archive.unlink(missing_ok=True)
    marker.write_text(f"{digest}  {name}\n")
    return folder
