"""PNG pictures of recorded runs (overlaid curves) with matplotlib, an optional dependency (``pyffnn[plot]``)."""
from ..errors import FFNNError
from ..fileio import atomic_path


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise FFNNError("writing a PNG needs matplotlib: pip install pyffnn[plot]") from None
    matplotlib.use("Agg", force=True)  # no display needed
    import matplotlib.pyplot as plt
    return plt


def plot_curves(runs, curves, path):
    """Overlay the per-epoch ``curves`` (e.g. ``["loss", "val_loss"]``) of ``runs`` in one PNG at ``path``:
    one colour per run, solid for the first curve name and dashed/dotted for the others; log scale for losses."""
    plt = _pyplot()
    found = [name for name in curves if any(name in r.curves for r in runs)]
    if not found:
        have = sorted({name for r in runs for name in r.curves})
        raise FFNNError(f"none of the runs has a curve named {', '.join(curves)}; they have: "
                        f"{', '.join(have) or 'no curves at all'}")
    styles = ["-", "--", ":", "-."]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    try:
        for i, run in enumerate(runs):
            colour = f"C{i % 10}"
            for j, name in enumerate(found):
                values = run.curves.get(name)
                if not values:
                    continue
                points = [(e + 1, v) for e, v in zip(run.epochs, values) if v is not None]
                if points:
                    xs, ys = zip(*points)
                    ax.plot(xs, ys, styles[j % len(styles)], color=colour, label=f"run {run.id} {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(" / ".join(found))
        if all("loss" in name for name in found):
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)
