/* Whole-network passes: init, forward, loss, loss+gradient, L2, and the many-steps training call. */

int FN(ffnn_init)(const ffnn_layer *layers, int32_t n_layers, real *params, uint64_t *rng)
{
    if (!params || !rng) return FFNN_E_NULL;
    int st = ffnn_check(layers, n_layers, ffnn__n_params(layers, n_layers));
    if (st) return st;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        const int64_t rows = ffnn__rows(ly);
        double limit;
        switch ((ffnn_init_rule)ffnn_activation_init(ly->activation)) { /* the activation table's init column */
        case FFNN_HE: limit = sqrt(6.0 / ly->n_in); break;
        case FFNN_GLOROT: limit = sqrt(6.0 / ((double)ly->n_in + ly->n_out)); break;
        default: return FFNN_E_ACTIVATION; /* not reached: ffnn_check knows every row */
        }
        real *W = params + ly->w_offset;
        for (int64_t i = 0; i < rows * ly->n_in; i++) {
            double u = (double)(ffnn__rng_next(rng) >> 11) * 0x1.0p-53;
            W[i] = (real)((2.0 * u - 1.0) * limit);
        }
        real *b = params + ly->b_offset;
        for (int64_t j = 0; j < rows; j++) b[j] = 0;
    }
    return FFNN_OK;
}

/* What every computing entry point does around its work: flush denormals (restoring the caller's MXCSR after)
 * and, when one minibatch pass costs enough (flops_per_weight x weights), hold the worker pool for the call
 * (call_passes: how many such passes the call makes, to decide whether sleeping workers are worth waking). */
typedef struct {
    unsigned fp;
    ffnn__team *team;
} FN(call_scope);

static void FN(scope_begin)(FN(call_scope) *cs, const ffnn_layer *layers, int32_t n_layers, double flops_per_weight,
                            double call_passes)
{
    double weights = 0;
    for (int32_t l = 0; l < n_layers; l++) weights += (double)ffnn__rows(&layers[l]) * layers[l].n_in;
    cs->fp = ffnn__fp_enter();
    cs->team = ffnn__team_for(flops_per_weight * weights, call_passes * flops_per_weight * weights);
}

static void FN(scope_end)(FN(call_scope) *cs)
{
    ffnn__team_release(cs->team);
    ffnn__fp_leave(cs->fp);
}

static int FN(check_common)(const ffnn_layer *layers, int32_t n_layers, const void *params, const void *X,
                            int64_t n, int64_t batch, const void *work, const int32_t *iwork)
{
    if (!layers || !params || !X || !work || !iwork) return FFNN_E_NULL;
    if (n_layers <= 0 || n <= 0 || batch <= 0 || n > batch) return FFNN_E_SIZE;
    int st = ffnn_check(layers, n_layers, ffnn__n_params(layers, n_layers));
    if (st) return st;
    int64_t n_real, n_int; /* the workspace offsets for this batch are then free of overflow */
    return ffnn__workspace_elems(layers, n_layers, batch, &n_real, &n_int);
}

/* Inverted dropout of one layer's outputs a (n x K): D = 0 (probability p) or 1/(1-p), M = D * a; the draws are
 * made in order on this thread, one xoshiro256** number per element (kept iff it is >= p * 2^64). */
static void FN(dropout_forward)(real *restrict D, real *restrict M, const real *restrict a, int64_t m, double p,
                                uint64_t *rng)
{
    const uint64_t cut = (uint64_t)(p * 18446744073709551616.0); /* p < 1: below 2^64 */
    const real keep = (real)(1.0 / (1.0 - p));
    uint64_t st[4] = {rng[0], rng[1], rng[2], rng[3]}; /* in registers for the loop */
    for (int64_t i = 0; i < m; i++) {
        const real d = (real)(ffnn__xoshiro(st) >= cut) * keep; /* branch-free: the draws are random */
        D[i] = d;
        M[i] = d * a[i];
    }
    for (int k = 0; k < 4; k++) rng[k] = st[k];
}

/* Forward pass; rng != NULL is training mode: layers with dropout are thinned (masks drawn from rng). */
static void FN(forward_impl)(const ffnn_layer *layers, int32_t n_layers, const real *params, const real *X,
                             int64_t n, int64_t batch, real *work, int32_t *iwork, ffnn__team *team, uint64_t *rng)
{
    const real *in = X;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        real *z = work + ffnn__z_offset(layers, l, batch);
        real *a = work + ffnn__a_offset(layers, l, batch);
        FN(dense_forward)(z, in, params + ly->w_offset, params + ly->b_offset, n, ly->n_in, ffnn__rows(ly), team);
        FN(activation_forward)(a, z, n, ly, iwork + ffnn__argmax_offset(layers, l, batch));
        in = a;
        if (rng && ly->dropout > 0) {
            real *D = work + ffnn__dropout_offset(layers, n_layers, l, batch), *M = D + batch * ly->n_out;
            FN(dropout_forward)(D, M, a, n * ly->n_out, ly->dropout, rng);
            in = M;
        }
    }
}

int FN(ffnn_forward)(const ffnn_layer *layers, int32_t n_layers, const real *params, const real *X, int64_t n,
                     int64_t batch, real *out, real *work, int32_t *iwork)
{
    int st = FN(check_common)(layers, n_layers, params, X, n, batch, work, iwork);
    if (st) return st;
    FN(call_scope) cs;
    FN(scope_begin)(&cs, layers, n_layers, 2.0 * (double)n, 1);
    FN(forward_impl)(layers, n_layers, params, X, n, batch, work, iwork, cs.team, NULL);
    FN(scope_end)(&cs);
    if (out) {
        const real *a = work + ffnn__a_offset(layers, n_layers - 1, batch);
        for (int64_t i = 0; i < n * layers[n_layers - 1].n_out; i++) out[i] = a[i];
    }
    return FFNN_OK;
}

/* 1 if any of x[0..n) is NaN or infinite: all exponent bits set.  An OR over integer lanes (vectorises, unlike a
 * floating-point sum, whose order C fixes). */
static int FN(any_nonfinite)(const real *x, int64_t n)
{
    if (sizeof(real) == 8) {
        uint64_t bad = 0;
        for (int64_t i = 0; i < n; i++) {
            uint64_t u;
            memcpy(&u, (const char *)x + 8 * i, 8);
            bad |= (uint64_t)((u & 0x7ff0000000000000u) == 0x7ff0000000000000u);
        }
        return bad != 0;
    }
    uint32_t bad = 0;
    for (int64_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, (const char *)x + 4 * i, 4);
        bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return bad != 0;
}

int FN(ffnn_forward_one)(const ffnn_layer *layers, int32_t n_layers, const real *params, const real *x,
                         int64_t batch, real *out, real *work, int32_t *iwork)
{
    if (!layers || !x || n_layers <= 0) return FFNN_E_NULL;
    if (FN(any_nonfinite)(x, layers[0].n_in)) return FFNN_E_NONFINITE;
    return FN(ffnn_forward)(layers, n_layers, params, x, 1, batch, out, work, iwork);
}

static double FN(output_loss)(const ffnn_layer *layers, int32_t n_layers, const real *Y, const real *w, int64_t n,
                              int64_t batch, int32_t loss, const real *work)
{
    const ffnn_layer *out = &layers[n_layers - 1];
    return FN(loss_sum)(work + ffnn__a_offset(layers, n_layers - 1, batch),
                        work + ffnn__z_offset(layers, n_layers - 1, batch), Y, w, n, out->n_out, out->activation,
                        loss);
}

int FN(ffnn_loss)(const ffnn_layer *layers, int32_t n_layers, const real *params, const real *X, const real *Y,
                  const real *sample_weight, int64_t n, int64_t batch, int32_t loss, double *loss_sum, real *work, int32_t *iwork)
{
    int st = FN(check_common)(layers, n_layers, params, X, n, batch, work, iwork);
    if (st) return st;
    if (!Y || !loss_sum) return FFNN_E_NULL;
    if ((st = ffnn__check_loss(layers, n_layers, loss))) return st;
    FN(call_scope) cs;
    FN(scope_begin)(&cs, layers, n_layers, 2.0 * (double)n, 1);
    FN(forward_impl)(layers, n_layers, params, X, n, batch, work, iwork, cs.team, NULL);
    *loss_sum = FN(output_loss)(layers, n_layers, Y, sample_weight, n, batch, loss, work);
    FN(scope_end)(&cs);
    return FFNN_OK;
}

/* Backward pass after forward_impl; grads accumulate scale * d(loss_sum)/d(params).  dropped: the forward pass was
 * in training mode (its dropout masks apply). */
static void FN(backward_impl)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,
                              const real *X, const real *Y, const real *w, int64_t n, int64_t batch, int32_t loss,
                              real scale, real *work, const int32_t *iwork, int accumulate, ffnn__team *team,
                              int dropped)
{
    const int64_t maxw = ffnn__max_width(layers, n_layers);
    real *P = work + ffnn__scratch_offset(layers, n_layers, batch); /* dL/da of the current layer */
    real *Q = P + batch * maxw;                                      /* dL/dz of the current layer */
    for (int32_t l = n_layers - 1; l >= 0; l--) {
        const ffnn_layer *ly = &layers[l];
        const real *z = work + ffnn__z_offset(layers, l, batch);
        const real *a = work + ffnn__a_offset(layers, l, batch);
        const int64_t rows = ffnn__rows(ly);
        if (l == n_layers - 1) {
            FN(output_delta)(Q, P, a, z, Y, w, n, ly, loss, scale);
        } else {
            if (dropped && ly->dropout > 0) { /* dL/da = D * dL/dM */
                const real *D = work + ffnn__dropout_offset(layers, n_layers, l, batch);
                for (int64_t i = 0; i < n * ly->n_out; i++) P[i] *= D[i];
            }
            FN(activation_backward)(Q, P, z, a, n, ly, iwork + ffnn__argmax_offset(layers, l, batch));
        }
        const real *in = l == 0 ? X : work + ffnn__a_offset(layers, l - 1, batch);
        if (l > 0 && dropped && layers[l - 1].dropout > 0) /* the thinned outputs M(l-1) fed this layer */
            in = work + ffnn__dropout_offset(layers, n_layers, l - 1, batch) + batch * layers[l - 1].n_out;
        FN(dense_backward_params)(grads + ly->w_offset, grads + ly->b_offset, Q, in, n, ly->n_in, rows, accumulate,
                                  team);
        if (l > 0) FN(dense_backward_input)(P, Q, params + ly->w_offset, n, ly->n_in, rows, team);
    }
}

static int FN(loss_grad_mode)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,
                              const real *X, const real *Y, const real *sample_weight, int64_t n, int64_t batch,
                              int32_t loss, double scale, uint64_t *rng, double *loss_sum, real *work, int32_t *iwork)
{
    int st = FN(check_common)(layers, n_layers, params, X, n, batch, work, iwork);
    if (st) return st;
    if (!Y || !loss_sum || !grads) return FFNN_E_NULL;
    if ((st = ffnn__check_loss(layers, n_layers, loss))) return st;
    FN(call_scope) cs;
    FN(scope_begin)(&cs, layers, n_layers, 6.0 * (double)n, 1);
    FN(forward_impl)(layers, n_layers, params, X, n, batch, work, iwork, cs.team, rng);
    *loss_sum = FN(output_loss)(layers, n_layers, Y, sample_weight, n, batch, loss, work);
    FN(backward_impl)(layers, n_layers, params, grads, X, Y, sample_weight, n, batch, loss, (real)scale, work, iwork,
                      1, cs.team, rng != NULL);
    FN(scope_end)(&cs);
    return FFNN_OK;
}

int FN(ffnn_loss_grad)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,
                       const real *X, const real *Y, const real *sample_weight, int64_t n, int64_t batch,
                       int32_t loss, double scale, double *loss_sum, real *work, int32_t *iwork)
{
    return FN(loss_grad_mode)(layers, n_layers, params, grads, X, Y, sample_weight, n, batch, loss, scale, NULL,
                              loss_sum, work, iwork);
}

int FN(ffnn_loss_grad_train)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,
                             const real *X, const real *Y, const real *sample_weight, int64_t n, int64_t batch,
                             int32_t loss, double scale, uint64_t *rng_state4, double *loss_sum, real *work,
                             int32_t *iwork)
{
    if (layers && n_layers > 0 && ffnn__has_dropout(layers, n_layers) && !rng_state4) return FFNN_E_NULL;
    return FN(loss_grad_mode)(layers, n_layers, params, grads, X, Y, sample_weight, n, batch, loss, scale,
                              rng_state4, loss_sum, work, iwork);
}

/* grads += l1 sign(W) + l2 W over the weights; returns l1 sum|W| + 0.5 l2 sum W^2. */
static double FN(penalty_impl)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads, real l1,
                               real l2)
{
    double sq = 0, ab = 0;
    for (int32_t l = 0; l < n_layers; l++) {
        const int64_t m = ffnn__rows(&layers[l]) * layers[l].n_in;
        const real *W = params + layers[l].w_offset;
        real *G = grads + layers[l].w_offset;
        if (l2 != 0)
            for (int64_t i = 0; i < m; i++) { sq += (double)W[i] * W[i]; G[i] += l2 * W[i]; }
        if (l1 != 0) /* subgradient sign(0) = 0 */
            for (int64_t i = 0; i < m; i++) {
                ab += fabs((double)W[i]);
                G[i] += W[i] > 0 ? l1 : (W[i] < 0 ? -l1 : (real)0);
            }
    }
    return (double)l1 * ab + 0.5 * (double)l2 * sq;
}

int FN(ffnn_penalty)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads, double l1,
                     double l2, double *penalty)
{
    if (!layers || !params || !grads || !penalty) return FFNN_E_NULL;
    if (n_layers <= 0 || !(l1 >= 0) || !(l2 >= 0)) return FFNN_E_SIZE;
    int st = ffnn_check(layers, n_layers, ffnn__n_params(layers, n_layers));
    if (st) return st;
    *penalty = FN(penalty_impl)(layers, n_layers, params, grads, (real)l1, (real)l2);
    return FFNN_OK;
}

int FN(ffnn_l2)(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads, double l2,
                double *penalty)
{
    return FN(ffnn_penalty)(layers, n_layers, params, grads, 0.0, l2, penalty);
}

/* Correctly classified samples in a batch, by pyffnn's one decision rule (pyffnn/training/decisions.py):
 * softmax by argmax (the first maximum on a tie); sigmoid outputs each against 0.5, a sample counting only when
 * every output is right (exact match, also for multi-label).  0 for other outputs. */
static double FN(count_correct)(const real *a, const real *Y, int64_t n, int64_t K, int32_t act)
{
    double correct = 0;
    if (act == FFNN_SOFTMAX) {
        for (int64_t i = 0; i < n; i++) {
            int64_t pa = 0, py = 0;
            for (int64_t k = 1; k < K; k++) {
                if (a[i * K + k] > a[i * K + pa]) pa = k;
                if (Y[i * K + k] > Y[i * K + py]) py = k;
            }
            correct += pa == py;
        }
    } else if (act == FFNN_SIGMOID) {
        for (int64_t i = 0; i < n; i++) {
            int all = 1;
            for (int64_t k = 0; k < K; k++) all &= (a[i * K + k] > (real)0.5) == (Y[i * K + k] > (real)0.5);
            correct += all;
        }
    }
    return correct;
}

static int FN(train_steps)(const ffnn_layer *layers, int32_t n_layers, real *params, real *grads, const real *X,
                           const real *Y, const real *sw, const int64_t *order, int64_t n_order, int64_t batch, int32_t loss,
                           double l2, double l1, uint64_t *rng, ffnn_optimizer *opt, real *opt_state, real *work,
                           int32_t *iwork, double *loss_sum, double *n_correct, int64_t *n_done, ffnn__team *team);
static int FN(step_impl)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n,
                         ffnn__team *team); /* tmpl_optim.h */

int FN(ffnn_train)(const ffnn_layer *layers, int32_t n_layers, real *params, real *grads, const real *X,
                   const real *Y, const real *sample_weight, int64_t n_samples, const int64_t *order,
                   int64_t n_order, int64_t batch,
                   int32_t loss, double l2, double l1, uint64_t *rng_state4, ffnn_optimizer *opt, real *opt_state,
                   real *work, int32_t *iwork, double *loss_sum, double *n_correct, int64_t *n_done)
{
    if (!grads || !Y || !order || !opt || !loss_sum || !n_done) return FFNN_E_NULL;
    *loss_sum = 0;
    *n_done = 0;
    if (n_correct) *n_correct = 0;
    int st = FN(check_common)(layers, n_layers, params, X, batch, batch, work, iwork);
    if (st) return st;
    int64_t n_x, n_y;
    if (n_samples <= 0 || n_order < 0 || !(l2 >= 0) || !(l1 >= 0) || !ffnn__mul(n_samples, layers[0].n_in, &n_x) ||
        !ffnn__mul(n_samples, layers[n_layers - 1].n_out, &n_y))
        return FFNN_E_SIZE;
    if ((st = ffnn__check_loss(layers, n_layers, loss))) return st;
    const int dropout = ffnn__has_dropout(layers, n_layers);
    if (dropout && !rng_state4) return FFNN_E_NULL;
    const int64_t n_params = ffnn__n_params(layers, n_layers);
    if (ffnn_optimizer_slots(opt->kind) < 0) return FFNN_E_OPTIMIZER;
    if (ffnn_optimizer_state_size(opt->kind, n_params) < 0) return FFNN_E_SIZE;
    if (ffnn_optimizer_state_size(opt->kind, n_params) > 0 && !opt_state) return FFNN_E_NULL;
    for (int64_t i = 0; i < n_order; i++)
        if (order[i] < 0 || order[i] >= n_samples) return FFNN_E_INDEX;
    FN(call_scope) cs;
    FN(scope_begin)(&cs, layers, n_layers, 6.0 * (double)(n_order < batch ? n_order : batch),
                    (double)(n_order + batch - 1) / (double)batch);
    st = FN(train_steps)(layers, n_layers, params, grads, X, Y, sample_weight, order, n_order, batch, loss, l2, l1,
                         dropout ? rng_state4 : NULL, opt, opt_state, work, iwork, loss_sum, n_correct, n_done, cs.team);
    FN(scope_end)(&cs);
    return st;
}

/* The minibatch loop of ffnn_train (arguments already checked). */
static int FN(train_steps)(const ffnn_layer *layers, int32_t n_layers, real *params, real *grads, const real *X,
                           const real *Y, const real *sw, const int64_t *order, int64_t n_order, int64_t batch, int32_t loss,
                           double l2, double l1, uint64_t *rng, ffnn_optimizer *opt, real *opt_state, real *work,
                           int32_t *iwork, double *loss_sum, double *n_correct, int64_t *n_done, ffnn__team *team)
{
    int st;
    const int64_t n_params = ffnn__n_params(layers, n_layers);

    const int64_t n_in = layers[0].n_in, n_out = layers[n_layers - 1].n_out;
    const int64_t maxw = ffnn__max_width(layers, n_layers);
    real *xb = work + ffnn__scratch_offset(layers, n_layers, batch) + 2 * batch * maxw;
    real *yb = xb + batch * n_in;
    real *wb = yb + batch * n_out; /* gathered sample weights (workspace has room for them) */
    /* tiny networks: one fused forward + backward per minibatch (tmpl_tiny.h), on this thread */
    int fused = 0;
    const int tiny = rng ? 0 : ffnn__tiny_kind(layers, n_layers, loss, &fused); /* the fused kernels know no dropout */
    const FN(ffnn__kernels) *kern = FN(ffnn__kernels_get)();
    real *z_last = work + ffnn__z_offset(layers, n_layers - 1, batch);
    real *a_last = work + ffnn__a_offset(layers, n_layers - 1, batch);
    for (int64_t start = 0; start < n_order; start += batch) {
        const int64_t bs = n_order - start < batch ? n_order - start : batch;
        double wsum = (double)bs;
        for (int64_t i = 0; i < bs; i++) { /* gather the minibatch in the caller's order */
            const real *xs = X + order[start + i] * n_in, *ys = Y + order[start + i] * n_out;
            for (int64_t k = 0; k < n_in; k++) xb[i * n_in + k] = xs[k];
            for (int64_t k = 0; k < n_out; k++) yb[i * n_out + k] = ys[k];
        }
        if (sw) {
            wsum = 0;
            for (int64_t i = 0; i < bs; i++) { wb[i] = sw[order[start + i]]; wsum += wb[i]; }
        }
        /* backward overwrites every gradient (accumulate = 0): no separate zeroing pass */
        if (tiny)
            kern->tiny[tiny - 1](layers, n_layers, params, grads, xb, yb, sw ? wb : NULL, bs,
                                 (real)(wsum > 0 ? 1.0 / wsum : 0.0), fused, z_last, a_last);
        else
            FN(forward_impl)(layers, n_layers, params, xb, bs, batch, work, iwork, team, rng);
        double batch_loss = FN(output_loss)(layers, n_layers, yb, sw ? wb : NULL, bs, batch, loss, work);
        if (!(wsum > 0)) { /* all weights zero: nothing to learn from this batch */
            *n_done += bs;
            if (n_correct)
                *n_correct += FN(count_correct)(work + ffnn__a_offset(layers, n_layers - 1, batch), yb, bs,
                                                n_out, layers[n_layers - 1].activation);
            continue;
        }
        if (!tiny)
            FN(backward_impl)(layers, n_layers, params, grads, xb, yb, sw ? wb : NULL, bs, batch, loss,
                              (real)(1.0 / wsum), work, iwork, 0, team, rng != NULL);
        if (l2 > 0 || l1 > 0) batch_loss += wsum * FN(penalty_impl)(layers, n_layers, params, grads, (real)l1, (real)l2);
        if (!isfinite(batch_loss)) return FFNN_E_NONFINITE;
        if ((st = FN(step_impl)(opt, params, grads, opt_state, n_params, team))) return st;
        *loss_sum += batch_loss;
        *n_done += bs;
        if (n_correct)
            *n_correct += FN(count_correct)(work + ffnn__a_offset(layers, n_layers - 1, batch), yb, bs,
                                            n_out, layers[n_layers - 1].activation);
    }
    return FFNN_OK;
}
