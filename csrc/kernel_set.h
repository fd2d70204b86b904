/* One instruction set's kernels in both precisions: the GEMMs and Adam of tmpl_gemm.h, the activation formulas and
 * the tiny-network steps of tmpl_tiny.h (widths 8 and 16).  Included by ffnn_kernels.c once per instruction set,
 * with ISA (the name suffix: plain, avx2, avx512) and ISA_LEVEL (0, 1, 2) defined; the block sizes come from
 * kernel_blocks.h.  GN(gemm_nt) becomes gemm_nt_f32_avx2 and so on: ffnn_kernels.c's dispatch tables spell out
 * every such name. */
#include "kernel_blocks.h"
#define FFNN__CAT3_(a, b, c) a##b##c
#define FFNN__CAT3(a, b, c) FFNN__CAT3_(a, b, c)

#define real float
#define IREAL int32_t
#define LANES (VB / 4)
#define GN(name) FFNN__CAT3(name, _f32_, ISA)
#include "kernel_set_one.h"
#undef real
#undef IREAL
#undef LANES
#undef GN

#define real double
#define IREAL int64_t
#define LANES (VB / 8)
#define GN(name) FFNN__CAT3(name, _f64_, ISA)
#include "kernel_set_one.h"
#undef real
#undef IREAL
#undef LANES
#undef GN

#undef VB
#undef NT_MI
#undef NT_MJ
#undef TN_MJ
#undef NN_MI
#undef NT_G
#undef NT_IC
#undef TN_IC
