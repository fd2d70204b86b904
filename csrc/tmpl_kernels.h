/* Dense-layer products and the Adam update, written once over `real` and FN() (see ffnn_f32.c / ffnn_f64.c): they
 * pick the kernel set for the current SIMD level (ffnn_kernels.c) and, when the call holds the worker pool and the
 * work is big enough (FFNN__SPLIT_FLOPS), cut its OUTPUT into chunks for the pool (forward: outputs j; weight
 * gradient: rows of dW; input gradient: columns; Adam: parameters), never a reduction, so the result is the same
 * bits for any thread count and any cut.
 * Shapes: in [n x n_in], W [rows x n_in] row-major, b [rows], z / dz [n x rows]. */

/* Split boundaries are multiples of FFNN__SPLIT_ALIGN (a multiple of every kernel's block size). */
#include "kernel_blocks.h"
/* A chunk is at least this many flops (claiming one costs a shared cache line) ... */
#define FFNN__CHUNK_FLOPS 1.0e5
/* ... and there are at most this many per member, so a late worker leaves little for the others to wait on. */
#define FFNN__CHUNKS_PER_MEMBER 4

/* Chunks to cut `len` outputs (multiples of `align`) costing `flops` in all into; 1 means do not split. */
static inline int FN(chunks)(const ffnn__team *team, int64_t len, int64_t align, double flops)
{
    const int size = ffnn__team_size(team);
    if (size <= 1 || flops < FFNN__SPLIT_FLOPS) return 1;
    double c = (double)((len + align - 1) / align);
    if (c > (double)size * FFNN__CHUNKS_PER_MEMBER) c = (double)size * FFNN__CHUNKS_PER_MEMBER;
    if (c > flops / FFNN__CHUNK_FLOPS) c = flops / FFNN__CHUNK_FLOPS;
    return c < 1 ? 1 : (int)c;
}

typedef struct {
    const FN(ffnn__kernels) *k;
    real *out, *out2;
    const real *a, *b, *c;
    int64_t n, K, rows;
    int accumulate;
} FN(gemm_args);

static inline double FN(gemm_flops)(int64_t n, int64_t K, int64_t rows) { return 2.0 * (double)n * K * rows; }

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
    const int chunks = FN(chunks)(team, rows, FFNN__SPLIT_ALIGN, FN(gemm_flops)(n, n_in, rows));
    if (chunks <= 1) {
        k->nt(z, in, W, b, n, n_in, rows, 0, rows);
        return;
    }
    FN(gemm_args) g = {k, z, NULL, in, W, b, n, n_in, rows, 0};
    ffnn__team_run(team, FN(nt_task), &g, chunks);
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
    const int chunks = FN(chunks)(team, rows, FFNN__SPLIT_ALIGN, FN(gemm_flops)(n, n_in, rows));
    if (chunks <= 1) {
        k->tn(dW, db, dz, in, n, n_in, rows, 0, rows, accumulate);
        return;
    }
    FN(gemm_args) g = {k, dW, db, dz, in, NULL, n, n_in, rows, accumulate};
    ffnn__team_run(team, FN(tn_task), &g, chunks);
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
    const int chunks = FN(chunks)(team, n_in, FFNN__SPLIT_ALIGN, FN(gemm_flops)(n, n_in, rows));
    if (chunks <= 1) {
        k->nn(din, dz, W, n, n_in, rows, 0, n_in);
        return;
    }
    FN(gemm_args) g = {k, din, NULL, dz, W, NULL, n, n_in, rows, 0};
    ffnn__team_run(team, FN(nn_task), &g, chunks);
}

typedef struct {
    void (*adam)(real *p, const real *g, real *m, real *v, int64_t n, real lr, real b1, real b2, real eps, real c1,
                 real c2);
    real *p, *m, *v;
    const real *g;
    int64_t n;
    real lr, b1, b2, eps, c1, c2;
} FN(adam_args);

static void FN(adam_task)(void *p, int id, int size)
{
    const FN(adam_args) *a = p;
    int64_t lo, hi;
    ffnn__split(a->n, id, size, 64, &lo, &hi); /* whole cache lines per chunk */
    if (lo < hi)
        a->adam(a->p + lo, a->g + lo, a->m + lo, a->v + lo, hi - lo, a->lr, a->b1, a->b2, a->eps, a->c1, a->c2);
}

/* The Adam update of n parameters (tmpl_gemm.h's adam), split over the pool when it is worth it: each element is
 * updated on its own, so any cut gives the same bits. */
static void FN(adam_update)(real *p, const real *g, real *m, real *v, int64_t n, real lr, real b1, real b2, real eps,
                            real c1, real c2, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    const int chunks = FN(chunks)(team, n, 64, 20.0 * (double)n); /* ~20 flops-worth per parameter (sqrt, div) */
    if (chunks <= 1) {
        k->adam(p, g, m, v, n, lr, b1, b2, eps, c1, c2);
        return;
    }
    FN(adam_args) a = {k->adam, p, m, v, g, n, lr, b1, b2, eps, c1, c2};
    ffnn__team_run(team, FN(adam_task), &a, chunks);
}
