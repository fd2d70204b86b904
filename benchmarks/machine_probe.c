/* The machine's limits, for the benchmarks' floors and peak lines (benchmarks/machine.py compiles and runs this):
 *
 *   fma_gflops   float32 FMA peak of one core: independent FMA chains on the widest vectors the CPU runs
 *                (AVX-512, AVX2+FMA or SSE2 multiply-add), 2 flops per lane per FMA
 *   read_gbs     read bandwidth of one core from a buffer of `bytes` (e.g. one that fits the L2 cache): vector
 *                loads summed into several accumulators, best of the repeats
 *
 * Output: one line of JSON.  Usage: machine_probe [bytes ...]  (default 786432: the latency network's weights). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define CHAINS 12 /* independent accumulators: enough to cover FMA latency x ports on current cores */
/* a * b + c; built with -ffp-contract=fast this is one fused instruction where the target has FMA */
#define FMA(a, b, c) ((a) * (b) + (c))

#define DEFINE_PROBES(ISA, TARGET, VB)                                                                              \
    typedef float vec_##ISA __attribute__((vector_size(VB)));                                                       \
    __attribute__((target(TARGET), noinline)) static float fma_loop_##ISA(long iters, float seed)                   \
    {                                                                                                               \
        const vec_##ISA m = (vec_##ISA){0} + 0.999999f, a = (vec_##ISA){0} + 1e-7f;                                 \
        vec_##ISA c0 = (vec_##ISA){0} + seed, c1 = c0 + 1, c2 = c0 + 2, c3 = c0 + 3, c4 = c0 + 4, c5 = c0 + 5;       \
        vec_##ISA c6 = c0 + 6, c7 = c0 + 7, c8 = c0 + 8, c9 = c0 + 9, c10 = c0 + 10, c11 = c0 + 11;                  \
        for (long i = 0; i < iters; i++) {                                                                          \
            c0 = FMA(c0, m, a); c1 = FMA(c1, m, a); c2 = FMA(c2, m, a); c3 = FMA(c3, m, a);                         \
            c4 = FMA(c4, m, a); c5 = FMA(c5, m, a); c6 = FMA(c6, m, a); c7 = FMA(c7, m, a);                         \
            c8 = FMA(c8, m, a); c9 = FMA(c9, m, a); c10 = FMA(c10, m, a); c11 = FMA(c11, m, a);                     \
            __asm__ volatile("" : "+x"(c0), "+x"(c6));                                                              \
        }                                                                                                           \
        const vec_##ISA s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;                            \
        return s[0];                                                                                                \
    }                                                                                                               \
    __attribute__((target(TARGET), noinline)) static float read_loop_##ISA(const float *p, long n)                  \
    {                                                                                                               \
        const long L = VB / 4;                                                                                      \
        vec_##ISA a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0}, v;                 \
        for (long i = 0; i + 8 * L <= n; i += 8 * L) {                                                              \
            memcpy(&v, p + i, sizeof v); a0 += v;                                                                   \
            memcpy(&v, p + i + L, sizeof v); a1 += v;                                                               \
            memcpy(&v, p + i + 2 * L, sizeof v); a2 += v;                                                           \
            memcpy(&v, p + i + 3 * L, sizeof v); a3 += v;                                                           \
            memcpy(&v, p + i + 4 * L, sizeof v); a4 += v;                                                           \
            memcpy(&v, p + i + 5 * L, sizeof v); a5 += v;                                                           \
            memcpy(&v, p + i + 6 * L, sizeof v); a6 += v;                                                           \
            memcpy(&v, p + i + 7 * L, sizeof v); a7 += v;                                                           \
        }                                                                                                           \
        const vec_##ISA s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;                                                  \
        return s[0];                                                                                                \
    }

#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_PROBES(avx512, "avx512f", 64)
DEFINE_PROBES(avx2, "avx2,fma", 32)
#endif
DEFINE_PROBES(base, "default", 16)

typedef float (*fma_fn)(long, float);
typedef float (*read_fn)(const float *, long);

int main(int argc, char **argv)
{
    fma_fn fma = fma_loop_base;
    read_fn rd = read_loop_base;
    int lanes = 4;
    const char *isa = "sse2";
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        fma = fma_loop_avx512, rd = read_loop_avx512, lanes = 16, isa = "avx512";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        fma = fma_loop_avx2, rd = read_loop_avx2, lanes = 8, isa = "avx2";
    }
#endif
    volatile float sink = 0;
    /* FMA peak: best of 7 runs of ~20 ms */
    long iters = 200000;
    double best = 0;
    for (int rep = 0; rep < 7; rep++) {
        const double t0 = now();
        sink += fma(iters, (float)rep);
        const double dt = now() - t0;
        const double gf = 2.0 * lanes * CHAINS * (double)iters / dt / 1e9;
        if (gf > best) best = gf;
    }
    printf("{\"isa\": \"%s\", \"fma_gflops\": %.2f, \"read_gbs\": {", isa, best);
    const int n_sizes = argc > 1 ? argc - 1 : 1;
    for (int k = 0; k < n_sizes; k++) {
        const long bytes = argc > 1 ? atol(argv[k + 1]) : 786432;
        const long n = bytes / 4 > 1024 ? bytes / 4 : 1024;
        float *buf = aligned_alloc(64, (size_t)n * 4 + 64);
        if (!buf) return 1;
        for (long i = 0; i < n; i++) buf[i] = (float)(i & 7);
        double bw = 0;
        const int reps = (int)(2e8 / (double)(n * 4)) + 3;
        for (int rep = 0; rep < reps; rep++) {
            const double t0 = now();
            sink += rd(buf, n);
            const double dt = now() - t0;
            const double gbs = (double)n * 4 / dt / 1e9;
            if (gbs > bw) bw = gbs;
        }
        printf("%s\"%ld\": %.2f", k ? ", " : "", n * 4, bw);
        free(buf);
    }
    printf("}}\n");
    (void)sink;
    return 0;
}
