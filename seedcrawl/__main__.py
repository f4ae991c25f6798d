"""`python -m seedcrawl ...`, the same as the `seedcrawl` command."""

import sys

from seedcrawl.cli import main

sys.exit(main())
