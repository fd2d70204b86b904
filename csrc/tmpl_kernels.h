/* Dense-layer products and the element-wise updates of the flat parameter buffer, written once over `real` and FN()
 * (see ffnn_f32.c / ffnn_f64.c): they pick the kernel set for the current SIMD level (ffnn_kernels.c) and, when the
 * call holds the worker pool and the work is big enough (FFNN__SPLIT_FLOPS), cut its OUTPUT into chunks for the
 * pool, never a reduction, so the result is the same bits for any thread count and any cut:
 *   forward        outputs j (W's rows), or samples when the layer is too narrow to give every member rows;
 *                  an element-wise activation is applied in the same chunk, on the values it just computed
 *   weight grad.   rows of dW (W's rows), or its columns for a narrow layer
 *   input grad.    columns (W's columns), and the layer below's element-wise activation backward on them, so
 *                  its weight gradient (cut by those same rows) finds its dL/dz where it was computed
 *   optimizers     the flat buffer cut along the same rows of W and b as the forward and weight-gradient chunks
 *                  (FN(params_run)), so each member updates the weights it reads and the gradients it wrote
 *                  instead of pulling them from the other core's cache every step
 * Shapes: in [n x n_in], W [rows x n_in] row-major, b [rows], z / dz [n x rows]. */

/* Split boundaries are multiples of FFNN__SPLIT_ALIGN (a multiple of every kernel's block size). */
#include "kernel_blocks.h"
/* A chunk is at least this many flops (claiming one costs a shared cache line) ... */
#define FFNN__CHUNK_FLOPS 1.0e5
/* ... and there are at most this many per member, so a late worker leaves little for the others to wait on. */
#define FFNN__CHUNKS_PER_MEMBER 4
/* Sample splits of the forward pass are multiples of this (a sample's outputs never depend on its batch). */
#define FFNN__SAMPLE_ALIGN 8

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

/* The biggest member's share of `len` outputs cut in blocks of `align` among `size` members (1: one does all). */
static inline double FN(largest_share)(int64_t len, int64_t align, int size)
{
    const int64_t blocks = (len + align - 1) / align, most = (blocks + size - 1) / size * align;
    return (double)(most < len ? most : len) / (double)len;
}

/* Cut a product along its second choice of dimension (samples, columns) instead of W's rows?  Only when that
 * gives the biggest member clearly less (a narrow layer): rows keep each member on its own weights. */
static inline int FN(other_cut)(int64_t rows, int64_t len, int64_t align, int size)
{
    return size > 1 && 1.25 * FN(largest_share)(len, align, size) < FN(largest_share)(rows, FFNN__SPLIT_ALIGN, size);
}

/* Element-wise activation of the block z[i0:i1, j0:j1] of a [n x K] matrix into a, and its backward in place
 * (d = dL/da becomes dL/dz) (tmpl_activations.h). */
static void FN(activation_block)(real *a, const real *z, int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t K,
                                 int32_t act);
static void FN(activation_backward_block)(real *d, const real *z, const real *a, int64_t n, int64_t j0, int64_t j1,
                                          int64_t K, int32_t act);
static inline int FN(is_elementwise)(int32_t act) { return act != FFNN_SOFTMAX && act != FFNN_MAXOUT; }

typedef struct {
    const FN(ffnn__kernels) *k;
    real *out, *out2;
    const real *a, *b, *c;
    int64_t n, K, rows;
    int accumulate;
    real *act_out;    /* forward: a = f(z) in the same chunk when f is element-wise (NULL: not fused) */
    int32_t act;
    int by_samples;   /* chunks are samples (forward) or columns (weight gradient), not rows */
    const real *zl, *al; /* input gradient: z and a of the layer below, for its element-wise activation's backward */
} FN(gemm_args);

static inline double FN(gemm_flops)(int64_t n, int64_t K, int64_t rows) { return 2.0 * (double)n * K * rows; }

static void FN(nt_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    if (g->by_samples) {
        ffnn__split(g->n, id, size, FFNN__SAMPLE_ALIGN, &lo, &hi);
        if (lo >= hi) return;
        g->k->nt(g->out + lo * g->rows, g->a + lo * g->K, g->b, g->c, hi - lo, g->K, g->rows, 0, g->rows);
        if (g->act_out) FN(activation_block)(g->act_out, g->out, lo, hi, 0, g->rows, g->rows, g->act);
        return;
    }
    ffnn__split(g->rows, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo >= hi) return;
    g->k->nt(g->out, g->a, g->b, g->c, g->n, g->K, g->rows, lo, hi);
    if (g->act_out) FN(activation_block)(g->act_out, g->out, 0, g->n, lo, hi, g->rows, g->act);
}

/* z = in W^T + b, and a = f(z) when a != NULL and f (act) is element-wise (returns 1; 0: a is not computed).
 * Split by outputs, or by samples when that gives the members more equal shares (a narrow output layer). */
static int FN(dense_forward)(real *z, real *a, int32_t act, const real *in, const real *W, const real *b, int64_t n,
                             int64_t n_in, int64_t rows, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    const double flops = FN(gemm_flops)(n, n_in, rows);
    const int by_samples = FN(other_cut)(rows, n, FFNN__SAMPLE_ALIGN, ffnn__team_size(team));
    const int chunks = by_samples ? FN(chunks)(team, n, FFNN__SAMPLE_ALIGN, flops)
                                  : FN(chunks)(team, rows, FFNN__SPLIT_ALIGN, flops);
    const int fused = a && FN(is_elementwise)(act);
    if (chunks <= 1) {
        k->nt(z, in, W, b, n, n_in, rows, 0, rows);
        if (fused) FN(activation_block)(a, z, 0, n, 0, rows, rows, act);
        return fused;
    }
    FN(gemm_args) g = {.k = k, .out = z, .a = in, .b = W, .c = b, .n = n, .K = n_in, .rows = rows,
                       .act_out = fused ? a : NULL, .act = act, .by_samples = by_samples};
    ffnn__team_run(team, FN(nt_task), &g, chunks);
    return fused;
}

static void FN(tn_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    if (g->by_samples) { /* here: by columns of dW */
        ffnn__split(g->K, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
        if (lo < hi) g->k->tn(g->out, g->out2, g->a, g->b, g->n, g->K, g->rows, 0, g->rows, lo, hi, g->accumulate);
        return;
    }
    ffnn__split(g->rows, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo < hi) g->k->tn(g->out, g->out2, g->a, g->b, g->n, g->K, g->rows, lo, hi, 0, g->K, g->accumulate);
}

/* ---- element-wise updates of the flat parameter buffer (the optimizers, tmpl_optim.h) ---- */
typedef void (*FN(range_fn))(void *ctx, int64_t lo, int64_t hi);

/* An update fn(ctx, lo, hi) of the parameters [lo, hi), every element on its own; cost: flops-worth per parameter. */
typedef struct {
    FN(range_fn) fn;
    void *ctx;
    double cost;
} FN(update);

typedef struct {
    const ffnn_layer *layers; /* the layers whose parameters to update (consecutive ones: one range of the buffer) */
    int32_t n_layers;
    const FN(update) *u;
} FN(params_args);

static int64_t FN(params_lo)(const FN(params_args) *a) { return a->layers[0].w_offset; }
static int64_t FN(params_hi)(const FN(params_args) *a)
{
    const ffnn_layer *last = &a->layers[a->n_layers - 1];
    return last->b_offset + ffnn__rows(last);
}

/* Chunk `id` of `size`: in each layer the rows of W and b that chunk `id` of its products covers; a layer with
 * fewer row blocks than chunks (the pool's split of its products does not follow rows) is cut by elements. */
static void FN(params_chunk)(const FN(params_args) *a, int id, int size)
{
    for (int32_t l = 0; l < a->n_layers; l++) {
        const ffnn_layer *ly = &a->layers[l];
        const int64_t rows = ffnn__rows(ly), K = ly->n_in;
        int64_t lo, hi;
        if ((rows + FFNN__SPLIT_ALIGN - 1) / FFNN__SPLIT_ALIGN >= size) {
            ffnn__split(rows, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
            if (lo < hi) {
                a->u->fn(a->u->ctx, ly->w_offset + lo * K, ly->w_offset + hi * K);
                a->u->fn(a->u->ctx, ly->b_offset + lo, ly->b_offset + hi);
            }
        } else {
            ffnn__split(rows * K + rows, id, size, 64, &lo, &hi); /* W and b are adjacent */
            if (lo < hi) a->u->fn(a->u->ctx, ly->w_offset + lo, ly->w_offset + hi);
        }
    }
}

static void FN(params_task)(void *p, int id, int size) { FN(params_chunk)(p, id, size); }

/* The update of the parameters of the consecutive layers [0, n_layers) of `layers` (all of the network's, or a
 * few), split over the pool when it is worth it. */
static void FN(params_run)(ffnn__team *team, const ffnn_layer *layers, int32_t n_layers, const FN(update) *u)
{
    const FN(params_args) a = {layers, n_layers, u};
    const int64_t lo = FN(params_lo)(&a), hi = FN(params_hi)(&a);
    const int chunks = FN(chunks)(team, hi - lo, 64, u->cost * (double)(hi - lo));
    if (chunks <= 1) {
        u->fn(u->ctx, lo, hi);
        return;
    }
    ffnn__team_run(team, FN(params_task), (void *)&a, chunks);
}

static void FN(nn_task)(void *p, int id, int size)
{
    const FN(gemm_args) *g = p;
    int64_t lo, hi;
    ffnn__split(g->K, id, size, FFNN__SPLIT_ALIGN, &lo, &hi);
    if (lo >= hi) return;
    g->k->nn(g->out, g->a, g->b, g->n, g->K, g->rows, lo, hi);
    if (g->zl) FN(activation_backward_block)(g->out, g->zl, g->al, g->n, lo, hi, g->K, g->act);
}

typedef struct {
    FN(gemm_args) dw, dx;
    int has_dx;
    FN(params_args) upd; /* upd.u != NULL: also update these layers' parameters */
} FN(backward_args);

/* chunk `id` of both products (its rows or columns of dW, its columns of din) and of the update, one hand-off */
static void FN(backward_task)(void *p, int id, int size)
{
    FN(backward_args) *b = p;
    FN(tn_task)(&b->dw, id, size);
    if (b->has_dx) FN(nn_task)(&b->dx, id, size);
    if (b->upd.u) FN(params_chunk)(&b->upd, id, size);
}

/* One layer's backward products from dz [n x rows]:
 *   dW (+)= dz^T in, db (+)= column sums of dz  (accumulate = 0 overwrites (a training step), 1 adds);
 *   din = dz W when din != NULL, then, when act (the layer below's activation) is element-wise and zl != NULL,
 *   din *= its derivative, so din is dL/dz of the layer below: returns 1 if it did.
 * dW is split by rows, or by columns when the layer is too narrow to give every member rows; din by columns.
 * upd.u != NULL: then the update of upd's layers (ones nothing reads any more in this step; dw_layer is this
 * layer's row of the table), in the same chunks when the products are split, else by params_run. */
static int FN(dense_backward)(real *dW, real *db, real *din, const real *dz, const real *in, const real *W,
                              int64_t n, int64_t n_in, int64_t rows, int accumulate, int32_t act, const real *zl,
                              const real *al, const ffnn_layer *dw_layer, FN(params_args) upd, ffnn__team *team)
{
    const FN(ffnn__kernels) *k = FN(ffnn__kernels_get)();
    const double flops = FN(gemm_flops)(n, n_in, rows) * (din ? 2 : 1);
    const int by_columns = FN(other_cut)(rows, n_in, FFNN__SPLIT_ALIGN, ffnn__team_size(team));
    const int64_t len = by_columns || (din && n_in > rows) ? n_in : rows;
    const int chunks = FN(chunks)(team, len, FFNN__SPLIT_ALIGN, flops);
    const int fused = din && zl && FN(is_elementwise)(act);
    /* a chunk may update rows of this layer itself only if it computed their whole gradient: dW cut by rows, into
     * the very ranges params_chunk takes (at least one row block per chunk); else the update comes after */
    const int own = upd.u && upd.layers <= dw_layer;
    const int upd_after = upd.u && (chunks <= 1 || (own && (by_columns || (rows + FFNN__SPLIT_ALIGN - 1) /
                                                                               FFNN__SPLIT_ALIGN < chunks)));
    if (chunks <= 1) {
        k->tn(dW, db, dz, in, n, n_in, rows, 0, rows, 0, n_in, accumulate);
        if (din) k->nn(din, dz, W, n, n_in, rows, 0, n_in);
        if (fused) FN(activation_backward_block)(din, zl, al, n, 0, n_in, n_in, act);
    }
    FN(backward_args) b = {
        .dw = {.k = k, .out = dW, .out2 = db, .a = dz, .b = in, .n = n, .K = n_in, .rows = rows,
               .accumulate = accumulate, .by_samples = by_columns},
        .dx = {.k = k, .out = din, .a = dz, .b = W, .n = n, .K = n_in, .rows = rows, .act = act,
               .zl = fused ? zl : NULL, .al = al},
        .has_dx = din != NULL,
        .upd = upd_after ? (FN(params_args)){NULL, 0, NULL} : upd};
    if (chunks > 1) ffnn__team_run(team, FN(backward_task), &b, chunks);
    if (upd_after) FN(params_run)(team, upd.layers, upd.n_layers, upd.u);
    return fused;
}

