"""pyffnn desktop app: design a feedforward network, load data, and watch pyffnn train it live.

Run it with the ``pyffnn-gui`` command (see :mod:`pyffnn_gui.app`). The app only drives pyffnn's public API;
training is always ``pyffnn.Network.fit``, run in a worker process (:mod:`pyffnn_gui.training_process`; in a worker
thread when no process can be started).
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
