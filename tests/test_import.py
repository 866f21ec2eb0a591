import subprocess
import sys


def test_import_is_light():
    # pyts.image compiles numba kernels at import (20+ s) and torch costs ~1 s:
    # ``import vskdlearn`` must touch neither.
    code = (
        "import sys, vskdlearn; "
        "print('pyts.image' in sys.modules, 'torch' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


def test_public_names_resolve():
    import vskdlearn

    assert vskdlearn.__version__
    assert vskdlearn.Modalities.__name__ == "Modalities"
