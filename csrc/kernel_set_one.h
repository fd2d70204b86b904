/* One (precision, instruction set) pair: real, IREAL, LANES, VB and GN are defined by kernel_set.h. */
#include "tmpl_gemm.h"
#define AN(name) GN(name)
#include "tmpl_act_formulas.h"
#undef AN
#define TW 8
#define TN(name) GN(name##_w8)
#include "tmpl_tiny.h"
#undef TW
#undef TN
#define TW 16
#define TN(name) GN(name##_w16)
#include "tmpl_tiny.h"
#undef TW
#undef TN
