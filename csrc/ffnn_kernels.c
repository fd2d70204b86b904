/* The matrix kernels and the Adam update of tmpl_gemm.h and the tiny-network pass of tmpl_tiny.h (widths 8 and
 * 16) instantiated for float and double, each for AVX-512, AVX2+FMA and plain C, and the runtime dispatch between
 * them.  No -march flags: each instruction set is enabled for the functions of its section only (GCC:
 * `#pragma GCC target`; clang: `#pragma clang attribute ... target`), and chosen at run time with
 * __builtin_cpu_supports (see ffnn_parallel.c for the level).  Block sizes per set: kernel_blocks.h. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "fast_math.h"
#include "ffnn_internal.h"
#include "ffnn_kernels.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define FFNN_X86_DISPATCH 1
#endif

/* ---- plain C (the compiler's baseline vectors: SSE2 on x86-64) ---- */
#define ISA plain
#define ISA_LEVEL 0
#include "kernel_set.h"
#undef ISA
#undef ISA_LEVEL

#ifdef FFNN_X86_DISPATCH
/* ---- AVX2 + FMA ---- */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define ISA avx2
#define ISA_LEVEL 1
#include "kernel_set.h"
#undef ISA
#undef ISA_LEVEL
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* ---- AVX-512 (F + VL + DQ + BW, what every AVX-512 server CPU has) ---- */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")
#endif
#define ISA avx512
#define ISA_LEVEL 2
#include "kernel_set.h"
#undef ISA
#undef ISA_LEVEL
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

/* The dispatch tables, indexed by FFNN_SIMD_* level: every kernel by its full name. */
#ifdef FFNN_X86_DISPATCH
static const ffnn__kernels_f32 kernels_f32[3] = {
    {gemm_nt_f32_plain, gemm_tn_f32_plain, gemm_nn_f32_plain, {tiny_step_w8_f32_plain, tiny_step_w16_f32_plain},
     adam_f32_plain},
    {gemm_nt_f32_avx2, gemm_tn_f32_avx2, gemm_nn_f32_avx2, {tiny_step_w8_f32_avx2, tiny_step_w16_f32_avx2},
     adam_f32_avx2},
    {gemm_nt_f32_avx512, gemm_tn_f32_avx512, gemm_nn_f32_avx512,
     {tiny_step_w8_f32_avx512, tiny_step_w16_f32_avx512}, adam_f32_avx512},
};
static const ffnn__kernels_f64 kernels_f64[3] = {
    {gemm_nt_f64_plain, gemm_tn_f64_plain, gemm_nn_f64_plain, {tiny_step_w8_f64_plain, tiny_step_w16_f64_plain},
     adam_f64_plain},
    {gemm_nt_f64_avx2, gemm_tn_f64_avx2, gemm_nn_f64_avx2, {tiny_step_w8_f64_avx2, tiny_step_w16_f64_avx2},
     adam_f64_avx2},
    {gemm_nt_f64_avx512, gemm_tn_f64_avx512, gemm_nn_f64_avx512,
     {tiny_step_w8_f64_avx512, tiny_step_w16_f64_avx512}, adam_f64_avx512},
};
#else /* no other instruction sets compiled: every level runs plain C (ffnn__cpu_simd_level says plain anyway) */
static const ffnn__kernels_f32 kernels_f32[3] = {
    {gemm_nt_f32_plain, gemm_tn_f32_plain, gemm_nn_f32_plain, {tiny_step_w8_f32_plain, tiny_step_w16_f32_plain},
     adam_f32_plain},
};
static const ffnn__kernels_f64 kernels_f64[3] = {
    {gemm_nt_f64_plain, gemm_tn_f64_plain, gemm_nn_f64_plain, {tiny_step_w8_f64_plain, tiny_step_w16_f64_plain},
     adam_f64_plain},
};
#endif

const ffnn__kernels_f32 *ffnn__kernels_get_f32(void) { return &kernels_f32[ffnn_get_simd()]; }
const ffnn__kernels_f64 *ffnn__kernels_get_f64(void) { return &kernels_f64[ffnn_get_simd()]; }

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
