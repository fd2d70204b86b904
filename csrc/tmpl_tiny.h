/* The whole forward + backward pass of one minibatch for TINY networks (every layer at most TW wide, at most
 * FFNN__TINY_LAYERS layers), written once over real, TW (lanes of the fixed-width row vector: 8 or 16), GN() (the
 * SIMD level, see ffnn_kernels.c) and TN(name) (GN plus the width).
 *
 * Why: a 2-8-8-1 network on a batch of 10 is ~5 kflop per step; the general path's per-layer calls, dispatch and
 * reduction-shaped kernels (vectors along K, which is 2 or 8 here) cost more than the arithmetic.  Here one sample
 * goes through the whole network at a time with every activation row held in ONE fixed-width vector:
 *   forward   z = b + sum_k a_prev[k] * Wt[k]          (Wt[k] = column k of W, packed once per step)
 *   backward  gW[j] += dz[j] * a_prev,  gb += dz,   da_prev = sum_j dz[j] * W[j]  (row j of W, padded)
 * so a layer is K or R broadcast-FMAs on registers, and the activation is a fixed-length (vectorised) loop.
 * Runs on the calling thread only: results do not depend on the thread count.  Lanes past a layer's width hold
 * finite don't-care values that are never read into a real result (packed weights are zero-padded). */

typedef real TN(tv) __attribute__((vector_size(TW * sizeof(real))));
/* macros, not functions: these vectors may be wider than the baseline ABI passes in registers */
#define TLOAD(v, p) memcpy(&(v), (p), sizeof(v))
#define TSTORE(p, v) memcpy((p), &(v), sizeof(v))
#define TSPLAT(x) ((TN(tv)){0} + (real)(x))

/* a = act(z) on the first n lanes: the formulas of tmpl_act_formulas.h (the general path's).  n is the layer's
 * width for the output layer; for hidden layers it is the width rounded up to whole 8-lane blocks (the don't-care
 * lanes are finite), a constant, so the formula becomes straight-line vector code and the two interleaved samples'
 * chains overlap (a loop over a run-time width cost a third of the speed of tanh networks). */
static inline void TN(tact_n)(real *restrict a, const real *restrict z, int act, int n)
{
    switch ((ffnn_activation)act) {
    FFNN__ELEMENTWISE_CASES
        GN(elementwise_forward)(a, z, n, act);
        break;
    case FFNN_SOFTMAX: GN(softmax_row)(a, z, n); break; /* output only, so n is its width */
    case FFNN_MAXOUT: break; /* never here: ffnn__tiny_kind sends maxout networks to the general path */
    }
}

static inline void TN(tact)(real *restrict a, const real *restrict z, int act, int R, int output)
{
    if (output) TN(tact_n)(a, z, act, R);
    else if (TW == 8 || R > 8) TN(tact_n)(a, z, act, TW);
    else TN(tact_n)(a, z, act, 8);
}

/* d = act'(z) g on the first R lanes (a = act(z)), the lanes chosen as in tact; softmax is only ever fused with
 * cross-entropy here, so it never comes back through this */
static inline void TN(tderiv)(real *restrict d, const real *restrict g, const real *restrict z, const real *restrict a,
                              int act, int R, int output)
{
    if (output) GN(elementwise_backward)(d, g, z, a, R, act);
    else if (TW == 8 || R > 8) GN(elementwise_backward)(d, g, z, a, TW, act);
    else GN(elementwise_backward)(d, g, z, a, 8, act);
}

/* One minibatch: X [n x n_in], Y [n x n_out], w [n] sample weights or NULL.  grads are OVERWRITTEN with
 * scale * d(sum_i w_i loss_i)/d(params); the output layer's z and a go to z_out / a_out [n x n_out] (for the
 * caller's loss and accuracy).  `fused` = 1 when the output delta is a - y (sigmoid+bce, softmax+ce, linear+mse),
 * 0 for mse on any other element-wise output ((a - y) act'). */
static void TN(tiny_step)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,
                          const real *X, const real *Y, const real *w, int64_t n, real scale, int fused,
                          real *z_out, real *a_out)
{
    enum { TL = FFNN__TINY_LAYERS };
    real Wt[TL][TW][TW], Wr[TL][TW][TW], gW[TL][TW][TW], gb[TL][TW], bias[TL][TW];
    int K[TL] = {0}, R[TL] = {0}, act[TL] = {0};
    for (int l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        K[l] = ly->n_in;
        R[l] = ly->n_out;
        act[l] = ly->activation;
        const real *W = params + ly->w_offset, *b = params + ly->b_offset;
        memset(Wt[l], 0, sizeof(real) * TW * (size_t)K[l]);
        memset(Wr[l], 0, sizeof(real) * TW * (size_t)R[l]);
        memset(gW[l], 0, sizeof(real) * TW * (size_t)R[l]);
        memset(gb[l], 0, sizeof gb[l]);
        memset(bias[l], 0, sizeof bias[l]);
        for (int j = 0; j < R[l]; j++) {
            bias[l][j] = b[j];
            for (int k = 0; k < K[l]; k++) {
                Wt[l][k][j] = W[j * K[l] + k];
                Wr[l][j][k] = W[j * K[l] + k];
            }
        }
    }
    const int L = n_layers, n_in = K[0], n_out = R[L - 1];
    /* Two samples per pass, interleaved: one sample's chain of dependent FMAs and activations is latency-bound,
     * two independent chains fill the pipeline.  An odd last sample is paired with a copy of itself whose output
     * delta is scaled by 0, so it adds exactly nothing. */
    real zs[2][TL][TW], as[2][TL + 1][TW], d[2][TW];
    memset(as, 0, sizeof as); /* lanes an activation never writes stay 0 */
    for (int64_t i0 = 0; i0 < n; i0 += 2) {
        const int64_t ii[2] = {i0, i0 + 1 < n ? i0 + 1 : i0};
        for (int s = 0; s < 2; s++) memcpy(as[s][0], X + ii[s] * n_in, sizeof(real) * (size_t)n_in);
        for (int l = 0; l < L; l++) {                    /* forward */
            TN(tv) z[2], wk;
            TLOAD(z[0], bias[l]);
            z[1] = z[0];
            for (int k = 0; k < K[l]; k++) {
                TLOAD(wk, Wt[l][k]);
                for (int s = 0; s < 2; s++) z[s] += TSPLAT(as[s][l][k]) * wk;
            }
            for (int s = 0; s < 2; s++) {
                TSTORE(zs[s][l], z[s]);
                TN(tact)(as[s][l + 1], zs[s][l], act[l], R[l], l == L - 1);
            }
        }
        for (int s = 0; s < 2; s++) {                    /* output delta */
            const int64_t i = ii[s];
            real yv[TW] = {0};
            memcpy(yv, Y + i * n_out, sizeof(real) * (size_t)n_out);
            TN(tv) av, yy, dz;
            TLOAD(av, as[s][L]);
            TLOAD(yy, yv);
            const real f = s == 1 && ii[1] == ii[0] ? 0 : (w ? scale * w[i] : scale);
            dz = (av - yy) * TSPLAT(f);
            if (fused) {
                TSTORE(d[s], dz);
            } else {
                real g[TW];
                TSTORE(g, dz);
                TN(tderiv)(d[s], g, zs[s][L - 1], as[s][L], act[L - 1], n_out, 1);
            }
            memcpy(z_out + i * n_out, zs[s][L - 1], sizeof(real) * (size_t)n_out);
            memcpy(a_out + i * n_out, as[s][L], sizeof(real) * (size_t)n_out);
        }
        for (int l = L - 1; l >= 0; l--) {               /* backward: d[s] holds dz of layer l */
            TN(tv) dz[2], in[2], g, da[2] = {TSPLAT(0), TSPLAT(0)}, wj;
            TLOAD(g, gb[l]);
            for (int s = 0; s < 2; s++) { TLOAD(dz[s], d[s]); g += dz[s]; }
            TSTORE(gb[l], g);
            for (int s = 0; s < 2; s++) TLOAD(in[s], as[s][l]);
            for (int j = 0; j < R[l]; j++) {
                TLOAD(g, gW[l][j]);
                g += TSPLAT(d[0][j]) * in[0];
                g += TSPLAT(d[1][j]) * in[1];
                TSTORE(gW[l][j], g);
            }
            if (l == 0) break;
            for (int j = 0; j < R[l]; j++) {
                TLOAD(wj, Wr[l][j]);
                for (int s = 0; s < 2; s++) da[s] += TSPLAT(d[s][j]) * wj;
            }
            for (int s = 0; s < 2; s++) {
                real g[TW];
                TSTORE(g, da[s]);
                TN(tderiv)(d[s], g, zs[s][l - 1], as[s][l], act[l - 1], R[l - 1], 0);
            }
        }
    }
    for (int l = 0; l < L; l++) {
        const ffnn_layer *ly = &layers[l];
        real *gw = grads + ly->w_offset, *gbo = grads + ly->b_offset;
        for (int j = 0; j < R[l]; j++) {
            memcpy(gw + j * K[l], gW[l][j], sizeof(real) * (size_t)K[l]);
            gbo[j] = gb[l][j];
        }
    }
}

#undef TLOAD
#undef TSTORE
#undef TSPLAT
