from safespaces.cli import main
import sys

sys.exit(main())
