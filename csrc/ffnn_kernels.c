/* The matrix kernels of tmpl_gemm.h instantiated for float and double, each for AVX-512, AVX2+FMA and plain C,
 * and the runtime dispatch between them (no -march flags needed: the instruction sets are enabled per function
 * with `#pragma GCC target`, and chosen with __builtin_cpu_supports; see ffnn_parallel.c for the level). */
#include <stdint.h>
#include <string.h>
#include "ffnn_kernels.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define FFNN_X86_DISPATCH 1
#endif

/* ---- plain C (the compiler's baseline vectors: SSE2 on x86-64) ---- */
#define NT_MI 4
#define NT_MJ 2
#define TN_MJ 4
#define NN_MI 6
#define VB 16
#define real float
#define IREAL int32_t
#define LANES 4
#define GN(name) name##_f32_plain
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#define real double
#define IREAL int64_t
#define LANES 2
#define GN(name) name##_f64_plain
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#undef VB

#ifdef FFNN_X86_DISPATCH
/* ---- AVX2 + FMA ---- */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VB 32
#define real float
#define IREAL int32_t
#define LANES 8
#define GN(name) name##_f32_avx2
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#define real double
#define IREAL int64_t
#define LANES 4
#define GN(name) name##_f64_avx2
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#undef VB
#pragma GCC pop_options

/* ---- AVX-512 (F + VL + DQ + BW, what every AVX-512 server CPU has) ---- */
#undef NT_MJ
#undef TN_MJ
#undef NN_MI
#define NT_MJ 4
#define TN_MJ 8
#define NN_MI 8
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
#define VB 64
#define real float
#define IREAL int32_t
#define LANES 16
#define GN(name) name##_f32_avx512
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#define real double
#define IREAL int64_t
#define LANES 8
#define GN(name) name##_f64_avx512
#include "tmpl_gemm.h"
#undef real
#undef GN
#undef IREAL
#undef LANES
#undef VB
#pragma GCC pop_options
#endif

#define KERNEL_TABLE(T)                                                                                             \
    static const ffnn__kernels_##T kernels_##T[3] = {                                                               \
        {gemm_nt_##T##_plain, gemm_tn_##T##_plain, gemm_nn_##T##_plain},                                            \
        KERNEL_TABLE_SIMD(T)                                                                                        \
    };                                                                                                              \
    const ffnn__kernels_##T *ffnn__kernels_get_##T(void) { return &kernels_##T[ffnn_get_simd()]; }

#ifdef FFNN_X86_DISPATCH
#define KERNEL_TABLE_SIMD(T) {gemm_nt_##T##_avx2, gemm_tn_##T##_avx2, gemm_nn_##T##_avx2},                         \
                             {gemm_nt_##T##_avx512, gemm_tn_##T##_avx512, gemm_nn_##T##_avx512},
#else
#define KERNEL_TABLE_SIMD(T) {gemm_nt_##T##_plain, gemm_tn_##T##_plain, gemm_nn_##T##_plain},                       \
                             {gemm_nt_##T##_plain, gemm_tn_##T##_plain, gemm_nn_##T##_plain},
#endif

KERNEL_TABLE(f32)
KERNEL_TABLE(f64)

int ffnn__cpu_simd_level(void)
{
#ifdef FFNN_X86_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
        return FFNN_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return FFNN_SIMD_AVX2;
#endif
    return FFNN_SIMD_PLAIN;
}
