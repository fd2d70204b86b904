"""``python -m pyffnn_gui`` runs the app (same as the ``pyffnn-gui`` command)."""
import sys

from pyffnn_gui.app import main

sys.exit(main())
