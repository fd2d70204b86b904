"""The ``pyffnn`` command line: ``pyffnn train|predict|info|datasets|gui``."""
from .commands import ProgressBar, build_parser, main

__all__ = ["ProgressBar", "build_parser", "main"]
