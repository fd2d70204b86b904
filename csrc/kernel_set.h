/* One instruction set's kernels in both precisions: the GEMMs and Adam of tmpl_gemm.h and the tiny-network steps of
 * tmpl_tiny.h (widths 8 and 16).  Included by ffnn_kernels.c once per instruction set, with VB (vector bytes) and
 * ISA (the name suffix: plain, avx2, avx512) defined, and the block sizes (NT_MI, NT_MJ, TN_MJ, NN_MI) set. */
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
