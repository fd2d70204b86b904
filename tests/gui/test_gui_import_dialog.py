"""The CSV import dialog: preview, kinds and roles from the library, choices into the project, and the app's model
export carrying the preprocessing (raw rows predict as in the app)."""
import gzip
import os

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

from pyffnn import Network
from pyffnn.datasets import Preprocessor
from pyffnn_gui.config import DataConfig
from pyffnn_gui.import_dialog import ImportDialog

MESSY = ("id;when;ok;colour;size;price\n"
         + "".join(f"{i + 1};2024-01-{i % 28 + 1:02d};{'yes' if i % 3 else 'no'};{['red', 'green', 'blue'][i % 3]};"
                   f"{'' if i % 7 == 3 else f'{i % 5},{i % 10}'};{10 + i * 0.5:.1f}\n".replace(".", ",", 1)
                   for i in range(60)))


@pytest.fixture
def messy_gz(tmp_path):
    path = tmp_path / "messy.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(MESSY)
    return path


def test_dialog_shows_preview_kinds_roles_and_report(qtbot, messy_gz):
    dialog = ImportDialog(DataConfig(source="csv", csv_path=str(messy_gz)))
    qtbot.addWidget(dialog)
    assert dialog.preview.rowCount() == 20 and dialog.preview.columnCount() == 6
    assert dialog.preview.horizontalHeaderItem(3).text() == "colour"
    assert [dialog.kind(n) for n in dialog.column_names()] == ["identifier", "datetime", "boolean", "categorical",
                                                                 "numeric", "numeric"]
    assert [dialog.role(n) for n in dialog.column_names()] == ["ignore", "ignore", "feature", "feature", "feature",
                                                                 "target"]
    assert "task: regression" in dialog.report_text() and "60 rows" in dialog.report_text()
    assert dialog.columns.item(4, 3).text() == "9"                          # missing cells of 'size'
    assert dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()


def test_dialog_roles_kinds_and_options_go_into_the_config(qtbot, messy_gz):
    dialog = ImportDialog(DataConfig(source="csv", csv_path=str(messy_gz)))
    qtbot.addWidget(dialog)
    dialog.set_role("price", "feature")
    dialog.set_role("colour", "target")                                    # classification on the colour
    dialog.set_role("id", "feature")                                       # asked for despite being an ID
    dialog.set_kind("size", "categorical")
    dialog.missing_combo.setCurrentText("drop")
    cfg = dialog.config()
    assert cfg.targets == ["colour"] and cfg.features == ["id"] and cfg.drop == ["when"]
    assert cfg.kinds == {"size": "categorical"} and cfg.missing == "drop"
    assert "task: multiclass" in dialog.report_text() and "left out (missing='drop')" in dialog.report_text()
    # no target: the dialog says so and OK is off
    dialog.set_role("colour", "ignore")
    assert "choose a target" in dialog.message_label.text()
    assert not dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()


def test_skip_rows_and_header_reload(qtbot, tmp_path):
    import sklearn

    path = os.path.join(os.path.dirname(sklearn.__file__), "datasets", "data", "wine_data.csv")
    dialog = ImportDialog(DataConfig(source="csv", csv_path=path))
    qtbot.addWidget(dialog)
    assert "line 2 has 14 fields, expected 5" in dialog.message_label.text()
    dialog.skip_spin.setValue(1)
    dialog.header_combo.setCurrentText("no")
    assert dialog.column_names()[:2] == ["x1", "x2"] and dialog.role("x14") == "target"
    assert "task: multiclass" in dialog.report_text()


def test_import_into_the_window_trains_saves_project_and_exports_a_raw_row_model(window, qtbot, messy_gz, tmp_path):
    panel = window.data_panel
    dialog = ImportDialog(DataConfig(source="csv", csv_path=str(messy_gz)))
    qtbot.addWidget(dialog)
    dialog.set_role("price", "ignore")
    dialog.set_role("ok", "target")
    panel.apply_import(dialog.config())
    assert "⚠" not in panel.message(), panel.message()
    data = window.session.data
    assert data.task == "binary" and data.feature_names == ["colour=blue", "colour=green", "colour=red", "size",
                                                            "size (missing)"]
    cfg = window.session.config.data
    assert cfg.targets == ["ok"] and cfg.drop == ["id", "when", "price"]
    # the choices survive a project round trip
    project = tmp_path / "p.ffnnproj"
    assert window.save_project_file(str(project))
    window.data_panel.set_config(DataConfig())
    assert window.open_project_file(str(project))
    assert window.session.config.data.targets == ["ok"] and window.data_panel.config().targets == ["ok"]
    # the exported model predicts raw rows exactly as the app's network does on its scaled inputs
    model = tmp_path / "m.npz"
    assert window.export_model_file(str(model))
    net = Network.load(model)
    assert net.metadata["feature_names"] == data.feature_names and net.metadata["classes"] == ["no", "yes"]
    pre = Preprocessor.from_dict(net.metadata["preprocessor"])
    import pandas as pd

    raw = pd.read_csv(messy_gz, sep=";", dtype=str)                     # raw text cells, decimal commas
    ours = {tuple(np.round(r, 9)) for r in pre.transform(raw)}
    assert all(tuple(np.round(r, 9)) in ours for r in data.Xs_train)     # the inputs the app trained on


def test_exported_spiral_model_keeps_its_standardisation(window, qtbot, tmp_path):
    from pyffnn.datasets import make_spirals

    assert window.session.data is not None
    cfg = window.data_panel.config()
    cfg.source, cfg.builtin = "builtin", "spiral"
    window.data_panel.set_config(cfg)
    assert window.load_data()
    data = window.session.data
    net = window.session.net
    net.fit(data.Xs_train, data.y_train, epochs=300, lr=0.02, random_state=0)
    window.snapshot[:] = net.params
    model = tmp_path / "spiral.npz"
    assert window.export_model_file(str(model))
    loaded = Network.load(model)
    pre = Preprocessor.from_dict(loaded.metadata["preprocessor"])
    X, y = make_spirals(n_samples=400, random_state=5)
    raw = pd_frame(X)
    acc_raw = np.mean(loaded.predict_classes(pre.transform(raw)) == y)
    acc_app = np.mean(net.predict_classes(data.scale(X)) == y)
    assert acc_raw == acc_app


def pd_frame(X):
    import pandas as pd

    return pd.DataFrame(X, columns=["x1", "x2"])
