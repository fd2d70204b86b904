/* Internal: the dispatched matrix kernels, the worker pool and the floating-point environment.
 * Not part of the public API. */
#ifndef FFNN_KERNELS_H
#define FFNN_KERNELS_H
#include <stdint.h>
#include "ffnn.h"

#define FFNN__DECLARE_KERNELS(T, real)                                                                              \
    typedef struct {                                                                                                \
        void (*nt)(real *z, const real *in, const real *W, const real *b, int64_t n, int64_t K, int64_t rows,       \
                   int64_t j0, int64_t j1);                                                                         \
        void (*tn)(real *dW, real *db, const real *dz, const real *in, int64_t n, int64_t K, int64_t rows,          \
                   int64_t j0, int64_t j1, int accumulate);                                                         \
        void (*nn)(real *din, const real *dz, const real *W, int64_t n, int64_t K, int64_t rows, int64_t c0,        \
                   int64_t c1);                                                                                     \
        /* tiny-network minibatch pass (tmpl_tiny.h): [0] for width 8, [1] for width 16 */                          \
        void (*tiny[2])(const ffnn_layer *layers, int32_t n_layers, const real *params, real *grads,                \
                        const real *X, const real *Y, const real *w, int64_t n, real scale, int fused,              \
                        real *z_out, real *a_out);                                                                  \
        void (*adam)(real *p, const real *g, real *m, real *v, int64_t n, real lr, real b1, real b2, real eps,      \
                     real c1, real c2);                                                                             \
    } ffnn__kernels_##T;                                                                                            \
    const ffnn__kernels_##T *ffnn__kernels_get_##T(void);

FFNN__DECLARE_KERNELS(f32, float)
FFNN__DECLARE_KERNELS(f64, double)

/* Tiny networks get the fused whole-network pass of tmpl_tiny.h: at most this many layers, each at most 16 wide. */
#define FFNN__TINY_LAYERS 4
/* 0 if the network or loss does not fit the tiny pass, else 1 + the index into `tiny` (1: width 8, 2: width 16);
 * *fused = 1 when the output delta is a - y. */
int ffnn__tiny_kind(const ffnn_layer *layers, int32_t n_layers, int32_t loss, int *fused);

/* The best level this CPU runs (FFNN_SIMD_*). */
int ffnn__cpu_simd_level(void);

/* The worker pool (ffnn_parallel.c).  A public call that is worth splitting takes the pool for its duration
 * (ffnn__team_for / ffnn__team_acquire; NULL: run alone, because the work is small, one thread is asked for, the
 * pool is in use by another call or no thread could be started) and gives it back with ffnn__team_release.
 * ffnn__team_run(team, fn, ctx, n_chunks) runs fn(ctx, chunk, n_chunks) for every chunk in [0, n_chunks), the
 * chunks shared out among the members as they come free, and returns when all are done; without a team it runs
 * fn(ctx, 0, 1).  A task must give the same bits however its range is cut (tasks split outputs, never a reduction). */
#define FFNN__MAX_THREADS 64
/* Products below this many flops run on the calling thread (a hand-off to a spinning worker costs ~1 µs). */
#define FFNN__SPLIT_FLOPS 2.0e6
/* A call below this many flops in all does not wake sleeping workers (a wake-up costs a system call and tens of
 * microseconds before the worker joins in); workers still spinning from a previous call do help it. */
#define FFNN__WAKE_FLOPS 2.0e7
typedef void (*ffnn__task)(void *ctx, int chunk, int n_chunks);
typedef struct ffnn__team ffnn__team;
ffnn__team *ffnn__team_acquire(int want, int wake);
/* The pool with ffnn_get_threads() members for a call whose biggest step costs step_flops and the whole call
 * call_flops; NULL when it is not worth it or not available. */
ffnn__team *ffnn__team_for(double step_flops, double call_flops);
void ffnn__team_release(ffnn__team *team);
int ffnn__team_size(const ffnn__team *team);
void ffnn__team_run(ffnn__team *team, ffnn__task fn, void *ctx, int n_chunks);

/* Element-wise double math at the current SIMD level (ffnn_vmath.c): y = f(x) for fn an ffnn_math_fn, or
 * FFNN_MATH_SIGMOID_MUL: y *= sigmoid(x) (softplus' backward).  y may be x. */
#define FFNN_MATH_SIGMOID_MUL 100
void ffnn__vmath_f64(int32_t fn, double *y, const double *x, int64_t n);

/* Flush denormals to zero (FTZ/DAZ) for the duration of a call; restores the caller's MXCSR. */
unsigned ffnn__fp_enter(void);
void ffnn__fp_leave(unsigned saved);

/* [lo, hi) of part `id` of `size` over [0, n), boundaries aligned to `align`. */
static inline void ffnn__split(int64_t n, int id, int size, int64_t align, int64_t *lo, int64_t *hi)
{
    int64_t blocks = (n + align - 1) / align;
    int64_t b0 = blocks * id / size, b1 = blocks * (id + 1) / size;
    *lo = b0 * align < n ? b0 * align : n;
    *hi = b1 * align < n ? b1 * align : n;
}

#endif
