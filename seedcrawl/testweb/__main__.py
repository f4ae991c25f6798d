import sys

from seedcrawl.testweb.cli import main

sys.exit(main())
