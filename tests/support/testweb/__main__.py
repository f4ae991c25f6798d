import sys

from tests.support.testweb.observed import main

sys.exit(main())
