/* Activations of the general path: forward a = sigma(z) and backward dz = da * sigma'(z), side by side.
 * Element-wise activations come from tmpl_act_formulas.h (shared with the tiny path); softmax is row-wise; maxout
 * takes the max over each unit's pieces and remembers the winner in argmax.  The layer table is checked at every
 * entry point, so `activation` is a row of the table here. */
#define AN(name) FN(name)
#include "tmpl_act_formulas.h"
#undef AN

/* float64: sigmoid, tanh, softplus and softmax's exp on vectors (ffnn_vmath.c, libm in plain C) */
#define VMATH64 (sizeof(real) == 8)

static void FN(activation_forward)(real *restrict a, const real *restrict z, int64_t n, const ffnn_layer *ly,
                                   int32_t *restrict argmax)
{
    const int64_t m = n * ly->n_out;
    switch ((ffnn_activation)ly->activation) {
    FFNN__ELEMENTWISE_CASES
        if (VMATH64 && (ly->activation == FFNN_SIGMOID || ly->activation == FFNN_TANH ||
                        ly->activation == FFNN_SOFTPLUS)) {
            const int fn = ly->activation == FFNN_SIGMOID ? FFNN_MATH_SIGMOID
                                                          : (ly->activation == FFNN_TANH ? FFNN_MATH_TANH
                                                                                         : FFNN_MATH_SOFTPLUS);
            ffnn__vmath_f64(fn, (double *)a, (const double *)z, m);
            break;
        }
        FN(elementwise_forward)(a, z, m, ly->activation);
        break;
    case FFNN_SOFTMAX:
        for (int64_t i = 0; i < n; i++) {
            const int64_t K = ly->n_out;
            const real *zi = z + i * K;
            real *ai = a + i * K;
            if (!VMATH64) { FN(softmax_row)(ai, zi, K); continue; }
            real mx = zi[0], s = 0;
            for (int64_t k = 1; k < K; k++) mx = zi[k] > mx ? zi[k] : mx;
            for (int64_t k = 0; k < K; k++) ai[k] = zi[k] - mx;
            ffnn__vmath_f64(FFNN_MATH_EXP, (double *)ai, (const double *)ai, K);
            for (int64_t k = 0; k < K; k++) s += ai[k];
            for (int64_t k = 0; k < K; k++) ai[k] /= s;
        }
        break;
    case FFNN_MAXOUT: {
        const int64_t p = ly->pieces;
        for (int64_t u = 0; u < m; u++) {
            const real *zu = z + u * p;
            int32_t best = 0;
            for (int32_t q = 1; q < p; q++) if (zu[q] > zu[best]) best = q;
            a[u] = zu[best];
            argmax[u] = best;
        }
        break;
    }
    }
}

/* dz [n x rows] from da [n x n_out] */
static void FN(activation_backward)(real *restrict dz, const real *restrict da, const real *restrict z,
                                    const real *restrict a, int64_t n, const ffnn_layer *ly,
                                    const int32_t *restrict argmax)
{
    const int64_t m = n * ly->n_out;
    switch ((ffnn_activation)ly->activation) {
    FFNN__ELEMENTWISE_CASES
        if (VMATH64 && ly->activation == FFNN_SOFTPLUS) {
            for (int64_t i = 0; i < m; i++) dz[i] = da[i];
            ffnn__vmath_f64(FFNN_MATH_SIGMOID_MUL, (double *)dz, (const double *)z, m);
            break;
        }
        FN(elementwise_backward)(dz, da, z, a, m, ly->activation);
        break;
    case FFNN_SOFTMAX: {
        const int64_t K = ly->n_out;
        for (int64_t i = 0; i < n; i++) {
            const real *ai = a + i * K, *gi = da + i * K;
            real *di = dz + i * K, dot = 0;
            for (int64_t k = 0; k < K; k++) dot += gi[k] * ai[k];
            for (int64_t k = 0; k < K; k++) di[k] = ai[k] * (gi[k] - dot);
        }
        break;
    }
    case FFNN_MAXOUT: {
        const int64_t p = ly->pieces;
        for (int64_t u = 0; u < m; u++) {
            for (int64_t q = 0; q < p; q++) dz[u * p + q] = 0;
            dz[u * p + argmax[u]] = da[u];
        }
        break;
    }
    }
}

#undef VMATH64
