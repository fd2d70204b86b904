/* The lecture's primal perceptron, with the update condition y (w.x + b) <= 0 (the slide's "< 0" never starts
 * from zero weights). */

int FN(ffnn_perceptron)(const real *X, const real *y, int64_t n, int64_t d, real *w, real *b, double eta,
                        int64_t max_epochs, int64_t *n_updates, int64_t *n_epochs, int32_t *converged)
{
    if (!X || !y || !w || !b || !n_updates || !n_epochs || !converged) return FFNN_E_NULL;
    if (n <= 0 || d <= 0 || max_epochs <= 0 || !(eta > 0)) return FFNN_E_SIZE;
    *n_updates = 0; *n_epochs = 0; *converged = 0;
    const real e = (real)eta;
    for (int64_t ep = 0; ep < max_epochs; ep++) {
        int64_t mistakes = 0;
        for (int64_t i = 0; i < n; i++) {
            const real *x = X + i * d;
            real s = *b;
            for (int64_t k = 0; k < d; k++) s += w[k] * x[k];
            if (y[i] * s <= 0) {
                for (int64_t k = 0; k < d; k++) w[k] += e * y[i] * x[k];
                *b += e * y[i];
                mistakes++;
            }
        }
        *n_updates += mistakes;
        *n_epochs = ep + 1;
        if (!mistakes) { *converged = 1; break; }
    }
    return FFNN_OK;
}
