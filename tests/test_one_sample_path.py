"""The one-sample (latency) path of Network.forward: a (n_inputs,) array and a (1, n_inputs) array take it, and it
gives the bits the batched path gives; what it cannot take (other dtypes, strides, non-finite values) still goes
through the checked path with its errors."""
import numpy as np
import pytest

from pyffnn import FFNNError, Network


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_row_and_one_sample_match_the_batch_bitwise(dtype):
    net = Network("784-256relu-10softmax", dtype=dtype, random_state=0)
    X = np.random.default_rng(0).standard_normal((5, 784)).astype(dtype)
    batch = net.forward(X)
    for i in range(5):
        row = net.forward(X[i:i + 1])
        assert row.shape == (1, 10) and row.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(row[0], batch[i])
        np.testing.assert_array_equal(net.forward(X[i]), batch[i])
        np.testing.assert_array_equal(net.predict(X[i:i + 1]), row)
    # a fresh output array each call: the caller may keep it
    a, b = net.forward(X[:1]), net.forward(X[1:2])
    assert not np.shares_memory(a, b)


def test_one_row_with_other_dtype_or_layout_goes_through_the_checked_path():
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    x = np.array([[0.5, -1.0, 2.0]])
    ref = net.forward(x)
    np.testing.assert_array_equal(net.forward(x.astype(np.float32)), ref)
    np.testing.assert_array_equal(net.forward(np.asfortranarray(np.repeat(x, 2, axis=0))[:1]), ref)
    np.testing.assert_array_equal(net.forward(x.tolist()), ref)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_row_with_a_non_finite_value_is_refused(bad):
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    with pytest.raises(FFNNError):
        net.forward(np.array([[0.5, bad, 2.0]]))
    with pytest.raises(FFNNError):
        net.forward(np.array([0.5, bad, 2.0]))


def test_one_row_of_the_wrong_width_is_refused():
    net = Network("3-4tanh-2softmax", dtype="float64", random_state=0)
    with pytest.raises(FFNNError):
        net.forward(np.zeros((1, 4)))


def _simd_levels():
    from pyffnn._core import lib
    default, found = lib.ffnn_get_simd(), set()
    for level in (lib.FFNN_SIMD_PLAIN, lib.FFNN_SIMD_AVX2, lib.FFNN_SIMD_AVX512):
        lib.ffnn_set_simd(level)
        found.add(lib.ffnn_get_simd())
    lib.ffnn_set_simd(default)
    return sorted(found)


# widths that hit every edge of the one-sample kernel: groups of 16 (AVX-512) or 8 outputs, the 4-output leftover
# groups and single outputs; inputs that are a whole number of vector pairs, an odd number of vectors, or neither
@pytest.mark.parametrize("spec", ["77-45relu-19tanh-5linear", "64-20relu-3softmax", "48-33sigmoid-29relu-7softmax",
                                  "5-1sigmoid"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("threads", [1, 2])
def test_one_sample_1d_row_and_batch_agree_bitwise_at_every_level(spec, dtype, threads):
    from pyffnn._core import lib
    try:
        lib.ffnn_set_threads(threads)
        for simd in _simd_levels():
            lib.ffnn_set_simd(simd)
            net = Network(spec, dtype=dtype, random_state=2)
            X = np.random.default_rng(3).standard_normal((9, net.n_inputs)).astype(dtype)
            batch = net.forward(X)
            for i in range(X.shape[0]):
                np.testing.assert_array_equal(net.forward(X[i]), batch[i])
                np.testing.assert_array_equal(net.forward(X[i:i + 1])[0], batch[i])
                np.testing.assert_array_equal(net.predict(X[i]), batch[i])
    finally:
        lib.ffnn_set_threads(0)
        lib.ffnn_set_simd(-1)


def test_non_contiguous_float64_and_list_samples_give_the_fast_paths_bits():
    net = Network("784-256relu-10softmax", dtype="float32", random_state=0)
    wide = np.random.default_rng(4).standard_normal((3, 1568)).astype(np.float32)
    x = wide[1, ::2]  # a strided view: not C-contiguous
    assert not x.flags.c_contiguous
    ref = net.forward(np.ascontiguousarray(x))
    np.testing.assert_array_equal(net.forward(x), ref)
    np.testing.assert_array_equal(net.forward(wide[1:2, ::2])[0], ref)
    np.testing.assert_array_equal(net.forward(x.astype(np.float64)), ref)  # cast to float32, the same values
    np.testing.assert_array_equal(net.forward(x.tolist()), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_non_finite_sample_gets_the_checked_paths_message(dtype):
    net = Network("16-8relu-3softmax", dtype=dtype, random_state=0)
    x = np.ones(16, dtype=dtype)
    x[-1] = np.nan
    with pytest.raises(FFNNError) as batch_error:
        net.forward(np.stack([x, x]))
    for sample in (x, x[None, :]):
        with pytest.raises(FFNNError) as one_error:
            net.forward(sample)
        assert str(one_error.value) == str(batch_error.value)
    x[-1] = 1.0
    net.forward(x)  # the network is still usable


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_core_forward_one_refuses_non_finite_samples_and_otherwise_is_forward(dtype):
    from pyffnn import _binding as core
    from pyffnn._core import ffi, lib
    net = Network("20-17tanh-4linear", dtype=dtype, random_state=0)
    ctype = "float[]" if dtype == "float32" else "double[]"
    one, fwd = core.func("ffnn_forward_one", dtype), core.func("ffnn_forward", dtype)
    work, iwork = core.workspace(net._table, net.n_layers, 1, dtype)
    x = np.linspace(-1, 1, 20).astype(dtype)
    out1, out2 = np.zeros(4, dtype), np.zeros(4, dtype)
    assert one(net._table, net.n_layers, core.ptr(net.params), ffi.from_buffer(ctype, x), 1,
               core.wptr(out1), core.wptr(work), core.iptr(iwork)) == lib.FFNN_OK
    assert fwd(net._table, net.n_layers, core.ptr(net.params), ffi.from_buffer(ctype, x), 1, 1,
               core.wptr(out2), core.wptr(work), core.iptr(iwork)) == lib.FFNN_OK
    np.testing.assert_array_equal(out1, out2)
    for bad in (np.nan, np.inf, -np.inf):
        y, out = x.copy(), np.full(4, 7, dtype)
        y[11] = bad
        assert one(net._table, net.n_layers, core.ptr(net.params), ffi.from_buffer(ctype, y), 1,
                   core.wptr(out), core.wptr(work), core.iptr(iwork)) == lib.FFNN_E_NONFINITE
        np.testing.assert_array_equal(out, 7)  # nothing written
    tiny = x.copy()
    tiny[0] = np.finfo(dtype).smallest_subnormal  # subnormal and huge values are finite
    tiny[1] = np.finfo(dtype).max
    assert one(net._table, net.n_layers, core.ptr(net.params), ffi.from_buffer(ctype, tiny), 1,
               core.wptr(out1), core.wptr(work), core.iptr(iwork)) == lib.FFNN_OK


def test_parameters_start_on_a_cache_line():
    """The kernels' 64-byte loads of the weights would straddle two cache lines otherwise (numpy aligns to 16)."""
    import pickle
    net = Network("30-20relu-5softmax", dtype="float32", random_state=0)
    for other in (net, net.copy(), pickle.loads(pickle.dumps(net))):
        assert other.params.ctypes.data % 64 == 0 and other.grads.ctypes.data % 64 == 0
        np.testing.assert_array_equal(other.params, net.params)
        assert other.params.flags.writeable and other.params.flags.c_contiguous


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batches_copied_to_an_aligned_buffer_give_every_samples_bits(dtype):
    """A batch whose rows can start on cache lines is copied chunk by chunk into an aligned buffer before the core
    runs (Network._forward_raw); the results are still each sample's own bits, at any offset and chunk remainder."""
    import pyffnn.network as network
    net = Network("32-21relu-3softmax", dtype=dtype, random_state=0)
    n = network._STAGE_CHUNK + 45  # a full chunk and a remainder
    raw = np.random.default_rng(5).standard_normal(n * 32 + 16).astype(dtype)
    for offset in (0, 1, 2, 3, 4, 8):  # several starting offsets in bytes modulo 64
        X = raw[offset:offset + n * 32].reshape(n, 32)
        out = net.forward(X)
        assert out.shape == (n, 3)
        for i in (0, 1, network._STAGE_CHUNK - 1, network._STAGE_CHUNK, n - 1):
            np.testing.assert_array_equal(out[i], net.forward(X[i].copy()))
    small = raw[1:1 + 5 * 32].reshape(5, 32)  # below the staging size: passed as it is
    np.testing.assert_array_equal(net.forward(small)[3], net.forward(small[3].copy()))
