/* The matrix kernels and the Adam update of tmpl_gemm.h and the tiny-network pass of tmpl_tiny.h (widths 8 and
 * 16) instantiated for float and double, each for AVX-512, AVX2+FMA and plain C, and the runtime dispatch between
 * them (no -march flags needed: the instruction sets are enabled per function
 * with `#pragma GCC target`, and chosen with __builtin_cpu_supports; see ffnn_parallel.c for the level). */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "fast_math.h"
#include "ffnn_internal.h"
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
#define ISA plain
#include "kernel_set.h"
#undef VB
#undef ISA

#ifdef FFNN_X86_DISPATCH
/* ---- AVX2 + FMA ---- */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define VB 32
#define ISA avx2
#include "kernel_set.h"
#undef VB
#undef ISA
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
#define ISA avx512
#include "kernel_set.h"
#undef VB
#undef ISA
#pragma GCC pop_options
#endif

#define KERNELS(T, L)                                                                                               \
    {gemm_nt_##T##_##L, gemm_tn_##T##_##L, gemm_nn_##T##_##L, {tiny_step_w8_##T##_##L, tiny_step_w16_##T##_##L},      \
     adam_##T##_##L}

#define KERNEL_TABLE(T)                                                                                             \
    static const ffnn__kernels_##T kernels_##T[3] = {KERNELS(T, plain), KERNEL_TABLE_SIMD(T)};                     \
    const ffnn__kernels_##T *ffnn__kernels_get_##T(void) { return &kernels_##T[ffnn_get_simd()]; }

#ifdef FFNN_X86_DISPATCH
#define KERNEL_TABLE_SIMD(T) KERNELS(T, avx2), KERNELS(T, avx512)
#else
#define KERNEL_TABLE_SIMD(T) KERNELS(T, plain), KERNELS(T, plain)
#endif

KERNEL_TABLE(f32)
KERNEL_TABLE(f64)

int ffnn__tiny_kind(const ffnn_layer *layers, int32_t n_layers, int32_t loss, int *fused)
{
    if (n_layers < 1 || n_layers > FFNN__TINY_LAYERS) return 0;
    int32_t width = 0;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        if (ly->activation == FFNN_MAXOUT || ly->pieces != 1) return 0;
        if (ly->n_in > width) width = ly->n_in;
        if (ly->n_out > width) width = ly->n_out;
    }
    if (width > 16) return 0;
    const int32_t act = layers[n_layers - 1].activation;
    *fused = ffnn__fused(act, loss);
    /* otherwise only mse through an element-wise output: dz = (a - y) f'(z) */
    if (!*fused && !(loss == FFNN_LOSS_MSE && ffnn__elementwise(act))) return 0;
    return width <= 8 ? 1 : 2;
}

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
