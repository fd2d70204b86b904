"""Entry point of the ``pyffnn-gui`` command.

Examples::

    pyffnn-gui                                   # circle data set and a 2-16tanh-16tanh-1sigmoid network
    pyffnn-gui --dataset spiral --layers 32relu-32relu --lr 0.005
    pyffnn-gui --csv iris.csv --target species
    pyffnn-gui --dataset spiral --epochs 200 --screenshot out.png   # headless: train, render window, exit
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from typing import List, Optional

from pyffnn_gui.config import HIDDEN_ACTIVATIONS, LIMITS, MAX_DROPOUT, OPTIMIZERS, ExperimentConfig, LayerSpec


def parse_hidden(text: str) -> List[LayerSpec]:
    """``"16tanh-16tanh-8maxout3"`` → hidden LayerSpecs (an empty string means no hidden layer), read by the
    library's own layer-string parser."""
    import pyffnn

    text = text.strip().strip("-")
    if not text:
        return []
    try:
        _, layers = pyffnn.parse_spec(f"1-{text}-1")
    except pyffnn.FFNNError as exc:
        raise argparse.ArgumentTypeError(str(exc).replace("'1-", "'").replace("-1'", "'")) from None
    out = []
    for layer in layers[:-1]:
        if layer.activation not in HIDDEN_ACTIVATIONS:
            raise argparse.ArgumentTypeError(f"bad hidden layer {layer.token()!r}: a hidden activation must be one "
                                             f"of {', '.join(HIDDEN_ACTIVATIONS)}")
        if layer.dropout > MAX_DROPOUT:
            raise argparse.ArgumentTypeError(f"bad hidden layer {layer.token()!r}: the app takes dropout rates up to "
                                             f"{MAX_DROPOUT}")
        out.append(LayerSpec(layer.units, layer.activation, layer.pieces if layer.activation == "maxout" else 2,
                             float(layer.dropout)))
    return out


def _fail(message: str) -> None:
    """One line on stderr and exit status 2, like argparse's own errors."""
    print(f"pyffnn-gui: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_ranges(args: argparse.Namespace) -> None:
    """Numbers outside what the app accepts are an error that names the range (never silently clamped)."""
    for name, value in (("lr", args.lr), ("batch_size", args.batch_size), ("epochs", args.epochs),
                        ("seed", args.seed)):
        lo, hi = LIMITS[name]
        if value is not None and not lo <= value <= hi:
            _fail(f"--{name.replace('_', '-')} {value:g} is outside {lo:g}..{hi:g}")
    if args.dataset is not None:
        from pyffnn import datasets

        if args.dataset not in datasets.BUILTIN:
            _fail(f"no built-in data set {args.dataset!r}; choose one of {', '.join(sorted(datasets.BUILTIN))}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pyffnn-gui", description="pyffnn desktop app: design, train and watch "
                                "feedforward networks.")
    data = p.add_argument_group("data")
    src = data.add_mutually_exclusive_group()
    src.add_argument("--dataset", help="built-in data set name (circle, xor, blobs, spiral, moons, sine, ...)")
    src.add_argument("--csv", help="CSV file to load")
    data.add_argument("--target", default=None, help="CSV target column (name or 0-based index; default last)")
    data.add_argument("--samples", type=int, default=None, help="built-in data set: number of samples")
    data.add_argument("--noise", type=float, default=None,
                      help="built-in data set: noise level (default: the level pyffnn.datasets uses for that set)")
    data.add_argument("--data-seed", type=int, default=None, help="seed of the generated data and the split")
    net = p.add_argument_group("network and training")
    net.add_argument("--layers", type=parse_hidden, default=None,
                     help="hidden layers, e.g. 8tanh-8tanh or 16relu-8maxout3")
    net.add_argument("--optimizer", choices=[name for _, name in OPTIMIZERS], default=None)
    net.add_argument("--lr", type=float, default=None, help="learning rate")
    net.add_argument("--batch-size", type=int, default=None, help="1 = per-example, 0 = full batch")
    net.add_argument("--epochs", type=int, default=None,
                     help="epochs per Play (and for --screenshot); 0 = until Pause")
    net.add_argument("--seed", type=int, default=None, help="weight initialisation seed")
    p.add_argument("--project", help="open this project file on start")
    p.add_argument("--screenshot", metavar="PNG", help="train --epochs epochs headless, save the window, exit")
    p.add_argument("--size", default="1280x720", help="window size WIDTHxHEIGHT (default 1280x720)")
    p.add_argument("--runs-db", metavar="FILE", help="record runs in this run store (default $PYFFNN_RUNS_DB or "
                   "the per-user one)")
    p.add_argument("--no-record", action="store_true", help="do not record runs in the run store")
    return p


def config_from_args(args: argparse.Namespace) -> ExperimentConfig:
    cfg = ExperimentConfig()
    d, t = cfg.data, cfg.train
    if args.dataset:
        from pyffnn_gui.data_source import default_noise

        d.source, d.builtin = "builtin", args.dataset
        d.noise = default_noise(args.dataset, d.noise)
    if args.csv:
        d.source, d.csv_path = "csv", os.path.abspath(args.csv)
    for attr, value in (("n_samples", args.samples), ("noise", args.noise), ("seed", args.data_seed)):
        if value is not None:
            setattr(d, attr, value)
    if args.layers is not None:
        cfg.network.hidden = args.layers
    for attr, value in (("optimizer", args.optimizer), ("lr", args.lr), ("batch_size", args.batch_size),
                        ("epochs", args.epochs), ("seed", args.seed)):
        if value is not None:
            setattr(t, attr, value)
    return cfg


def _resolve_target(cfg: ExperimentConfig, target: Optional[str]) -> None:
    if target is None or cfg.data.source != "csv":
        return
    from pyffnn_gui.data_source import csv_columns

    names = csv_columns(cfg.data.csv_path)
    if re.fullmatch(r"-?\d+", target):
        cfg.data.target = int(target)
    elif target in names:
        cfg.data.target = names.index(target)
    else:
        raise SystemExit(f"pyffnn-gui: error: no column {target!r} in {cfg.data.csv_path}; columns: "
                         f"{', '.join(names)}")


# Said by Qt's offscreen platform (--screenshot) on every window resize; it means nothing to a user.
HARMLESS_QT_MESSAGES = frozenset({"This plugin does not support propagateSizeHints()"})


def _qt_message(mode, context, message: str) -> None:
    """Qt's messages go to stderr as usual, but for the harmless ones above (thirty lines of them per screenshot)."""
    if message not in HARMLESS_QT_MESSAGES:
        print(message, file=sys.stderr)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    check_ranges(args)
    if args.screenshot and args.epochs == 0:
        _fail("--screenshot needs a number of --epochs (0 means until Pause)")
    if args.screenshot and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"     # a screenshot needs no screen
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        # Qt would abort the interpreter here; say what is wrong instead
        print("pyffnn-gui: error: no screen (neither DISPLAY nor WAYLAND_DISPLAY is set); run it on a desktop, "
              "or use --screenshot PNG to render without one", file=sys.stderr)
        return 2
    m = re.fullmatch(r"(\d+)x(\d+)", args.size)
    if not m:
        raise SystemExit(f"pyffnn-gui: error: --size must look like 1280x720, got {args.size!r}")
    if args.screenshot:
        import pyffnn
        try:   # a missing folder or a device is said now, not after training
            pyffnn.check_writable(args.screenshot)
        except (OSError, pyffnn.FFNNError) as exc:
            print(f"pyffnn-gui: error: cannot write the screenshot: {exc}", file=sys.stderr)
            return 2
    from pyffnn_gui.platform_check import platform_problem

    problem = platform_problem()
    if problem:                       # instead of Qt's abort
        print(problem, file=sys.stderr)
        return 2

    from PySide6.QtCore import QEventLoop, QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from pyffnn_gui.data_source import DataLoadError
    from pyffnn_gui.main_window import MainWindow
    from pyffnn_gui.project_io import save_widget_png

    cfg = config_from_args(args)
    try:
        _resolve_target(cfg, args.target)
    except DataLoadError as exc:
        print(f"pyffnn-gui: error: {exc}", file=sys.stderr)
        return 2
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(cfg, load_default=False)
    if args.no_record:
        window.recorder.enabled = False
    elif args.runs_db:
        window.recorder.use_store(os.path.abspath(args.runs_db))
    if args.screenshot:
        window.files.interactive = False
    window.resize(int(m.group(1)), int(m.group(2)))
    window.show()
    ok = window.open_project_file(args.project) if args.project else window.load_data()
    if args.screenshot:
        try:
            if not ok:
                print(f"pyffnn-gui: error: {window.data_panel.message() or window.train_panel.status_label.text()}",
                      file=sys.stderr)
                return 2
            if args.epochs:
                loop = QEventLoop()
                window.training_finished.connect(lambda _info: loop.quit())
                window.play()
                if window.running:
                    loop.exec()
            window.redraw_now()
            for _ in range(3):   # let layouts and pyqtgraph settle before grabbing
                app.processEvents()
                QTimer.singleShot(10, lambda: None)
            try:
                save_widget_png(window, args.screenshot)
            except Exception as exc:  # a full disk or a folder removed meanwhile: one line, no traceback
                print(f"pyffnn-gui: error: cannot write the screenshot: {exc}", file=sys.stderr)
                return 2
            h = window.session.history
            loss = h["loss"][-1] if h["loss"] else float("nan")
            print(f"trained {window.session.epochs_done} epochs, final loss {loss:.5g}; "
                  f"wrote {args.screenshot}")
            if window.last_error:
                print(f"pyffnn-gui: training error: {window.last_error}", file=sys.stderr)
                return 1
            return 0
        finally:
            window.shutdown()
            window.close()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
