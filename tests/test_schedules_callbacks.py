"""The callback list, live hyper-parameters, learning-rate schedules (Keras' formulas), monitors on missing
metrics, verbose output and the learning_rate= spelling."""
import io
import math
import warnings

import numpy as np
import pytest

import pyffnn
from pyffnn import (Adam, Callback, CallbackList, CosineDecay, EarlyStopping, ExponentialDecay, FFNNError,
                    LambdaCallback, LearningRateScheduler, Network, ReduceLROnPlateau, SGD, StepDecay)


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    X = rng.normal(size=(200, 2)) + 2.0 * y[:, None]
    return X, y


def _fit(X, y, **kw):
    net = Network("2-6tanh-1sigmoid", random_state=3)
    kw.setdefault("epochs", 6)
    kw.setdefault("batch_size", 16)
    hist = net.fit(X, y, **kw)
    return net, hist


# ----- the callback list ---------------------------------------------------------------------------------------
def test_fit_dispatches_every_hook_in_order_with_context(blobs):
    X, y = blobs
    events = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            events.append(("begin", self.params["epochs"], self.params["samples"], type(self.optimizer).__name__))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_chunk_end(self, step, logs=None):
            events.append(("chunk", logs["epoch"]))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(("end", logs["epochs"]))

    _fit(X, y, epochs=2, callbacks=Recorder())
    assert events[0] == ("begin", 2, 200, "Adam")
    assert events[1] == ("epoch_begin", 0) and events[2] == ("chunk", 0)
    assert events[3] == ("epoch_end", 0, ["accuracy", "loss", "lr"])
    assert events[4:] == [("epoch_begin", 1), ("chunk", 1), ("epoch_end", 1, ["accuracy", "loss", "lr"]),
                          ("end", 2)]


def test_history_is_a_callback_and_hooks_take_no_logs():
    h = pyffnn.History()
    assert isinstance(h, Callback)
    h.on_train_begin()
    h.on_epoch_end(0)
    h.on_epoch_end(1, {"loss": 0.5})
    assert h.epoch == [0, 1] and h["loss"] == [0.5]
    cbs = CallbackList([h, LambdaCallback()])
    cbs.on_train_begin()
    cbs.on_epoch_begin(2)
    cbs.on_chunk_end(1)
    cbs.on_epoch_end(2)
    cbs.on_train_end()
    assert len(cbs) == 2 and h.epoch == [0, 1, 2]


def test_callback_list_refuses_non_callbacks():
    with pytest.raises(FFNNError, match="Callback instances"):
        CallbackList([object()])
    with pytest.raises(FFNNError, match="Callback instances"):
        CallbackList().append(lambda: 0)


# ----- live hyper-parameters -----------------------------------------------------------------------------------
def test_lr_set_by_a_callback_takes_effect_from_the_next_chunk(blobs):
    X, y = blobs
    base_net, base = _fit(X, y, optimizer=SGD(lr=0.1))
    opt = SGD(lr=0.1)
    cb = LambdaCallback(on_epoch_end=lambda e, logs: setattr(opt, "lr", 0.01) if e == 2 else None)
    net, hist = _fit(X, y, optimizer=opt, callbacks=[cb])
    assert hist["lr"] == [0.1, 0.1, 0.1, 0.01, 0.01, 0.01]
    assert hist["loss"][:3] == base["loss"][:3]  # identical until the change ...
    assert hist["loss"][3] != base["loss"][3]  # ... and not ignored after it

    # the same run, done by hand in two fits with the rate changed in between: bit-identical
    ref = Network("2-6tanh-1sigmoid", random_state=3)
    opt2 = SGD(lr=0.1)
    ref.fit(X, y, optimizer=opt2, epochs=3, batch_size=16)
    opt2.lr = 0.01
    ref.fit(X, y, optimizer=opt2, epochs=6, initial_epoch=3, batch_size=16)
    np.testing.assert_array_equal(ref.params, net.params)


@pytest.mark.parametrize("name,value", [("momentum", 0.5), ("beta1", 0.5), ("beta2", 0.9), ("l2", 0.05)])
def test_every_hyper_parameter_is_live(blobs, name, value):
    X, y = blobs
    make = (lambda: SGD(lr=0.05, momentum=0.9)) if name == "momentum" else (lambda: Adam(lr=0.01))
    _, base = _fit(X, y, optimizer=make())
    opt = make()
    cb = LambdaCallback(on_epoch_end=lambda e, logs: setattr(opt, name, value) if e == 2 else None)
    _, hist = _fit(X, y, optimizer=opt, callbacks=[cb])
    assert hist["loss"][:3] == base["loss"][:3]
    assert hist["loss"][3] != base["loss"][3]


def test_a_bad_value_set_mid_fit_is_a_clear_error(blobs):
    X, y = blobs
    opt = Adam()
    cb = LambdaCallback(on_epoch_end=lambda e, logs: setattr(opt, "lr", -1.0))
    with pytest.raises(FFNNError, match="learning rate must be a positive"):
        _fit(X, y, optimizer=opt, callbacks=[cb])


def test_fit_l2_becomes_the_optimizer_penalty(blobs):
    X, y = blobs
    opt = Adam(l2=0.01)
    _, a = _fit(X, y, optimizer=opt)          # the optimizer's own l2
    _, b = _fit(X, y, optimizer=Adam(), l2=0.01)
    assert a["loss"] == b["loss"]
    assert opt.l2 == 0.01


def test_learning_rate_is_the_keras_spelling_of_lr(blobs):
    X, y = blobs
    _, a = _fit(X, y, optimizer="sgd", lr=0.2)
    _, b = _fit(X, y, optimizer="sgd", learning_rate=0.2)
    assert a["loss"] == b["loss"] and b["lr"][0] == 0.2
    with pytest.raises(FFNNError, match="not both"):
        _fit(X, y, lr=0.1, learning_rate=0.1)


# ----- schedules: Keras' formulas, written out -----------------------------------------------------------------
def _rates(X, y, schedule, epochs=12, lr=0.1):
    _, hist = _fit(X, y, optimizer=SGD(lr=lr), epochs=epochs, callbacks=[schedule])
    return hist["lr"]


def test_step_decay(blobs):
    rates = _rates(*blobs, StepDecay(drop=0.5, every=4))
    assert rates == pytest.approx([0.1 * 0.5 ** math.floor(e / 4) for e in range(12)], rel=1e-15)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_keras_formula(blobs, staircase):
    # keras.optimizers.schedules.ExponentialDecay: lr0 * decay_rate ** (step / decay_steps), floor when staircase
    rates = _rates(*blobs, ExponentialDecay(decay_steps=3, decay_rate=0.7, staircase=staircase))
    expected = [0.1 * 0.7 ** (math.floor(e / 3) if staircase else e / 3) for e in range(12)]
    assert rates == pytest.approx(expected, rel=1e-15)


def test_cosine_decay_keras_formula(blobs):
    # keras.optimizers.schedules.CosineDecay without warm-up: step = min(step, decay_steps);
    # lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * step / decay_steps)) + alpha)
    rates = _rates(*blobs, CosineDecay(decay_steps=8, alpha=0.1))
    expected = [0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * min(e, 8) / 8)) + 0.1) for e in range(12)]
    assert rates == pytest.approx(expected, rel=1e-14)


def test_cosine_decay_with_warmup_keras_formula(blobs):
    # with warmup_target: linear lr0 -> target over warmup_steps, then the cosine from the target
    rates = _rates(*blobs, CosineDecay(decay_steps=10, warmup_target=0.2, warmup_steps=4, initial_lr=1e-3))
    lr0, target = 1e-3, 0.2
    expected = [lr0 + (target - lr0) * e / 4 if e < 4 else
                target * 0.5 * (1 + math.cos(math.pi * min(e - 4, 10) / 10)) for e in range(12)]
    assert rates == pytest.approx(expected, rel=1e-14)


def test_a_schedule_reaching_zero_is_a_clear_error(blobs):
    # alpha=0: the rate is exactly 0 from epoch decay_steps on, which the optimizers cannot train with
    with pytest.raises(FFNNError, match="learning rate of 0 for epoch 5"):
        _rates(*blobs, CosineDecay(decay_steps=4))


def test_learning_rate_scheduler_gets_epoch_and_rate(blobs):
    rates = _rates(*blobs, LearningRateScheduler(lambda epoch, lr: lr * 0.9 if epoch else lr), epochs=5)
    assert rates == pytest.approx([0.1 * 0.9 ** e for e in range(5)], rel=1e-15)


def test_reduce_lr_on_plateau_keras_rule():
    # Keras: once the monitor has not improved by min_delta for `patience` epochs, lr = max(lr*factor, min_lr),
    # then `cooldown` epochs during which wait stays 0
    opt = SGD(lr=1.0)
    cb = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1, min_lr=0.2, min_delta=0.0)
    cb.optimizer = opt
    cb.on_train_begin()
    seen = []
    for epoch, v in enumerate([1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8]):
        cb.on_epoch_end(epoch, {"val_loss": v})
        seen.append(opt.lr)
    # e0, e1 improve; e2 wait=1; e3 wait=2 -> 0.5, cooldown=1; e4 cooldown ends (counter 0, wait 0), then wait=1;
    # e5 wait=2 -> 0.25; e6 as e4; e7 -> max(0.125, min_lr) = 0.2; e8 wait=1; e9 improves
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]
    for epoch in range(10, 20):
        cb.on_epoch_end(epoch, {"val_loss": 0.8})
    assert opt.lr == 0.2  # floored at min_lr


def test_reduce_lr_on_plateau_in_fit_changes_the_rate(blobs):
    X, y = blobs
    cb = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)  # nothing counts as better
    _, hist = _fit(X, y, optimizer=SGD(lr=0.1), epochs=4, callbacks=[cb])
    assert hist["lr"] == [0.1, 0.1, 0.05, 0.025]


def test_schedules_need_an_optimizer_with_a_learning_rate(blobs):
    X, y = blobs
    with pytest.raises(FFNNError, match="RPROP has none"):
        _fit(X, y, optimizer="rprop", batch_size=None, callbacks=[StepDecay()])
    with pytest.raises(FFNNError, match="decay_steps"):
        ExponentialDecay(decay_steps=0, decay_rate=0.5)
    with pytest.raises(FFNNError, match="factor"):
        ReduceLROnPlateau(factor=1.5)


# ----- monitors on missing metrics -----------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: EarlyStopping(monitor="val_acc", patience=1),
                                  lambda: ReduceLROnPlateau(monitor="val_acc", patience=1)])
def test_a_monitor_on_a_missing_metric_warns_once_naming_the_keys(blobs, make):
    X, y = blobs
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, hist = _fit(X, y, epochs=5, validation_split=0.2, callbacks=[make()])
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(msgs) == 1, msgs
    assert "'val_acc'" in msgs[0] and "accuracy, loss, lr, val_accuracy, val_loss" in msgs[0]
    assert len(hist.epoch) == 5


def test_val_metric_without_validation_data_hints_at_it(blobs):
    X, y = blobs
    with pytest.warns(RuntimeWarning, match="need validation_data"):
        _fit(X, y, epochs=2, callbacks=[EarlyStopping(monitor="val_loss")])


# ----- verbose and the progress bar ----------------------------------------------------------------------------
def test_verbose_1_prints_a_line_per_epoch_and_2_a_bar(blobs, capsys):
    X, y = blobs
    _fit(X, y, epochs=3, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[0].startswith("epoch 1/3  loss ") and "[" not in lines[0]
    _fit(X, y, epochs=3, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and lines[2].startswith("epoch 3/3 [" + "#" * 30 + "]  loss ")
    with pytest.raises(FFNNError, match="verbose must be"):
        _fit(X, y, verbose=3)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_epoch_bar_fills_within_the_epoch_on_a_terminal():
    stream = _Terminal()
    bar = pyffnn.ProgressBar(stream=stream, width=10, mode="epoch")
    bar.params = {"epochs": 2, "samples": 100}
    bar.on_train_begin()
    bar.on_chunk_end(1, {"loss": 0.5, "epoch": 0, "samples": 50})
    assert stream.getvalue() == "\repoch 1/2 [#####.....]  loss 0.5000"
    bar.on_epoch_end(0, {"loss": 0.4, "lr": 0.01})
    assert stream.getvalue().endswith("\repoch 1/2 [##########]  loss 0.4000  lr 0.01\n")


def test_a_schedule_resumed_later_needs_its_initial_rate(blobs):
    X, y = blobs
    opt = SGD(lr=0.1)
    _fit(X, y, optimizer=opt, epochs=3, callbacks=[StepDecay(every=1)])
    net = Network("2-6tanh-1sigmoid", random_state=3)
    with pytest.raises(FFNNError, match="needs initial_lr= when training starts at epoch 4"):
        net.fit(X, y, optimizer=opt, initial_epoch=3, epochs=5, callbacks=[StepDecay(every=1)])
    hist = net.fit(X, y, optimizer=opt, initial_epoch=3, epochs=5, callbacks=[StepDecay(every=1, initial_lr=0.1)])
    assert hist["lr"] == [0.1 * 0.5 ** 3, 0.1 * 0.5 ** 4]
