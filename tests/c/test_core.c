/* Headless test of the C core alone (no Python): central-difference gradient checks for every activation and
 * loss, float32 vs float64, training a tiny problem, the perceptron, argument validation, the tables, NaN
 * propagation, and a bounded fuzz of the size checks against 128-bit reference arithmetic.
 * Built and run by tests/test_c_core.py (also under AddressSanitizer + UBSan).  Exit status 0 = all passed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ffnn.h"

static int failures = 0, checks = 0;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; printf("FAIL %s:%d: ", __FILE__, __LINE__); \
    printf(__VA_ARGS__); printf("\n"); } } while (0)

static double uniform(uint64_t *s) { /* tiny LCG for test data only */
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * 0x1.0p-53;
}

typedef struct { ffnn_layer layers[4]; int n_layers; int64_t n_params; } net_t;

static net_t make_net(int n_in, int hidden_act, int pieces, int out_act, int n_out)
{
    net_t net;
    memset(&net, 0, sizeof net);
    int sizes[3] = {n_in, 4, 3};
    net.n_layers = 3;
    for (int l = 0; l < 2; l++) {
        net.layers[l].n_in = sizes[l];
        net.layers[l].n_out = sizes[l + 1];
        net.layers[l].activation = hidden_act;
        net.layers[l].pieces = hidden_act == FFNN_MAXOUT ? pieces : 1;
    }
    net.layers[2].n_in = 3;
    net.layers[2].n_out = n_out;
    net.layers[2].activation = out_act;
    net.layers[2].pieces = 1;
    int st = ffnn_layout(net.layers, net.n_layers, &net.n_params);
    CHECK(st == FFNN_OK, "layout: %s", ffnn_strerror(st));
    return net;
}

static void gradient_check(int hidden_act, int out_act, int loss)
{
    const int n = 5, n_in = 3, n_out = 2;
    net_t net = make_net(n_in, hidden_act, 3, out_act, n_out);
    if (net.n_params <= 0 || net.n_params > 100000) return;
    const size_t np_ = (size_t)net.n_params;
    int64_t nr, ni;
    ffnn_workspace_size(net.layers, net.n_layers, n, &nr, &ni);
    double *p = malloc(sizeof(double) * np_), *g = calloc(np_, sizeof(double));
    double *work = malloc(sizeof(double) * (size_t)nr), X[15], Y[10];
    int32_t *iwork = malloc(sizeof(int32_t) * ni);
    uint64_t s = 12345 + hidden_act * 7 + out_act * 131 + loss;
    for (int64_t i = 0; i < net.n_params; i++) p[i] = (uniform(&s) - 0.5) * 1.2;
    for (int i = 0; i < n * n_in; i++) X[i] = uniform(&s) * 2 - 1;
    for (int i = 0; i < n; i++) {
        int cls = (int)(uniform(&s) * n_out);
        for (int k = 0; k < n_out; k++) Y[i * n_out + k] = loss == FFNN_LOSS_MSE && out_act == FFNN_LINEAR ?
                                                           uniform(&s) : (k == cls);
    }
    double L;
    int st = ffnn_loss_grad_f64(net.layers, net.n_layers, p, g, X, Y, NULL, n, n, loss, 1.0 / n, &L, work, iwork);
    CHECK(st == FFNN_OK, "loss_grad: %s", ffnn_strerror(st));
    double worst = 0;
    for (int64_t i = 0; i < net.n_params; i++) {
        double keep = p[i], lp, lm, h = 1e-6;
        p[i] = keep + h; ffnn_loss_f64(net.layers, net.n_layers, p, X, Y, NULL, n, n, loss, &lp, work, iwork);
        p[i] = keep - h; ffnn_loss_f64(net.layers, net.n_layers, p, X, Y, NULL, n, n, loss, &lm, work, iwork);
        p[i] = keep;
        double num = (lp - lm) / (2 * h) / n, err = fabs(num - g[i]) / fmax(1.0, fabs(num));
        if (err > worst) worst = err;
    }
    CHECK(worst < 1e-6, "gradient hidden=%d out=%d loss=%d: worst relative error %g", hidden_act, out_act, loss,
          worst);

    /* float32 gives the same loss and gradient to single precision */
    float *pf = malloc(sizeof(float) * np_), *gf = calloc(np_, sizeof(float));
    float *workf = malloc(sizeof(float) * (size_t)nr), Xf[15], Yf[10];
    for (int64_t i = 0; i < net.n_params; i++) pf[i] = (float)p[i];
    for (int i = 0; i < 15; i++) Xf[i] = (float)X[i];
    for (int i = 0; i < 10; i++) Yf[i] = (float)Y[i];
    double Lf, gmax = 0;
    ffnn_loss_grad_f32(net.layers, net.n_layers, pf, gf, Xf, Yf, NULL, n, n, loss, 1.0 / n, &Lf, workf, iwork);
    for (int64_t i = 0; i < net.n_params; i++) gmax = fmax(gmax, fabs(gf[i] - g[i]));
    CHECK(fabs(Lf - L) < 1e-4 * fmax(1, fabs(L)) && gmax < 1e-4, "f32 vs f64: loss %g vs %g, grad diff %g", Lf, L,
          gmax);
    free(p); free(g); free(work); free(iwork); free(pf); free(gf); free(workf);
}

/* L1 + L2 penalty and dropout (fixed mask: the same RNG state) against central differences, float64; float32 and
 * float64 draw the same masks; dropout rates are checked; inference never drops. */
static void test_penalty_and_dropout(void)
{
    const int n = 6, n_in = 3, n_out = 2;
    net_t net = make_net(n_in, FFNN_TANH, 1, FFNN_SOFTMAX, n_out);
    net.layers[0].dropout = 0.3;
    net.layers[1].dropout = 0.5;
    const size_t np_ = (size_t)net.n_params;
    int64_t nr, ni;
    CHECK(ffnn_workspace_size(net.layers, net.n_layers, n, &nr, &ni) == FFNN_OK, "dropout workspace");
    double *p = malloc(sizeof(double) * np_), *g = calloc(np_, sizeof(double)), *g0 = calloc(np_, sizeof(double));
    double *work = malloc(sizeof(double) * (size_t)nr), X[18], Y[12];
    int32_t *iwork = malloc(sizeof(int32_t) * ni);
    uint64_t s = 777, seed[4], r[4];
    for (int64_t i = 0; i < net.n_params; i++) p[i] = (uniform(&s) - 0.5) * 1.2;
    p[0] = 0; /* an exact zero: its L1 subgradient is 0 */
    for (int i = 0; i < n * n_in; i++) X[i] = uniform(&s) * 2 - 1;
    for (int i = 0; i < n; i++) for (int k = 0; k < n_out; k++) Y[i * n_out + k] = k == i % n_out;
    ffnn_rng_seed(seed, 42);
    const double l1 = 0.03, l2 = 0.02;
    double L, pen, lp, lm, worst = 0;
    memcpy(r, seed, sizeof r);
    int st = ffnn_loss_grad_train_f64(net.layers, net.n_layers, p, g, X, Y, NULL, n, n, FFNN_LOSS_CE, 1.0 / n, r, &L,
                                      work, iwork);
    CHECK(st == FFNN_OK, "loss_grad_train: %s", ffnn_strerror(st));
    CHECK(memcmp(r, seed, sizeof r) != 0, "the dropout state was not advanced");
    CHECK(ffnn_loss_grad_train_f64(net.layers, net.n_layers, p, g0, X, Y, NULL, n, n, FFNN_LOSS_CE, 1.0, NULL, &lp,
                                   work, iwork) == FFNN_E_NULL, "dropout without an RNG state accepted");
    CHECK(ffnn_penalty_f64(net.layers, net.n_layers, p, g, l1, l2, &pen) == FFNN_OK, "penalty");
    for (int64_t i = 0; i < net.n_params; i++) {
        double keep = p[i], h = 1e-6, pp, pm;
        if (i == 0) continue; /* |W| has no derivative at 0 */
        p[i] = keep + h; memcpy(r, seed, sizeof r);
        memset(g0, 0, sizeof(double) * np_);
        ffnn_loss_grad_train_f64(net.layers, net.n_layers, p, g0, X, Y, NULL, n, n, FFNN_LOSS_CE, 1.0, r, &lp, work,
                                 iwork);
        ffnn_penalty_f64(net.layers, net.n_layers, p, g0, l1, l2, &pp);
        p[i] = keep - h; memcpy(r, seed, sizeof r);
        ffnn_loss_grad_train_f64(net.layers, net.n_layers, p, g0, X, Y, NULL, n, n, FFNN_LOSS_CE, 1.0, r, &lm, work,
                                 iwork);
        ffnn_penalty_f64(net.layers, net.n_layers, p, g0, l1, l2, &pm);
        p[i] = keep;
        double num = ((lp - lm) / n + (pp - pm)) / (2 * h), err = fabs(num - g[i]) / fmax(1.0, fabs(num));
        if (err > worst) worst = err;
    }
    CHECK(worst < 1e-6, "L1 + L2 + dropout gradient: worst relative error %g", worst);
    /* the L1 subgradient at the exact zero is the data gradient alone */
    memcpy(r, seed, sizeof r);
    memset(g0, 0, sizeof(double) * np_);
    ffnn_loss_grad_train_f64(net.layers, net.n_layers, p, g0, X, Y, NULL, n, n, FFNN_LOSS_CE, 1.0 / n, r, &lp, work,
                             iwork);
    CHECK(g[0] == g0[0], "L1 subgradient at W = 0 is not 0: %g vs %g", g[0], g0[0]);

    /* float32 draws the same masks: same loss to single precision */
    float *pf = malloc(sizeof(float) * np_), *gf = calloc(np_, sizeof(float));
    float *workf = malloc(sizeof(float) * (size_t)nr), Xf[18], Yf[12];
    for (int64_t i = 0; i < net.n_params; i++) pf[i] = (float)p[i];
    for (int i = 0; i < 18; i++) Xf[i] = (float)X[i];
    for (int i = 0; i < 12; i++) Yf[i] = (float)Y[i];
    double Lf, penf, gmax = 0;
    memcpy(r, seed, sizeof r);
    ffnn_loss_grad_train_f32(net.layers, net.n_layers, pf, gf, Xf, Yf, NULL, n, n, FFNN_LOSS_CE, 1.0 / n, r, &Lf,
                             workf, iwork);
    ffnn_penalty_f32(net.layers, net.n_layers, pf, gf, l1, l2, &penf);
    for (int64_t i = 0; i < net.n_params; i++) gmax = fmax(gmax, fabs(gf[i] - g[i]));
    CHECK(fabs(Lf - L) < 1e-4 * fmax(1, fabs(L)) && fabs(penf - pen) < 1e-5 && gmax < 1e-4,
          "f32 vs f64 with dropout: loss %g vs %g, penalty %g vs %g, grad diff %g", Lf, L, penf, pen, gmax);

    /* inference ignores dropout: ffnn_loss equals the training loss with every rate 0 */
    double Linf, Lref;
    ffnn_loss_f64(net.layers, net.n_layers, p, X, Y, NULL, n, n, FFNN_LOSS_CE, &Linf, work, iwork);
    net_t plain = net;
    plain.layers[0].dropout = plain.layers[1].dropout = 0;
    ffnn_loss_f64(plain.layers, plain.n_layers, p, X, Y, NULL, n, n, FFNN_LOSS_CE, &Lref, work, iwork);
    CHECK(Linf == Lref && Linf != L, "inference loss %g vs %g (training %g)", Linf, Lref, L);

    /* rates outside [0, 1) and dropout on the output layer are refused */
    net_t bad = net;
    bad.layers[0].dropout = 1.0;
    CHECK(ffnn_check(bad.layers, bad.n_layers, bad.n_params) == FFNN_E_DROPOUT, "dropout 1 accepted");
    bad.layers[0].dropout = -0.1;
    CHECK(ffnn_check(bad.layers, bad.n_layers, bad.n_params) == FFNN_E_DROPOUT, "dropout < 0 accepted");
    bad.layers[0].dropout = NAN;
    CHECK(ffnn_check(bad.layers, bad.n_layers, bad.n_params) == FFNN_E_DROPOUT, "dropout NaN accepted");
    bad.layers[0].dropout = 0;
    bad.layers[2].dropout = 0.2;
    CHECK(ffnn_check(bad.layers, bad.n_layers, bad.n_params) == FFNN_E_DROPOUT, "output dropout accepted");
    CHECK(ffnn_penalty_f64(net.layers, net.n_layers, p, g, -1, 0, &pen) == FFNN_E_SIZE, "negative l1 accepted");
    free(p); free(g); free(g0); free(work); free(iwork); free(pf); free(gf); free(workf);
}

static void test_training_xor(void)
{
    ffnn_layer layers[2] = {{2, 4, FFNN_TANH, 1, 0, 0, 0}, {4, 1, FFNN_SIGMOID, 1, 0, 0, 0}};
    int64_t n_params, nr, ni;
    ffnn_layout(layers, 2, &n_params);
    ffnn_workspace_size(layers, 2, 4, &nr, &ni);
    double *p = malloc(sizeof(double) * n_params), *g = malloc(sizeof(double) * n_params);
    double *state = calloc(2 * n_params, sizeof(double)), *work = malloc(sizeof(double) * nr);
    int32_t *iwork = malloc(sizeof(int32_t) * ni);
    uint64_t rng[4];
    ffnn_rng_seed(rng, 1);
    ffnn_init_f64(layers, 2, p, rng);
    double X[8] = {0, 0, 0, 1, 1, 0, 1, 1}, Y[4] = {0, 1, 1, 0}, loss = 0, correct = 0;
    int64_t order[4] = {0, 1, 2, 3}, done = 0;
    ffnn_optimizer opt;
    memset(&opt, 0, sizeof opt);
    opt.kind = FFNN_OPT_ADAM; opt.lr = 0.05; opt.beta1 = 0.9; opt.beta2 = 0.999; opt.eps = 1e-8;
    for (int epoch = 0; epoch < 500; epoch++) {
        int st = ffnn_train_f64(layers, 2, p, g, X, Y, NULL, 4, order, 4, 2, FFNN_LOSS_BCE, 0.0, 0.0, NULL, &opt, state, work, iwork,
                                &loss, &correct, &done);
        if (st) { CHECK(0, "train: %s", ffnn_strerror(st)); break; }
    }
    CHECK(done == 4 && loss / 4 < 0.05 && correct == 4, "XOR not learned: loss %g correct %g", loss / 4, correct);
    CHECK(opt.t == 1000, "Adam step counter %lld", (long long)opt.t);
    free(p); free(g); free(state); free(work); free(iwork);
}

static void test_perceptron(void)
{
    double X[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {-1, -1, -1, 1}, w[2] = {0, 0}, b = 0;
    int64_t updates, epochs;
    int32_t conv;
    int st = ffnn_perceptron_f64(X, y, 4, 2, w, &b, 1.0, 100, &updates, &epochs, &conv);
    CHECK(st == FFNN_OK && conv == 1 && updates > 0, "perceptron AND: st %d conv %d", st, conv);
    for (int i = 0; i < 4; i++) CHECK(y[i] * (w[0] * X[2 * i] + w[1] * X[2 * i + 1] + b) > 0, "AND sample %d", i);
}

static void test_validation(void)
{
    ffnn_layer bad[2] = {{2, 3, FFNN_SOFTMAX, 1, 0, 0, 0}, {3, 1, FFNN_SIGMOID, 1, 0, 0, 0}};
    int64_t n;
    CHECK(ffnn_layout(bad, 2, &n) == FFNN_E_ACTIVATION, "softmax in a hidden layer accepted");
    ffnn_layer chain[2] = {{2, 3, FFNN_TANH, 1, 0, 0, 0}, {4, 1, FFNN_SIGMOID, 1, 0, 0, 0}};
    CHECK(ffnn_layout(chain, 2, &n) == FFNN_E_SIZE, "broken chain accepted");
    ffnn_layer zero[1] = {{0, 3, FFNN_TANH, 1, 0, 0, 0}};
    CHECK(ffnn_layout(zero, 1, &n) == FFNN_E_SIZE, "zero-size layer accepted");
    ffnn_layer maxout_out[1] = {{2, 3, FFNN_MAXOUT, 2, 0, 0, 0}};
    CHECK(ffnn_layout(maxout_out, 1, &n) == FFNN_E_ACTIVATION, "maxout output accepted");
    ffnn_layer ok[1] = {{2, 1, FFNN_LINEAR, 1, 0, 0, 0}};
    CHECK(ffnn_layout(ok, 1, &n) == FFNN_OK && n == 3, "2-1 layout");
    CHECK(ffnn_check(ok, 1, 4) == FFNN_E_LAYOUT, "wrong n_params accepted");
    double p[3] = {0}, g[3] = {0}, X[2] = {1, 2}, Y[1] = {1}, work[64], L;
    int32_t iwork[4];
    CHECK(ffnn_loss_grad_f64(ok, 1, p, g, X, Y, NULL, 1, 1, FFNN_LOSS_BCE, 1, &L, work, iwork) == FFNN_E_LOSS,
          "bce on a linear output accepted");
    CHECK(ffnn_forward_f64(ok, 1, NULL, X, 1, 1, NULL, work, iwork) == FFNN_E_NULL, "NULL params accepted");
    CHECK(ffnn_forward_f64(ok, 1, p, X, 2, 1, NULL, work, iwork) == FFNN_E_SIZE, "n > batch accepted");
    int64_t order[1] = {5}, done;
    ffnn_optimizer opt = {0};
    opt.kind = FFNN_OPT_SGD; opt.lr = 0.1;
    CHECK(ffnn_train_f64(ok, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, 0.0, NULL, &opt, NULL, work, iwork, &L, NULL,
                         &done) == FFNN_E_INDEX, "out-of-range sample index accepted");
    opt.kind = 99;
    order[0] = 0;
    CHECK(ffnn_train_f64(ok, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, 0.0, NULL, &opt, NULL, work, iwork, &L, NULL,
                         &done) == FFNN_E_OPTIMIZER, "unknown optimizer accepted");
    CHECK(strlen(ffnn_strerror(FFNN_E_NONFINITE)) > 10 && strlen(ffnn_strerror(12345)) > 0, "strerror");
}

static void test_divergence_is_reported(void)
{
    ffnn_layer ly[1] = {{1, 1, FFNN_LINEAR, 1, 0, 0, 0}};
    int64_t n;
    ffnn_layout(ly, 1, &n);
    double p[2] = {1e200, 0}, g[2], X[1] = {1e200}, Y[1] = {0}, work[64], L;
    int32_t iwork[4];
    int64_t order[1] = {0}, done;
    ffnn_optimizer opt = {0};
    opt.kind = FFNN_OPT_SGD; opt.lr = 0.1;
    int st = ffnn_train_f64(ly, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, 0.0, NULL, &opt, NULL, work, iwork, &L, NULL,
                            &done);
    CHECK(st == FFNN_E_NONFINITE && done == 0 && p[0] == 1e200, "divergence: status %d done %lld", st,
          (long long)done);
}

/* Integer sample weights act like repeated samples: loss and gradient match a batch with duplicated rows. */
static void test_sample_weights(void)
{
    ffnn_layer ly[2] = {{2, 3, FFNN_TANH, 1, 0, 0, 0}, {3, 2, FFNN_SOFTMAX, 1, 0, 0, 0}};
    int64_t n_params, nr, ni;
    ffnn_layout(ly, 2, &n_params);
    ffnn_workspace_size(ly, 2, 5, &nr, &ni);
    double p[32], g1[32] = {0}, g2[32] = {0}, *work = malloc(sizeof(double) * (size_t)nr), L1, L2;
    int32_t *iwork = malloc(sizeof(int32_t) * (size_t)ni);
    uint64_t rng[4];
    ffnn_rng_seed(rng, 3);
    ffnn_init_f64(ly, 2, p, rng);
    double X[6] = {0.5, -1, 1, 2, -0.3, 0.1}, Y[6] = {1, 0, 0, 1, 0, 1}, w[3] = {2, 0, 3};
    double Xd[10] = {0.5, -1, 0.5, -1, -0.3, 0.1, -0.3, 0.1, -0.3, 0.1}, Yd[10] = {1, 0, 1, 0, 0, 1, 0, 1, 0, 1};
    int st1 = ffnn_loss_grad_f64(ly, 2, p, g1, X, Y, w, 3, 5, FFNN_LOSS_CE, 1.0 / 5, &L1, work, iwork);
    int st2 = ffnn_loss_grad_f64(ly, 2, p, g2, Xd, Yd, NULL, 5, 5, FFNN_LOSS_CE, 1.0 / 5, &L2, work, iwork);
    double worst = 0;
    for (int64_t i = 0; i < n_params; i++) worst = fmax(worst, fabs(g1[i] - g2[i]));
    CHECK(st1 == FFNN_OK && st2 == FFNN_OK && fabs(L1 - L2) < 1e-12 && worst < 1e-12,
          "weighted vs duplicated: loss %g vs %g, grad diff %g", L1, L2, worst);
    free(work); free(iwork);
}


/* The tables: every code 0..count-1 has a distinct name, codes outside are refused everywhere. */
static void test_tables(void)
{
    CHECK(ffnn_activation_count() == FFNN_N_ACTIVATIONS && ffnn_loss_count() == FFNN_N_LOSSES &&
          ffnn_optimizer_count() == FFNN_N_OPTIMIZERS, "counts");
    for (int32_t c = 0; c < ffnn_activation_count(); c++) {
        const char *name = ffnn_activation_name(c);
        CHECK(name != NULL && ffnn_activation_where(c) != 0 && ffnn_activation_init(c) >= 0, "activation %d", c);
        for (int32_t d = 0; d < c && name; d++) CHECK(strcmp(name, ffnn_activation_name(d)) != 0, "dup %s", name);
    }
    for (int32_t c = 0; c < ffnn_loss_count(); c++)
        CHECK(ffnn_loss_name(c) != NULL && ffnn_loss_fused_output(c) >= 0, "loss %d", c);
    for (int32_t c = 0; c < ffnn_optimizer_count(); c++)
        CHECK(ffnn_optimizer_name(c) != NULL && ffnn_optimizer_slots(c) >= 0, "optimizer %d", c);
    CHECK(ffnn_activation_name(-1) == NULL && ffnn_activation_name(FFNN_N_ACTIVATIONS) == NULL &&
          ffnn_activation_where(FFNN_N_ACTIVATIONS) == 0 && ffnn_activation_init(-1) == -1, "unknown activation");
    CHECK(ffnn_loss_name(FFNN_N_LOSSES) == NULL && ffnn_optimizer_name(-1) == NULL &&
          ffnn_optimizer_slots(FFNN_N_OPTIMIZERS) == -1, "unknown loss/optimizer");
    CHECK(!strcmp(ffnn_activation_name(FFNN_LEAKY_RELU), "leaky_relu") && !strcmp(ffnn_activation_name(FFNN_ELU), "elu")
          && !strcmp(ffnn_loss_name(FFNN_LOSS_BCE), "bce") && ffnn_optimizer_slots(FFNN_OPT_ADAM) == 2, "rows");
    CHECK(!(ffnn_activation_where(FFNN_SOFTMAX) & FFNN_HIDDEN) && !(ffnn_activation_where(FFNN_MAXOUT) & FFNN_OUTPUT)
          && ffnn_loss_fused_output(FFNN_LOSS_CE) == FFNN_SOFTMAX, "positions");
    int64_t n;
    int32_t bad_codes[] = {-1, FFNN_N_ACTIVATIONS, 99};
    for (int i = 0; i < 3; i++) {
        ffnn_layer hidden[2] = {{2, 3, bad_codes[i], 1, 0, 0, 0}, {3, 1, FFNN_LINEAR, 1, 0, 0, 0}};
        ffnn_layer out[2] = {{2, 3, FFNN_TANH, 1, 0, 0, 0}, {3, 1, bad_codes[i], 1, 0, 0, 0}};
        CHECK(ffnn_layout(hidden, 2, &n) == FFNN_E_ACTIVATION && ffnn_layout(out, 2, &n) == FFNN_E_ACTIVATION,
              "activation code %d accepted", bad_codes[i]);
    }
    ffnn_layer ok[1] = {{2, 1, FFNN_LINEAR, 1, 0, 0, 0}};
    ffnn_layout(ok, 1, &n);
    double p[3] = {0}, g[3] = {0}, X[2] = {1, 2}, Y[1] = {1}, work[64], L;
    int32_t iwork[4];
    CHECK(ffnn_loss_grad_f64(ok, 1, p, g, X, Y, NULL, 1, 1, FFNN_N_LOSSES, 1, &L, work, iwork) == FFNN_E_LOSS &&
          ffnn_loss_f64(ok, 1, p, X, Y, NULL, 1, 1, -1, &L, work, iwork) == FFNN_E_LOSS, "unknown loss accepted");
    ffnn_optimizer opt = {0};
    opt.kind = FFNN_N_OPTIMIZERS; opt.lr = 0.1;
    CHECK(ffnn_step_f64(&opt, p, g, work, 3) == FFNN_E_OPTIMIZER && ffnn_optimizer_state_size(-1, 3) == -1,
          "unknown optimizer accepted");
}

/* leaky_relu and elu against their formulas, in both precisions, through forward on a 1-1 layer (W = 1, b = 0). */
static void test_new_activations(void)
{
    const double zs[5] = {-3.0, -0.5, 0.0, 0.25, 2.0};
    for (int which = 0; which < 2; which++) {
        const int act = which ? FFNN_ELU : FFNN_LEAKY_RELU;
        ffnn_layer ly[1] = {{1, 1, act, 1, 0, 0, 0}};
        int64_t n;
        CHECK(ffnn_layout(ly, 1, &n) == FFNN_OK && n == 2, "layout");
        double p[2] = {1, 0}, out[5], work[64];
        float pf[2] = {1, 0}, outf[5], Xf[5], workf[64];
        int32_t iwork[4];
        for (int i = 0; i < 5; i++) Xf[i] = (float)zs[i];
        CHECK(ffnn_forward_f64(ly, 1, p, zs, 5, 5, out, work, iwork) == FFNN_OK, "forward");
        CHECK(ffnn_forward_f32(ly, 1, pf, Xf, 5, 5, outf, workf, iwork) == FFNN_OK, "forward f32");
        for (int i = 0; i < 5; i++) {
            const double z = zs[i], want = z > 0 ? z : (which ? expm1(z) : 0.01 * z);
            CHECK(fabs(out[i] - want) <= 1e-15 && fabs(outf[i] - want) <= 1e-6, "%s(%g) = %g / %g, want %g",
                  ffnn_activation_name(act), z, out[i], (double)outf[i], want);
        }
    }
}

/* NaN in, NaN out for every element-wise activation, in both precisions; in the general path (forward) and in the
 * tiny path (a training step on a NaN sample must report a non-finite loss, not learn from a finite one). */
static void test_nan_propagates(void)
{
    const int acts[] = {FFNN_LINEAR, FFNN_SIGMOID, FFNN_TANH, FFNN_RELU, FFNN_SOFTPLUS, FFNN_LEAKY_RELU, FFNN_ELU};
    for (int i = 0; i < 7; i++) {
        ffnn_layer ly[2] = {{1, 8, acts[i], 1, 0, 0, 0}, {8, 1, FFNN_SIGMOID, 1, 0, 0, 0}};
        int64_t n, nr, ni;
        ffnn_layout(ly, 2, &n);
        ffnn_workspace_size(ly, 2, 2, &nr, &ni);
        double p[64], g[64], work[256], X[2] = {NAN, 0.5}, Y[2] = {1, 0}, out[2], L, c;
        float pf[64], gf[64], workf[256], Xf[2] = {NAN, 0.5f}, Yf[2] = {1, 0}, outf[2];
        int32_t iwork[8];
        uint64_t rng[4];
        ffnn_rng_seed(rng, 7);
        ffnn_init_f64(ly, 2, p, rng);
        for (int64_t k = 0; k < n; k++) pf[k] = (float)p[k];
        ffnn_forward_f64(ly, 2, p, X, 2, 2, out, work, iwork);
        ffnn_forward_f32(ly, 2, pf, Xf, 2, 2, outf, workf, iwork);
        CHECK(isnan(out[0]) && isnan(outf[0]) && !isnan(out[1]) && !isnan(outf[1]), "%s(NaN): %g / %g",
              ffnn_activation_name(acts[i]), out[0], (double)outf[0]);
        int64_t order[2] = {0, 1}, done;
        ffnn_optimizer opt = {0};
        opt.kind = FFNN_OPT_SGD; opt.lr = 0.1;
        int st = ffnn_train_f64(ly, 2, p, g, X, Y, NULL, 2, order, 2, 2, FFNN_LOSS_BCE, 0, 0.0, NULL, &opt, NULL, work, iwork,
                                &L, &c, &done);
        int stf = ffnn_train_f32(ly, 2, pf, gf, Xf, Yf, NULL, 2, order, 2, 2, FFNN_LOSS_BCE, 0, 0.0, NULL, &opt, NULL, workf,
                                 iwork, &L, &c, &done);
        CHECK(st == FFNN_E_NONFINITE && stf == FFNN_E_NONFINITE, "%s: training on NaN gave %d / %d",
              ffnn_activation_name(acts[i]), st, stf);
    }
    /* the float tanh: +-inf, large, small and zero arguments */
    ffnn_layer ly[1] = {{1, 1, FFNN_TANH, 1, 0, 0, 0}};
    int64_t n;
    ffnn_layout(ly, 1, &n);
    float pf[2] = {1, 0}, X[9] = {INFINITY, -INFINITY, 20, -20, 1e-30f, -0.3f, 0.7f, -4, 0}, out[9], work[64];
    int32_t iwork[4];
    ffnn_forward_f32(ly, 1, pf, X, 9, 9, out, work, iwork);
    for (int i = 0; i < 9; i++)
        CHECK(fabsf(out[i] - tanhf(X[i])) <= 2.5e-7f * fmaxf(1e-30f, fabsf(tanhf(X[i]))) + 1e-37f,
              "tanhf(%g) = %.9g, libm %.9g", (double)X[i], (double)out[i], (double)tanhf(X[i]));
}

/* The example: the parameter count wraps in int64 without checks. */
static void test_size_overflow(void)
{
    const int32_t sizes[8] = {999, 1000, 2147482649, 2147483647, 2147483647, 2147483647, 2147483647, 1};
    ffnn_layer ly[7];
    for (int l = 0; l < 7; l++) {
        ffnn_layer x = {sizes[l], sizes[l + 1], FFNN_TANH, 1, 0, 0, 0};
        ly[l] = x;
    }
    int64_t n = 12345, nr = 0, ni = 0;
    CHECK(ffnn_layout(ly, 7, &n) == FFNN_E_SIZE && n == 12345, "overflowing table accepted (n_params %lld)",
          (long long)n);
    ffnn_layer wide[2] = {{2147483647, 2147483647, FFNN_MAXOUT, 2147483647, 0, 0, 0}, {2147483647, 1, FFNN_LINEAR, 1, 0, 0, 0}};
    CHECK(ffnn_layout(wide, 2, &n) == FFNN_E_SIZE, "maxout overflow accepted");
    ffnn_layer ok[2] = {{3, 4, FFNN_TANH, 1, 0, 0, 0}, {4, 2, FFNN_LINEAR, 1, 0, 0, 0}};
    CHECK(ffnn_layout(ok, 2, &n) == FFNN_OK && n == 26, "3-4-2 layout");
    CHECK(ffnn_workspace_size(ok, 2, (int64_t)1 << 58, &nr, &ni) == FFNN_E_SIZE, "workspace overflow accepted");
    CHECK(ffnn_workspace_size(ok, 2, 1000, &nr, &ni) == FFNN_OK && nr > 0, "workspace");
    CHECK(ffnn_activation_offset(ok, 2, (int64_t)1 << 62, 1) == -1, "activation offset overflow");
    CHECK(ffnn_optimizer_state_size(FFNN_OPT_ADAM, (int64_t)1 << 60) == -1 &&
          ffnn_optimizer_state_size(FFNN_OPT_SGD, (int64_t)1 << 60) == 0 &&
          ffnn_optimizer_state_size(FFNN_OPT_ADAM, 10) == 20 && ffnn_optimizer_state_size(FFNN_OPT_ADAM, -1) == -1,
          "optimizer state sizes");
    /* a table whose offsets are garbage near INT64_MAX is a layout error, not an overflow */
    ffnn_layer junk[1] = {{2, 1, FFNN_LINEAR, 1, INT64_MAX - 1, INT64_MAX, 0}};
    CHECK(ffnn_check(junk, 1, 3) == FFNN_E_LAYOUT, "junk offsets accepted");
    double p[3] = {0}, X[2] = {1, 2}, work[64];
    int32_t iwork[4];
    CHECK(ffnn_forward_f64(junk, 1, p, X, 1, 1, NULL, work, iwork) == FFNN_E_LAYOUT, "junk offsets in forward");
}

#if defined(__SIZEOF_INT128__)
typedef unsigned __int128 u128;
/* Random layer tables, sizes drawn from small, random 31-bit and extreme values: ffnn_layout and
 * ffnn_workspace_size must agree with exact 128-bit arithmetic (accept iff the count is at most 2^60, and then
 * give exactly that count).  Run under AddressSanitizer + UBSan by tests/test_c_core.py: a wrap is an error. */
static void fuzz_sizes(int rounds)
{
    uint64_t s = 99;
    const u128 limit = (u128)1 << 60;
    int accepted = 0, refused = 0;
    for (int round = 0; round < rounds; round++) {
        ffnn_layer ly[6];
        const int L = 1 + (int)(uniform(&s) * 6);
        int32_t sizes[7];
        for (int i = 0; i <= L; i++) {
            const double u = uniform(&s);
            sizes[i] = u < 0.5 ? 1 + (int32_t)(uniform(&s) * 64) :
                       u < 0.8 ? 1 + (int32_t)(uniform(&s) * 2147483646.0) :
                       u < 0.9 ? 2147483647 - (int32_t)(uniform(&s) * 3) : 1 + (int32_t)(uniform(&s) * 1e6);
        }
        for (int l = 0; l < L; l++) {
            int act = (int)(uniform(&s) * FFNN_N_ACTIVATIONS);
            if (act == FFNN_SOFTMAX && l < L - 1) act = FFNN_TANH;
            if (act == FFNN_MAXOUT && l == L - 1) act = FFNN_LINEAR;
            const int32_t pieces = act == FFNN_MAXOUT ? (uniform(&s) < 0.7 ? 1 + (int32_t)(uniform(&s) * 4)
                                                                           : 1 + (int32_t)(uniform(&s) * 2147483646.0))
                                                      : 1;
            ffnn_layer x = {sizes[l], sizes[l + 1], act, pieces, -1, -1, 0};
            ly[l] = x;
        }
        u128 params = 0;
        for (int l = 0; l < L; l++) params += (u128)ly[l].n_out * (u128)ly[l].pieces * ((u128)ly[l].n_in + 1);
        int64_t n = -7;
        const int st = ffnn_layout(ly, L, &n);
        const int want_ok = params <= limit;
        CHECK(st == (want_ok ? FFNN_OK : FFNN_E_SIZE), "fuzz %d: layout status %d for %.6g parameters", round, st,
              (double)params);
        if (st != FFNN_OK) { refused++; continue; }
        accepted++;
        CHECK((u128)n == params && ffnn_check(ly, L, n) == FFNN_OK, "fuzz %d: n_params %lld", round, (long long)n);
        const int64_t batch = uniform(&s) < 0.5 ? 1 + (int64_t)(uniform(&s) * 1000)
                                                : (int64_t)1 << (int)(uniform(&s) * 62);
        u128 real_ = 0, ints = 0, maxw = 0;
        for (int l = 0; l < L; l++) {
            const u128 rows = (u128)ly[l].n_out * (u128)ly[l].pieces;
            real_ += (u128)batch * (rows + (u128)ly[l].n_out);
            if (ly[l].activation == FFNN_MAXOUT) ints += (u128)batch * (u128)ly[l].n_out;
            if (rows > maxw) maxw = rows;
            if ((u128)ly[l].n_in > maxw) maxw = (u128)ly[l].n_in;
        }
        real_ += (u128)batch * (2 * maxw + (u128)ly[0].n_in + (u128)ly[L - 1].n_out + 1);
        int64_t nr = -1, ni = -1;
        const int ws = ffnn_workspace_size(ly, L, batch, &nr, &ni);
        const int ws_ok = real_ <= limit && ints <= limit;
        CHECK(ws == (ws_ok ? FFNN_OK : FFNN_E_SIZE), "fuzz %d: workspace status %d", round, ws);
        if (ws == FFNN_OK)
            CHECK((u128)nr == real_ && (u128)ni == (ints ? ints : 1), "fuzz %d: workspace %lld / %lld", round,
                  (long long)nr, (long long)ni);
        for (int k = 0; k < FFNN_N_OPTIMIZERS; k++) {
            const int64_t st_size = ffnn_optimizer_state_size(k, n);
            const u128 want = (u128)ffnn_optimizer_slots(k) * (u128)n;
            CHECK(want <= limit ? (u128)st_size == want : st_size == -1, "fuzz %d: state size of %d", round, k);
        }
    }
    CHECK(accepted > rounds / 10 && refused > rounds / 10, "fuzz mix: %d accepted, %d refused", accepted, refused);
}
#else
static void fuzz_sizes(int rounds) { (void)rounds; }
#endif

int main(void)
{
    int hidden[] = {FFNN_LINEAR, FFNN_SIGMOID, FFNN_TANH, FFNN_RELU, FFNN_SOFTPLUS, FFNN_MAXOUT, FFNN_LEAKY_RELU,
                    FFNN_ELU};
    int outs[][2] = {{FFNN_LINEAR, FFNN_LOSS_MSE}, {FFNN_SIGMOID, FFNN_LOSS_BCE}, {FFNN_SOFTMAX, FFNN_LOSS_CE},
                     {FFNN_SIGMOID, FFNN_LOSS_MSE}, {FFNN_SOFTMAX, FFNN_LOSS_MSE}, {FFNN_TANH, FFNN_LOSS_MSE},
                     {FFNN_LEAKY_RELU, FFNN_LOSS_MSE}, {FFNN_ELU, FFNN_LOSS_MSE}};
    for (int h = 0; h < 8; h++)
        for (int o = 0; o < 8; o++) gradient_check(hidden[h], outs[o][0], outs[o][1]);
    test_tables();
    test_new_activations();
    test_nan_propagates();
    test_size_overflow();
    fuzz_sizes(20000);
    test_training_xor();
    test_perceptron();
    test_validation();
    test_divergence_is_reported();
    test_sample_weights();
    test_penalty_and_dropout();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
