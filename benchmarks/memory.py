"""Peak memory of pyffnn training the "wide" workload, against the issue's budget.

Budget: data + 4 x parameters + one batch of activations + a small constant.  Measured in a fresh process with
the data and network already in memory: the peak of the arrays ``fit`` allocates (tracemalloc, which numpy reports
every buffer to; the C core allocates nothing) is the verdict's figure, and must fit in targets + 4 x parameters +
batch activations.  The resident-set growth is shown too; it also moves with the allocator and transparent huge
pages, so it is informational.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mib():
    # VmHWM belongs to this process image; ru_maxrss would carry over a big parent's peak across fork + exec
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child(quick):
    import numpy as np

    import pyffnn

    n, batch, sizes = (6000 if quick else 60000), 128, [784, 512, 256, 10]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, sizes[0]), dtype=np.float32)
    y = rng.integers(0, sizes[-1], n)
    net = pyffnn.Network("784-512relu-256relu-10softmax", dtype="float32", random_state=0)
    net.predict(X[:2])  # load everything lazy before the baseline
    import tracemalloc
    tracemalloc.start()
    before = _rss_mib()
    net.fit(X, y, optimizer="sgd", lr=0.01, batch_size=batch, epochs=1)
    peak = _peak_rss_mib()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    params = net.n_params * 4 / 2**20
    budget = {"targets": n * sizes[-1] * 4 / 2**20, "4 x parameters": 4 * params,
              "batch activations": batch * sum(sizes[1:]) * 2 * 4 / 2**20}
    return {"data_mib": X.nbytes / 2**20, "before_mib": before, "peak_mib": peak, "growth_mib": peak - before,
            "allocated_mib": traced_peak, "budget_mib": budget}


def measure(quick=False):
    """Run the measurement in a fresh interpreter; returns the dict of figures."""
    code = f"import sys, json; sys.path.insert(0, {HERE!r}); import memory; print(json.dumps(memory._child({quick})))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(m):
    """Markdown section for RESULTS.md."""
    budget = sum(m["budget_mib"].values())
    parts = " + ".join(f"{k} {v:.1f}" for k, v in m["budget_mib"].items())
    verdict = "within" if m["allocated_mib"] <= budget + 1 else "OVER"
    return "\n".join([
        "### memory: wide (784-512relu-256relu-10softmax, batch 128, float32), one epoch of Network.fit", "",
        "| data | peak allocated by fit | budget | RSS before → peak (informational) |",
        "|---|---|---|---|",
        f"| {m['data_mib']:.1f} MiB | {m['allocated_mib']:.1f} MiB | {budget:.1f} MiB ({parts}) + 1 MiB constant: "
        f"**{verdict}** | {m['before_mib']:.1f} → {m['peak_mib']:.1f} MiB |"])


if __name__ == "__main__":
    print(table(measure(quick="--quick" in sys.argv)))
