/* Dense-layer matrix kernels, written once over `real` and FN() (see ffnn_f32.c / ffnn_f64.c).
 * Shapes: in [n x n_in], W [rows x n_in] row-major, b [rows], z / dz [n x rows]. */

/* z = in W^T + b */
static void FN(dense_forward)(real *restrict z, const real *restrict in, const real *restrict W,
                              const real *restrict b, int64_t n, int64_t n_in, int64_t rows)
{
    for (int64_t i = 0; i < n; i++) {
        const real *x = in + i * n_in;
        real *zi = z + i * rows;
        for (int64_t j = 0; j < rows; j++) {
            const real *w = W + j * n_in;
            real s = 0;
#pragma omp simd reduction(+ : s)
            for (int64_t k = 0; k < n_in; k++) s += x[k] * w[k];
            zi[j] = s + b[j];
        }
    }
}

/* dW += dz^T in, db += column sums of dz (accumulating, like llm.c's backward) */
static void FN(dense_backward_params)(real *restrict dW, real *restrict db, const real *restrict dz,
                                      const real *restrict in, int64_t n, int64_t n_in, int64_t rows)
{
    for (int64_t j = 0; j < rows; j++) {
        real *dw = dW + j * n_in;
        real sb = 0;
        for (int64_t i = 0; i < n; i++) {
            real g = dz[i * rows + j];
            const real *x = in + i * n_in;
            sb += g;
#pragma omp simd
            for (int64_t k = 0; k < n_in; k++) dw[k] += g * x[k];
        }
        db[j] += sb;
    }
}

/* din = dz W */
static void FN(dense_backward_input)(real *restrict din, const real *restrict dz, const real *restrict W,
                                     int64_t n, int64_t n_in, int64_t rows)
{
    for (int64_t i = 0; i < n; i++) {
        real *d = din + i * n_in;
        const real *g = dz + i * rows;
        for (int64_t k = 0; k < n_in; k++) d[k] = 0;
        for (int64_t j = 0; j < rows; j++) {
            const real gj = g[j];
            const real *w = W + j * n_in;
#pragma omp simd
            for (int64_t k = 0; k < n_in; k++) d[k] += gj * w[k];
        }
    }
}
