"""``python -m bridge.cli`` is the ``bridge`` console script."""

import sys

from bridge.cli.main import main

sys.exit(main())
