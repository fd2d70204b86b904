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
#ifndef FFNN_CDEF /* build.py preprocesses this header with FFNN_CDEF for cffi, which knows int32_t itself */
#include <stdint.h>
#endif

typedef enum {
    FFNN_OK = 0,
    FFNN_E_NULL = 1,        /* a required pointer was NULL */
    FFNN_E_SIZE = 2,        /* a size or count is zero, negative, inconsistent or too large (overflows) */
    FFNN_E_ACTIVATION = 3,  /* unknown activation, or one not allowed at this position */
    FFNN_E_LOSS = 4,        /* unknown loss, or a loss that does not fit the output layer */
    FFNN_E_LAYOUT = 5,      /* layer table offsets do not match the parameter buffer */
    FFNN_E_NONFINITE = 6,   /* the loss became NaN or infinite (training diverged) */
    FFNN_E_OPTIMIZER = 7,   /* unknown optimizer or bad hyper-parameter */
    FFNN_E_INDEX = 8,       /* a sample index is out of range */
    FFNN_E_DROPOUT = 9      /* a dropout rate outside [0, 1), or dropout on the output layer */
} ffnn_status;

/* ---- The tables: one row per activation, loss and optimizer (KANN's kad_op_list is the model). ----
 * Everything else is generated from these rows: the enums below, the range checks, the names, the init rule, the
 * loss/output pairing, the optimizer state size, and the element-wise switches of the general and tiny paths
 * (tmpl_act_formulas.h).  A row's code never changes once given (bindings and tests compare them).
 *
 * Activations: X(ENUM, stem, code, where, init)
 *   where: FFNN_HIDDEN | FFNN_OUTPUT positions allowed, | FFNN_PROBABILITY if the outputs are probabilities
 *          (the cross-entropy losses need one); init: FFNN_GLOROT or FFNN_HE uniform weights (ffnn_init).
 * Element-wise activations a = f(z) have their forward and backward in tmpl_act_formulas.h as stem_forward and
 * stem_backward; the others are row-wise (softmax) or use pieces (maxout) and are written out where they are used.
 * Adding an element-wise activation = one row here + its two formulas in tmpl_act_formulas.h. */
#define FFNN_ELEMENTWISE_ACTIVATIONS(X) \
    X(FFNN_LINEAR,     linear,     0, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_GLOROT) \
    X(FFNN_SIGMOID,    sigmoid,    1, FFNN_HIDDEN | FFNN_OUTPUT | FFNN_PROBABILITY, FFNN_GLOROT) \
    X(FFNN_TANH,       tanh,       2, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_GLOROT) \
    X(FFNN_RELU,       relu,       3, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_HE) \
    X(FFNN_SOFTPLUS,   softplus,   4, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_HE) \
    X(FFNN_LEAKY_RELU, leaky_relu, 7, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_HE)  /* slope 0.01 below 0 */ \
    X(FFNN_ELU,        elu,        8, FFNN_HIDDEN | FFNN_OUTPUT, FFNN_HE)  /* alpha 1: exp(z) - 1 below 0 */
#define FFNN_OTHER_ACTIVATIONS(X) \
    X(FFNN_SOFTMAX,    softmax,    5, FFNN_OUTPUT | FFNN_PROBABILITY, FFNN_GLOROT) /* row-wise */ \
    X(FFNN_MAXOUT,     maxout,     6, FFNN_HIDDEN, FFNN_HE)  /* max over `pieces` linear pieces per unit */
#define FFNN_ACTIVATIONS(X) FFNN_ELEMENTWISE_ACTIVATIONS(X) FFNN_OTHER_ACTIVATIONS(X)

/* Losses: X(ENUM, stem, code, fused_output, needs_probability)
 *   fused_output: the output activation whose delta with this loss is simply a - y (computed from the logits);
 *   needs_probability: 1 if the output layer must be FFNN_PROBABILITY (cross-entropy). */
#define FFNN_LOSSES(X) \
    X(FFNN_LOSS_MSE, mse, 0, FFNN_LINEAR,  0)  /* 1/2 sum_k (a_k - y_k)^2 */ \
    X(FFNN_LOSS_BCE, bce, 1, FFNN_SIGMOID, 1)  /* -sum_k [y ln a + (1 - y) ln(1 - a)] */ \
    X(FFNN_LOSS_CE,  ce,  2, FFNN_SOFTMAX, 1)  /* -sum_k y_k ln a_k */

/* Optimizers: X(ENUM, stem, code, state_slots): the state has state_slots x n_params elements (tmpl_optim.h). */
#define FFNN_OPTIMIZERS(X) \
    X(FFNN_OPT_SGD,      sgd,      0, 0) \
    X(FFNN_OPT_MOMENTUM, momentum, 1, 1)  /* velocity */ \
    X(FFNN_OPT_NESTEROV, nesterov, 2, 1)  /* velocity */ \
    X(FFNN_OPT_ADAM,     adam,     3, 2)  /* m, v */ \
    X(FFNN_OPT_RPROP,    rprop,    4, 2)  /* previous gradient, step sizes (iRprop-) */

typedef enum { FFNN_HIDDEN = 1, FFNN_OUTPUT = 2, FFNN_PROBABILITY = 4 } ffnn_where;
typedef enum { FFNN_GLOROT = 0, FFNN_HE = 1 } ffnn_init_rule;

#define FFNN__ENUM_ROW(e, stem, code, ...) e = code,
#define FFNN__COUNT_ROW(...) + 1
typedef enum { FFNN_ACTIVATIONS(FFNN__ENUM_ROW) } ffnn_activation;
typedef enum { FFNN_LOSSES(FFNN__ENUM_ROW) } ffnn_loss;
typedef enum { FFNN_OPTIMIZERS(FFNN__ENUM_ROW) } ffnn_optimizer_kind;
/* The number of rows of each table; codes run from 0 to count - 1. */
enum { FFNN_N_ACTIVATIONS = 0 FFNN_ACTIVATIONS(FFNN__COUNT_ROW) };
enum { FFNN_N_LOSSES = 0 FFNN_LOSSES(FFNN__COUNT_ROW) };
enum { FFNN_N_OPTIMIZERS = 0 FFNN_OPTIMIZERS(FFNN__COUNT_ROW) };

/* Introspection of the tables (so bindings can check their own tables against the core's, row by row).
 * Names are the rows' stems ("tanh", "leaky_relu", "bce", "adam"); NULL for a code outside the table. */
int32_t ffnn_activation_count(void);
const char *ffnn_activation_name(int32_t code);
int32_t ffnn_activation_where(int32_t code);   /* ffnn_where bits; 0 for an unknown code */
int32_t ffnn_activation_init(int32_t code);    /* ffnn_init_rule; -1 for an unknown code */
int32_t ffnn_loss_count(void);
const char *ffnn_loss_name(int32_t code);
int32_t ffnn_loss_fused_output(int32_t code);  /* the activation whose delta with this loss is a - y; -1 if unknown */
int32_t ffnn_optimizer_count(void);
const char *ffnn_optimizer_name(int32_t code);
int32_t ffnn_optimizer_slots(int32_t code);    /* state elements per parameter; -1 for an unknown code */

typedef struct {
    int32_t n_in;        /* S(l) */
    int32_t n_out;       /* S(l+1) */
    int32_t activation;  /* ffnn_activation */
    int32_t pieces;      /* maxout pieces k (1 for other activations) */
    int64_t w_offset;    /* offset of W(l) in the parameter buffer, filled by ffnn_layout */
    int64_t b_offset;    /* offset of the bias w0(l) */
    double dropout;      /* inverted-dropout rate p in [0, 1) of this hidden layer's outputs while training (0: none;
                          * must be 0 on the output layer); forward/loss/loss_grad never apply it */
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
/* Optimizer state size in elements for n_params parameters (slots x n_params); -1 for an unknown kind, a negative
 * n_params or a size beyond 2^60 elements. */
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

/* Uniform weights by the activation table's init rule: Glorot U(+-sqrt(6/(S(l)+S(l+1)))) or He U(+-sqrt(6/S(l)));
 * zero biases. */
int ffnn_init_f32(const ffnn_layer *layers, int32_t n_layers, float *params, uint64_t *rng_state4);
int ffnn_init_f64(const ffnn_layer *layers, int32_t n_layers, double *params, uint64_t *rng_state4);

/* Forward pass over a batch of n samples (n <= the workspace batch); out receives a(L) (n x n_out), may be NULL. */
int ffnn_forward_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, const float *X, int64_t n,
                     int64_t batch, float *out, float *work, int32_t *iwork);
int ffnn_forward_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, const double *X, int64_t n,
                     int64_t batch, double *out, double *work, int32_t *iwork);

/* One sample x (n_in values) forward into out (n_out values): the latency path.  ffnn_forward with n = 1, plus a
 * check that x is finite: FFNN_E_NONFINITE (nothing computed) if any of its values is NaN or infinite, so a caller
 * needs no check of its own.  work / iwork are sized for a batch of `batch` >= 1 samples. */
int ffnn_forward_one_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, const float *x,
                         int64_t batch, float *out, float *work, int32_t *iwork);
int ffnn_forward_one_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, const double *x,
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

/* L1 and L2 penalty on weights (not biases): grads += l1 * sign(W) + l2 * W (sign(0) = 0, the subgradient that
 * leaves an exact zero alone); *penalty = l1 * sum|W| + 0.5 * l2 * sum(W^2). */
int ffnn_penalty_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, float *grads, double l1,
                     double l2, double *penalty);
int ffnn_penalty_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, double *grads, double l1,
                     double l2, double *penalty);

/* ffnn_loss_grad in training mode: every hidden layer with dropout p > 0 keeps each output with probability 1 - p
 * and scales the kept ones by 1 / (1 - p) (inverted dropout), the masks drawn in order (layer by layer, sample by
 * sample, unit by unit) from the xoshiro256** state rng_state4, which is advanced; the same state gives the same
 * masks, so loss and gradient are those of one fixed thinned network (gradient checks).  rng_state4 may be NULL
 * when no layer has dropout (then this is ffnn_loss_grad). */
int ffnn_loss_grad_train_f32(const ffnn_layer *layers, int32_t n_layers, const float *params, float *grads,
                             const float *X, const float *Y, const float *sample_weight, int64_t n, int64_t batch,
                             int32_t loss, double scale, uint64_t *rng_state4, double *loss_sum, float *work,
                             int32_t *iwork);
int ffnn_loss_grad_train_f64(const ffnn_layer *layers, int32_t n_layers, const double *params, double *grads,
                             const double *X, const double *Y, const double *sample_weight, int64_t n,
                             int64_t batch, int32_t loss, double scale, uint64_t *rng_state4, double *loss_sum,
                             double *work, int32_t *iwork);

/* One optimizer step over the flat buffer; state has ffnn_optimizer_state_size elements (zeroed at start). */
int ffnn_step_f32(ffnn_optimizer *opt, float *params, const float *grads, float *state, int64_t n_params);
int ffnn_step_f64(ffnn_optimizer *opt, double *params, const double *grads, double *state, int64_t n_params);

/* Runs ceil(n_order / batch) minibatch steps over the samples X[order[i]], Y[order[i]] in that order.
 * Each step minimises the batch mean of the loss, weighted by sample_weight[order[i]] when it is not NULL
 * (sum(w l) / sum(w); a batch whose weights sum to 0 makes no update).
 * Each step's gradient includes the penalty l1 * sum|W| + 0.5 * l2 * sum(W^2) (ffnn_penalty), and hidden layers with
 * dropout are thinned as in ffnn_loss_grad_train, the masks drawn from rng_state4 (advanced; the masks of a step are
 * drawn on the calling thread, so results are bitwise identical at any thread count); rng_state4 may be NULL when
 * no layer has dropout.
 * *loss_sum receives the sum over processed samples of w times the per-sample loss (plus each step's penalty
 * times the batch's weight sum), *n_done the number of samples processed.  If n_correct is not NULL it receives the number of
 * correctly classified samples of the forward passes (softmax: the argmax matches; sigmoid: every output is on the
 * right side of 0.5, exact match; 0 for other outputs).  Stops with FFNN_E_NONFINITE, before updating,
 * at the first batch whose loss is not finite. */
int ffnn_train_f32(const ffnn_layer *layers, int32_t n_layers, float *params, float *grads, const float *X,
                   const float *Y, const float *sample_weight, int64_t n_samples, const int64_t *order,
                   int64_t n_order, int64_t batch, int32_t loss, double l2, double l1, uint64_t *rng_state4,
                   ffnn_optimizer *opt, float *opt_state, float *work, int32_t *iwork,
                   double *loss_sum, double *n_correct, int64_t *n_done);
int ffnn_train_f64(const ffnn_layer *layers, int32_t n_layers, double *params, double *grads, const double *X,
                   const double *Y, const double *sample_weight, int64_t n_samples, const int64_t *order,
                   int64_t n_order, int64_t batch, int32_t loss, double l2, double l1, uint64_t *rng_state4,
                   ffnn_optimizer *opt, double *opt_state, double *work, int32_t *iwork,
                   double *loss_sum, double *n_correct, int64_t *n_done);

/* The lecture's primal perceptron: labels y in {-1,+1}; update w += eta*y*x, b += eta*y when y*(w.x+b) <= 0.
 * Runs epochs over the data in order until an epoch makes no update or max_epochs is reached. */
int ffnn_perceptron_f32(const float *X, const float *y, int64_t n, int64_t d, float *w, float *b, double eta,
                        int64_t max_epochs, int64_t *n_updates, int64_t *n_epochs, int32_t *converged);
int ffnn_perceptron_f64(const double *X, const double *y, int64_t n, int64_t d, double *w, double *b, double eta,
                        int64_t max_epochs, int64_t *n_updates, int64_t *n_epochs, int32_t *converged);

#endif
