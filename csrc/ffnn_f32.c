/* The float instantiation of the core: every template below is compiled with real = float and _f32 names. */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "ffnn_internal.h"
#include "ffnn_kernels.h"

#define real float
#define FN(name) name##_f32
#define R_TINY 1e-7

int FN(ffnn_step)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n);

#include "tmpl_kernels.h"
#include "tmpl_activations.h"
#include "tmpl_loss.h"
#include "tmpl_network.h"
#include "tmpl_optim.h"
#include "tmpl_perceptron.h"
