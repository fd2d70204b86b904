"""Does watching cost training speed? The app (neuron maps on, live plots) against headless ``Network.fit``.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/gui_training_speed.py [--epochs 2000] [--repeats 3]

Workload: the two spirals (400 samples, the app's default split), network 2-16tanh-16tanh-1sigmoid, Adam, batch 16
(the app's defaults). Headless: ``net.fit`` with the same data, settings and number of epochs. App: a real
``MainWindow`` (offscreen Qt) with the neuron maps on, Play, wall time until the run finished, redraws included.
Goal: the app reaches at least 50 % of headless epochs/second. The rate is a steady-state one: a run of a few
hundred epochs (under half a second headless) is dominated by the app's fixed costs (the first and final redraws,
the gradient probe at the start), so the default is 2000 epochs. Prints one line per measurement and the median ratio.
Also reports the longest UI-thread redraw while training (``MainWindow.frame_costs``).
"""
import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def headless(epochs: int) -> float:
    from pyffnn_gui.config import ExperimentConfig
    from pyffnn_gui.data_source import load
    from pyffnn_gui.session import Session

    cfg = ExperimentConfig()
    cfg.data.builtin, cfg.data.noise = "spiral", 0.05
    s = Session(cfg)
    s.set_data(load(cfg.data))
    kw = s.fit_kwargs()
    X, y = s.data.Xs_train, s.targets(s.data.y_train)
    t0 = time.perf_counter()
    s.net.fit(X, y, epochs=epochs, random_state=0, **kw)
    return epochs / (time.perf_counter() - t0)


def app(epochs: int):
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from pyffnn_gui.config import ExperimentConfig
    from pyffnn_gui.main_window import MainWindow

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    cfg = ExperimentConfig()
    cfg.data.builtin, cfg.data.noise = "spiral", 0.05
    cfg.train.epochs = epochs
    win = MainWindow(cfg)
    win.files.interactive = False
    win.show()
    assert win.maps_check.isChecked()
    qapp.processEvents()
    loop = QEventLoop()
    win.training_finished.connect(lambda _info: loop.quit())
    t0 = time.perf_counter()
    win.play()
    loop.exec()
    rate = epochs / (time.perf_counter() - t0)
    worst = max(win.frame_costs) if win.frame_costs else 0.0
    assert win.session.epochs_done == epochs and win.network_view.maps_visible()
    win.shutdown()
    win.close()
    return rate, worst


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    ratios = []
    for r in range(args.repeats):
        h = headless(args.epochs)
        a, worst = app(args.epochs)
        ratios.append(a / h)
        print(f"repeat {r + 1}: headless {h:,.0f} epochs/s, app with neuron maps {a:,.0f} epochs/s "
              f"({a / h:.0%}); longest redraw {1000 * worst:.0f} ms")
    med = statistics.median(ratios)
    print(f"median: the app trains at {med:.0%} of headless fit (goal >= 50%) -> {'PASS' if med >= 0.5 else 'FAIL'}")
    return 0 if med >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
