/* The double instantiation of the core: every template below is compiled with real = double and _f64 names. */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "ffnn_internal.h"
#include "ffnn_kernels.h"

#define real double
#define FN(name) name##_f64
#define R_TINY 1e-15

int FN(ffnn_step)(ffnn_optimizer *opt, real *params, const real *grads, real *state, int64_t n);

#include "tmpl_kernels.h"
#include "tmpl_activations.h"
#include "tmpl_loss.h"
#include "tmpl_network.h"
#include "tmpl_optim.h"
#include "tmpl_perceptron.h"
