/* Losses (sum over the samples of the per-sample loss; callers divide for the mean) and the output delta.
 *  mse: 1/2 sum_k (a_k - y_k)^2        bce: -sum_k [y ln a + (1-y) ln(1-a)]        ce: -sum_k y_k ln a_k
 * sigmoid+bce and softmax+ce are computed from the logits z (stable) and back-propagate a - y. */

static inline real FN(clip_prob)(real a)
{
    const real tiny = (real)R_TINY;
    return a < tiny ? tiny : (a > (real)1 - tiny ? (real)1 - tiny : a);
}

/* Loss of one sample (row) of K outputs. */
static inline double FN(row_loss)(const real *restrict a, const real *restrict z, const real *restrict y, int64_t K,
                                  int32_t act, int32_t loss)
{
    double total = 0;
    if (loss == FFNN_LOSS_MSE) {
        for (int64_t k = 0; k < K; k++) { double d = (double)a[k] - y[k]; total += 0.5 * d * d; }
    } else if (loss == FFNN_LOSS_BCE && act == FFNN_SIGMOID) {
        for (int64_t k = 0; k < K; k++) {
            double zk = z[k];
            total += (zk > 0 ? zk : 0) - zk * y[k] + log1p(exp(-fabs(zk)));
        }
    } else if (loss == FFNN_LOSS_BCE) {
        for (int64_t k = 0; k < K; k++) {
            double p = FN(clip_prob)(a[k]);
            total -= y[k] * log(p) + (1.0 - y[k]) * log(1.0 - p);
        }
    } else if (act == FFNN_SOFTMAX) { /* ce from logits: sum_k y_k (lse(z) - z_k) */
        double mx = z[0], s = 0, ysum = 0, yz = 0;
        for (int64_t k = 1; k < K; k++) mx = z[k] > mx ? z[k] : mx;
        for (int64_t k = 0; k < K; k++) { s += exp(z[k] - mx); ysum += y[k]; yz += y[k] * (double)z[k]; }
        total = (mx + log(s)) * ysum - yz;
    } else { /* ce on sigmoid outputs */
        for (int64_t k = 0; k < K; k++) total -= y[k] * log(FN(clip_prob)(a[k]));
    }
    return total;
}

/* sum_i w_i * loss_i over n rows (w may be NULL: all ones) */
static double FN(loss_sum)(const real *restrict a, const real *restrict z, const real *restrict Y,
                           const real *restrict w, int64_t n, int64_t K, int32_t act, int32_t loss)
{
    double total = 0;
    for (int64_t i = 0; i < n; i++) {
        double li = FN(row_loss)(a + i * K, z + i * K, Y + i * K, K, act, loss);
        total += w ? (double)w[i] * li : li;
    }
    return total;
}

/* Multiply each of the n rows of K values by its sample weight. */
static void FN(scale_rows)(real *restrict v, const real *restrict w, int64_t n, int64_t K)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t k = 0; k < K; k++) v[i * K + k] *= w[i];
}

/* dz = scale * d(loss_sum)/dz for the output layer (loss_sum weighted by w when w is not NULL);
 * da is scratch of the same size. */
static void FN(output_delta)(real *restrict dz, real *restrict da, const real *restrict a, const real *restrict z,
                             const real *restrict Y, const real *restrict w, int64_t n, const ffnn_layer *ly,
                             int32_t loss, real scale)
{
    const int64_t m = n * ly->n_out;
    const int32_t act = ly->activation;
    if (ffnn__fused(act, loss)) {
        for (int64_t i = 0; i < m; i++) dz[i] = scale * (a[i] - Y[i]);
        if (w) FN(scale_rows)(dz, w, n, ly->n_out);
        return;
    }
    for (int64_t i = 0; i < m; i++) {
        if (loss == FFNN_LOSS_MSE) {
            da[i] = scale * (a[i] - Y[i]);
        } else if (loss == FFNN_LOSS_BCE) { /* (a - y) / (a (1 - a)), the lecture's erratum fixed */
            real p = FN(clip_prob)(a[i]);
            da[i] = scale * (p - Y[i]) / (p * ((real)1 - p));
        } else {
            da[i] = -scale * Y[i] / FN(clip_prob)(a[i]);
        }
    }
    if (w) FN(scale_rows)(da, w, n, ly->n_out); /* the activation's backward is linear in da */
    FN(activation_backward)(dz, da, z, a, n, ly, NULL);
}
