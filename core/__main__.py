"""Command line: `python -m core <command>`."""

import sys

from core.cli import main

sys.exit(main())
