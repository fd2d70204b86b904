"""``python -m pyffnn.cli`` is the ``pyffnn`` command."""
import sys

from .commands import main

sys.exit(main())
