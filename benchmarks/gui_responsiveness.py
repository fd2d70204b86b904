"""Does any user action block the app's UI thread for long on a large network? Goal: at most 100 ms per action.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/gui_responsiveness.py [--quick] [--repeats N] [--write]

Workload: the app's default data (circle, 2 features) and a network 2-2048tanh-2048tanh-384tanh-1sigmoid
(4,989,697 parameters; one forward pass over the 100×100 output map costs about a second). A real ``MainWindow``
(offscreen Qt) with the neuron maps on. Each user action is posted to the event loop the way a click is (spin box
arrow steps of units, dropout, learning rate and batch size, Add/Remove layer clicks, Play, Pause while training,
Step, Reset, switching every side tab, switching tabs while training, loading another data set, saving the project,
opening the Runs panel and the Sweep dialog, hovering a neuron, resizing the window); a 5 ms heartbeat timer on the
UI thread records the longest gap between its ticks from the action until the app has settled (the background view
computations finished). That gap, minus the 5 ms period, is the longest time the UI thread could not react (*UI
block*); beside it the UI thread's own CPU time in its longest gap (on a loaded machine the wall gap also holds time
the OS gave other processes, the CPU time does not), and *wall*: the time from the action until its results were on
screen (background work included; the training actions report their fixed observation window instead).
``--quick``: shorter waits and, unless ``--repeats`` says otherwise, one repeat (about a minute); ``--write`` puts
the table in benchmarks/RESULTS.md (section ``gui_responsiveness``; benchmarks/run.py regenerates it, with
``--quick`` in a quick run). A benchmark, not a test.
"""
import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL_MS = 100.0
QUICK_LIMIT = 0.6     # seconds --quick watches an action (and waits at most for the previous one to settle)
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
    """Run the event loop until the views' background work is done, then ``seconds`` more; returns when the work
    was done (``time.perf_counter()``)."""
    t_end = time.perf_counter() + limit
    while time.perf_counter() < t_end and not (win.runner.idle() and not win.running and not win.builder.busy()):
        qapp.processEvents()
        time.sleep(0.002)
    done = time.perf_counter()
    t_quiet = done + seconds
    while time.perf_counter() < t_quiet:
        qapp.processEvents()
        time.sleep(0.002)
    return done


def measure(qapp, win, beat, action, wait_training=None, quiet=0.3, limit=60.0):
    """(longest UI-thread block, UI CPU in it, wall until settled), all ms, from posting ``action``;
    ``wait_training`` (seconds): watch training that long instead of waiting for the app to settle."""
    from PySide6.QtCore import QTimer

    if not win.running:      # (training never settles: a tab switch while training is measured at once)
        settle(qapp, win, 0.05, limit if limit >= 10 else limit / 2)
    beat.start()
    t0 = time.perf_counter()
    QTimer.singleShot(0, action)
    t_end = t0 + 0.05
    while time.perf_counter() < t_end:      # the action runs from the event loop, as a click would
        qapp.processEvents()
        time.sleep(0.002)
    if wait_training is None:
        done = settle(qapp, win, quiet, limit)
    else:
        t_end = time.perf_counter() + wait_training
        while time.perf_counter() < t_end:
            qapp.processEvents()
            time.sleep(0.002)
        done = time.perf_counter()
    block, cpu = beat.stop()
    return block, cpu, 1000 * (done - t0)


def run(repeats: int = 3, hidden: str = "2048,2048,384", quick: bool = False, log=print):
    """{action: [(UI block ms, UI CPU ms, wall ms), ...]} and facts about the run (network, load, epochs)."""
    import tempfile

    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from pyffnn_gui.config import ExperimentConfig, LayerSpec
    from pyffnn_gui.main_window import MainWindow
    from pyffnn_gui.project_files import ProjectFiles

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    ProjectFiles.interactive = False
    cfg = ExperimentConfig()
    cfg.network.hidden = [LayerSpec(int(u), "tanh") for u in hidden.split(",")]
    cfg.train.epochs = 0                       # Play runs until Pause
    # --quick watches each action for at most QUICK_LIMIT s instead of until the background maps are done (one
    # forward pass over the output map of this network takes a second or more): the UI thread's blocks are still
    # all seen (the runner keeps only the newest request per view, so work does not pile up), and the wall time of
    # an action whose maps took longer shows as "> QUICK_LIMIT".
    quiet, watch, limit = (0.05, 2.0, QUICK_LIMIT) if quick else (0.3, 2.0, 60.0)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    t0 = time.perf_counter()
    win = MainWindow(cfg)
    win.recorder.enabled = False               # as --no-record: nothing written to the user's run store
    win.show()
    settle(qapp, win)
    info = {"spec": win.session.net.spec, "n_params": win.session.net.n_params, "load_before": load_before,
            "startup_s": time.perf_counter() - t0}
    log(f"network {info['spec']}: {info['n_params']:,} parameters; start-up {info['startup_s']:.1f} s; views in the "
        f"background: {win.runner.is_large()}")
    beat = Heartbeat()
    ed, tp, dp = win.layer_editor, win.train_panel, win.data_panel
    last = len(cfg.network.hidden) - 1
    project = os.path.join(tempfile.mkdtemp(prefix="pyffnn-responsiveness-"), "big.ffnnproj")

    def on_last(spin):
        def act():
            ed.layer_list.setCurrentRow(last)
            spin.stepBy(1)
        return act

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

    def load_builtin(name):
        def act():
            dp.source_combo.setCurrentIndex(dp.source_combo.findData("builtin"))
            dp.builtin_combo.setCurrentIndex(dp.builtin_combo.findText(name))
            QTest.mouseClick(dp.load_button, Qt.LeftButton)
        return act

    def close_sweep():
        if getattr(win, "sweep_dialog", None) is not None:
            win.sweep_dialog.close()

    actions = [
        ("units spin box +1 (rebuild)", on_last(ed.units_spin)),
        ("dropout spin box +1 step (rebuild)", on_last(ed.dropout_spin)),
        ("learning-rate spin box +1 step", lambda: tp.lr_spin.stepBy(1)),
        ("batch-size spin box +1 step", lambda: tp.batch_spin.stepBy(1)),
        ("Add layer", add_then_select_new),
        ("Remove layer", remove_added),
        ("Step 1 epoch", click(tp.step_button)),
        ("Reset", click(tp.reset_button)),
        ("hover a neuron (its map)", hover_neuron),
        ("pointer leaves the drawing", unhover),
        ("Discretize output on/off", lambda: win.boundary_plot.discretize_check.toggle()),
        ("load another data set (moons)", load_builtin("moons")),
        ("load the circle again", load_builtin("circle")),
        ("save the project (40 MB)", lambda: win.save_project_file(project)),
        ("open the Runs panel", lambda: win.runs_action.trigger()),
        ("close the Runs panel", lambda: win.runs_action.trigger()),
        ("open the Sweep dialog", win.open_sweep_dialog),
        ("close the Sweep dialog", close_sweep),
        ("resize window to 900×560", lambda: win.resize(900, 560)),
        ("resize window to 1340×740", lambda: win.resize(1340, 740)),
    ]
    for i in range(win.side_tabs.count()):
        actions.append((f"switch to tab '{win.side_tabs.tabText(i).replace('&&', '&')}'",
                        lambda i=i: win.side_tabs.setCurrentIndex(i)))
    results = {name: [] for name, _ in actions}
    for name in ("Play", "switch tab while training", "Pause (while training)"):
        results[name] = []
    for r in range(repeats):
        for name, action in actions:
            results[name].append(measure(qapp, win, beat, action, quiet=quiet, limit=limit))
        t_end = time.perf_counter() + 60        # Play waits for a build or save still under way: let them finish
        while (win.builder.busy() or win.files.saving()) and time.perf_counter() < t_end:
            qapp.processEvents()
            time.sleep(0.002)
        results["Play"].append(measure(qapp, win, beat, click(tp.play_button), wait_training=watch, limit=limit))
        results["switch tab while training"].append(
            measure(qapp, win, beat, lambda: win.side_tabs.setCurrentIndex(
                (win.side_tabs.currentIndex() + 1) % win.side_tabs.count()), wait_training=watch, limit=limit))
        results["Pause (while training)"].append(measure(qapp, win, beat, click(tp.pause_button), quiet=quiet,
                                                         limit=limit))
        log(f"repeat {r + 1}/{repeats} done")
    info["epochs"] = win.session.epochs_done
    info["worst_redraw_ms"] = max(win.frame_costs) * 1000 if win.frame_costs else 0.0
    info["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    info["repeats"], info["quick"] = repeats, quick
    close_sweep()
    win.shutdown()
    win.close()
    return results, info


def over_goal(results):
    return [name for name, values in results.items() if max(v[0] for v in values) > GOAL_MS]


def table(results, info) -> str:
    """The RESULTS.md section: one row per action with medians (and maxima) over the repeats."""
    when = time.strftime("%Y-%m-%d %H:%M")
    mode = ("--quick " if info["quick"] else "") + f"--repeats {info['repeats']}"
    lines = [f"### app responsiveness: {info['spec']} ({info['n_params']:,} parameters), circle data, neuron maps on",
             "",
             f"`QT_QPA_PLATFORM=offscreen python3 benchmarks/gui_responsiveness.py {mode}` on {when}, load average "
             f"{info['load_before']:.1f} before / {info['load_after']:.1f} after on {os.cpu_count()} cores. "
             f"Per user action: *UI block* = the longest time the UI thread could not react (longest gap of a 5 ms "
             f"heartbeat timer, includes time the OS gave other processes), *UI CPU* = the UI thread's own CPU time "
             f"in that gap, *wall* = from the action until its results were on screen (background work included; "
             f"the two training rows: the observation window"
             f"{'; --quick watches an action at most %.1f s' % QUICK_LIMIT if info['quick'] else ''}). "
             f"Medians over the repeats, max in brackets. "
             f"Goal (issue 12): UI block ≤ {GOAL_MS:.0f} ms.", "",
             "| action | UI block ms | UI CPU ms | wall ms | goal |", "|---|---|---|---|---|"]

    def cell(values, k):
        med, top = statistics.median(v[k] for v in values), max(v[k] for v in values)
        if k == 2 and info["quick"] and med >= 1000 * QUICK_LIMIT:
            return f"> {1000 * QUICK_LIMIT:.0f}"
        return f"{med:.0f}" if len(values) == 1 else f"{med:.0f} ({top:.0f})"

    for name, values in results.items():
        ok = max(v[0] for v in values) <= GOAL_MS
        lines.append(f"| {name} | {cell(values, 0)} | {cell(values, 1)} | {cell(values, 2)} | "
                     f"{'met' if ok else 'MISSED'} |")
    failed = over_goal(results)
    lines += ["", f"Trained {info['epochs']} epochs in the Play runs; longest redraw while training "
              f"{info['worst_redraw_ms']:.0f} ms. "
              + ("Every action met the goal." if not failed else
                 f"Over {GOAL_MS:.0f} ms of UI block: {', '.join(failed)}.")]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=None, help="default 3, with --quick 1")
    p.add_argument("--quick", action="store_true", help="short waits, one repeat unless --repeats (about a minute)")
    p.add_argument("--hidden", default="2048,2048,384", help="hidden layer widths (tanh)")
    p.add_argument("--write", action="store_true", help="update the gui_responsiveness section of "
                   "benchmarks/RESULTS.md")
    args = p.parse_args()
    t0 = time.perf_counter()
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    results, info = run(repeats, args.hidden, args.quick)
    text = table(results, info)
    print(text)
    print(f"benchmark took {time.perf_counter() - t0:.0f} s")
    if args.write:
        here = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, here)
        import sections
        sections.write("gui_responsiveness", text, os.path.join(here, "RESULTS.md"))
    failed = over_goal(results)
    print("PASS" if not failed else f"FAIL (UI block): over {GOAL_MS:.0f} ms: {', '.join(failed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
