/* Process-wide settings (thread count, SIMD level), the per-call thread team, and denormal flushing.
 *
 * Global state, and why: the two settings are process-wide configuration like OpenBLAS's thread count, read on
 * every call and written only by ffnn_set_threads / ffnn_set_simd; both are C11 atomics, so any thread may call
 * anything at any time.  No other mutable global exists: each threaded call starts its own team (in its own stack
 * frame) and joins it before returning, so concurrent calls from several Python threads never share workers. */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sched.h>
#include <unistd.h>
#endif
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#define FFNN_HAVE_MXCSR 1
#endif
#include "ffnn_kernels.h"

/* A minibatch step below this many flops runs on one thread: starting a team costs tens of microseconds. */
#define FFNN__PARALLEL_FLOPS 2.0e7

static _Atomic int g_threads = -1;   /* -1: not read from FFNN_NUM_THREADS yet; 0: automatic; n: exactly n */
static _Atomic int g_simd = -1;      /* -1: not initialised; else the FFNN_SIMD_* level in use */
static _Atomic int g_cpu_simd = -1;  /* cache of ffnn__cpu_simd_level() */
static _Atomic int g_online = 0;     /* cache of the number of online CPUs */

static int parse_int(const char *s, int *out)
{
    if (!s || !*s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > FFNN__MAX_THREADS) return 0;
    *out = (int)v;
    return 1;
}

int ffnn_set_threads(int32_t n)
{
    if (n < 0 || n > FFNN__MAX_THREADS) return FFNN_E_SIZE;
    atomic_store(&g_threads, n);
    return FFNN_OK;
}

static int online_cpus(void)
{
    int n = atomic_load(&g_online);
    if (n > 0) return n;
#ifndef _WIN32
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    n = c < 1 ? 1 : (c > FFNN__MAX_THREADS ? FFNN__MAX_THREADS : (int)c);
#else
    n = 1;
#endif
    atomic_store(&g_online, n);
    return n;
}

int32_t ffnn_get_threads(void)
{
    int t = atomic_load(&g_threads);
    if (t < 0) {
        int env = 0;
        t = parse_int(getenv("FFNN_NUM_THREADS"), &env) ? env : 0;
        int expected = -1;
        atomic_compare_exchange_strong(&g_threads, &expected, t);
        t = atomic_load(&g_threads);
    }
#ifdef _WIN32
    return 1;  /* the team is POSIX threads only */
#else
    return t == 0 ? online_cpus() : t;
#endif
}

static int cpu_simd(void)
{
    int c = atomic_load(&g_cpu_simd);
    if (c < 0) {
        c = ffnn__cpu_simd_level();
        atomic_store(&g_cpu_simd, c);
    }
    return c;
}

int ffnn_set_simd(int32_t level)
{
    if (level < -1 || level > FFNN_SIMD_AVX512) return FFNN_E_SIZE;
    const int cpu = cpu_simd();
    atomic_store(&g_simd, level < 0 || level > cpu ? cpu : level);
    return FFNN_OK;
}

int32_t ffnn_get_simd(void)
{
    int s = atomic_load(&g_simd);
    if (s >= 0) return s;
    const int cpu = cpu_simd();
    s = cpu;
    const char *env = getenv("FFNN_SIMD");  /* plain | avx2 | avx512: an upper bound, e.g. to test the C path */
    if (env) {
        if (!strcmp(env, "plain") || !strcmp(env, "0")) s = FFNN_SIMD_PLAIN;
        else if (!strcmp(env, "avx2") || !strcmp(env, "1")) s = cpu < FFNN_SIMD_AVX2 ? cpu : FFNN_SIMD_AVX2;
    }
    int expected = -1;
    atomic_compare_exchange_strong(&g_simd, &expected, s);
    return atomic_load(&g_simd);
}

const char *ffnn_simd_name(int32_t level)
{
    switch (level) {
    case FFNN_SIMD_PLAIN: return "plain C";
    case FFNN_SIMD_AVX2: return "AVX2+FMA";
    case FFNN_SIMD_AVX512: return "AVX-512";
    default: return "unknown";
    }
}

int ffnn__threads_for(double flops)
{
    if (flops < FFNN__PARALLEL_FLOPS) return 1;
    return ffnn_get_threads();
}

unsigned ffnn__fp_enter(void)
{
#ifdef FFNN_HAVE_MXCSR
    unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040u); /* FTZ (bit 15) | DAZ (bit 6) */
    return saved;
#else
    return 0;
#endif
}

void ffnn__fp_leave(unsigned saved)
{
#ifdef FFNN_HAVE_MXCSR
    _mm_setcsr(saved);
#else
    (void)saved;
#endif
}

/* ---- the team ---------------------------------------------------------------------------------------------- */

/* Spin briefly (a step is a few hundred microseconds at most), then yield the CPU to whoever needs it. */
static void backoff(int *spins)
{
    if (++*spins < 2000) {
#ifdef FFNN_HAVE_MXCSR
        _mm_pause();
#endif
    } else {
#ifndef _WIN32
        sched_yield();
#endif
    }
}

#ifndef _WIN32
static void *worker_main(void *p)
{
    ffnn__member *me = p;
    ffnn__team *team = me->team;
    ffnn__fp_enter(); /* this thread ends with the call: nothing to restore */
    unsigned seen = 0;
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&team->generation, memory_order_acquire)) == seen) backoff(&spins);
        seen = g;
        if (atomic_load_explicit(&team->quit, memory_order_acquire)) break;
        team->fn(team->ctx, me->id, team->size);
        atomic_fetch_add_explicit(&team->done, 1, memory_order_release);
    }
    return NULL;
}
#endif

void ffnn__team_begin(ffnn__team *team, int want)
{
    team->size = 1;
    atomic_init(&team->generation, 0u);
    atomic_init(&team->done, 0);
    atomic_init(&team->quit, 0);
    team->fn = NULL;
    team->ctx = NULL;
    if (want > FFNN__MAX_THREADS) want = FFNN__MAX_THREADS;
#ifndef _WIN32
    for (int i = 1; i < want; i++) {
        team->members[i].team = team;
        team->members[i].id = i;
        if (pthread_create(&team->threads[i], NULL, worker_main, &team->members[i]) != 0) break;
        team->size = i + 1; /* a refused thread just means a smaller team: results do not depend on the size */
    }
#endif
}

int ffnn__team_size(const ffnn__team *team) { return team ? team->size : 1; }

void ffnn__team_run(ffnn__team *team, ffnn__task fn, void *ctx)
{
    if (!team || team->size == 1) {
        fn(ctx, 0, 1);
        return;
    }
    team->fn = fn;
    team->ctx = ctx;
    atomic_store_explicit(&team->done, 0, memory_order_relaxed);
    atomic_fetch_add_explicit(&team->generation, 1u, memory_order_release);
    fn(ctx, 0, team->size);
    int spins = 0;
    while (atomic_load_explicit(&team->done, memory_order_acquire) < team->size - 1) backoff(&spins);
}

void ffnn__team_end(ffnn__team *team)
{
    if (!team || team->size == 1) return;
#ifndef _WIN32
    atomic_store_explicit(&team->quit, 1, memory_order_release);
    atomic_fetch_add_explicit(&team->generation, 1u, memory_order_release);
    for (int i = 1; i < team->size; i++) pthread_join(team->threads[i], NULL);
#endif
    team->size = 1;
}
