import sys

from luutru.cli import main

sys.exit(main())
