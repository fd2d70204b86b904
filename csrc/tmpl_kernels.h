/* Dense-layer products, written once over `real` and FN() (see ffnn_f32.c / ffnn_f64.c): they pick the kernel
 * set for the current SIMD level (ffnn_kernels.c) and, when a team is running and the product is big enough,
 * split its OUTPUT over the team (forward: outputs j; weight gradient: rows of dW; input gradient: columns), never
 * a reduction, so the result is the same bits for any thread count.
 * Shapes: in [n x n_in], W [rows x n_in] row-major, b [rows], z / dz [n x rows]. */

/* Products below this many flops are not worth waking the team for. */
#define FFNN__SPLIT_FLOPS 4.0e5
/* Split boundaries are multiples of this (a multiple of every kernel's block size). */
#define FFNN__SPLIT_ALIGN 32

typedef struct {
    const FN(ffnn__kernels) *k;
    real *out, *out2;
    const real *a, *b, *c;
    int64_t n, K, rows;
    int accumulate;
} FN(gemm_args);

static inline int FN(split_worth)(const ffnn__team *team, int64_t n, int64_t K, int64_t rows)
{
    return ffnn__team_size(team) > 1 && 2.0 * (double)n * (double)K * (double)rows >= FFNN__SPLIT_FLOPS;
}

static void FN(nt_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    ffnn__split(g->rows, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo < hi) g->k->nt(g->out, g->a, g->b, g->c, g->n, g->K, g->rows, lo, hi);
}

/* z = in W^T + b */
static void FN(dense_forward)(real *z, const real *in, const real *W, const real *b, int64_t n, int64_t n_in,
                              int64_t rows, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    if (!FN(split_worth)(team, n, n_in, rows)) {
        k->nt(z, in, W, b, n, n_in, rows, 0, rows);
        return;
    }
    FN(gemm_args) g = {k, z, NULL, in, W, b, n, n_in, rows, 0};
    ffnn__team_run(team, FN(nt_task), &g);
}

static void FN(tn_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    ffnn__split(g->rows, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo < hi) g->k->tn(g->out, g->out2, g->a, g->b, g->n, g->K, g->rows, lo, hi, g->accumulate);
}

/* dW (+)= dz^T in, db (+)= column sums of dz; accumulate = 0 overwrites (a training step), 1 adds (llm.c style) */
static void FN(dense_backward_params)(real *dW, real *db, const real *dz, const real *in, int64_t n, int64_t n_in,
                                      int64_t rows, int accumulate, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    if (!FN(split_worth)(team, n, n_in, rows)) {
        k->tn(dW, db, dz, in, n, n_in, rows, 0, rows, accumulate);
        return;
    }
    FN(gemm_args) g = {k, dW, db, dz, in, NULL, n, n_in, rows, accumulate};
    ffnn__team_run(team, FN(tn_task), &g);
}

static void FN(nn_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    ffnn__split(g->K, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo < hi) g->k->nn(g->out, g->a, g->b, g->n, g->K, g->rows, lo, hi);
}

/* din = dz W */
static void FN(dense_backward_input)(real *din, const real *dz, const real *W, int64_t n, int64_t n_in,
                                     int64_t rows, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    if (!FN(split_worth)(team, n, n_in, rows)) {
        k->nn(din, dz, W, n, n_in, rows, 0, n_in);
        return;
    }
    FN(gemm_args) g = {k, din, NULL, dz, W, NULL, n, n_in, rows, 0};
    ffnn__team_run(team, FN(nn_task), &g);
}
