"""How good is the model, per split: a confusion matrix with per-class precision, recall and F1 (classification),
a table of per-label precision, recall, F1 and accuracy (multi-label), or a residual plot with R², RMSE and MAE
(regression; with several targets, R² per target and the residuals of the first). Classes are decided by the
library's own rule (``Network.predict_classes``); the numbers are computed from the predictions here."""
from __future__ import annotations

import os
from typing import List, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

SPLITS = (("train", "training"), ("val", "validation"), ("test", "test"))
SCORE_HEADERS = (("prec.", "precision: of the samples predicted as this class, the share that are"),
                 ("recall", "recall: of the samples of this class, the share predicted as it"),
                 ("F1", "F1: harmonic mean of precision and recall"))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class i predicted as j."""
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return C


def per_class_scores(C: np.ndarray):
    """(precision, recall, F1) per class from a confusion matrix (0 where undefined, as scikit-learn's
    ``zero_division=0``)."""
    tp = np.diag(C).astype(np.float64)
    predicted, actual = C.sum(0), C.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return precision, recall, f1


def regression_scores(y: np.ndarray, pred: np.ndarray) -> dict:
    """R² (1 − SS_res/SS_tot over all outputs), RMSE and MAE."""
    y, pred = np.asarray(y, dtype=np.float64).reshape(len(y), -1), np.asarray(pred).reshape(len(y), -1)
    res = y - pred
    ss_tot = float(((y - y.mean(0)) ** 2).sum())
    return {"r2": 1.0 - float((res ** 2).sum()) / ss_tot if ss_tot > 0 else float("nan"),
            "rmse": float(np.sqrt((res ** 2).mean())), "mae": float(np.abs(res).mean())}


def distinct_tails(names: List[str]) -> List[str]:
    """The class names without the prefix they all share ("Iris-setosa", "Iris-virginica" → "setosa",
    "virginica"), cut after a separator so a word is never split; the narrow header columns then show the part
    that tells the classes apart (the tooltip keeps the whole name)."""
    names = [str(n) for n in names]
    if len(names) < 2:
        return names
    prefix = os.path.commonprefix(names)
    cut = max(prefix.rfind(sep) for sep in "-_ .:/")
    if cut < 0 or any(len(n) <= cut + 1 for n in names):
        return names
    return [n[cut + 1:] for n in names]


def label_scores(Y: np.ndarray, P: np.ndarray) -> dict:
    """Per-label precision, recall, F1 and accuracy of 0/1 predictions ``P`` against 0/1 targets ``Y`` (n, K),
    plus the exact-match accuracy (every label of a row right) and the Hamming accuracy (labels right)."""
    Y, P = np.asarray(Y).astype(bool), np.asarray(P).astype(bool)
    tp = (Y & P).sum(0).astype(np.float64)
    predicted, actual = P.sum(0), Y.sum(0)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "label_accuracy": (Y == P).mean(0),
            "accuracy": float((Y == P).all(1).mean()), "hamming_accuracy": float((Y == P).mean())}


class EvaluationPlot(QWidget):
    """``update_model(net)`` re-evaluates the chosen split with a network holding the current weights."""

    def __init__(self, parent: QWidget = None):
        super().__init__(parent)
        self.split_combo = QComboBox()
        for key, label in SPLITS:
            self.split_combo.addItem(label, key)
        self.split_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.table = QTableWidget()
        # the columns share the tab's width (no sideways scrolling to reach F1 in a usual window); long class names
        # are elided in the header and whole in its tooltip; a column never gets narrower than a number such as
        # 0.972, so in a very small window (900×560) the table scrolls sideways instead of showing "…" for values
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.horizontalHeader().setMinimumSectionSize(self.fontMetrics().horizontalAdvance("0.000") + 12)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self.table.setTextElideMode(Qt.ElideRight)
        self.table.horizontalHeader().setTextElideMode(Qt.ElideRight)
        self.table.verticalHeader().setMaximumWidth(140)
        self.residuals = pg.PlotWidget(title="Residuals (actual − predicted) vs predicted")
        self.residuals.setLabel("bottom", "predicted")
        self.residuals.setLabel("left", "residual")
        self.residual_points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(31, 119, 180, 160))
        self.residuals.addItem(self.residual_points)
        self.residuals.addLine(y=0, pen=pg.mkPen("#888", style=pg.QtCore.Qt.DashLine))
        top = QHBoxLayout()
        top.addWidget(QLabel("Split"))
        top.addWidget(self.split_combo)
        top.addWidget(self.summary, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.residuals, 1)
        self.data = None
        self.net = None
        self.request_outputs = None       # set by the window: evaluate the chosen split and call show_outputs
        self.matrix: Optional[np.ndarray] = None
        self.scores: dict = {}

    def set_data(self, data) -> None:
        self.data = data
        regression = data is not None and data.task == "regression"
        self.table.setVisible(not regression)
        self.residuals.setVisible(regression)
        self.matrix, self.scores = None, {}

    def _split(self):
        key = self.split_combo.currentData()
        d = self.data
        return {"train": (d.Xs_train, d.y_train), "val": (d.Xs_val, d.y_val), "test": (d.Xs_test, d.y_test)}[key]

    def update_model(self, net) -> None:
        self.net = net
        if self.isVisible():
            self.refresh()

    def split_inputs(self):
        """``(split key, X)`` of the chosen split in the network's input space (None without data)."""
        if self.data is None:
            return None
        return self.split_combo.currentData(), self._split()[0]

    @staticmethod
    def model_outputs(net, X: np.ndarray, task: str):
        """What the table or residual plot needs from ``net`` on ``X``: predictions (regression) or classes."""
        if len(X) == 0:
            return None
        return np.asarray(net.predict(X) if task == "regression" else net.predict_classes(X))

    def refresh(self) -> None:
        if self.data is None:
            return
        if self.request_outputs is not None:
            self.request_outputs()        # the window evaluates (off the UI thread for a large network)
            return
        if self.net is None:
            return
        key, X = self.split_inputs()
        self.show_outputs(key, self.model_outputs(self.net, X, self.data.task))

    def show_outputs(self, key: str, pred) -> None:
        """Fill the table (or residual plot) from ``pred`` = :meth:`model_outputs` on the split ``key``."""
        if self.data is None or key != self.split_combo.currentData():
            return                          # the user chose another split meanwhile
        X, y = self._split()
        label = self.split_combo.currentText()
        if len(X) == 0 or pred is None:
            self.summary.setText(f"the {label} split is empty")
            self.table.clear()
            self.residual_points.setData([], [])
            return
        if self.data.task == "regression":
            pred = np.asarray(pred).reshape(len(X), -1)
            Y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
            self.scores = regression_scores(Y, pred)
            self.residual_points.setData(pred[:, 0], Y[:, 0] - pred[:, 0])
            sc = self.scores
            text = f"{label}: {len(X)} rows · R² {sc['r2']:.4f} · RMSE {sc['rmse']:.4g} · MAE {sc['mae']:.4g}"
            if Y.shape[1] > 1:
                names = self._target_names(Y.shape[1])
                sc["r2_per_target"] = [regression_scores(Y[:, k], pred[:, k])["r2"] for k in range(Y.shape[1])]
                text += (" · R² per target: " + ", ".join(f"{n} {r:.3f}" for n, r in zip(names, sc["r2_per_target"]))
                         + f" · residuals of {names[0]!r}")
            self.summary.setText(text)
            return
        if self.data.task == "multilabel":
            self._show_labels(label, X, y, pred)
            return
        classes: List[str] = self.data.classes
        self.matrix = C = confusion(y, pred, len(classes))
        p, r, f = per_class_scores(C)
        self.scores = {"precision": p, "recall": r, "f1": f, "accuracy": float(np.trace(C) / C.sum())}
        n = len(classes)
        self.table.clear()
        self.table.setRowCount(n)
        self.table.setColumnCount(n + 3)
        self.table.setHorizontalHeaderLabels([f"→ {c}" for c in distinct_tails(classes)]
                                             + [h for h, _ in SCORE_HEADERS])
        self.table.setVerticalHeaderLabels([f"true {c}" for c in classes])
        for j, tip in enumerate([f"predicted {c}" for c in classes] + [t for _, t in SCORE_HEADERS]):
            self.table.horizontalHeaderItem(j).setToolTip(tip)
        for i, c in enumerate(classes):
            self.table.verticalHeaderItem(i).setToolTip(f"true class {c}")
        peak = max(int(C.max()), 1)
        for i in range(n):
            for j in range(n):
                item = QTableWidgetItem(str(int(C[i, j])))
                shade = int(255 - 120 * C[i, j] / peak)
                item.setBackground(pg.mkColor(shade, shade, 255) if i == j else pg.mkColor(255, shade, shade))
                self.table.setItem(i, j, item)
            for k, v in enumerate((p[i], r[i], f[i])):
                self.table.setItem(i, n + k, QTableWidgetItem(f"{v:.3f}"))
        self.summary.setText(f"{label}: {len(X)} rows · accuracy {self.scores['accuracy']:.1%} · rows = true class, "
                             "columns = predicted")

    def _target_names(self, k: int) -> List[str]:
        names = str(self.data.target_name).split(",")
        return names if len(names) == k else [f"output {i + 1}" for i in range(k)]

    def _show_labels(self, label: str, X: np.ndarray, y: np.ndarray, pred) -> None:
        """Multi-label: one row per label (its precision, recall, F1 and accuracy); exact-match accuracy above."""
        names: List[str] = self.data.classes
        self.matrix = None
        self.scores = sc = label_scores(y, pred)  # pred: predict_classes, a 0/1 column per label
        columns = ("precision", "recall", "F1", "accuracy")
        self.table.clear()
        self.table.setRowCount(len(names))
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(list(columns))
        self.table.setVerticalHeaderLabels([str(n) for n in names])
        for i in range(len(names)):
            for j, key in enumerate(("precision", "recall", "f1", "label_accuracy")):
                self.table.setItem(i, j, QTableWidgetItem(f"{sc[key][i]:.3f}"))
        self.table.resizeColumnsToContents()
        self.summary.setText(f"{label}: {len(X)} rows · {len(names)} labels · exact-match accuracy "
                             f"{sc['accuracy']:.1%} (every label of a row right) · labels right "
                             f"{sc['hamming_accuracy']:.1%}")

    def showEvent(self, event):  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.refresh()
