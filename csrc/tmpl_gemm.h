/* Register-blocked matrix kernels for dense layers, written once over
 *   real  (float / double),  VB (vector bytes: 64 AVX-512, 32 AVX2, 16 plain SSE2/NEON-width C),  LANES (VB over
 *   the size of real),  IREAL (the integer type of that size)  and  GN(name).
 * ffnn_kernels.c includes this file once per (type, instruction set) with that set enabled for the functions (GCC's
 * `#pragma GCC target`, clang's `#pragma clang attribute`), so the same source becomes the AVX-512, the AVX2+FMA
 * and the plain-C kernels; the block sizes (NT_MI, NT_MJ, TN_MJ, NN_MI, NT_G, NT_IC, TN_IC) come from
 * kernel_blocks.h.  GCC vector extensions (which clang has too), no intrinsics.
 *
 * Bitwise reproducibility: every output element is computed by the same sequence of operations whatever block,
 * edge or thread range it falls in (the reduction order depends only on the reduction length), so splitting the
 * output rows or columns over threads never changes a bit, and a sample's forward result does not depend on the
 * batch it is in (nt_block's batched lane sums, hsum_many, add the same lane pairs as nt_one's hsum; nt_row, the
 * one-sample GEMV, is nt_one for several outputs at once).
 *
 * Shapes (row-major): in [n x K], W [rows x K], b [rows], z / dz [n x rows], dW [rows x K], din [n x K].
 *   nt:  z[i][j]    = b[j] + sum_k in[i][k] W[j][k]        for j in [j0, j1)      (forward)
 *   tn:  dW[j][c] (+)= sum_i dz[i][j] in[i][c], db[j] (+)= sum_i dz[i][j]  for j in [j0, j1)  (weight gradient)
 *   nn:  din[i][c]  = sum_j dz[i][j] W[j][c]               for c in [c0, c1)      (input gradient)
 */
#define VL ((int64_t)LANES)
#if (NT_MI * NT_MJ) % LANES
#error "nt_block's lane sums need NT_MI * NT_MJ to be a multiple of LANES"
#endif
typedef real GN(vec) __attribute__((vector_size(VB)));
typedef IREAL GN(ivec) __attribute__((vector_size(VB)));  /* lane indices for shuffles */

static inline GN(vec) GN(load)(const real *p) { GN(vec) v; memcpy(&v, p, sizeof v); return v; }
static inline void GN(store)(real *p, GN(vec) v) { memcpy(p, &v, sizeof v); }
/* Lane shuffles, picking lanes of the concatenation a:b by constant indices: GCC's __builtin_shuffle takes them as
 * a mask vector, clang's __builtin_shufflevector as arguments (GCC has that one only from version 12 on). */
#if defined(__clang__)
#define FFNN__SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define FFNN__SHUFFLE(a, b, ...) __builtin_shuffle(a, b, (GN(ivec)){__VA_ARGS__})
#endif
#if LANES == 16
#define FFNN__LANE0 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#elif LANES == 8
#define FFNN__LANE0 0, 0, 0, 0, 0, 0, 0, 0
#elif LANES == 4
#define FFNN__LANE0 0, 0, 0, 0
#else
#define FFNN__LANE0 0, 0
#endif

static inline GN(vec) GN(splat)(real x)
{
    GN(vec) v = {x};
    return FFNN__SHUFFLE(v, v, FFNN__LANE0); /* one broadcast instruction */
}

/* Lane sum by an XOR butterfly (shuffle + add per level): a fixed order, the same for every element. */
static inline real GN(hsum)(GN(vec) v)
{
#if LANES == 16
    v = v + FFNN__SHUFFLE(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
    v = v + FFNN__SHUFFLE(v, v, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11);
    v = v + FFNN__SHUFFLE(v, v, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
    v = v + FFNN__SHUFFLE(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
#elif LANES == 8
    v = v + FFNN__SHUFFLE(v, v, 4, 5, 6, 7, 0, 1, 2, 3);
    v = v + FFNN__SHUFFLE(v, v, 2, 3, 0, 1, 6, 7, 4, 5);
    v = v + FFNN__SHUFFLE(v, v, 1, 0, 3, 2, 5, 4, 7, 6);
#elif LANES == 4
    v = v + FFNN__SHUFFLE(v, v, 2, 3, 0, 1);
    v = v + FFNN__SHUFFLE(v, v, 1, 0, 3, 2);
#elif LANES == 2
    v = v + FFNN__SHUFFLE(v, v, 1, 0);
#else
#error "LANES must be 2, 4, 8 or 16"
#endif
    return v[0];
}

/* Lane sums of LANES vectors at once: v[t]'s total lands in lane bitrev(t) of v[0].  Each level adds the same
 * lane pairs (i, i^h) as hsum, two vectors per shuffle, so every total is bitwise the one hsum gives. */
static inline void GN(hsum_many)(GN(vec) *v)
{
#if LANES == 16
    for (int p = 0; p < 8; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 24, 25, 26, 27, 28, 29, 30, 31)
               + FFNN__SHUFFLE(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
    }
    for (int p = 0; p < 4; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 2, 3, 20, 21, 22, 23, 8, 9, 10, 11, 28, 29, 30, 31)
               + FFNN__SHUFFLE(a, b, 4, 5, 6, 7, 16, 17, 18, 19, 12, 13, 14, 15, 24, 25, 26, 27);
    }
    for (int p = 0; p < 2; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 18, 19, 4, 5, 22, 23, 8, 9, 26, 27, 12, 13, 30, 31)
               + FFNN__SHUFFLE(a, b, 2, 3, 16, 17, 6, 7, 20, 21, 10, 11, 24, 25, 14, 15, 28, 29);
    }
    for (int p = 0; p < 1; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31)
               + FFNN__SHUFFLE(a, b, 1, 16, 3, 18, 5, 20, 7, 22, 9, 24, 11, 26, 13, 28, 15, 30);
    }
#elif LANES == 8
    for (int p = 0; p < 4; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 2, 3, 12, 13, 14, 15)
               + FFNN__SHUFFLE(a, b, 4, 5, 6, 7, 8, 9, 10, 11);
    }
    for (int p = 0; p < 2; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 10, 11, 4, 5, 14, 15)
               + FFNN__SHUFFLE(a, b, 2, 3, 8, 9, 6, 7, 12, 13);
    }
    for (int p = 0; p < 1; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 9, 2, 11, 4, 13, 6, 15)
               + FFNN__SHUFFLE(a, b, 1, 8, 3, 10, 5, 12, 7, 14);
    }
#elif LANES == 4
    for (int p = 0; p < 2; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 1, 6, 7)
               + FFNN__SHUFFLE(a, b, 2, 3, 4, 5);
    }
    for (int p = 0; p < 1; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 5, 2, 7)
               + FFNN__SHUFFLE(a, b, 1, 4, 3, 6);
    }
#elif LANES == 2
    for (int p = 0; p < 1; p++) {
        const GN(vec) a = v[2 * p], b = v[2 * p + 1];
        v[p] = FFNN__SHUFFLE(a, b, 0, 3)
               + FFNN__SHUFFLE(a, b, 1, 2);
    }
#endif
}

static inline int GN(bitrev)(int t)
{
    int r = 0;
    for (int m = 1, q = LANES / 2; m < LANES; m *= 2, q /= 2) if (t & m) r |= q;
    return r;
}

/* ---- forward: blocks of NT_MI samples x NT_MJ outputs, vector accumulators along k, then a lane sum ---- */
static void GN(nt_block)(real *restrict z, const real *restrict in, const real *restrict W, const real *restrict b,
                         int64_t K, int64_t rows, int64_t i, int64_t j)
{
    GN(vec) acc[NT_MI][NT_MJ];
    for (int r = 0; r < NT_MI; r++)
        for (int c = 0; c < NT_MJ; c++) acc[r][c] = GN(splat)(0);
    const int64_t kv = K - K % VL;
    for (int64_t k = 0; k < kv; k += VL) {
        GN(vec) x[NT_MI];
        for (int r = 0; r < NT_MI; r++) x[r] = GN(load)(in + (i + r) * K + k);
        for (int c = 0; c < NT_MJ; c++) {
            const GN(vec) w = GN(load)(W + (j + c) * K + k);
            for (int r = 0; r < NT_MI; r++) acc[r][c] += x[r] * w;
        }
    }
    /* The NT_MI * NT_MJ lane sums, LANES at a time (NT_MI * NT_MJ is a multiple of LANES).  Accumulator g + t
     * goes in at position bitrev(t), so its total comes out in lane t: sums[] is in (r, c) order. */
    real sums[NT_MI * NT_MJ];
    for (int g = 0; g < NT_MI * NT_MJ; g += LANES) {
        GN(vec) v[LANES];
#pragma GCC unroll 16
        for (int t = 0; t < LANES; t++) v[GN(bitrev)(t)] = acc[(g + t) / NT_MJ][(g + t) % NT_MJ];
        GN(hsum_many)(v);
        GN(store)(sums + g, v[0]);
    }
    if (kv == K) { /* no leftover columns (the common case): z = sums + b, row by row */
        for (int r = 0; r < NT_MI; r++)
            for (int c = 0; c < NT_MJ; c++) z[(i + r) * rows + j + c] = sums[r * NT_MJ + c] + b[j + c];
        return;
    }
    for (int r = 0; r < NT_MI; r++)
        for (int c = 0; c < NT_MJ; c++) {
            const real *xr = in + (i + r) * K, *wc = W + (j + c) * K;
            real s = kv ? sums[r * NT_MJ + c] : 0;
            for (int64_t k = kv; k < K; k++) s += xr[k] * wc[k];
            z[(i + r) * rows + j + c] = s + b[j + c];
        }
}

/* One output element with exactly the arithmetic of nt_block. */
static void GN(nt_one)(real *restrict z, const real *restrict in, const real *restrict W, const real *restrict b,
                       int64_t K, int64_t rows, int64_t i, int64_t j)
{
    GN(vec) acc = GN(splat)(0);
    const real *xr = in + i * K, *wc = W + j * K;
    const int64_t kv = K - K % VL;
    for (int64_t k = 0; k < kv; k += VL) acc += GN(load)(xr + k) * GN(load)(wc + k);
    real s = kv ? GN(hsum)(acc) : 0;
    for (int64_t k = kv; k < K; k++) s += xr[k] * wc[k];
    z[i * rows + j] = s + b[j];
}

/* g <= NT_G outputs of one sample with exactly the arithmetic of nt_one (GEMV style: each W row streams through
 * once, the sample's row stays in L1, and g independent accumulator chains hide the FMA latency).  Always inlined
 * with a constant g, so each call site gets its own fully unrolled copy with the accumulators in registers. */
static inline __attribute__((always_inline)) void GN(nt_rows)(real *restrict z, const real *restrict in,
                                                             const real *restrict W, const real *restrict b,
                                                             int64_t K, int64_t rows, int64_t i, int64_t j, const int g)
{
    GN(vec) acc[NT_G];
    for (int c = 0; c < g; c++) acc[c] = GN(splat)(0);
    const real *xr = in + i * K;
    const int64_t kv = K - K % VL;
    int64_t k = 0;
    for (; k + 2 * VL <= kv; k += 2 * VL) { /* two vectors per row and pass: each row's next line follows at once */
        const GN(vec) x0 = GN(load)(xr + k), x1 = GN(load)(xr + k + VL);
        for (int c = 0; c < g; c++) acc[c] += x0 * GN(load)(W + (j + c) * K + k);
        for (int c = 0; c < g; c++) acc[c] += x1 * GN(load)(W + (j + c) * K + k + VL);
    }
    for (; k < kv; k += VL) {
        const GN(vec) x = GN(load)(xr + k);
        for (int c = 0; c < g; c++) acc[c] += x * GN(load)(W + (j + c) * K + k);
    }
    for (int c = 0; c < g; c++) {
        const real *wc = W + (j + c) * K;
        real s = kv ? GN(hsum)(acc[c]) : 0;
        for (int64_t k2 = kv; k2 < K; k2++) s += xr[k2] * wc[k2];
        z[i * rows + j + c] = s + b[j + c];
    }
}

static void GN(nt_row)(real *restrict z, const real *restrict in, const real *restrict W, const real *restrict b,
                       int64_t K, int64_t rows, int64_t i, int64_t j)
{
    GN(nt_rows)(z, in, W, b, K, rows, i, j, NT_G);
}

static void GN(nt_row4)(real *restrict z, const real *restrict in, const real *restrict W, const real *restrict b,
                        int64_t K, int64_t rows, int64_t i, int64_t j)
{
    GN(nt_rows)(z, in, W, b, K, rows, i, j, 4);
}

static void GN(gemm_nt)(real *restrict z, const real *restrict in, const real *restrict W, const real *restrict b,
                        int64_t n, int64_t K, int64_t rows, int64_t j0, int64_t j1)
{
    if (n < NT_MI) { /* too few samples for blocks: one sample at a time, several outputs per pass */
        for (int64_t i = 0; i < n; i++) {
            int64_t j = j0;
            for (; j + NT_G <= j1; j += NT_G) GN(nt_row)(z, in, W, b, K, rows, i, j);
            for (; j + 4 <= j1; j += 4) GN(nt_row4)(z, in, W, b, K, rows, i, j); /* leftovers: 4 chains still */
            for (; j < j1; j++) GN(nt_one)(z, in, W, b, K, rows, i, j);
        }
        return;
    }
    /* Chunks of NT_IC samples (they stay in L2 while all of W streams past once per chunk); inside a chunk the
     * outputs are outer (a block of W rows stays in L1) and the samples inner. */
    for (int64_t i0 = 0; i0 < n; i0 += NT_IC) {
        const int64_t i1 = n - i0 < NT_IC ? n : i0 + NT_IC;
        int64_t j = j0;
        for (; j + NT_MJ <= j1; j += NT_MJ) {
            int64_t i = i0;
            for (; i + NT_MI <= i1; i += NT_MI) GN(nt_block)(z, in, W, b, K, rows, i, j);
            for (; i < i1; i++)
                for (int c = 0; c < NT_MJ; c++) GN(nt_one)(z, in, W, b, K, rows, i, j + c);
        }
        for (; j < j1; j++)
            for (int64_t i = i0; i < i1; i++) GN(nt_one)(z, in, W, b, K, rows, i, j);
    }
}

/* ---- weight gradient: blocks of TN_MJ rows of dW x 2 vectors of columns, summing over the samples ----
 * The block's dz columns are first copied into a small contiguous panel (dz's rows are often a power-of-two
 * stride apart, which would thrash the L1 sets).  Samples are taken in chunks of TN_IC: each element is
 *   acc = (first chunk and not accumulating) ? 0 : dW;  acc += dz*in over the chunk, in order;  dW = acc. */
static void GN(gemm_tn)(real *restrict dW, real *restrict db, const real *restrict dz, const real *restrict in,
                        int64_t n, int64_t K, int64_t rows, int64_t j0, int64_t j1, int accumulate)
{
    const int64_t c2 = K - K % (2 * VL);                 /* columns [0, c2) in pairs of vectors */
    const int64_t c1 = K - K % VL;                       /* [c2, c1): one vector (c1 == c2 or c2 + VL) */
    real pack[TN_IC * TN_MJ];
    for (int64_t j = j0; j < j1; j += TN_MJ) {
        const int mj = j1 - j < TN_MJ ? (int)(j1 - j) : TN_MJ;
        for (int64_t i0 = 0; i0 < n; i0 += TN_IC) {
            const int64_t ni = n - i0 < TN_IC ? n - i0 : TN_IC;
            const int fresh = i0 == 0 && !accumulate;
            for (int64_t i = 0; i < ni; i++) {
                for (int r = 0; r < mj; r++) pack[i * TN_MJ + r] = dz[(i0 + i) * rows + j + r];
                for (int r = mj; r < TN_MJ; r++) pack[i * TN_MJ + r] = 0;
            }
            {   /* db: column sums, chunk by chunk like dW; the TN_MJ sums side by side (independent chains) */
                real s[TN_MJ];
                for (int r = 0; r < TN_MJ; r++) s[r] = fresh || r >= mj ? 0 : db[j + r];
                for (int64_t i = 0; i < ni; i++)
                    for (int r = 0; r < TN_MJ; r++) s[r] += pack[i * TN_MJ + r];
                for (int r = 0; r < mj; r++) db[j + r] = s[r];
            }
            for (int64_t c = 0; c < c2; c += 2 * VL) {
                if (mj == TN_MJ) {
                    GN(vec) a0[TN_MJ], a1[TN_MJ];
                    for (int r = 0; r < TN_MJ; r++) {
                        const real *d = dW + (j + r) * K + c;
                        a0[r] = fresh ? GN(splat)(0) : GN(load)(d);
                        a1[r] = fresh ? GN(splat)(0) : GN(load)(d + VL);
                    }
                    for (int64_t i = 0; i < ni; i++) {
                        const real *x = in + (i0 + i) * K + c;
                        const GN(vec) x0 = GN(load)(x), x1 = GN(load)(x + VL);
                        const real *g = pack + i * TN_MJ;
                        for (int r = 0; r < TN_MJ; r++) {
                            const GN(vec) gr = GN(splat)(g[r]);
                            a0[r] += gr * x0;
                            a1[r] += gr * x1;
                        }
                    }
                    for (int r = 0; r < TN_MJ; r++) {
                        GN(store)(dW + (j + r) * K + c, a0[r]);
                        GN(store)(dW + (j + r) * K + c + VL, a1[r]);
                    }
                } else {
                    for (int r = 0; r < mj; r++) {           /* leftover rows: the same arithmetic, one row */
                        real *d = dW + (j + r) * K + c;
                        GN(vec) a0 = fresh ? GN(splat)(0) : GN(load)(d);
                        GN(vec) a1 = fresh ? GN(splat)(0) : GN(load)(d + VL);
                        for (int64_t i = 0; i < ni; i++) {
                            const GN(vec) gr = GN(splat)(pack[i * TN_MJ + r]);
                            a0 += gr * GN(load)(in + (i0 + i) * K + c);
                            a1 += gr * GN(load)(in + (i0 + i) * K + c + VL);
                        }
                        GN(store)(d, a0);
                        GN(store)(d + VL, a1);
                    }
                }
            }
            for (int r = 0; r < mj && c2 < c1; r++) {        /* one more vector of columns */
                real *d = dW + (j + r) * K + c2;
                GN(vec) a0 = fresh ? GN(splat)(0) : GN(load)(d);
                for (int64_t i = 0; i < ni; i++)
                    a0 += GN(splat)(pack[i * TN_MJ + r]) * GN(load)(in + (i0 + i) * K + c2);
                GN(store)(d, a0);
            }
            for (int r = 0; r < mj; r++) {                   /* the last few columns, scalar */
                for (int64_t c = c1; c < K; c++) {
                    real *d = dW + (j + r) * K + c;
                    real s = fresh ? 0 : *d;
                    for (int64_t i = 0; i < ni; i++) s += pack[i * TN_MJ + r] * in[(i0 + i) * K + c];
                    *d = s;
                }
            }
        }
    }
}

/* ---- input gradient: blocks of NN_MI samples x 2 vectors of columns, summing over the rows of W ---- */
static void GN(gemm_nn)(real *restrict din, const real *restrict dz, const real *restrict W, int64_t n, int64_t K,
                        int64_t rows, int64_t c0, int64_t c1)
{
    const int64_t c2 = c0 + (c1 - c0) - (c1 - c0) % (2 * VL);
    for (int64_t c = c0; c < c2; c += 2 * VL) {            /* a strip of W columns is reused by every sample */
        int64_t i = 0;
        for (; i + NN_MI <= n; i += NN_MI) {
            GN(vec) a0[NN_MI], a1[NN_MI];
            for (int r = 0; r < NN_MI; r++) { a0[r] = GN(splat)(0); a1[r] = GN(splat)(0); }
            for (int64_t j = 0; j < rows; j++) {
                const GN(vec) w0 = GN(load)(W + j * K + c), w1 = GN(load)(W + j * K + c + VL);
                for (int r = 0; r < NN_MI; r++) {
                    const GN(vec) g = GN(splat)(dz[(i + r) * rows + j]);
                    a0[r] += g * w0;
                    a1[r] += g * w1;
                }
            }
            for (int r = 0; r < NN_MI; r++) {
                GN(store)(din + (i + r) * K + c, a0[r]);
                GN(store)(din + (i + r) * K + c + VL, a1[r]);
            }
        }
        for (; i < n; i++) {
            GN(vec) a0 = GN(splat)(0), a1 = GN(splat)(0);
            for (int64_t j = 0; j < rows; j++) {
                const GN(vec) g = GN(splat)(dz[i * rows + j]);
                a0 += g * GN(load)(W + j * K + c);
                a1 += g * GN(load)(W + j * K + c + VL);
            }
            GN(store)(din + i * K + c, a0);
            GN(store)(din + i * K + c + VL, a1);
        }
    }
    const int64_t cv = c1 - c2 >= VL ? c2 + VL : c2;       /* one more vector of columns */
    for (int64_t i = 0; i < n && c2 < cv; i++) {
        GN(vec) a0 = GN(splat)(0);
        for (int64_t j = 0; j < rows; j++) a0 += GN(splat)(dz[i * rows + j]) * GN(load)(W + j * K + c2);
        GN(store)(din + i * K + c2, a0);
    }
    for (int64_t i = 0; i < n && cv < c1; i++) {           /* the last few columns, scalar */
        for (int64_t c = cv; c < c1; c++) {
            real s = 0;
            for (int64_t j = 0; j < rows; j++) s += dz[i * rows + j] * W[j * K + c];
            din[i * K + c] = s;
        }
    }
}

/* ---- Adam update over the flat buffer (tmpl_optim.h keeps the checks and the step counter) ---- */
static void GN(adam)(real *restrict p, const real *restrict g, real *restrict m, real *restrict v, int64_t n,
                     real lr, real b1, real b2, real eps, real c1, real c2)
{
    for (int64_t i = 0; i < n; i++) {
        const real gi = g[i];
        const real mi = b1 * m[i] + (1 - b1) * gi;
        const real vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const real root = sizeof(real) == 4 ? (real)sqrtf((float)(vi * c2)) : (real)sqrt((double)(vi * c2));
        p[i] -= lr * (mi * c1) / (root + eps);
    }
}

#undef VL
#undef FFNN__SHUFFLE
#undef FFNN__LANE0
