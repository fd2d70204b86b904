"""Side-by-side benchmarks of pyffnn and its peers; writes benchmarks/RESULTS.md in one run.

    python3 benchmarks/run.py            # full run (about 15-20 minutes on an idle 2-core machine, estimated)
    python3 benchmarks/run.py --quick    # every section, small data, few repeats (under 10 minutes), prints only
    python3 benchmarks/run.py --quick --output benchmarks/RESULTS.md   # the quick run, written to RESULTS.md

Sections, in order: the reference workloads (playground, digits, wide with its memory table, latency with the
single-sample floor from the measured L2 bandwidth, the (1, n) path and batch-1000 inference against the measured
FMA peak), thread scaling (thread_scaling.py), float64 against scikit-learn (float64.py), the cost curves with their
PNG and the points where pyffnn is not ahead (cost_curves.py), where the latency network's and a training run's
time goes (time_breakdown.py: per-call layers, callgrind instruction counts per core function), the app against
headless fit
(gui_training_speed.py, offscreen Qt, in a child process) and the app's UI-thread blocking per user action on a
5M-parameter network (gui_responsiveness.py, in a child process; its --quick mode, about a minute, in a --quick
run).  ``--sections`` runs a subset; the sections it does not
run are kept from the old file.

Each workload runs every available peer on the same float32 network, data, hyper-parameters and initial weights,
with 2 threads and with 1, alternating the peers within each repeat after one warm-up run, and reports the median
samples/second of each and the ratio pyffnn/peer.  Missing peers (torch, scikit-learn, cynn) are skipped.
"""
import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import sections  # noqa: E402
from peer_cynn import FannPeer, KannPeer  # noqa: E402
from peer_numpy import NumpyPeer  # noqa: E402
from peer_pyffnn import PyffnnPeer, set_threads  # noqa: E402
from peer_sklearn import SklearnPeer  # noqa: E402
from peer_torch import TorchPeer  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

PEERS = [PyffnnPeer, NumpyPeer, TorchPeer, SklearnPeer, KannPeer, FannPeer]
#: The sections other scripts own, in the order they follow the workloads.
EXTRA_SECTIONS = ("thread_scaling", "float64", "cost_curves", "time_breakdown", "gui_training_speed",
                  "gui_responsiveness")


def _peers_for(wl, names):
    out, skipped = [], []
    for cls in PEERS:
        if names and cls.name not in names:
            continue
        ok, why = cls.available()
        if not ok:
            skipped.append(f"{cls.name} ({why})")
        elif wl.name not in getattr(cls, "workloads", (wl.name,)):
            continue
        elif wl.name == "latency" and cls.name == "fann":
            continue
        else:
            out.append(cls())
    return out, skipped


def _accuracy(peer, wl):
    out = np.asarray(peer.predict_batch(wl.X_test))
    return float((out.argmax(axis=1) == wl.y_test).mean())


def _time_training(peers, wl, threads, log):
    for p in peers:
        p.setup(wl, threads)
        p.train()  # warm-up
    times = {p.name: [] for p in peers}
    for rep in range(wl.repeats):
        for p in peers:
            t0 = time.perf_counter()
            p.train()
            times[p.name].append(time.perf_counter() - t0)
        log(f"  {wl.name} threads={threads} repeat {rep + 1}/{wl.repeats}: "
            + ", ".join(f"{k} {wl.X.shape[0] * wl.epochs / v[-1]:,.0f}/s" for k, v in times.items()))
    n = wl.X.shape[0] * wl.epochs
    rows = {}
    for p in peers:
        t = statistics.median(times[p.name])
        row = {"rate": n / t, "seconds": t}
        if wl.X_test is not None:
            row["accuracy"] = _accuracy(p, wl)
        if wl.name == "wide":
            row["gflops"] = 6.0 * sum(w.size for w in wl.weights) * n / t / 1e9
        rows[p.name] = row
    return rows


def _median_time(fn, calls, repeats):
    best = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best.append((time.perf_counter() - t0) / calls)
    return statistics.median(best)


def _time_latency(peers, wl, threads, log):
    rows = {}
    for p in peers:
        p.setup(wl, threads)
        p.train()  # epochs = 0: only builds the model from the initial weights
    x1, row1 = wl.X[0].copy(), wl.X[:1].copy()
    for rep in range(wl.repeats):  # alternate peers; keep each peer's best-of medians
        for p in peers:
            one = _median_time(lambda: p.predict_one(x1), 2000 if p.name != "sklearn" else 300, 3)
            batch = _median_time(lambda: p.predict_batch(wl.X), 20 if p.name not in ("kann",) else 2, 3)
            r = rows.setdefault(p.name, {"one": [], "batch": [], "row": []})
            r["one"].append(one * 1e6)
            r["batch"].append(batch * 1e6 / wl.X.shape[0])
            if p.name == "pyffnn":  # predict on a (1, n) array: the same one-sample path, timed through the same
                # harness call as the 1-D sample (predict_batch also calls set_threads, ~3.6 µs, every time)
                r["row"].append(_median_time(lambda: p.predict_one(row1), 2000, 3) * 1e6)
        log(f"  latency threads={threads} repeat {rep + 1}/{wl.repeats}")
    return {k: {"one_us": statistics.median(v["one"]), "batch_us": statistics.median(v["batch"]),
                "row_us": statistics.median(v["row"]) if v["row"] else None,
                "rate": 1e6 / statistics.median(v["batch"])} for k, v in rows.items()}


def _latency_floors(wl, results):
    """The latency network against the machine: single-sample floor (weights streamed once from where they fit, one
    core) and batch-1000 GFLOP/s against one core's measured FMA peak."""
    import machine
    nbytes = machine.weight_bytes(wl.sizes)
    limits = machine.probe((nbytes,))
    if not limits:
        return ["", "Machine limits not measured (no C compiler for benchmarks/machine_probe.c)."]
    bw = limits["read_gbs"][max(limits["read_gbs"])]
    floor_us = nbytes / (bw * 1e9) * 1e6
    flops = 2.0 * sum(w.size for w in wl.weights)
    lines = ["", f"Machine (benchmarks/machine_probe.c, one core): read bandwidth {bw:.0f} GB/s from a "
             f"{nbytes / 1024:.0f} KiB buffer (the weights), float32 FMA peak {limits['fma_gflops']:.0f} GFLOP/s "
             f"({limits['isa']}). Single-sample floor = weight bytes / bandwidth = {floor_us:.2f} µs.", "",
             "| threads | 1 sample (µs) | × floor | (1, n) array (µs) | (1, n) ÷ 1-D | batch of 1000 GFLOP/s "
             "| % of FMA peak (threads × one core) |", "|---|---|---|---|---|---|---|"]
    goals = []
    for threads, rows in results:
        me = rows["pyffnn"]
        gf = flops / (me["batch_us"] * 1e-6) / 1e9
        row = f"{me['row_us']:.2f} | {me['row_us'] / me['one_us']:.2f}" if me.get("row_us") else "– | –"
        share = gf / (threads * limits["fma_gflops"])
        lines.append(f"| {threads} | {me['one_us']:.2f} | {me['one_us'] / floor_us:.2f} | {row} | {gf:.1f} | "
                     f"{100 * share:.0f}% |")
        goals.append(f"{threads} thread(s): 1 sample {me['one_us'] / floor_us:.2f}x floor "
                     f"({'met' if me['one_us'] <= 1.5 * floor_us else 'MISSED'})"
                     + (f", (1, n) ÷ 1-D {me['row_us'] / me['one_us']:.2f} "
                        f"({'met' if me['row_us'] <= 1.1 * me['one_us'] else 'MISSED'})" if me.get("row_us") else "")
                     + f", batch 1000 {100 * share:.0f}% of peak ({'met' if share >= 0.8 else 'MISSED'})")
    lines += ["", "Goals (issue 14): 1 sample ≤ 1.5x the floor; a (1, n) array within 10% of the 1-D path; batch "
              "of 1000 ≥ 80% of the FMA peak. " + "; ".join(goals) + "."]
    return lines


def _numpy_matmul_gflops(wl, threads):
    """GFLOP/s of numpy's matrix products at the training shapes of one batch (forward, dW, dX)."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    B = wl.batch
    shapes = []
    for W in wl.weights:
        rows, cols = W.shape
        shapes.append((rng.standard_normal((B, cols), dtype=np.float32), W,
                       rng.standard_normal((B, rows), dtype=np.float32)))
    flops = 6.0 * sum(w.size for w in wl.weights) * B

    def step():
        for X, W, dZ in shapes:
            X @ W.T
            dZ.T @ X
            dZ @ W

    with threadpool_limits(threads):
        step()
        t = _median_time(step, 20, 5)
    return flops / t / 1e9


def _machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def _versions():
    import pyffnn
    out = [f"Python {platform.python_version()}", f"numpy {np.__version__}", f"pyffnn {pyffnn.__version__}"]
    for mod in ("torch", "sklearn", "cynn"):
        try:
            m = __import__(mod)
            out.append(f"{mod} {getattr(m, '__version__', '?')}")
        except ImportError:
            out.append(f"{mod} not installed")
    return ", ".join(out)


def _simd_path():
    import pyffnn
    return pyffnn.get_simd()


def _fmt_rate(v):
    return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.1f}k"


def _table(wl, results, skipped, numpy_gflops):
    lines = [f"### {wl.name}: {wl.spec}, {wl.optimizer} lr {wl.lr}, batch {wl.batch}, {wl.epochs} epoch(s), "
             f"{wl.X.shape[0]} samples", ""]
    if wl.name == "latency":
        lines += ["| threads | peer | 1 sample (µs/call) | batch of 1000 (µs/sample) | pyffnn/peer (1 sample) "
                  "| pyffnn/peer (batch) |", "|---|---|---|---|---|---|"]
        for threads, rows in results:
            me = rows["pyffnn"]
            for name, r in rows.items():
                lines.append(f"| {threads} | {name} | {r['one_us']:.2f} | {r['batch_us']:.3f} | "
                             f"{r['one_us'] / me['one_us']:.2f}x | {r['batch_us'] / me['batch_us']:.2f}x |")
    else:
        extra = " test accuracy |" if wl.X_test is not None else (" GFLOP/s |" if wl.name == "wide" else "")
        lines += [f"| threads | peer | samples/s | pyffnn/peer |{extra}",
                  "|---|---|---|---|" + ("---|" if extra else "")]
        for threads, rows in results:
            me = rows["pyffnn"]["rate"]
            for name, r in rows.items():
                cell = ""
                if "accuracy" in r:
                    cell = f" {r['accuracy']:.4f} |"
                elif "gflops" in r:
                    cell = f" {r['gflops']:.1f} |"
                lines.append(f"| {threads} | {name} | {_fmt_rate(r['rate'])} | {me / r['rate']:.2f}x |{cell}")
        if numpy_gflops:
            lines += ["", "numpy matrix-product GFLOP/s at the same shapes (forward, dW, dX of one batch): "
                      + ", ".join(f"{g:.1f} with {t} thread(s)" for t, g in numpy_gflops)]
    if wl.name == "latency":
        lines += _latency_floors(wl, results)
    if skipped:
        lines += ["", "Skipped: " + ", ".join(skipped)]
    return "\n".join(lines)


def _app_section(script, args, marker, progress, what, log):
    """Run an app benchmark ``script`` in a child process (offscreen Qt unless a platform is set): its progress
    lines (starting with one of ``progress``) go to ``log``, and its section is the output from ``marker`` on,
    without them; None (said in the log) if the script printed no section."""
    import subprocess
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    res = subprocess.run([sys.executable, os.path.join(HERE, script)] + list(args), capture_output=True, text=True,
                         env=env)
    for line in res.stdout.splitlines():
        if line.startswith(progress):
            log(f"  {what}: " + line)
    if marker not in res.stdout:
        log(f"{what} section skipped (exit {res.returncode}): {res.stderr.strip().splitlines()[-1:] or ''}")
        return None
    text = res.stdout[res.stdout.index(marker):]
    return "\n".join(line for line in text.splitlines() if not line.startswith(progress)).strip()


def _extra_section(name, quick, output, log):
    """The text of one of EXTRA_SECTIONS (measured now), or None when it cannot run here."""
    if name == "thread_scaling":
        import thread_scaling
        return thread_scaling.table(thread_scaling.measure(quick, log), quick)
    if name == "float64":
        import float64
        try:
            return float64.section(quick, log)
        except ImportError as exc:  # scikit-learn or threadpoolctl missing
            log(f"float64 section skipped: {exc}")
            return None
    if name == "time_breakdown":
        import time_breakdown
        return time_breakdown.section(quick, log)
    if name == "cost_curves":
        import cost_curves
        rows, limits = cost_curves.sweep(quick, (1, 2), (), log)
        if output:
            try:
                cost_curves.plot(rows, os.path.join(os.path.dirname(os.path.abspath(output)), "cost_curves.png"))
            except ImportError as exc:
                log(f"cost_curves.png not drawn: {exc}")
        return cost_curves.table(rows, limits)
    if name == "gui_training_speed":
        epochs, repeats = (1000, 1) if quick else (2000, 3)
        return _app_section("gui_training_speed.py", ["--epochs", str(epochs), "--repeats", str(repeats)],
                            "### app", ("spiral", "circle"), "app", log)
    if name == "gui_responsiveness":
        return _app_section("gui_responsiveness.py", ["--quick"] if quick else ["--repeats", "2"],
                            "### app responsiveness", ("benchmark took", "PASS", "FAIL"), "app responsiveness", log)
    raise ValueError(name)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke mode: small data, few repeats, no RESULTS.md")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of "
                    + ",".join(WORKLOADS))
    ap.add_argument("--peers", default="", help="comma-separated subset of peers (default: all available)")
    ap.add_argument("--threads", default="2,1", help="thread counts to run, default 2,1")
    ap.add_argument("--output", default=None, help="markdown file to write (default: benchmarks/RESULTS.md "
                    "for a full run, none for --quick)")
    ap.add_argument("--sections", default="workloads," + ",".join(EXTRA_SECTIONS),
                    help="comma-separated sections to run, default all: workloads," + ",".join(EXTRA_SECTIONS))
    args = ap.parse_args(argv)
    wanted = [n for n in args.sections.split(",") if n]
    for n in wanted:
        if n not in ("workloads",) + EXTRA_SECTIONS:
            ap.error(f"unknown section {n!r}; expected some of workloads, {', '.join(EXTRA_SECTIONS)}")
    started = time.perf_counter()
    names = [n for n in args.workloads.split(",") if n]
    for n in names:
        if n not in WORKLOADS:
            ap.error(f"unknown workload {n!r}; expected some of {', '.join(WORKLOADS)}")
    peer_names = {n for n in args.peers.split(",") if n}
    threads_list = [int(t) for t in args.threads.split(",")]
    output = args.output or (None if args.quick else os.path.join(HERE, "RESULTS.md"))
    kept = dict(sections.owned(output))  # the owned sections this run does not measure survive it

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    parts = []
    for name in (names if "workloads" in wanted else []):
        wl = WORKLOADS[name](quick=args.quick)
        peers, skipped = _peers_for(wl, peer_names)
        results, numpy_gflops = [], []
        for threads in threads_list:
            if wl.name == "latency":
                rows = _time_latency(peers, wl, threads, log)
            else:
                rows = _time_training(peers, wl, threads, log)
            results.append((threads, rows))
            if wl.name == "wide":
                numpy_gflops.append((threads, _numpy_matmul_gflops(wl, threads)))
        text = _table(wl, results, skipped, numpy_gflops)
        print(text + "\n", flush=True)
        parts.append(text)
        if wl.name == "wide":  # the memory target is stated for this workload
            import memory
            text = memory.table(memory.measure(quick=args.quick))
            print(text + "\n", flush=True)
            parts.append(text)
    set_threads(None)
    for name in EXTRA_SECTIONS:
        if name in wanted:
            log(f"section {name} ...")
            text = _extra_section(name, args.quick, output, log)
            if text is not None:
                print(text + "\n", flush=True)
                kept[name] = text
    log(f"benchmarks took {time.perf_counter() - started:.0f} s")

    if output:
        notes = "\n".join(f"- **{cls.name}**: {cls.note}" for cls in PEERS)
        cmd = "python3 benchmarks/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
        header = ["# pyffnn benchmarks", "", f"Generated by `{cmd.strip()}` on {time.strftime('%Y-%m-%d %H:%M')}.",
                  "", f"- Machine: {_machine()}", f"- Versions: {_versions()}",
                  f"- pyffnn kernel path: {_simd_path()} (portable build, runtime dispatch)",
                  f"- {'Quick run (small data, few repeats): numbers are indicative only. ' if args.quick else ''}"
                  "float32 unless a section says otherwise; medians over the repeats after one warm-up run; peers "
                  "alternate within each "
                  "repeat; ratio = pyffnn samples/s ÷ peer samples/s (latency: peer time ÷ pyffnn time).", "",
                  "Peers:", notes, ""]
        text = "\n".join(header) + "\n" + "\n\n".join(parts) + "\n"
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        order = [n for n in EXTRA_SECTIONS if n in kept] + [n for n in kept if n not in EXTRA_SECTIONS]
        for name in order:
            sections.write(name, kept[name], output)
        log(f"wrote {output}")


if __name__ == "__main__":
    main()
