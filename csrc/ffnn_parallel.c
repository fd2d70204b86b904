/* Process-wide settings (thread count, SIMD level), the worker pool, and denormal flushing.
 *
 * Global state, and why: the two settings are process-wide configuration like OpenBLAS's thread count, read on
 * every call and written only by ffnn_set_threads / ffnn_set_simd; both are C11 atomics, so any thread may call
 * anything at any time.  The only other mutable global is the worker pool (below): one call owns it at a time,
 * taken and given back with an atomic exchange, so concurrent calls from several Python threads never share it
 * (the ones that find it taken run on their own thread, with the same bits). */
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

/* ---- the worker pool ----------------------------------------------------------------------------------------
 *
 * One process-wide pool of workers, started lazily by the first call that wants threads and kept for the next
 * calls (starting threads per call cost tens of microseconds, so only big calls used to split).  One call owns the
 * pool at a time; a call that finds it taken (another Python thread is training) runs on its own thread, with the
 * same results.  A task is cut into chunks that the members claim one by one from a shared ticket, so a worker that
 * is late (asleep, or its core busy with another process) never makes the caller wait: the caller takes the
 * remaining chunks itself and only waits for chunks already started.  Which thread computes a chunk never changes
 * its bits (see tmpl_kernels.h).
 *
 * Idle workers poll for FFNN__SPIN_NS (the gap between two products of a training step is microseconds), then
 * sleep on a condition variable; a call wakes sleepers only when it is big enough to pay for the wake-up
 * (ffnn__team_acquire's `wake`).  pthread_create failing just means fewer workers (none: the calling thread does
 * everything).  After fork() the child starts with an empty pool; at exit an idle pool is stopped and joined. */
#ifndef _WIN32
#include <pthread.h>
#include <signal.h>
#include <time.h>

#define FFNN__POLL_NS 20000
#define FFNN__SPIN_NS 200000

struct ffnn__team {
    _Atomic int owned;            /* 1 while a call uses the pool */
    _Atomic int size;             /* members in the owning call, the caller included */
    _Atomic uint64_t ticket;      /* generation | front | back of the current task's unclaimed chunks */
    _Atomic(ffnn__task) fn;       /* the current task, written before its generation is published */
    _Atomic(void *) ctx;
    _Atomic int n_chunks;
    _Atomic int done;             /* chunks of the current task finished */
    _Atomic int sleepers;         /* workers waiting on `wake` */
    _Atomic int quit;
    int wake;                     /* the owning call wakes sleeping workers for each task */
    int n_workers;                /* started (written only by the owner, the fork handler and the exit handler) */
    pthread_mutex_t lock;
    pthread_cond_t wake_cv;
    pthread_t threads[FFNN__MAX_THREADS];
};

static ffnn__team g_pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake_cv = PTHREAD_COND_INITIALIZER};
static pthread_once_t g_pool_once = PTHREAD_ONCE_INIT;

/* The ticket: generation (32 bits) | front (16) | back (16).  Chunks [front, back) are unclaimed: the caller takes
 * them from the front, workers from the back, so with two threads each keeps the same part of the outputs (and of
 * the weights, gradients and optimizer state behind them) in its own cache from one step to the next. */
#define FFNN__MAX_CHUNKS 0xffff
static uint32_t generation_of(uint64_t ticket) { return (uint32_t)(ticket >> 32); }
static uint64_t make_ticket(uint32_t gen, uint32_t front, uint32_t back)
{
    return (uint64_t)gen << 32 | (uint64_t)front << 16 | back;
}

static void cpu_relax(void)
{
#ifdef FFNN_HAVE_MXCSR
    _mm_pause();
#endif
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Claim and run chunks of generation `gen` (from the front or the back) until none is left. */
static void run_chunks(ffnn__team *p, uint32_t gen, int from_back)
{
    uint64_t t = atomic_load(&p->ticket);
    for (;;) {
        if (generation_of(t) != gen) return;
        /* read before the claim: a successful claim proves these belong to `gen` (the next task's are written
         * only after every chunk of this one is claimed and done) */
        const int n = atomic_load(&p->n_chunks);
        const ffnn__task fn = atomic_load(&p->fn);
        void *ctx = atomic_load(&p->ctx);
        const uint32_t front = (uint32_t)(t >> 16) & 0xffff, back = (uint32_t)t & 0xffff;
        if (front >= back) return;
        const uint32_t chunk = from_back ? back - 1 : front;
        const uint64_t next = from_back ? make_ticket(gen, front, back - 1) : make_ticket(gen, front + 1, back);
        if (!atomic_compare_exchange_weak(&p->ticket, &t, next)) continue; /* t reloaded */
        fn(ctx, (int)chunk, n);
        atomic_fetch_add(&p->done, 1);
        t = atomic_load(&p->ticket);
    }
}

/* Wait for a generation other than `seen`, 0 when the pool is stopping: poll (the gaps between the tasks of a
 * training step are microseconds), after FFNN__POLL_NS giving the core away between polls (on a machine with more
 * runnable threads than cores a worker spinning on the caller's core takes the very time the caller needs), and
 * after FFNN__SPIN_NS sleep on the condition variable. */
static int wait_for_task(ffnn__team *p, uint32_t seen, uint32_t *gen)
{
    const int64_t start = now_ns();
    int64_t waited = 0;
    for (unsigned polls = 1;; polls++) {
        if (atomic_load(&p->quit)) return 0;
        const uint32_t g = generation_of(atomic_load(&p->ticket));
        if (g != seen) { *gen = g; return 1; }
        cpu_relax();
        if (polls % 64) continue;
        waited = now_ns() - start;
        if (waited > FFNN__SPIN_NS) break;
        if (waited > FFNN__POLL_NS) sched_yield();
    }
    pthread_mutex_lock(&p->lock);
    atomic_fetch_add(&p->sleepers, 1); /* then re-check: a publisher either sees us asleep or we see its task */
    uint32_t g;
    while ((g = generation_of(atomic_load(&p->ticket))) == seen && !atomic_load(&p->quit))
        pthread_cond_wait(&p->wake_cv, &p->lock);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->lock);
    *gen = g;
    return !atomic_load(&p->quit);
}

static void *worker_main(void *arg)
{
    const int id = (int)(intptr_t)arg;
    ffnn__team *p = &g_pool;
    ffnn__fp_enter(); /* flush denormals like every call does; this thread runs only core code */
    uint32_t seen = generation_of(atomic_load(&p->ticket)), gen;
    while (wait_for_task(p, seen, &gen)) {
        seen = gen;
        if (id < atomic_load(&p->size)) run_chunks(p, gen, 1);
    }
    return NULL;
}

static void pool_after_fork(void)
{
    /* the child has only the forking thread: forget the parent's workers */
    g_pool.n_workers = 0;
    atomic_store(&g_pool.owned, 0);
    atomic_store(&g_pool.sleepers, 0);
    pthread_mutex_init(&g_pool.lock, NULL);
    pthread_cond_init(&g_pool.wake_cv, NULL);
}

static void pool_at_exit(void)
{
    ffnn__team *p = &g_pool;
    if (atomic_exchange(&p->owned, 1)) return; /* a call is running in another thread: leave the workers be */
    atomic_store(&p->quit, 1);
    pthread_mutex_lock(&p->lock);
    pthread_cond_broadcast(&p->wake_cv);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_workers; i++) pthread_join(p->threads[i], NULL);
    p->n_workers = 0; /* `owned` stays set: nothing uses the pool after this */
}

static void pool_register(void)
{
    pthread_atfork(NULL, NULL, pool_after_fork);
    atexit(pool_at_exit);
}

ffnn__team *ffnn__team_acquire(int want, int wake)
{
    if (want <= 1) return NULL;
    if (want > FFNN__MAX_THREADS) want = FFNN__MAX_THREADS;
    ffnn__team *p = &g_pool;
    if (atomic_exchange(&p->owned, 1)) return NULL; /* in use by another call: this one runs alone */
    if (atomic_load(&p->quit)) return NULL;         /* exiting (owned stays set) */
    pthread_once(&g_pool_once, pool_register);
    if (p->n_workers < want - 1) {
        sigset_t all, old; /* workers take no signals: they stay with the application's threads */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        while (p->n_workers < want - 1 &&
               pthread_create(&p->threads[p->n_workers], NULL, worker_main, (void *)(intptr_t)(p->n_workers + 1)) == 0)
            p->n_workers++;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        wake = 1; /* new workers start spinning anyway */
    }
    if (p->n_workers == 0) {
        atomic_store(&p->owned, 0);
        return NULL;
    }
    atomic_store(&p->size, want < p->n_workers + 1 ? want : p->n_workers + 1);
    p->wake = wake;
    if (wake && atomic_load(&p->sleepers) > 0) {
        /* the workers' wait loop re-checks the ticket, so bump it to an empty task to get them going */
        atomic_store(&p->n_chunks, 0);
        atomic_store(&p->ticket, make_ticket(generation_of(atomic_load(&p->ticket)) + 1u, 0, 0));
        pthread_mutex_lock(&p->lock);
        pthread_cond_broadcast(&p->wake_cv);
        pthread_mutex_unlock(&p->lock);
    }
    return p;
}

ffnn__team *ffnn__team_for(double step_flops, double call_flops)
{
    if (step_flops < FFNN__SPLIT_FLOPS) return NULL; /* nothing in it is worth splitting */
    return ffnn__team_acquire(ffnn_get_threads(), call_flops >= FFNN__WAKE_FLOPS);
}

void ffnn__team_release(ffnn__team *team)
{
    if (team) atomic_store(&team->owned, 0);
}

int ffnn__team_size(const ffnn__team *team) { return team ? atomic_load(&((ffnn__team *)team)->size) : 1; }

void ffnn__team_run(ffnn__team *team, ffnn__task fn, void *ctx, int n_chunks)
{
    if (!team || n_chunks <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    if (n_chunks > FFNN__MAX_CHUNKS) n_chunks = FFNN__MAX_CHUNKS;
    atomic_store(&team->fn, fn);
    atomic_store(&team->ctx, ctx);
    atomic_store(&team->n_chunks, n_chunks);
    atomic_store(&team->done, 0);
    const uint32_t gen = generation_of(atomic_load(&team->ticket)) + 1u;
    atomic_store(&team->ticket, make_ticket(gen, 0, (uint32_t)n_chunks));
    if (team->wake && atomic_load(&team->sleepers) > 0) {
        pthread_mutex_lock(&team->lock);
        pthread_cond_broadcast(&team->wake_cv);
        pthread_mutex_unlock(&team->lock);
    }
    run_chunks(team, gen, 0);
    for (unsigned polls = 1; atomic_load(&team->done) < n_chunks; polls++) { /* only chunks a worker started */
        if (polls % 16) cpu_relax();
        else sched_yield(); /* let that worker run if it shares our core */
    }
}
#else
ffnn__team *ffnn__team_acquire(int want, int wake) { (void)want; (void)wake; return NULL; }
ffnn__team *ffnn__team_for(double step_flops, double call_flops)
{
    if (step_flops < FFNN__SPLIT_FLOPS) return NULL; /* nothing in it is worth splitting */
    return ffnn__team_acquire(ffnn_get_threads(), call_flops >= FFNN__WAKE_FLOPS);
}

void ffnn__team_release(ffnn__team *team) { (void)team; }
int ffnn__team_size(const ffnn__team *team) { (void)team; return 1; }
void ffnn__team_run(ffnn__team *team, ffnn__task fn, void *ctx, int n_chunks)
{
    (void)team; (void)n_chunks;
    fn(ctx, 0, 1);
}
#endif
