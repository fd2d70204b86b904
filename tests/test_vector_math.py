"""The core's vectorised double-precision exp/tanh/sigmoid/softplus (csrc/fast_math_f64.h), called on arrays
through ffnn_math_f64 at the AVX2 and AVX-512 levels, measured in ulps against libm's long double functions
(numpy's longdouble: correct to ~2^-64) over the whole double range: tiny and subnormal arguments and results, the
overflow and underflow edges, +-inf, NaN.  Then the same functions inside a network (a float64
tanh/sigmoid/softplus layer), where the core flushes denormals, against the same reference."""
import numpy as np
import pytest

import pyffnn
from pyffnn._core import ffi, lib

LD = np.longdouble
if np.finfo(LD).nmant < 63:
    pytest.skip("needs an 80-bit (or wider) long double for the reference", allow_module_level=True)

MAX_ULP = 2.0


def _levels():
    default = lib.ffnn_get_simd()
    found = set()
    for level in (lib.FFNN_SIMD_PLAIN, lib.FFNN_SIMD_AVX2, lib.FFNN_SIMD_AVX512):
        lib.ffnn_set_simd(level)
        found.add(lib.ffnn_get_simd())
    lib.ffnn_set_simd(default)
    return sorted(found)


LEVELS = _levels()


@pytest.fixture(autouse=True)
def restore_simd():
    yield
    assert lib.ffnn_set_simd(-1) == lib.FFNN_OK


def _reference(name, x):
    """Correct to ~2^-64 relative: long double libm (x87 expl/tanhl/log1pl)."""
    X = x.astype(LD)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        if name == "exp":
            return np.exp(X)
        if name == "tanh":
            return np.tanh(X)
        if name == "sigmoid":
            e = np.exp(-np.abs(X))
            return np.where(X >= 0, 1 / (1 + e), e / (1 + e))
        return np.maximum(X, 0) + np.log1p(np.exp(-np.abs(X)))


def _ulps(got, ref):
    """|got - ref| in units of the last place of ref rounded to double (subnormal spacing below the normals)."""
    with np.errstate(over="ignore"):
        r = ref.astype(np.float64)
    spacing = np.spacing(np.abs(r)).astype(LD)
    return np.abs(got.astype(LD) - ref) / spacing


def _inputs():
    rng = np.random.default_rng(14)
    mag = 10.0 ** rng.uniform(-325, 3, 300000)  # tiny, subnormal, ..., past the overflow edges
    x = np.concatenate([
        mag * rng.choice([-1.0, 1.0], mag.size),
        rng.uniform(-40, 40, 200000), rng.uniform(-1, 1, 100000), rng.uniform(-750, 750, 100000),
        np.linspace(-745.2, -707.0, 20001), np.linspace(707.0, 709.8, 20001),  # exp's underflow/overflow edges
        [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, -2.2250738585072014e-308, 1e-300, 0.625,
         -0.625, np.nextafter(0.625, 0), 22.0, -22.0, 709.782712893384, 709.7827128933841, -745.1332191019411,
         -745.1332191019412, 1e308, -1e308, 36.0, 40.0],
    ])
    return x[np.isfinite(x)]


def _call(fn, x):
    y = np.empty_like(x)
    assert lib.ffnn_math_f64(fn, ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", y), x.size) == 0
    return y


FUNCS = {"exp": lib.FFNN_MATH_EXP, "tanh": lib.FFNN_MATH_TANH, "sigmoid": lib.FFNN_MATH_SIGMOID,
         "softplus": lib.FFNN_MATH_SOFTPLUS}


VECTOR_LEVELS = [lv for lv in LEVELS if lv != lib.FFNN_SIMD_PLAIN]


def test_the_plain_c_level_is_libm():
    """Plain C calls libm's double functions (glibc's tanh itself is up to ~2.1 ulp off near 0.23)."""
    import math
    assert lib.ffnn_set_simd(lib.FFNN_SIMD_PLAIN) == lib.FFNN_OK
    x = np.random.default_rng(1).uniform(-30, 30, 2000)
    for name, f in (("exp", math.exp), ("tanh", math.tanh)):
        np.testing.assert_array_equal(_call(FUNCS[name], x), [f(v) for v in x])


@pytest.mark.skipif(not VECTOR_LEVELS, reason="this CPU has only the plain-C level")
@pytest.mark.parametrize("simd", VECTOR_LEVELS)
@pytest.mark.parametrize("name", list(FUNCS))
def test_within_2_ulp_of_libm_over_the_double_range(name, simd):
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    x = _inputs()
    got, ref = _call(FUNCS[name], x), _reference(name, x)
    with np.errstate(over="ignore"):
        ref64 = ref.astype(np.float64)
    finite = np.isfinite(ref64)
    np.testing.assert_array_equal(got[~finite], ref64[~finite])  # overflow exactly where the rounded result is inf
    err = _ulps(got[finite], ref[finite])
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{name}: {float(err[worst]):.3f} ulp at x={x[finite][worst]!r}"
    if name == "tanh":  # odd: tanh(-0) = -0
        np.testing.assert_array_equal(np.signbit(got[x == 0]), np.signbit(x[x == 0]))


@pytest.mark.parametrize("simd", LEVELS)
@pytest.mark.parametrize("name", list(FUNCS))
def test_infinities_and_nan(name, simd):
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    x = np.array([np.inf, -np.inf, np.nan, -np.nan, 1.0, np.nan, 0.5, np.nan, np.nan])  # NaN in every lane
    got = _call(FUNCS[name], x)
    want = {"exp": [np.inf, 0.0], "tanh": [1.0, -1.0], "sigmoid": [1.0, 0.0], "softplus": [np.inf, 0.0]}[name]
    np.testing.assert_array_equal(got[:2], want)
    assert np.isnan(got[[2, 3, 5, 7, 8]]).all()
    assert np.isfinite(got[[4, 6]]).all()


def test_bad_arguments_are_status_codes():
    x = np.zeros(3)
    assert lib.ffnn_math_f64(99, ffi.from_buffer("double[]", x), ffi.from_buffer("double[]", x), 3) \
        == lib.FFNN_E_SIZE
    assert lib.ffnn_math_f64(lib.FFNN_MATH_EXP, ffi.NULL, ffi.NULL, 3) == lib.FFNN_E_NULL
    assert lib.ffnn_math_f64(lib.FFNN_MATH_EXP, ffi.NULL, ffi.NULL, 0) == lib.FFNN_OK


@pytest.mark.skipif(not VECTOR_LEVELS, reason="this CPU has only the plain-C level")
@pytest.mark.parametrize("simd", VECTOR_LEVELS)
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus"])
def test_a_float64_layer_computes_the_same_function(act, simd):
    """Inside a network (hidden layer 1 -> 1 with weight 1 and bias 0, so z = x) the core flushes denormals: inputs
    below the smallest normal count as 0 and subnormal results become 0; everything else within 2 ulp."""
    assert lib.ffnn_set_simd(simd) == lib.FFNN_OK
    net = pyffnn.Network(f"1-1{act}-1linear", dtype="float64", random_state=0)
    net.weights[0][:] = 1.0
    net.biases[0][:] = 0.0
    x = _inputs()
    x = x[np.abs(x) < 1e300]  # forward refuses nothing finite, but keep W x exact
    got = net.hidden_activations(x.reshape(-1, 1))[0][:, 0]
    tiny = np.finfo(np.float64).tiny
    xf = np.where(np.abs(x) < tiny, 0.0, x)
    ref = _reference(act, xf)
    ref = np.where(np.abs(ref) < tiny, 0.0, ref)
    err = _ulps(got, ref)
    worst = int(np.argmax(err))
    assert err[worst] <= MAX_ULP, f"{act}: {float(err[worst]):.3f} ulp at x={x[worst]!r}"
