"""The Network: a layer table over one flat parameter buffer, with forward, loss, gradients and training."""
import contextlib
import os
import threading

import numpy as np

from . import _binding as core
from .errors import FFNNError
from .layers import format_spec, normalize_layers
from .registry.losses import resolve as resolve_loss
from .training.decisions import accuracy, decide
from .training.targets import _as_real, check_sample_weight, check_X, encode_targets
from .validation import all_finite, check_dtype, check_int, seed_from

_PREDICT_CHUNK = 2048  # samples per forward call: bounds the workspace of predictions on big inputs
_STAGE_CHUNK, _STAGE_MIN = 256, 16  # samples per aligned copy of the input (_forward_raw), and the least worth it


def _physical_memory():
    """Bytes of RAM on this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _check_memory(n_params, dtype, spec):
    """Refuse, with a clear MemoryError, a network whose weights and gradients alone cannot fit in RAM: with an
    overcommitting OS the allocation could succeed and the process be killed later, while writing the weights."""
    need, have = 2 * n_params * np.dtype(dtype).itemsize, _physical_memory()
    if have is not None and need > have:
        raise MemoryError(f"network {spec} has {n_params:,} parameters; its weights and gradients need "
                          f"{need / 2**30:,.1f} GiB but this machine has {have / 2**30:,.1f} GiB of memory")


class Network:
    """A feedforward network  a(l+1) = σ(W(l) a(l) + w0(l)).

    ``layers`` is a compact string such as ``"2-8tanh-8tanh-1sigmoid"`` or a list
    ``[n_inputs, Dense(8, "tanh"), Maxout(8, pieces=3), Dense(1, "sigmoid")]``.  All weights live in one flat
    buffer ``params`` = [W1, b1, W2, b2, ...]; ``weights[l]`` / ``biases[l]`` are zero-copy views into it, with
    ``W(l)`` of shape (S(l+1)·pieces, S(l)), one row per neuron as in the lecture.
    """

    def __init__(self, layers, dtype="float64", random_state=None):
        self.n_inputs, self.layers = normalize_layers(layers)
        self.dtype = check_dtype(dtype)
        specs, prev = [], self.n_inputs
        for ly in self.layers:
            specs.append((prev, ly.units, core.ACTIVATION_CODES[ly.activation], ly.pieces, ly.dropout))
            prev = ly.units
        self._table, n_params = core.layer_table(specs)
        _check_memory(n_params, self.dtype, format_spec(self.n_inputs, self.layers))
        self._busy_lock = threading.Lock()  # guards the owner fields below, held only for a moment
        self._busy_owner, self._busy_depth, self._busy_what = None, 0, None
        self._params = core.aligned_zeros(n_params, self.dtype)  # cache-line aligned: the kernels' loads
        self._grads = core.aligned_zeros(n_params, self.dtype)
        # params is only ever written in place (the setter copies), so its C pointer can be made once
        self._params_ptr = core.wptr(self._params)
        self._forward_fn = core.func("ffnn_forward", self.dtype)
        self._forward_one_fn = core.func("ffnn_forward_one", self.dtype)
        self._n_layers = len(self.layers)
        self._in_shape_1d, self._in_shape_2d = (self.n_inputs,), (1, self.n_inputs)
        self._ctype = "float[]" if self.dtype == np.float32 else "double[]"
        self._out_shape_1d, self._out_shape_2d = (self.layers[-1].units,), (1, self.layers[-1].units)
        self.metadata = {}
        self.stop_training = False
        self._local = threading.local()
        self.random_state = random_state
        self.reinitialize(random_state)

    # ----- the buffers and who may write them ------------------------------------------------------------------
    @property
    def params(self):
        """The flat parameter buffer [W1, b1, W2, b2, ...]; ``net.params = values`` copies into it (checked)."""
        return self._params

    @params.setter
    def params(self, values):
        self._assign(self._params, values, "params")

    @property
    def grads(self):
        """The flat gradient buffer, laid out like ``params``; ``net.grads = values`` copies into it (checked)."""
        return self._grads

    @grads.setter
    def grads(self, values):
        self._assign(self._grads, values, "grads")

    def _assign(self, buf, values, name):
        arr = _as_real(values, self.dtype, name)
        if arr.shape != buf.shape:
            raise FFNNError(f"{name} must have shape ({buf.size},) for network {self.spec}, got {np.shape(values)}; "
                            f"the buffer itself is kept (assigning copies into it)")
        if not all_finite(arr):
            raise FFNNError(f"{name} contains NaN or infinite values")
        with self._exclusive(f"setting {name}"):
            np.copyto(buf, arr)

    @contextlib.contextmanager
    def _exclusive(self, what):
        """Mark the network busy for ``what`` (fit, compute_grads, ...): another thread that tries to train or
        change it meanwhile gets a clear error instead of silently mixed-up weights.  The same thread may nest
        (a callback of a fit may call fit again); yields True when nested."""
        me = threading.get_ident()
        with self._busy_lock:
            if self._busy_owner not in (None, me):
                raise FFNNError(f"this Network is busy: {self._busy_what} is running in another thread, so {what} "
                                "cannot run now; use one thread per network (net.copy() gives an independent one)")
            self._busy_owner = me
            self._busy_depth += 1
            if self._busy_depth == 1:
                self._busy_what = what
        try:
            yield self._busy_depth > 1
        finally:
            with self._busy_lock:
                self._busy_depth -= 1
                if self._busy_depth == 0:
                    self._busy_owner = self._busy_what = None

    # ----- structure -------------------------------------------------------------------------------------------
    @property
    def n_layers(self):
        return len(self.layers)

    @property
    def n_outputs(self):
        return self.layers[-1].units

    @property
    def n_params(self):
        return self.params.size

    @property
    def has_dropout(self):
        """True if a hidden layer has dropout (training thins it; prediction never does)."""
        return any(ly.dropout for ly in self.layers)

    @property
    def output_activation(self):
        return self.layers[-1].activation

    @property
    def spec(self):
        """The compact architecture string; ``Network(net.spec)`` rebuilds the same architecture."""
        return format_spec(self.n_inputs, self.layers)

    def _layer_shape(self, l):
        t = self._table[l]
        return int(t.n_out) * int(t.pieces), int(t.n_in)

    def _views(self, buf, part):
        """Zero-copy views of each layer's weights ("w", shaped rows x cols) or biases ("b") inside ``buf``."""
        out = []
        for l in range(self.n_layers):
            rows, cols = self._layer_shape(l)
            if part == "w":
                off = int(self._table[l].w_offset)
                out.append(buf[off:off + rows * cols].reshape(rows, cols))
            else:
                off = int(self._table[l].b_offset)
                out.append(buf[off:off + rows])
        return out

    @property
    def weights(self):
        """Zero-copy views of each W(l), shape (S(l+1)·pieces, S(l))."""
        return self._views(self.params, "w")

    @property
    def biases(self):
        """Zero-copy views of each bias vector w0(l), shape (S(l+1)·pieces,)."""
        return self._views(self.params, "b")

    def grad_views(self):
        """Views of ``grads`` laid out like (weights, biases)."""
        return self._views(self.grads, "w"), self._views(self.grads, "b")

    def layer_views(self, flat):
        """``[(W(1), w0(1)), (W(2), w0(2)), ...]``: zero-copy views of any flat array laid out like ``params``
        (a saved weight snapshot, a gradient from :meth:`loss_and_grad`, an optimizer's moment buffer)."""
        arr = np.asarray(flat)
        if arr.ndim != 1 or arr.shape[0] != self.n_params:
            raise FFNNError(f"a flat parameter array of this network has shape ({self.n_params},), "
                            f"got {arr.shape}")
        return list(zip(self._views(arr, "w"), self._views(arr, "b")))

    def layer_grad_norms(self, grads):
        """Euclidean norm ‖∂E/∂W(l)‖ of each layer's weight gradient (biases excluded), from a flat gradient laid
        out like ``params``; a list with one float per layer."""
        return [float(np.linalg.norm(W)) for W, _ in self.layer_views(grads)]

    def backprop_trace(self, x, y, loss="auto", params=None):
        """Back-propagation on one sample, every intermediate quantity of the lecture's algorithm.

        Returns a dict: ``"a"`` = [a(1) = x, a(2), ..., a(L)] (activations of every layer, the input included),
        ``"delta"`` = [δ(1), ..., δ(L-1)] where δ(l) = ∂E/∂z(l) is the error of layer l+1's pre-activations
        z = W(l) a(l) + w0(l) (one row per neuron, per piece for maxout), ``"grad_W"`` = [∂E/∂W(l)] = δ(l) a(l)ᵀ,
        ``"grad_b"`` = [∂E/∂w0(l)] = δ(l), ``"loss"`` and ``"grad"`` (the flat gradient). Everything comes from the
        core's own forward and backward passes at ``params`` (default: the current weights), so the numbers equal
        :meth:`loss_and_grad` on that sample.
        """
        x2, _ = check_X(np.asarray(x).reshape(1, -1) if np.ndim(x) == 1 else x, self.n_inputs, self.dtype)
        if x2.shape[0] != 1:
            raise FFNNError(f"backprop_trace takes one sample, got {x2.shape[0]}")
        p = self.params if params is None else self._check_flat(params)
        yy = np.asarray(y)
        yy = yy.reshape(1, -1) if yy.ndim >= 1 else yy.reshape(1)
        value, grad = self.loss_and_grad(p, x2, yy, loss=loss)
        saved = None
        if p is not self.params:
            saved = self.params.copy()
            self.params[:] = p
        try:
            acts = [a[0].copy() for a in self.hidden_activations(x2)]
        finally:
            if saved is not None:
                self.params[:] = saved
        views = self.layer_views(grad)
        return {"a": [x2[0].copy()] + acts, "delta": [b.copy() for _, b in views],
                "grad_W": [W.copy() for W, _ in views], "grad_b": [b.copy() for _, b in views],
                "loss": float(value), "grad": grad}

    def reinitialize(self, random_state=None):
        """New initial weights: Glorot uniform (linear/sigmoid/tanh/softmax) or He uniform (relu/leaky_relu/elu/
        softplus/maxout), as the core's activation table says;
        zero biases.  The same ``random_state`` gives the same weights, bit for bit."""
        seed = seed_from(random_state)
        rng = core.ffi.new("uint64_t[4]")
        core.lib.ffnn_rng_seed(rng, seed)
        with self._exclusive("reinitialize"):
            core.check(core.func("ffnn_init", self.dtype)(self._table, self.n_layers, core.wptr(self.params), rng),
                       "initialising weights")
            # Generator for shuffling in fit: seeded from the same seed so a seeded run is reproducible end to end.
            self._rng = np.random.default_rng(seed)
            # validation_split draws from its own generator, made afresh from this seed by every fit: repeated fits
            # (and a resumed checkpoint) hold out the same samples instead of leaking validation data into training
            self._split_seed = [seed, 1]
            self.epochs_done = 0
            self.grads[:] = 0

    # ----- forward ---------------------------------------------------------------------------------------------
    def _workspace(self, batch):
        """Per-thread cached workspace, so predictions from another thread never touch a running fit's buffers."""
        cached = getattr(self._local, "ws", None)
        if cached is None or cached[0] < batch:
            work, iwork = core.workspace(self._table, self.n_layers, batch, self.dtype)
            # keep the C pointers with the arrays: building them costs more than a small forward pass
            cached = (batch, work, iwork, core.wptr(work), core.iptr(iwork))
            self._local.ws = cached
        return cached

    def _forward_raw(self, X, params=None):
        """Forward pass of a checked 2-D array; returns a new (n, n_outputs) array."""
        params = self.params if params is None else params
        n = X.shape[0]
        out = np.empty((n, self.n_outputs), dtype=self.dtype)
        row_bytes = X.shape[1] * X.itemsize
        # numpy's arrays start 16 bytes past a cache line: when whole rows could be aligned, copy the input chunk by
        # chunk into an aligned buffer first (the blocked kernel then loads whole lines; a 1000 x 784 float32
        # batch ran about 1.25x faster in C for a copy costing a few percent)
        stage = n >= _STAGE_MIN and row_bytes % core.ALIGN == 0 and X.ctypes.data % core.ALIGN != 0
        chunk = min(n, _STAGE_CHUNK if stage else _PREDICT_CHUNK)
        batch, _, _, w, iw = self._workspace(chunk)
        staging = self._staging(chunk) if stage else None
        fwd = self._forward_fn
        p = self._params_ptr if params is self.params else core.ptr(params)
        for start in range(0, n, chunk):
            xs = X[start:start + chunk]
            if staging is not None:
                xs = staging[:xs.shape[0]]
                np.copyto(xs, X[start:start + chunk])
            core.check(fwd(self._table, self.n_layers, p, core.ptr(xs), xs.shape[0], batch,
                           core.wptr(out[start:start + chunk]), w, iw), "forward pass")
        return out

    def _staging(self, rows):
        """Per-thread cache-line aligned (rows, n_inputs) buffer for _forward_raw's aligned copies of the input."""
        cached = getattr(self._local, "stage", None)
        if cached is None or cached.shape[0] < rows:
            cached = core.aligned_zeros(rows * self.n_inputs, self.dtype).reshape(rows, self.n_inputs)
            self._local.stage = cached
        return cached

    def forward(self, X):
        """Output-layer activations a(L) for samples ``X`` (n, n_inputs); one sample (n_inputs,) gives (n_outputs,)."""
        if type(X) is np.ndarray and X.dtype == self.dtype and X.flags.c_contiguous:
            # one sample, as (n_inputs,) or (1, n_inputs): the latency path (the core checks it is finite)
            shape = X.shape
            if shape == self._in_shape_1d:
                return self._forward_one(X, self._out_shape_1d)
            if shape == self._in_shape_2d:
                return self._forward_one(X, self._out_shape_2d)
        X2, was_1d = check_X(X, self.n_inputs, self.dtype)
        out = self._forward_raw(X2)
        return out[0] if was_1d else out

    predict = forward

    def _forward_one(self, x, shape):
        """One sample (a C-contiguous array of n_inputs values of the network's dtype): the latency path, with as
        little Python as possible: the workspace and its C pointers are cached per thread, the core checks that the
        sample is finite, and the only new object is the output (of ``shape``)."""
        ws = getattr(self._local, "ws", None)
        if ws is None:
            ws = self._workspace(1)
        out = np.empty(shape, dtype=self.dtype)
        ctype = self._ctype
        status = self._forward_one_fn(self._table, self._n_layers, self._params_ptr, core.ffi.from_buffer(ctype, x),
                                      ws[0], core.ffi.from_buffer(ctype, out, require_writable=True), ws[3], ws[4])
        if status:
            if status == core.lib.FFNN_E_NONFINITE:
                check_X(x, self.n_inputs, self.dtype)  # raises the usual message for NaN / infinite inputs
            core.check(status, "forward pass")
        return out

    def predict_classes(self, X):
        """Class decisions: the argmax of a softmax output, ``a > 0.5`` for one sigmoid output (0 or 1), and for
        several sigmoid outputs a 0/1 row per sample (multi-label, each label ``a > 0.5``).  Score outputs (linear,
        tanh, ...): ``a > 0`` for one output, the argmax of several.  The same rule gives ``evaluate``'s accuracy."""
        out = self.forward(X)
        single = out.ndim == 1
        classes = decide(out.reshape(1, -1) if single else out, self.output_activation)
        return classes[0] if single else classes

    def hidden_activations(self, X):
        """Every layer's activations for ``X``: a list ``[a(2), ..., a(L)]`` of (n, S(l+1)) arrays."""
        X2, _ = check_X(X, self.n_inputs, self.dtype)
        n = X2.shape[0]
        chunk = min(n, _PREDICT_CHUNK)
        batch, work, _, w, iw = self._workspace(chunk)
        outs = [np.empty((n, ly.units), dtype=self.dtype) for ly in self.layers]
        for start in range(0, n, chunk):
            xs = X2[start:start + chunk]
            m = xs.shape[0]
            core.check(self._forward_fn(self._table, self.n_layers, self._params_ptr, core.ptr(xs), m, batch,
                                        core.ffi.NULL, w, iw), "forward pass")
            for l, ly in enumerate(self.layers):
                off = core.lib.ffnn_activation_offset(self._table, self.n_layers, batch, l)
                outs[l][start:start + m] = work[off:off + m * ly.units].reshape(m, ly.units)
        return outs

    # ----- losses and gradients --------------------------------------------------------------------------------
    def _prepare_xy(self, X, y, loss):
        X2, _ = check_X(X, self.n_inputs, self.dtype)
        loss_name = resolve_loss(loss, self.output_activation)
        Y = encode_targets(y, X2.shape[0], self.n_outputs, self.output_activation, loss_name, self.dtype)
        return X2, Y, loss_name

    def _check_flat(self, flat_params):
        arr = np.ascontiguousarray(_as_real(flat_params, self.dtype, "flat_params"))
        if arr.shape != (self.n_params,):
            raise FFNNError(f"flat_params must have shape ({self.n_params},), got {np.shape(flat_params)}")
        if not all_finite(arr):
            raise FFNNError("flat_params contains NaN or infinite values")
        return arr

    def _loss_grad_raw(self, params, X, Y, loss_name, l2, grads, weights=None, outputs=None, l1=0.0,
                       dropout_rng=None):
        """Mean loss (weighted by ``weights`` if given, + L1/L2 penalty) over X; ``grads`` receives the gradient and
        ``outputs`` (n, n_outputs) the output layer of the same forward pass (no second pass for accuracy).
        ``dropout_rng`` (a C uint64_t[4], with ``grads``): training mode, dropout masks drawn from that state."""
        n = X.shape[0]
        total_weight = float(n) if weights is None else float(weights.sum(dtype=np.float64))
        chunk = min(n, _PREDICT_CHUNK)
        batch, work, iwork, _, _ = self._workspace(chunk)
        out_offset = core.lib.ffnn_activation_offset(self._table, self.n_layers, batch, self.n_layers - 1)
        code = core.LOSS_CODES[loss_name]
        total = core.ffi.new("double *")
        acc = 0.0
        if grads is not None:
            grads[:] = 0
        for start in range(0, n, chunk):
            xs, ys = X[start:start + chunk], Y[start:start + chunk]
            ws = None if weights is None else weights[start:start + chunk]
            if grads is None:
                st = core.func("ffnn_loss", self.dtype)(self._table, self.n_layers, core.ptr(params), core.ptr(xs),
                                                        core.ptr(ys), core.ptr(ws), xs.shape[0], batch, code, total,
                                                        core.wptr(work), core.iptr(iwork))
            elif dropout_rng is not None:
                st = core.func("ffnn_loss_grad_train", self.dtype)(
                    self._table, self.n_layers, core.ptr(params), core.wptr(grads), core.ptr(xs), core.ptr(ys),
                    core.ptr(ws), xs.shape[0], batch, code, 1.0 / total_weight, dropout_rng, total, core.wptr(work),
                    core.iptr(iwork))
            else:
                st = core.func("ffnn_loss_grad", self.dtype)(
                    self._table, self.n_layers, core.ptr(params), core.wptr(grads), core.ptr(xs), core.ptr(ys),
                    core.ptr(ws), xs.shape[0], batch, code, 1.0 / total_weight, total, core.wptr(work),
                    core.iptr(iwork))
            core.check(st, "loss computation")
            acc += total[0]
            if outputs is not None:
                m = xs.shape[0]
                outputs[start:start + m] = work[out_offset:out_offset + m * self.n_outputs].reshape(m, -1)
        value = acc / total_weight
        if l2 or l1:
            penalty = core.ffi.new("double *")
            scratch = grads if grads is not None else np.zeros_like(params)
            core.check(core.func("ffnn_penalty", self.dtype)(self._table, self.n_layers, core.ptr(params),
                                                             core.wptr(scratch), float(l1), float(l2), penalty),
                       "weight penalty")
            value += penalty[0]
        return value

    def _loss_and_accuracy(self, X, Y, loss_name, l2, l1=0.0):
        """(mean loss, accuracy or None) of checked arrays, from one forward pass."""
        outputs = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
        value = self._loss_grad_raw(self.params, X, Y, loss_name, l2, None, outputs=outputs, l1=l1)
        return value, accuracy(outputs, Y, self.output_activation)

    @staticmethod
    def _check_l2(l2, what="l2"):
        try:
            l2 = float(l2)
        except (TypeError, ValueError):
            raise FFNNError(f"{what} must be a finite number >= 0, got {l2!r}") from None
        if not np.isfinite(l2) or l2 < 0:
            raise FFNNError(f"{what} must be a finite number >= 0, got {l2}")
        return l2

    def loss(self, X, y, loss="auto", l2=0.0, sample_weight=None, l1=0.0):
        """Mean loss over the samples (squared error is the lecture's ½·Σ_k (a_k − y_k)² per sample);
        with ``sample_weight`` the weighted mean Σ w_i ℓ_i / Σ w_i; ``l2``/``l1`` add ½·l2·ΣW² + l1·Σ|W|."""
        X2, Y, loss_name = self._prepare_xy(X, y, loss)
        w = check_sample_weight(sample_weight, X2.shape[0], self.dtype)
        return self._loss_grad_raw(self.params, X2, Y, loss_name, self._check_l2(l2), None, w,
                                   l1=self._check_l2(l1, "l1"))

    def loss_and_grad(self, flat_params, X, y, loss="auto", l2=0.0, sample_weight=None, l1=0.0,
                      dropout_seed=None):
        """(mean loss, gradient) at ``flat_params`` without changing ``self.params``.

        ``l2``/``l1`` add the penalty ½·l2·ΣW² + l1·Σ|W| on the weights (not biases) and its (sub)gradient
        l2·W + l1·sign(W), with sign(0) = 0.  ``dropout_seed`` (an int) evaluates in training mode: the hidden
        layers' dropout masks are drawn from that seed, the same seed giving the same masks (one fixed thinned
        network, for gradient checks); None (default) is the deterministic network without dropout.

        Ready for ``scipy.optimize.minimize(fun=lambda p: net.loss_and_grad(p, X, y), x0=net.params, jac=True)``.
        """
        params = self._check_flat(flat_params)
        X2, Y, loss_name = self._prepare_xy(X, y, loss)
        w = check_sample_weight(sample_weight, X2.shape[0], self.dtype)
        grads = np.zeros(self.n_params, dtype=self.dtype)
        state = None
        if dropout_seed is not None:
            state = core.ffi.new("uint64_t[4]")
            core.lib.ffnn_rng_seed(state, check_int(dropout_seed, "dropout_seed", 0, 2**64 - 1))
        value = self._loss_grad_raw(params, X2, Y, loss_name, self._check_l2(l2), grads, w,
                                    l1=self._check_l2(l1, "l1"), dropout_rng=state)
        return value, grads

    def compute_grads(self, X, y, loss="auto", l2=0.0, sample_weight=None, l1=0.0):
        """Fill ``self.grads`` with the gradient at the current weights and return the mean loss."""
        X2, Y, loss_name = self._prepare_xy(X, y, loss)
        w = check_sample_weight(sample_weight, X2.shape[0], self.dtype)
        with self._exclusive("compute_grads"):
            return self._loss_grad_raw(self.params, X2, Y, loss_name, self._check_l2(l2), self.grads, w,
                                       l1=self._check_l2(l1, "l1"))

    def evaluate(self, X, y, loss="auto"):
        """``{"loss": ..., "accuracy": ...}`` on the given samples (accuracy for sigmoid/softmax outputs only)."""
        X2, Y, loss_name = self._prepare_xy(X, y, loss)
        value, acc = self._loss_and_accuracy(X2, Y, loss_name, 0.0)
        result = {"loss": value}
        if acc is not None:
            result["accuracy"] = acc
        return result

    # ----- training --------------------------------------------------------------------------------------------
    def fit(self, X, y, *, loss="auto", optimizer="adam", lr=None, learning_rate=None, epochs=100, batch_size=32,
            shuffle=True, l2=None, validation_split=0.0, validation_data=None, callbacks=None, verbose=0,
            random_state=None, sample_weight=None, class_weight=None, initial_epoch=0, comm=None, l1=None):
        """Train with minibatch back-propagation (or L-BFGS); returns a :class:`History`.

        ``batch_size=1`` is the lecture's per-example update, ``None`` full-batch gradient descent.  ``optimizer``
        is a name ('sgd', 'momentum', 'nesterov', 'adam', 'rprop', 'lbfgs') or an optimizer object (its state
        carries over between calls; its hyper-parameters are read before every chunk of steps, so callbacks such
        as the learning-rate schedules may change them).  ``lr`` (or its Keras spelling ``learning_rate``; not
        both) sets the step size of a named optimizer.  Losses are means over the minibatch.  ``l2`` adds
        ½·l2·Σ W² (weights, not biases); it becomes the optimizer's ``l2`` (None keeps the optimizer's, 0 for a
        name).  ``shuffle``: True permutes the samples every epoch, False keeps their order, ``"blocks"``
        permutes contiguous ~1 MiB blocks (and the samples within each), for a memory-mapped ``X`` read in long
        runs rather than page by page.  ``l1`` adds l1·Σ|W| (weights only; subgradient l1·sign(W) with
        sign(0) = 0, which drives
        weights to exact zeros more than l2 does) and likewise becomes the optimizer's ``l1``; L-BFGS refuses
        it (not smooth).  ``sample_weight`` weights each sample's loss (each step minimises Σ w_i ℓ_i / Σ w_i over its
        minibatch); ``class_weight`` ("balanced" or ``{class: weight}``, scikit-learn's meaning) multiplies it.
        Epochs run from ``initial_epoch`` to ``epochs - 1`` (Keras' convention, for resuming a checkpoint: pass
        ``initial_epoch=net.epochs_done``).  ``verbose``: 0 silent, 1 one line per epoch, 2 a live progress bar
        per epoch.  ``optimizer="lbfgs"`` minimises the full-batch loss with SciPy's L-BFGS-B (one epoch per
        iteration).  ``comm`` (an MPI communicator, e.g. mpi4py's ``MPI.COMM_WORLD``; see :func:`pyffnn.fit_mpi`)
        trains data-parallel: every rank runs this same call on the same data, computes its share of each
        minibatch's gradient, and one Allreduce per step gives all ranks the same update (docs/DISTRIBUTED.md).
        Raises :class:`TrainingDiverged` if the loss becomes NaN/inf; the weights are then the last finite ones.
        """
        from .training.loop import train
        return train(self, X, y, loss=loss, optimizer=optimizer, lr=lr, learning_rate=learning_rate, epochs=epochs,
                     batch_size=batch_size, shuffle=shuffle, l2=l2, validation_split=validation_split,
                     validation_data=validation_data, callbacks=callbacks, verbose=verbose,
                     random_state=random_state, sample_weight=sample_weight, class_weight=class_weight,
                     initial_epoch=initial_epoch, comm=comm, l1=l1)

    # ----- description, copies, files --------------------------------------------------------------------------
    def summary(self):
        """A text table of the layers, their shapes, activations and parameter counts."""
        lines = [f"Network {self.spec}  ({self.dtype.name})", f"{'layer':<8}{'shape W':<16}{'activation':<14}"
                 f"{'params':>10}", "-" * 48]
        for l, ly in enumerate(self.layers):
            rows, cols = self._layer_shape(l)
            act = f"maxout(k={ly.pieces})" if ly.activation == "maxout" else ly.activation
            drop = f"  dropout {ly.dropout:g}" if ly.dropout else ""
            lines.append(f"{l + 1:<8}{f'{rows} x {cols}':<16}{act:<14}{rows * cols + rows:>10}{drop}")
        lines += ["-" * 48, f"{'total':<38}{self.n_params:>10}"]
        return "\n".join(lines)

    def __repr__(self):
        return f"Network({self.spec!r}, dtype={self.dtype.name!r})"

    def copy(self):
        """An independent network with the same architecture and weights."""
        other = Network(self.spec, dtype=self.dtype, random_state=0)
        other.params[:] = self.params
        other.metadata = dict(self.metadata)
        return other

    def save(self, path, metadata=None, optimizer=None):
        """Write the model to ``path`` (.npz with a JSON architecture); atomic: an old file survives a failure.

        ``optimizer`` (the object that trained the network) makes the file a training checkpoint: it also holds
        the optimizer's config, state and step count, ``epochs_done`` and the shuffling generator's state, so
        ``Network.load(path, with_optimizer=True)`` and ``fit(..., optimizer=opt, initial_epoch=net.epochs_done)``
        continue exactly as one uninterrupted fit would have.
        """
        from .serialization import save_network
        save_network(self, path, metadata, optimizer=optimizer)

    @classmethod
    def load(cls, path, with_optimizer=False):
        """Read a model written by :meth:`save`; raises ModelFileError for corrupt or foreign files.

        With ``with_optimizer=True`` returns ``(network, optimizer)``: the optimizer rebuilt from a checkpoint with
        its state and step count, or None when the file was saved without ``optimizer=``.
        """
        from .serialization import load_network
        return load_network(path, with_optimizer=with_optimizer)

    def to_onnx(self, path, opset=None):
        """Export to ONNX (needs the optional ``onnx`` package: ``pip install pyffnn[onnx]``)."""
        from .interop.onnx_export import export_onnx
        return export_onnx(self, path) if opset is None else export_onnx(self, path, opset=opset)

    def __getstate__(self):
        return {"spec": self.spec, "dtype": self.dtype.name, "params": self.params.copy(),
                "metadata": self.metadata, "random_state": self.random_state}

    def __setstate__(self, state):
        self.__init__(state["spec"], dtype=state["dtype"], random_state=0)
        self.params[:] = state["params"]
        self.metadata = state.get("metadata", {})
        self.random_state = state.get("random_state")
