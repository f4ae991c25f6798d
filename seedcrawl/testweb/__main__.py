import sys

from seedcrawl.testweb.serving import main

sys.exit(main())
