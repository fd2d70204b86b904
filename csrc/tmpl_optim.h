/* Optimizers: one element-wise loop over the flat parameter buffer each.  State layout per kind:
 * momentum/nesterov: v[n];  adam: m[n], v[n];  rprop (iRprop-): previous gradient g0[n], step sizes d[n]. */

/* One step's constants, and the loop over the parameters [lo, hi) (every element on its own, so any cut of the
 * buffer gives the same bits). */
typedef struct {
    ffnn_optimizer_kind kind;
    real *params, *state;
    const real *grads;
    int64_t n;
    real lr, mu, b1, b2, eps, c1, c2;             /* SGD, momentum/Nesterov, Adam */
    real up, down, dmax, dmin, d_init;            /* RPROP */
    int first;                                    /* RPROP's first step: initialise its state */
    void (*adam)(real *p, const real *g, real *m, real *v, int64_t n, real lr, real b1, real b2, real eps, real c1,
                 real c2);
} FN(step_args);

static void FN(step_range)(void *ctx, int64_t lo, int64_t hi)
{
    const FN(step_args) *s = ctx;
    real *restrict params = s->params;
    const real *restrict grads = s->grads;
    const real lr = s->lr, mu = s->mu;
    switch (s->kind) { /* every row of FFNN_OPTIMIZERS, no default */
    case FFNN_OPT_SGD:
        for (int64_t i = lo; i < hi; i++) params[i] -= lr * grads[i];
        break;
    case FFNN_OPT_MOMENTUM:
        for (int64_t i = lo; i < hi; i++) {
            const real v = mu * s->state[i] - lr * grads[i];
            s->state[i] = v;
            params[i] += v;
        }
        break;
    case FFNN_OPT_NESTEROV: /* the Sutskever form: look ahead along the new velocity */
        for (int64_t i = lo; i < hi; i++) {
            const real v = mu * s->state[i] - lr * grads[i];
            s->state[i] = v;
            params[i] += mu * v - lr * grads[i];
        }
        break;
    case FFNN_OPT_ADAM:
        /* m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  params -= lr (m c1) / (sqrt(v c2) + eps)  (SIMD-dispatched) */
        s->adam(params + lo, grads + lo, s->state + lo, s->state + s->n + lo, hi - lo, lr, s->b1, s->b2, s->eps, s->c1,
                s->c2);
        break;
    case FFNN_OPT_RPROP: {
        real *restrict g0 = s->state, *restrict d = s->state + s->n;
        if (s->first)
            for (int64_t i = lo; i < hi; i++) { g0[i] = 0; d[i] = s->d_init; }
        for (int64_t i = lo; i < hi; i++) {
            real g = grads[i];
            const real sg = g0[i] * g;
            if (sg > 0) d[i] = d[i] * s->up < s->dmax ? d[i] * s->up : s->dmax;
            else if (sg < 0) { d[i] = d[i] * s->down > s->dmin ? d[i] * s->down : s->dmin; g = 0; } /* iRprop-: forget */
            params[i] -= g > 0 ? d[i] : (g < 0 ? -d[i] : 0);
            g0[i] = g;
        }
        break;
    }
    }
}

/* Checks the optimizer and fills one step's constants (for the step after opt->t steps) and its update. */
static int FN(step_prepare)(const ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n,
                            FN(step_args) *s, FN(update) *u)
{
    if (!opt || !params || !grads) return FFNN_E_NULL;
    if (n < 0) return FFNN_E_SIZE;
    if (ffnn_optimizer_slots(opt->kind) < 0) return FFNN_E_OPTIMIZER;
    *s = (FN(step_args)){.kind = (ffnn_optimizer_kind)opt->kind, .params = params, .state = state, .grads = grads,
                         .n = n, .lr = (real)opt->lr, .mu = (real)opt->momentum};
    double cost = 4; /* flops-worth per parameter (memory traffic, mostly), to decide whether a split pays */
    switch (s->kind) {
    case FFNN_OPT_SGD:
        if (!(opt->lr > 0)) return FFNN_E_OPTIMIZER;
        break;
    case FFNN_OPT_MOMENTUM:
    case FFNN_OPT_NESTEROV:
        if (!state) return FFNN_E_NULL;
        if (!(opt->lr > 0) || !(opt->momentum >= 0 && opt->momentum < 1)) return FFNN_E_OPTIMIZER;
        cost = 6;
        break;
    case FFNN_OPT_ADAM:
        if (!state) return FFNN_E_NULL;
        if (!(opt->lr > 0) || !(opt->beta1 >= 0 && opt->beta1 < 1) || !(opt->beta2 >= 0 && opt->beta2 < 1) ||
            !(opt->eps > 0))
            return FFNN_E_OPTIMIZER;
        s->b1 = (real)opt->beta1, s->b2 = (real)opt->beta2, s->eps = (real)opt->eps;
        s->c1 = (real)(1.0 / (1.0 - pow(opt->beta1, (double)(opt->t + 1))));
        s->c2 = (real)(1.0 / (1.0 - pow(opt->beta2, (double)(opt->t + 1))));
        s->adam = FN(ffnn__kernels_get)()->adam;
        cost = 20; /* sqrt, division */
        break;
    case FFNN_OPT_RPROP:
        if (!state) return FFNN_E_NULL;
        if (!(opt->eta_plus >= 1) || !(opt->eta_minus > 0 && opt->eta_minus < 1) || !(opt->step_min >= 0) ||
            !(opt->step_max >= opt->step_min) || !(opt->step_init > 0))
            return FFNN_E_OPTIMIZER;
        s->first = opt->t == 0;
        s->up = (real)opt->eta_plus, s->down = (real)opt->eta_minus;
        s->dmax = (real)opt->step_max, s->dmin = (real)opt->step_min, s->d_init = (real)opt->step_init;
        cost = 8;
        break;
    }
    *u = (FN(update)){FN(step_range), s, cost};
    return FFNN_OK;
}

/* One step.  With the worker pool (team) and the layer table, the loop is split over the pool along the layers'
 * rows (tmpl_kernels.h's params_run); without a table: this thread, one loop. */
static int FN(step_impl)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n,
                         const ffnn_layer *layers, int32_t n_layers, ffnn__team *team)
{
    FN(step_args) s;
    FN(update) u;
    const int st = FN(step_prepare)(opt, params, grads, state, n, &s, &u);
    if (st) return st;
    if (layers) FN(params_run)(team, layers, n_layers, &u);
    else u.fn(u.ctx, 0, n);
    opt->t += 1;
    return FFNN_OK;
}

int FN(ffnn_step)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n)
{
    return FN(step_impl)(opt, params, grads, state, n, NULL, 0, NULL);
}
