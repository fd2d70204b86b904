/* Block sizes of the matrix kernels (tmpl_gemm.h) for each instruction set: the one place to tune them.
 * Included by kernel_set.h with ISA_LEVEL set (0 plain C, 1 AVX2+FMA, 2 AVX-512, as FFNN_SIMD_*), and by
 * tmpl_kernels.h (ISA_LEVEL unset) for the thread split alignment only.
 *
 *            VB (vector bytes)   NT_MI x NT_MJ (forward)   TN_MJ (weight gradient)   NN_MI (input gradient)
 *   plain    16                  4 x 2                     4                         6
 *   avx2     32                  4 x 2                     4                         6
 *   avx512   64                  4 x 4                     8                         8
 * NT_G outputs per one-sample pass (GEMV): 16 with AVX-512 (32 registers: 16 accumulators, measured 11% faster
 * than 8 on the 784x256 latency layer), else 8 (AVX2 has 16 registers);
 * and for every set: NT_IC = 32 samples per forward chunk, TN_IC = 256
 * samples per weight-gradient chunk; thread split boundaries are multiples of FFNN__SPLIT_ALIGN = 32, which
 * must be a multiple of every block above. */
#ifndef FFNN__SPLIT_ALIGN
#define FFNN__SPLIT_ALIGN 32
#endif

#ifdef ISA_LEVEL
#if ISA_LEVEL == 0
#define VB 16
#define NT_MI 4
#define NT_MJ 2
#define TN_MJ 4
#define NN_MI 6
#elif ISA_LEVEL == 1
#define VB 32
#define NT_MI 4
#define NT_MJ 2
#define TN_MJ 4
#define NN_MI 6
#elif ISA_LEVEL == 2
#define VB 64
#define NT_MI 4
#define NT_MJ 4
#define TN_MJ 8
#define NN_MI 8
#define NT_G 16
#else
#error "ISA_LEVEL must be 0 (plain), 1 (avx2) or 2 (avx512)"
#endif
#ifndef NT_G
#define NT_G 8
#endif
#define NT_IC 32
#define TN_IC 256
#if FFNN__SPLIT_ALIGN % NT_MI || FFNN__SPLIT_ALIGN % NT_MJ || FFNN__SPLIT_ALIGN % TN_MJ || NT_IC % NT_MI
#error "FFNN__SPLIT_ALIGN must be a multiple of every block size, NT_IC of NT_MI"
#endif
#endif
