/* Activations: forward a = sigma(z) and backward dz = da * sigma'(z), side by side.
 * Softmax is row-wise; maxout takes the max over each unit's pieces and remembers the winner in argmax. */

static inline real FN(sigmoid)(real z)
{
    /* never exponentiate a large positive number */
    if (z >= 0) return (real)1 / ((real)1 + R_EXP(-z));
    real e = R_EXP(z);
    return e / ((real)1 + e);
}

/* float64: sigmoid, tanh, softplus and softmax's exp on vectors (ffnn_vmath.c, libm in plain C) */
#define VMATH64 (sizeof(real) == 8)

static inline real FN(softplus)(real z) { return (z > 0 ? z : 0) + R_LOG1P(R_EXP(-R_FABS(z))); }

static void FN(activation_forward)(real *restrict a, const real *restrict z, int64_t n, const ffnn_layer *ly,
                                   int32_t *restrict argmax)
{
    const int64_t m = n * ly->n_out;
    switch (ly->activation) {
    case FFNN_LINEAR: for (int64_t i = 0; i < m; i++) a[i] = z[i]; break;
    case FFNN_SIGMOID:
        if (VMATH64) { ffnn__vmath_f64(FFNN_MATH_SIGMOID, (double *)a, (const double *)z, m); break; }
        for (int64_t i = 0; i < m; i++) a[i] = FN(sigmoid)(z[i]);
        break;
    case FFNN_TANH:
        if (VMATH64) { ffnn__vmath_f64(FFNN_MATH_TANH, (double *)a, (const double *)z, m); break; }
        for (int64_t i = 0; i < m; i++) a[i] = R_TANH(z[i]);
        break;
    case FFNN_RELU: for (int64_t i = 0; i < m; i++) { const real v = z[i]; a[i] = v > 0 ? v : 0; } break;
    case FFNN_SOFTPLUS:
        if (VMATH64) { ffnn__vmath_f64(FFNN_MATH_SOFTPLUS, (double *)a, (const double *)z, m); break; }
        for (int64_t i = 0; i < m; i++) a[i] = FN(softplus)(z[i]);
        break;
    case FFNN_SOFTMAX: {
        const int64_t K = ly->n_out;
        for (int64_t i = 0; i < n; i++) {
            const real *zi = z + i * K;
            real *ai = a + i * K, mx = zi[0], s = 0;
            for (int64_t k = 1; k < K; k++) mx = zi[k] > mx ? zi[k] : mx;
            if (VMATH64) {
                for (int64_t k = 0; k < K; k++) ai[k] = zi[k] - mx;
                ffnn__vmath_f64(FFNN_MATH_EXP, (double *)ai, (const double *)ai, K);
                for (int64_t k = 0; k < K; k++) s += ai[k];
            } else {
                for (int64_t k = 0; k < K; k++) { ai[k] = R_EXP(zi[k] - mx); s += ai[k]; }
            }
            for (int64_t k = 0; k < K; k++) ai[k] /= s;
        }
        break;
    }
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
    switch (ly->activation) {
    case FFNN_LINEAR: for (int64_t i = 0; i < m; i++) dz[i] = da[i]; break;
    case FFNN_SIGMOID: for (int64_t i = 0; i < m; i++) dz[i] = da[i] * a[i] * ((real)1 - a[i]); break;
    case FFNN_TANH: for (int64_t i = 0; i < m; i++) dz[i] = da[i] * ((real)1 - a[i] * a[i]); break;
    case FFNN_RELU: /* both loads unconditional, so the select compiles to a vector blend, not a branch */
        for (int64_t i = 0; i < m; i++) { const real d = da[i]; dz[i] = z[i] > 0 ? d : 0; }
        break;
    case FFNN_SOFTPLUS:
        if (VMATH64) {
            for (int64_t i = 0; i < m; i++) dz[i] = da[i];
            ffnn__vmath_f64(FFNN_MATH_SIGMOID_MUL, (double *)dz, (const double *)z, m);
            break;
        }
        for (int64_t i = 0; i < m; i++) dz[i] = da[i] * FN(sigmoid)(z[i]);
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
