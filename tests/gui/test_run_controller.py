"""The run state machine without any window: Play / Pause / Step / Reset, remaining epochs, snapshots, errors."""
import numpy as np
import pytest

import pyffnn
from pyffnn_gui.config import ExperimentConfig
from pyffnn_gui.data_source import load
from pyffnn_gui.run_controller import RunController, RunHooks
from pyffnn_gui.session import Session
from pyffnn_gui.training_job import PerceptronJob, Requests, run_fit, run_perceptron


class Runner:
    """Runs submitted jobs synchronously, as the worker thread would, and reports back to the controller;
    ``pause_after`` epochs in, it sets the pause flag as a user pressing Pause would."""

    def __init__(self):
        self.requests = Requests()
        self.pause_after = None
        self.events = []

    def attach(self, controller):
        self.controller = controller

    def submit(self, job):
        self.requests.clear()
        if isinstance(job, PerceptronJob):
            self.controller.on_perceptron(run_perceptron(job))
            self.controller.on_finished({"reason": "done", "epochs": 0, "error": ""})
            return
        seen = []

        def emit(progress):
            seen.extend(progress.epoch_logs)
            if self.pause_after is not None and len(seen) >= self.pause_after:
                self.requests.pause.set()
            self.controller.on_progress(progress)

        info = run_fit(job, emit, self.requests, emit_interval=0.0)
        self.controller.on_finished(info)


def make(builtin="circle", **train):
    cfg = ExperimentConfig()
    cfg.data.builtin = builtin
    for k, v in train.items():
        setattr(cfg.train, k, v)
    session = Session(cfg)
    session.set_data(load(cfg.data))
    runner = Runner()
    c = RunController(session, RunHooks(submit=runner.submit, request_pause=runner.requests.pause.set,
                                        request_abort=runner.requests.abort.set,
                                        changed=runner.events.append))
    runner.attach(c)
    c.adopt_network()
    return c, session, runner


def test_play_trains_the_whole_run_and_snapshot_follows():
    c, s, _ = make(epochs=7)
    start = s.net.params.copy()
    assert c.play()
    assert s.epochs_done == 7 and c.remaining == 0 and not c.running
    assert not np.array_equal(s.net.params, start)
    np.testing.assert_array_equal(c.snapshot, s.net.params)
    assert c.status.startswith("Epoch 7")


def test_pause_keeps_the_rest_of_the_run_and_play_continues_it():
    c, s, runner = make(epochs=10)
    runner.pause_after = 3
    c.play()
    done = s.epochs_done
    assert 3 <= done < 10 and c.remaining == 10 - done
    assert f"{10 - done} epochs left" in c.status_text()
    runner.pause_after = None
    c.play()
    assert s.epochs_done == 10 and c.remaining == 0


def test_step_is_one_epoch_and_reset_restores_seeded_weights():
    c, s, _ = make(epochs=5, seed=3)
    c.step()
    c.step()
    assert s.epochs_done == 2 and c.remaining == 0
    c.reset()
    np.testing.assert_array_equal(s.net.params, pyffnn.Network(s.net.spec, random_state=3).params)
    assert s.epochs_done == 0 and all(len(v) == 0 for v in s.history.values())


def test_reset_and_play_without_data_say_so():
    session = Session(ExperimentConfig())
    c = RunController(session, RunHooks(submit=lambda job: pytest.fail("nothing should train")))
    assert not c.reset() and c.error_status and "load a data set" in c.status
    assert not c.play() and "load a data set" in c.status


def test_divergence_message_counts_epochs_of_the_whole_run():
    c, s, _ = make("sine", epochs=3, optimizer="sgd", lr=0.01)
    c.play()
    assert s.epochs_done == 3 and not c.last_error
    s.config.train.lr = 1e6          # explodes at once
    s.config.train.epochs = 50
    c.play()
    assert c.last_error and c.error_status
    assert f"epoch {s.epochs_done + 1}" in c.last_error, c.last_error
    assert s.epochs_done >= 3 and c.remaining == 0


def test_unlimited_play_runs_until_pause():
    c, s, runner = make(epochs=0)
    runner.pause_after = 4
    c.play()
    assert s.epochs_done >= 4 and not c.running and c.remaining == 0


def test_perceptron_mode_reports_accuracy_from_the_library():
    c, s, runner = make(mode="perceptron", epochs=50)
    c.play()
    model = c.perceptron
    assert model is not None and "Perceptron" in c.status
    acc = model.score(s.data.Xs_train, s.data.y_train)
    assert f"train accuracy {acc:.1%}" in c.status
    assert "perceptron" in runner.events



def test_edit_weight_and_apply_update():
    c, s, _ = make()
    c.set_parameter(0, 1, 0, 0.25)
    c.set_parameter(1, 2, None, -0.5)
    assert s.net.weights[0][1, 0] == 0.25 and s.net.biases[1][2] == -0.5
    np.testing.assert_array_equal(c.snapshot, s.net.params)
    before = s.net.params.copy()
    grad = np.ones_like(before)
    c.apply_update(grad, 0.1)
    np.testing.assert_allclose(s.net.params, before - 0.1)
