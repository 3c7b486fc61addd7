import sys

from safespaces.cli import main

sys.exit(main())
