/* Element-wise double-precision math at vector speed: fast_math_f64.h's exp/tanh/sigmoid/softplus compiled for
 * AVX2+FMA and for AVX-512 (per-function target, like ffnn_kernels.c), libm for plain C, dispatched on the SIMD
 * level in use; the float64 activations of the general path (tmpl_activations.h) and ffnn_math_* call this. */
#include <math.h>
#include <stdint.h>
#include "ffnn_kernels.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FFNN_VMATH_DISPATCH 1
#endif

/* plain C: libm, the formulas the scalar activations have always used */
static double sigmoid_libm(double z)
{
    if (z >= 0) return 1 / (1 + exp(-z));
    const double e = exp(z);
    return e / (1 + e);
}

static void vmath_plain(int32_t fn, double *y, const double *x, int64_t n)
{
    switch (fn) {
    case FFNN_MATH_EXP: for (int64_t i = 0; i < n; i++) y[i] = exp(x[i]); break;
    case FFNN_MATH_TANH: for (int64_t i = 0; i < n; i++) y[i] = tanh(x[i]); break;
    case FFNN_MATH_SIGMOID: for (int64_t i = 0; i < n; i++) y[i] = sigmoid_libm(x[i]); break;
    case FFNN_MATH_SOFTPLUS:
        for (int64_t i = 0; i < n; i++) y[i] = (x[i] > 0 ? x[i] : 0) + log1p(exp(-fabs(x[i])));
        break;
    case FFNN_MATH_SIGMOID_MUL: for (int64_t i = 0; i < n; i++) y[i] *= sigmoid_libm(x[i]); break;
    default: break;
    }
}

#ifdef FFNN_VMATH_DISPATCH
#define VMATH_BODY(ISA)                                                                                             \
    static void vmath_##ISA(int32_t fn, double *y, const double *x, int64_t n)                                      \
    {                                                                                                               \
        switch (fn) {                                                                                               \
        case FFNN_MATH_EXP: ffnn__exp_nd_##ISA(y, x, n); break;                                                     \
        case FFNN_MATH_TANH: ffnn__tanh_nd_##ISA(y, x, n); break;                                                   \
        case FFNN_MATH_SIGMOID: ffnn__sigmoid_nd_##ISA(y, x, n); break;                                             \
        case FFNN_MATH_SOFTPLUS: ffnn__softplus_nd_##ISA(y, x, n); break;                                           \
        case FFNN_MATH_SIGMOID_MUL: ffnn__sigmoid_mul_nd_##ISA(y, y, x, n); break;                                  \
        default: break;                                                                                             \
        }                                                                                                           \
    }

/* fast_math_f64.h's functions are defined once per section (FFNN__VSUFFIX), so each is compiled for that section's
 * registers and instructions: AVX2 halves, AVX-512 whole vectors (one vcmppd, one vfmadd per 8 lanes) */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define FFNN__VSUFFIX avx2
#include "fast_math_f64.h"
VMATH_BODY(avx2)
#undef FFNN__VSUFFIX
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
#define FFNN__VSUFFIX avx512
#include "fast_math_f64.h"
VMATH_BODY(avx512)
#undef FFNN__VSUFFIX
#pragma GCC pop_options
#endif

void ffnn__vmath_f64(int32_t fn, double *y, const double *x, int64_t n)
{
#ifdef FFNN_VMATH_DISPATCH
    switch (ffnn_get_simd()) {
    case FFNN_SIMD_AVX512: vmath_avx512(fn, y, x, n); return;
    case FFNN_SIMD_AVX2: vmath_avx2(fn, y, x, n); return;
    default: break;
    }
#endif
    vmath_plain(fn, y, x, n);
}

int ffnn_math_f64(int32_t fn, const double *x, double *y, int64_t n)
{
    if (n < 0 || fn < FFNN_MATH_EXP || fn > FFNN_MATH_SOFTPLUS) return FFNN_E_SIZE;
    if (n > 0 && (!x || !y)) return FFNN_E_NULL;
    ffnn__vmath_f64(fn, y, x, n);
    return FFNN_OK;
}
