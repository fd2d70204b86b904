"""Does any user action block the app's UI thread for long on a large network? Goal: at most 100 ms per action.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/gui_responsiveness.py [--repeats 3] [--hidden 2048,2048,384]

Workload: the app's default data (circle, 2 features) and a network 2-2048tanh-2048tanh-384tanh-1sigmoid
(4,989,697 parameters; one forward pass over the 100×100 output map costs about a second). A real ``MainWindow``
(offscreen Qt) with the neuron maps on. Each user action is posted to the event loop the way a click is (spin box
arrow steps, Add/Remove layer clicks, Play, Pause while training, Reset, switching every side tab, hovering a neuron,
resizing the window); a 5 ms heartbeat timer on the UI thread records the longest gap between its ticks from the
action until the app has settled (the background view computations finished and 0.3 s passed). That gap, minus the
5 ms period, is the longest time the UI thread could not react; beside it, the UI thread's own CPU time during its
longest gap (on a loaded machine the wall gap also holds time the OS gave other processes, the CPU time does not).
Prints median and max per action and PASS/FAIL against the goal. A benchmark, not a test.
"""
import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 100.0
TICK_MS = 5


class Heartbeat:
    """Records the longest gap between ticks of a 5 ms timer on the UI thread, in wall time and in the UI thread's
    own CPU time during that gap (on a loaded machine the wall gap also holds time the OS gave other processes)."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.start_values()

    def start_values(self):
        self.last, self.last_cpu = time.perf_counter(), time.thread_time()
        self.worst = self.worst_cpu = 0.0

    def _tick(self):
        now, cpu = time.perf_counter(), time.thread_time()
        self.worst = max(self.worst, now - self.last)
        self.worst_cpu = max(self.worst_cpu, cpu - self.last_cpu)
        self.last, self.last_cpu = now, cpu

    def start(self):
        self.start_values()
        self.timer.start()

    def stop(self):
        """(longest wall-time block, UI-thread CPU time in the longest-CPU gap), both in ms."""
        self._tick()
        self.timer.stop()
        return max(0.0, 1000 * self.worst - TICK_MS), 1000 * self.worst_cpu


def settle(qapp, win, seconds=0.3, limit=60.0):
    """Run the event loop until the views' background work is done, then ``seconds`` more."""
    t_end = time.perf_counter() + limit
    while time.perf_counter() < t_end and not (win.runner.idle() and not win.running):
        qapp.processEvents()
        time.sleep(0.002)
    t_quiet = time.perf_counter() + seconds
    while time.perf_counter() < t_quiet:
        qapp.processEvents()
        time.sleep(0.002)


def measure(qapp, win, beat, action, wait_training=False):
    """Longest UI-thread block (ms) from posting ``action`` until the app settled."""
    from PySide6.QtCore import QTimer

    settle(qapp, win, 0.1)
    beat.start()
    QTimer.singleShot(0, action)
    t_end = time.perf_counter() + 0.05
    while time.perf_counter() < t_end:      # the action runs from the event loop, as a click would
        qapp.processEvents()
        time.sleep(0.002)
    if not wait_training:
        settle(qapp, win)
    else:
        t_end = time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            qapp.processEvents()
            time.sleep(0.002)
    return beat.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--hidden", default="2048,2048,384", help="hidden layer widths (tanh)")
    args = p.parse_args()

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from pyffnn_gui.config import ExperimentConfig, LayerSpec
    from pyffnn_gui.main_window import MainWindow
    from pyffnn_gui.project_files import ProjectFiles

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    ProjectFiles.interactive = False
    cfg = ExperimentConfig()
    cfg.network.hidden = [LayerSpec(int(u), "tanh") for u in args.hidden.split(",")]
    cfg.train.epochs = 0                       # Play runs until Pause
    t0 = time.perf_counter()
    win = MainWindow(cfg)
    win.recorder.enabled = False               # as --no-record: nothing written to the user's run store
    win.show()
    settle(qapp, win)
    print(f"network {win.session.net.spec}: {win.session.net.n_params:,} parameters; "
          f"start-up {time.perf_counter() - t0:.1f} s; views in the background: {win.runner.is_large()}")
    beat = Heartbeat()
    ed, tp = win.layer_editor, win.train_panel
    last = len(cfg.network.hidden) - 1

    def units_step():
        ed.layer_list.setCurrentRow(last)
        ed.units_spin.stepBy(1)

    def click(button):
        return lambda: QTest.mouseClick(button, Qt.LeftButton)

    def add_then_select_new():
        ed.layer_list.setCurrentRow(last)
        QTest.mouseClick(ed.add_button, Qt.LeftButton)

    def remove_added():
        ed.layer_list.setCurrentRow(last + 1)
        QTest.mouseClick(ed.remove_button, Qt.LeftButton)

    def hover_neuron():
        view = win.network_view
        pos = view.view.mapFromScene(view.node_center(1, 0))
        QTest.mouseMove(view.view.viewport(), QPoint(pos.x(), pos.y()))

    def unhover():
        QTest.mouseMove(win.network_view.view.viewport(), QPoint(1, 1))

    actions = [
        ("units spin box +1 (rebuild)", units_step),
        ("learning-rate spin box +1 step", lambda: tp.lr_spin.stepBy(1)),
        ("batch-size spin box +1 step", lambda: tp.batch_spin.stepBy(1)),
        ("Add layer", add_then_select_new),
        ("Remove layer", remove_added),
        ("Reset", click(tp.reset_button)),
        ("hover a neuron (its map)", hover_neuron),
        ("pointer leaves the drawing", unhover),
        ("Discretize output on/off", lambda: win.boundary_plot.discretize_check.toggle()),
        ("resize window to 900×600", lambda: win.resize(900, 600)),
        ("resize window to 1340×740", lambda: win.resize(1340, 740)),
    ]
    for i in range(win.side_tabs.count()):
        actions.append((f"switch to tab '{win.side_tabs.tabText(i).replace('&&', '&')}'",
                        lambda i=i: win.side_tabs.setCurrentIndex(i)))
    results = {name: [] for name, _ in actions}
    results["Play"] = []
    results["Pause (while training)"] = []
    results["switch tab while training"] = []
    for _ in range(args.repeats):
        for name, action in actions:
            results[name].append(measure(qapp, win, beat, action))
        results["Play"].append(measure(qapp, win, beat, click(tp.play_button), wait_training=True))
        results["switch tab while training"].append(
            measure(qapp, win, beat, lambda: win.side_tabs.setCurrentIndex(
                (win.side_tabs.currentIndex() + 1) % win.side_tabs.count()), wait_training=True))
        results["Pause (while training)"].append(measure(qapp, win, beat, click(tp.pause_button)))
    epochs = win.session.epochs_done
    worst_redraw = max(win.frame_costs) * 1000 if win.frame_costs else 0.0
    win.shutdown()
    win.close()

    width = max(len(n) for n in results)
    print(f"longest UI-thread block per action, ms (goal <= {GOAL_MS:.0f} ms); wall = longest gap of the 5 ms "
          "heartbeat, cpu = UI-thread CPU time in the longest gap")
    print(f"{'action':<{width}}  wall median  wall max  cpu median  cpu max")
    failed = []
    for name, values in results.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        worst = max(wall)
        print(f"{name:<{width}}  {statistics.median(wall):11.0f}  {worst:8.0f}  {statistics.median(cpu):10.0f}  "
              f"{max(cpu):7.0f}  {'ok' if worst <= GOAL_MS else 'OVER'}")
        if worst > GOAL_MS:
            failed.append(name)
    print(f"trained {epochs} epochs in the Play runs; longest redraw while training {worst_redraw:.0f} ms")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print("PASS" if not failed else f"FAIL (wall time): over {GOAL_MS:.0f} ms: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
