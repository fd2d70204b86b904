/* The activations' formulas, each forward next to its backward, written once over `real` and AN(name), and the
 * element-wise loops generated from the table in ffnn.h.  Included by the general path (tmpl_activations.h, with
 * AN = FN: sigmoid_forward_f32) and by the tiny path (kernel_set_one.h, once per instruction set, with AN = GN:
 * sigmoid_forward_f32_avx2), so both compute the same formulas.
 *
 *   stem_forward(z)        a = f(z)
 *   stem_backward(d, z, a) dz = d * f'(z), given z and a = f(z)
 *
 * Every forward propagates NaN (a NaN weight must not give a finite prediction). */
#include <math.h>
#include "ffnn_internal.h"
#include "fast_math.h"

static inline real AN(exp)(real x) { return sizeof(real) == 4 ? (real)expf((float)x) : (real)exp((double)x); }

static inline real AN(linear_forward)(real z) { return z; }
static inline real AN(linear_backward)(real d, real z, real a) { (void)z; (void)a; return d; }

static inline real AN(sigmoid_forward)(real z)
{
    if (z >= 0) return (real)1 / ((real)1 + AN(exp)(-z)); /* never exponentiate a large positive number */
    const real e = AN(exp)(z);                             /* NaN lands here: NaN / (1 + NaN) */
    return e / ((real)1 + e);
}
static inline real AN(sigmoid_backward)(real d, real z, real a) { (void)z; return d * a * ((real)1 - a); }

static inline real AN(tanh_forward)(real z)
{
    return sizeof(real) == 4 ? (real)ffnn__tanhf((float)z) : (real)tanh((double)z);
}
static inline real AN(tanh_backward)(real d, real z, real a) { (void)z; return d * ((real)1 - a * a); }

/* selects, not branches: they compile to vector blends.  z < 0 ? 0 : z keeps a NaN (z > 0 ? z : 0 would not) */
static inline real AN(relu_forward)(real z) { return z < 0 ? 0 : z; }
static inline real AN(relu_backward)(real d, real z, real a) { (void)a; return z > 0 ? d : 0; }

static inline real AN(softplus_forward)(real z)
{
    const real az = z < 0 ? -z : z;
    const real e = AN(exp)(-az);
    return (z > 0 ? z : 0) + (sizeof(real) == 4 ? (real)log1pf((float)e) : (real)log1p((double)e));
}
static inline real AN(softplus_backward)(real d, real z, real a) { (void)a; return d * AN(sigmoid_forward)(z); }

/* Keras' and PyTorch's default slope */
#define FFNN__LEAKY_SLOPE ((real)0.01)
static inline real AN(leaky_relu_forward)(real z) { return z < 0 ? FFNN__LEAKY_SLOPE * z : z; }
static inline real AN(leaky_relu_backward)(real d, real z, real a) { (void)a; return z > 0 ? d : FFNN__LEAKY_SLOPE * d; }

/* alpha = 1: a = exp(z) - 1 below 0, whose derivative exp(z) is a + 1 */
static inline real AN(elu_forward)(real z)
{
    return z > 0 ? z : (sizeof(real) == 4 ? (real)expm1f((float)z) : (real)expm1((double)z));
}
static inline real AN(elu_backward)(real d, real z, real a) { return z > 0 ? d : d * (a + (real)1); }

/* Softmax of one row of K values (max subtracted first): the general path per sample, the tiny path per sample. */
static inline void AN(softmax_row)(real *restrict a, const real *restrict z, int64_t K)
{
    real mx = z[0], s = 0;
    for (int64_t k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
    for (int64_t k = 0; k < K; k++) { a[k] = AN(exp)(z[k] - mx); s += a[k]; }
    for (int64_t k = 0; k < K; k++) a[k] /= s;
}

/* a[i] = f(z[i]) for the n elements, f the element-wise activation `act` (nothing for the others). */
FFNN__ALWAYS_INLINE void AN(elementwise_forward)(real *restrict a, const real *restrict z, int64_t n, int32_t act)
{
    if (sizeof(real) == 4 && act == FFNN_TANH) { /* float tanh 8 lanes at a time (tanh_forward's own formula) */
        ffnn__tanhf_n((float *)a, (const float *)z, n);
        return;
    }
    switch ((ffnn_activation)act) { /* no default: -Wswitch names a table row that has no case */
#define FFNN__FORWARD_CASE(e, stem, ...) \
    case e: for (int64_t i = 0; i < n; i++) a[i] = AN(stem##_forward)(z[i]); break;
    FFNN_ELEMENTWISE_ACTIVATIONS(FFNN__FORWARD_CASE)
#undef FFNN__FORWARD_CASE
    case FFNN_SOFTMAX:
    case FFNN_MAXOUT: break;
    }
}

/* dz[i] = f'(z[i]) d[i] for the n elements (a = f(z)); nothing for the others. */
FFNN__ALWAYS_INLINE void AN(elementwise_backward)(real *restrict dz, const real *restrict d, const real *restrict z,
                                            const real *restrict a, int64_t n, int32_t act)
{
    switch ((ffnn_activation)act) {
#define FFNN__BACKWARD_CASE(e, stem, ...) \
    case e: for (int64_t i = 0; i < n; i++) dz[i] = AN(stem##_backward)(d[i], z[i], a[i]); break;
    FFNN_ELEMENTWISE_ACTIVATIONS(FFNN__BACKWARD_CASE)
#undef FFNN__BACKWARD_CASE
    case FFNN_SOFTMAX:
    case FFNN_MAXOUT: break;
    }
}
