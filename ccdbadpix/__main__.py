import sys

from ccdbadpix.cli.main import main

sys.exit(main())
