/* The worker pool under several calling threads (compiled plain and under ThreadSanitizer by tests/test_threads.py).
 *
 * Each of N_CALLERS threads trains its own mid-size network (64-256relu-256relu-10softmax, Adam, batch 32, and a
 * float64 copy) with the thread count at 2, all at once, several times over, so the pool is taken and given back
 * while others want it; the parameters must equal a sequential one-thread run bit for bit. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ffnn.h"

#define N_CALLERS 3
#define N_SAMPLES 256
#define BATCH 32
#define N_IN 64
#define N_OUT 10

typedef struct {
    int seed;
    int dtype64;
    double *params;  /* result, as double */
    int64_t n_params;
    int status;
} job;

/* dropout on the hidden layers: its masks must not depend on the thread count either */
static ffnn_layer g_layers[3] = {{N_IN, 256, FFNN_RELU, 1, 0, 0, 0.2}, {256, 256, FFNN_RELU, 1, 0, 0, 0.1},
                                 {256, N_OUT, FFNN_SOFTMAX, 1, 0, 0, 0}};

#define TRAIN(T, SUFFIX)                                                                                          \
    static int train_##SUFFIX(const job *jb, double *out)                                                         \
    {                                                                                                             \
        int64_t n_params, n_real, n_int;                                                                          \
        ffnn_layer layers[3];                                                                                     \
        memcpy(layers, g_layers, sizeof layers);                                                                  \
        int st = ffnn_layout(layers, 3, &n_params);                                                               \
        if (st) return st;                                                                                        \
        if ((st = ffnn_workspace_size(layers, 3, BATCH, &n_real, &n_int))) return st;                             \
        T *p = calloc((size_t)n_params, sizeof(T)), *g = calloc((size_t)n_params, sizeof(T));                     \
        T *state = calloc((size_t)(2 * n_params), sizeof(T)), *work = calloc((size_t)n_real, sizeof(T));          \
        T *X = malloc(sizeof(T) * N_SAMPLES * N_IN), *Y = calloc(N_SAMPLES * N_OUT, sizeof(T));                   \
        int32_t *iwork = calloc((size_t)(n_int > 0 ? n_int : 1), sizeof(int32_t));                                \
        int64_t order[N_SAMPLES];                                                                                 \
        uint64_t rng[4];                                                                                          \
        ffnn_rng_seed(rng, (uint64_t)jb->seed);                                                                   \
        st = ffnn_init_##SUFFIX(layers, 3, p, rng);                                                               \
        unsigned s = (unsigned)jb->seed * 2654435761u + 1;                                                        \
        for (int i = 0; i < N_SAMPLES * N_IN; i++) {                                                              \
            s = s * 1103515245u + 12345u;                                                                         \
            X[i] = (T)((double)(s >> 8) / 16777216.0 - 0.5);                                                      \
        }                                                                                                         \
        for (int i = 0; i < N_SAMPLES; i++) {                                                                     \
            Y[i * N_OUT + (i * 7 + jb->seed) % N_OUT] = 1;                                                        \
            order[i] = (i * 37 + jb->seed) % N_SAMPLES;                                                           \
        }                                                                                                         \
        ffnn_optimizer opt = {FFNN_OPT_ADAM, 1e-3, 0, 0.9, 0.999, 1e-8, 0, 0, 0, 0, 0, 0};                           \
        double loss, correct;                                                                                     \
        int64_t done;                                                                                             \
        for (int epoch = 0; epoch < 3 && !st; epoch++)                                                            \
            st = ffnn_train_##SUFFIX(layers, 3, p, g, X, Y, NULL, N_SAMPLES, order, N_SAMPLES, BATCH,             \
                                     FFNN_LOSS_CE, 0.0, 0.0, rng, &opt, state, work, iwork, &loss, &correct, &done);        \
        for (int64_t i = 0; i < n_params; i++) out[i] = (double)p[i];                                             \
        free(p); free(g); free(state); free(work); free(X); free(Y); free(iwork);                                 \
        return st;                                                                                                \
    }
TRAIN(float, f32)
TRAIN(double, f64)

static void *run(void *arg)
{
    job *jb = arg;
    for (int rep = 0; rep < 2 && !jb->status; rep++)
        jb->status = jb->dtype64 ? train_f64(jb, jb->params) : train_f32(jb, jb->params);
    return NULL;
}

int main(void)
{
    int64_t n_params;
    ffnn_layer layers[3];
    memcpy(layers, g_layers, sizeof layers);
    ffnn_layout(layers, 3, &n_params);
    job jobs[N_CALLERS], ref[N_CALLERS];
    for (int i = 0; i < N_CALLERS; i++) {
        jobs[i] = (job){i + 1, i % 2, calloc((size_t)n_params, sizeof(double)), n_params, 0};
        ref[i] = (job){i + 1, i % 2, calloc((size_t)n_params, sizeof(double)), n_params, 0};
    }
    int failed = 0;
    ffnn_set_threads(1);
    for (int i = 0; i < N_CALLERS; i++) run(&ref[i]);
    ffnn_set_threads(2);
    pthread_t th[N_CALLERS];
    for (int i = 0; i < N_CALLERS; i++)
        if (pthread_create(&th[i], NULL, run, &jobs[i])) run(&jobs[i]), th[i] = pthread_self();
    for (int i = 0; i < N_CALLERS; i++)
        if (!pthread_equal(th[i], pthread_self())) pthread_join(th[i], NULL);
    for (int i = 0; i < N_CALLERS; i++) {
        if (jobs[i].status || ref[i].status) {
            printf("caller %d: status %d / %d\n", i, jobs[i].status, ref[i].status);
            failed++;
        } else if (memcmp(jobs[i].params, ref[i].params, sizeof(double) * (size_t)n_params)) {
            printf("caller %d: parameters differ from the one-thread run\n", i);
            failed++;
        }
        free(jobs[i].params);
        free(ref[i].params);
    }
    printf("pool: %d callers, %d failed\n", N_CALLERS, failed);
    return failed != 0;
}
