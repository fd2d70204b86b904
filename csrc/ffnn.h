/* pyffnn C core: public header.
 *
 * A network is a table of layers over ONE contiguous parameter buffer [W1, b1, W2, b2, ...].
 * W(l) has shape rows x S(l) row-major, rows = S(l+1) * pieces (pieces = 1 unless maxout; the pieces of unit u
 * are rows u*pieces .. u*pieces+pieces-1).  Data is batch-major: X[n][features].
 * The caller owns every buffer.  Every entry point returns an ffnn_status; ffnn_strerror gives its text.
 * Each numeric routine exists as _f32 and _f64, compiled from one source.
 *
 * This header is also fed to cffi's cdef: build.py drops the preprocessor lines, so keep declarations plain.
 */
#ifndef FFNN_H
#define FFNN_H
#include <stdint.h>

typedef enum {
    FFNN_OK = 0,
    FFNN_E_NULL = 1,        /* a required pointer was NULL */
    FFNN_E_SIZE = 2,        /* a size or count is zero, negative or inconsistent */
    FFNN_E_ACTIVATION = 3,  /* unknown activation, or one not allowed at this position */
    FFNN_E_LOSS = 4,        /* unknown loss, or a loss that does not fit the output layer */
    FFNN_E_LAYOUT = 5,      /* layer table offsets do not match the parameter buffer */
    FFNN_E_NONFINITE = 6,   /* the loss became NaN or infinite (training diverged) */
    FFNN_E_OPTIMIZER = 7,   /* unknown optimizer or bad hyper-parameter */
    FFNN_E_INDEX = 8        /* a sample index is out of range */
} ffnn_status;

typedef enum {
    FFNN_LINEAR = 0, FFNN_SIGMOID = 1, FFNN_TANH = 2, FFNN_RELU = 3, FFNN_SOFTPLUS = 4,
    FFNN_SOFTMAX = 5, /* output layer only */
    FFNN_MAXOUT = 6   /* hidden layers only; uses `pieces` */
} ffnn_activation;

typedef enum { FFNN_LOSS_MSE = 0, FFNN_LOSS_BCE = 1, FFNN_LOSS_CE = 2 } ffnn_loss;

typedef enum { FFNN_OPT_SGD = 0, FFNN_OPT_MOMENTUM = 1, FFNN_OPT_NESTEROV = 2, FFNN_OPT_ADAM = 3,
               FFNN_OPT_RPROP = 4 } ffnn_optimizer_kind;

typedef struct {
    int32_t n_in;        /* S(l) */
    int32_t n_out;       /* S(l+1) */
    int32_t activation;  /* ffnn_activation */
    int32_t pieces;      /* maxout pieces k (1 for other activations) */
    int64_t w_offset;    /* offset of W(l) in the parameter buffer, filled by ffnn_layout */
    int64_t b_offset;    /* offset of the bias w0(l) */
} ffnn_layer;

/* Optimizer settings; `t` counts the steps taken (every kind advances it; Adam's bias correction and RPROP's
 * first-step initialisation depend on it). */
typedef struct {
    int32_t kind;        /* ffnn_optimizer_kind */
    double lr;           /* learning rate (SGD/momentum/Nesterov/Adam) */
    double momentum;     /* momentum / Nesterov coefficient */
    double beta1, beta2, eps;                             /* Adam */
    double eta_plus, eta_minus, step_min, step_max, step_init;  /* RPROP (iRprop-) */
    int64_t t;
} ffnn_optimizer;

const char *ffnn_strerror(int status);

/* Checks the table (sizes, activations, chaining S(l+1) of one layer = S(l) of the next) and fills the offsets. */
int ffnn_layout(ffnn_layer *layers, int32_t n_layers, int64_t *n_params);
/* Checks a table whose offsets are already filled against a parameter buffer of n_params elements. */
int ffnn_check(const ffnn_layer *layers, int32_t n_layers, int64_t n_params);
/* Workspace needed for batches of up to `batch` samples, in elements of the real type and of int32. */
int ffnn_workspace_size(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int64_t *n_real, int64_t *n_int);
/* Offset (in reals) inside the workspace of layer l's activations a(l+2), a (batch x n_out) matrix. */
int64_t ffnn_activation_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int32_t l);
/* Optimizer state size in elements for n_params parameters. */
int64_t ffnn_optimizer_state_size(int32_t kind, int64_t n_params);
/* splitmix64 seeding of a 4-word xoshiro256** state. */
void ffnn_rng_seed(uint64_t *state4, uint64_t seed);

/* Speed settings, process-wide and safe to change from any thread (C11 atomics); results never depend on them
 * beyond rounding between SIMD levels, and are bitwise identical for any thread count.
 * Threads used by large calls: 0 = automatic (the online CPUs; the default unless the environment variable
 * FFNN_NUM_THREADS says otherwise), n = at most n.  Small work always runs on the calling thread alone. */
int ffnn_set_threads(int32_t n);
/* The thread count large calls will use (automatic resolved to a number). */
int32_t ffnn_get_threads(void);

typedef enum { FFNN_SIMD_PLAIN = 0, FFNN_SIMD_AVX2 = 1, FFNN_SIMD_AVX512 = 2 } ffnn_simd;
/* Kernel instruction set: -1 = the best this CPU has (default; the environment variable FFNN_SIMD=plain|avx2
 * lowers the default), else an FFNN_SIMD_* level, capped at what the CPU has.  FFNN_SIMD_PLAIN is portable C. */
int ffnn_set_simd(int32_t level);
/* The level in use. */
int32_t ffnn_get_simd(void);
const char *ffnn_simd_name(int32_t level);

/* The element-wise double functions the float64 layers use, on an array (y must not overlap x), at the current
 * SIMD level, in the caller's floating-point environment (no denormal flushing): AVX2 and AVX-512 run the core's
 * vectorised exp/tanh/sigmoid/softplus (within 2 ulp; NaN in gives NaN out), plain C runs libm. */
typedef enum { FFNN_MATH_EXP = 0, FFNN_MATH_TANH = 1, FFNN_MATH_SIGMOID = 2, FFNN_MATH_SOFTPLUS = 3 } ffnn_math_fn;
int ffnn_math_f64(int32_t fn, const double *x, double *y, int64_t n);

/* Glorot uniform (linear/sigmoid/tanh/softmax) or He uniform (relu/softplus/maxout) weights, zero biases. */
int ffnn_init_f32(const ffnn_layer *layers, int32_t n_layers, float *params, uint64_t *rng_state4);
int ffnn_init_f64(const ffnn_layer *layers, int32_t n_layers, double *params, uint64_t *rng_state4);

/* Forward pass over a batch of n samples (n <= the workspace batch); out receives a(L) (n x n_out), may be NULL. */
int ffnn_forward_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, const float *X, int64_t n,
                     int64_t batch, float *out, float *work, int32_t *iwork);
int ffnn_forward_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, const double *X, int64_t n,
                     int64_t batch, double *out, double *work, int32_t *iwork);

/* Forward + loss + backward: *loss_sum = sum over the n samples of w_i times the per-sample loss (w = sample_weight,
 * or 1 when sample_weight is NULL); grads ACCUMULATE scale * d(loss_sum)/d(params) (pass scale = 1/n, or 1/sum(w),
 * for the mean).  Zero grads yourself first. */
int ffnn_loss_grad_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, float *grads,
                       const float *X, const float *Y, const float *sample_weight, int64_t n, int64_t batch,
                       int32_t loss, double scale,
                       double *loss_sum, float *work, int32_t *iwork);
int ffnn_loss_grad_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, double *grads,
                       const double *X, const double *Y, const double *sample_weight, int64_t n, int64_t batch,
                       int32_t loss, double scale,
                       double *loss_sum, double *work, int32_t *iwork);

/* Loss only (forward + loss): *loss_sum = sum over the n samples of w_i times the per-sample loss. */
int ffnn_loss_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, const float *X, const float *Y,
                  const float *sample_weight, int64_t n, int64_t batch, int32_t loss, double *loss_sum, float *work,
                  int32_t *iwork);
int ffnn_loss_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, const double *X,
                  const double *Y, const double *sample_weight, int64_t n, int64_t batch, int32_t loss,
                  double *loss_sum, double *work,
                  int32_t *iwork);

/* L2 weight decay on weights (not biases): grads += l2 * W; returns 0.5 * l2 * sum(W^2) in *penalty. */
int ffnn_l2_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, float *grads, double l2,
                double *penalty);
int ffnn_l2_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, double *grads, double l2,
                double *penalty);

/* One optimizer step over the flat buffer; state has ffnn_optimizer_state_size elements (zeroed at start). */
int ffnn_step_f32(ffnn_optimizer *opt, float *params, const float *grads, float *state, int64_t n_params);
int ffnn_step_f64(ffnn_optimizer *opt, double *params, const double *grads, double *state, int64_t n_params);

/* Runs ceil(n_order / batch) minibatch steps over the samples X[order[i]], Y[order[i]] in that order.
 * Each step minimises the batch mean of the loss, weighted by sample_weight[order[i]] when it is not NULL
 * (sum(w l) / sum(w); a batch whose weights sum to 0 makes no update).
 * *loss_sum receives the sum over processed samples of w times the per-sample loss (plus each step's L2 penalty
 * times the batch's weight sum), *n_done the number of samples processed.  If n_correct is not NULL it receives the number of
 * correctly classified samples of the forward passes (softmax: the argmax matches; sigmoid: every output is on the
 * right side of 0.5, exact match; 0 for other outputs).  Stops with FFNN_E_NONFINITE, before updating,
 * at the first batch whose loss is not finite. */
int ffnn_train_f32(const ffnn_layer *layers, int32_t n_layers, float *params, float *grads, const float *X,
                   const float *Y, const float *sample_weight, int64_t n_samples, const int64_t *order,
                   int64_t n_order, int64_t batch, int32_t loss, double l2, ffnn_optimizer *opt, float *opt_state, float *work, int32_t *iwork,
                   double *loss_sum, double *n_correct, int64_t *n_done);
int ffnn_train_f64(const ffnn_layer *layers, int32_t n_layers, double *params, double *grads, const double *X,
                   const double *Y, const double *sample_weight, int64_t n_samples, const int64_t *order,
                   int64_t n_order, int64_t batch, int32_t loss, double l2, ffnn_optimizer *opt, double *opt_state, double *work, int32_t *iwork,
                   double *loss_sum, double *n_correct, int64_t *n_done);

/* The lecture's primal perceptron: labels y in {-1,+1}; update w += eta*y*x, b += eta*y when y*(w.x+b) <= 0.
 * Runs epochs over the data in order until an epoch makes no update or max_epochs is reached. */
int ffnn_perceptron_f32(const float *X, const float *y, int64_t n, int64_t d, float *w, float *b, double eta,
                        int64_t max_epochs, int64_t *n_updates, int64_t *n_epochs, int32_t *converged);
int ffnn_perceptron_f64(const double *X, const double *y, int64_t n, int64_t d, double *w, double *b, double eta,
                        int64_t max_epochs, int64_t *n_updates, int64_t *n_epochs, int32_t *converged);

#endif
