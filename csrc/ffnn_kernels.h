/* Internal: the dispatched matrix kernels, the per-call thread team and the floating-point environment.
 * Not part of the public API. */
#ifndef FFNN_KERNELS_H
#define FFNN_KERNELS_H
#include <stdint.h>
#ifndef _WIN32
#include <pthread.h>
#endif
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

/* A team of threads that lives for one public call: ffnn__team_begin spawns up to want-1 workers (fewer if the
 * system refuses), ffnn__team_run makes every member run fn(ctx, id, size) and returns when all are done,
 * ffnn__team_end joins them.  A team is owned by one calling thread; concurrent calls each have their own. */
#define FFNN__MAX_THREADS 64
typedef void (*ffnn__task)(void *ctx, int id, int size);
typedef struct ffnn__team ffnn__team;
typedef struct { ffnn__team *team; int id; } ffnn__member;
struct ffnn__team {
    int size;                        /* members, the caller included */
    _Atomic unsigned generation;     /* bumped once per task; workers wait for it to change */
    _Atomic int done;                /* workers finished with the current task */
    _Atomic int quit;
    ffnn__task fn;
    void *ctx;
    ffnn__member members[FFNN__MAX_THREADS];
#ifndef _WIN32
    pthread_t threads[FFNN__MAX_THREADS];
#endif
};
/* Starts the team in caller-owned storage (no allocation). */
void ffnn__team_begin(ffnn__team *team, int want);
void ffnn__team_run(ffnn__team *team, ffnn__task fn, void *ctx);
int ffnn__team_size(const ffnn__team *team);
void ffnn__team_end(ffnn__team *team);

/* Threads for a call whose minibatch step costs `flops`: 1 below the threshold where threads pay off. */
int ffnn__threads_for(double flops);

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
