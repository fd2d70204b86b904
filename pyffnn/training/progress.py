"""The one progress display of training, used by ``fit(verbose=1|2)`` and by the ``pyffnn`` command line."""
import sys
import time

from .callbacks import Callback

_METRICS = (("loss", "loss"), ("accuracy", "acc"), ("val_loss", "val_loss"), ("val_accuracy", "val_acc"))


class ProgressBar(Callback):
    """Training progress drawn on ``stream`` (standard error by default).

    ``mode="run"`` (the command line's): one bar over all epochs with the last epoch's metrics; on a terminal it
    redraws one line at most ten times a second, elsewhere (a log file) it writes about ten plain lines.
    ``mode="epoch"`` (``fit(verbose=2)``): a live bar per epoch that fills as the chunks of steps finish and ends as
    that epoch's line with its metrics; off a terminal only the finished lines are written.
    ``mode="line"`` (``fit(verbose=1)``): one plain line per epoch.

    ``epochs`` is the last epoch number shown (default: ``fit``'s ``epochs``).
    """

    def __init__(self, epochs=None, stream=None, width=30, mode="run"):
        if mode not in ("run", "epoch", "line"):
            raise ValueError(f"ProgressBar mode must be 'run', 'epoch' or 'line', got {mode!r}")
        self.epochs = None if epochs is None else max(int(epochs), 1)
        self.stream = sys.stderr if stream is None else stream
        self.width, self.mode = width, mode
        isatty = getattr(self.stream, "isatty", None)
        self.interactive = bool(isatty and isatty())
        self._last_draw, self._last_tenth, self._open_line = 0.0, -1, False  # open: a redrawn line lacks "\n"

    def _total(self):
        if self.epochs is not None:
            return self.epochs
        return max(int(self.params.get("epochs", 1)), 1)

    def on_train_begin(self, logs=None):
        self._last_draw, self._last_tenth, self._open_line = 0.0, -1, False

    def on_chunk_end(self, step, logs=None):
        if self.mode != "epoch" or not self.interactive:
            return
        logs = logs or {}
        now = time.monotonic()
        if now - self._last_draw < 0.1:
            return
        self._last_draw = now
        samples = max(int(self.params.get("samples", 1)), 1)
        live = {"loss": logs["loss"]} if "loss" in logs else {}
        self._draw("\r" + self.line(logs.get("epoch", 0) + 1, live, min(logs.get("samples", 0) / samples, 1.0)))

    def on_epoch_end(self, epoch, logs=None):
        logs, done, total = logs or {}, epoch + 1, self._total()
        if self.mode == "line":
            self._write(self.line(done, logs, None) + "\n")
        elif self.mode == "epoch":
            self._write(("\r" if self._open_line else "") + self.line(done, logs, 1.0) + "\n")
        elif self.interactive:
            now = time.monotonic()
            if done < total and now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self._draw("\r" + self.line(done, logs, done / total))
        else:
            tenth = done * 10 // total
            if tenth == self._last_tenth and done < total:
                return
            self._last_tenth = tenth
            self._write(self.line(done, logs, done / total) + "\n")

    def on_train_end(self, logs=None):
        self.close()

    def close(self):
        """End a redrawn line, so that what follows (an error, say) starts on a fresh line."""
        if self._open_line:
            self._write("\n")

    def _draw(self, text):
        self.stream.write(text)
        self.stream.flush()
        self._open_line = True

    def _write(self, text):
        self.stream.write(text)
        self.stream.flush()
        self._open_line = False

    def line(self, done, logs, fraction):
        """``epoch  3/10 [#####.....]  loss 0.1234  acc 0.9000 ...``; no bar when ``fraction`` is None."""
        total = self._total()
        digits = len(str(total))
        parts = [f"epoch {done:>{digits}}/{total}"]
        if fraction is not None:
            filled = min(int(self.width * fraction + 1e-9), self.width)
            parts[0] += " [" + "#" * filled + "." * (self.width - filled) + "]"
        for key, label in _METRICS:
            if key in logs:
                parts.append(f"{label} {logs[key]:.4f}")
        if "lr" in logs and self.mode != "run":
            parts.append(f"lr {logs['lr']:.3g}")
        return "  ".join(parts)
