"""``python -m vskdlearn`` is the ``vskd`` command."""

import sys

from .cli import main

sys.exit(main())
