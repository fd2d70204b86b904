/* Optimizers: one loop over the flat parameter buffer each.  State layout per kind:
 * momentum/nesterov: v[n];  adam: m[n], v[n];  rprop (iRprop-): previous gradient g0[n], step sizes d[n]. */

/* One step; Adam's update is split over the worker pool when the call holds it (team; NULL: this thread). */
static int FN(step_impl)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n,
                         ffnn__team *team)
{
    if (!opt || !params || !grads) return FFNN_E_NULL;
    if (n < 0) return FFNN_E_SIZE;
    if (ffnn_optimizer_slots(opt->kind) < 0) return FFNN_E_OPTIMIZER;
    const real lr = (real)opt->lr, mu = (real)opt->momentum;
    switch ((ffnn_optimizer_kind)opt->kind) { /* every row of FFNN_OPTIMIZERS, no default */
    case FFNN_OPT_SGD:
        if (!(opt->lr > 0)) return FFNN_E_OPTIMIZER;
        for (int64_t i = 0; i < n; i++) params[i] -= lr * grads[i];
        opt->t += 1;
        break;
    case FFNN_OPT_MOMENTUM:
    case FFNN_OPT_NESTEROV:
        if (!state) return FFNN_E_NULL;
        if (!(opt->lr > 0) || !(opt->momentum >= 0 && opt->momentum < 1)) return FFNN_E_OPTIMIZER;
        for (int64_t i = 0; i < n; i++) {
            real v = mu * state[i] - lr * grads[i];
            state[i] = v;
            /* Nesterov in the Sutskever form: look ahead along the new velocity */
            params[i] += opt->kind == FFNN_OPT_NESTEROV ? mu * v - lr * grads[i] : v;
        }
        opt->t += 1;
        break;
    case FFNN_OPT_ADAM: {
        if (!state) return FFNN_E_NULL;
        if (!(opt->lr > 0) || !(opt->beta1 >= 0 && opt->beta1 < 1) || !(opt->beta2 >= 0 && opt->beta2 < 1) ||
            !(opt->eps > 0))
            return FFNN_E_OPTIMIZER;
        opt->t += 1;
        const real b1 = (real)opt->beta1, b2 = (real)opt->beta2, eps = (real)opt->eps;
        const real c1 = (real)(1.0 / (1.0 - pow(opt->beta1, (double)opt->t)));
        const real c2 = (real)(1.0 / (1.0 - pow(opt->beta2, (double)opt->t)));
        /* m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  params -= lr (m c1) / (sqrt(v c2) + eps)  (SIMD-dispatched) */
        FN(adam_update)(params, grads, state, state + n, n, lr, b1, b2, eps, c1, c2, team);
        break;
    }
    case FFNN_OPT_RPROP: {
        if (!state) return FFNN_E_NULL;
        if (!(opt->eta_plus >= 1) || !(opt->eta_minus > 0 && opt->eta_minus < 1) || !(opt->step_min >= 0) ||
            !(opt->step_max >= opt->step_min) || !(opt->step_init > 0))
            return FFNN_E_OPTIMIZER;
        real *g0 = state, *d = state + n;
        if (opt->t == 0)
            for (int64_t i = 0; i < n; i++) { g0[i] = 0; d[i] = (real)opt->step_init; }
        opt->t += 1;
        const real up = (real)opt->eta_plus, down = (real)opt->eta_minus;
        const real dmax = (real)opt->step_max, dmin = (real)opt->step_min;
        for (int64_t i = 0; i < n; i++) {
            real g = grads[i];
            const real s = g0[i] * g;
            if (s > 0) d[i] = d[i] * up < dmax ? d[i] * up : dmax;
            else if (s < 0) { d[i] = d[i] * down > dmin ? d[i] * down : dmin; g = 0; } /* iRprop-: forget */
            params[i] -= g > 0 ? d[i] : (g < 0 ? -d[i] : 0);
            g0[i] = g;
        }
        break;
    }
    }
    return FFNN_OK;
}

int FN(ffnn_step)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n)
{
    return FN(step_impl)(opt, params, grads, state, n, NULL);
}
