/* Headless test of the C core alone (no Python): central-difference gradient checks for every activation and
 * loss, float32 vs float64, training a tiny problem, the perceptron, and argument validation.
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

static void test_training_xor(void)
{
    ffnn_layer layers[2] = {{2, 4, FFNN_TANH, 1, 0, 0}, {4, 1, FFNN_SIGMOID, 1, 0, 0}};
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
        int st = ffnn_train_f64(layers, 2, p, g, X, Y, NULL, 4, order, 4, 2, FFNN_LOSS_BCE, 0.0, &opt, state, work, iwork,
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
    ffnn_layer bad[2] = {{2, 3, FFNN_SOFTMAX, 1, 0, 0}, {3, 1, FFNN_SIGMOID, 1, 0, 0}};
    int64_t n;
    CHECK(ffnn_layout(bad, 2, &n) == FFNN_E_ACTIVATION, "softmax in a hidden layer accepted");
    ffnn_layer chain[2] = {{2, 3, FFNN_TANH, 1, 0, 0}, {4, 1, FFNN_SIGMOID, 1, 0, 0}};
    CHECK(ffnn_layout(chain, 2, &n) == FFNN_E_SIZE, "broken chain accepted");
    ffnn_layer zero[1] = {{0, 3, FFNN_TANH, 1, 0, 0}};
    CHECK(ffnn_layout(zero, 1, &n) == FFNN_E_SIZE, "zero-size layer accepted");
    ffnn_layer maxout_out[1] = {{2, 3, FFNN_MAXOUT, 2, 0, 0}};
    CHECK(ffnn_layout(maxout_out, 1, &n) == FFNN_E_ACTIVATION, "maxout output accepted");
    ffnn_layer ok[1] = {{2, 1, FFNN_LINEAR, 1, 0, 0}};
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
    CHECK(ffnn_train_f64(ok, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, &opt, NULL, work, iwork, &L, NULL,
                         &done) == FFNN_E_INDEX, "out-of-range sample index accepted");
    opt.kind = 99;
    order[0] = 0;
    CHECK(ffnn_train_f64(ok, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, &opt, NULL, work, iwork, &L, NULL,
                         &done) == FFNN_E_OPTIMIZER, "unknown optimizer accepted");
    CHECK(strlen(ffnn_strerror(FFNN_E_NONFINITE)) > 10 && strlen(ffnn_strerror(12345)) > 0, "strerror");
}

static void test_divergence_is_reported(void)
{
    ffnn_layer ly[1] = {{1, 1, FFNN_LINEAR, 1, 0, 0}};
    int64_t n;
    ffnn_layout(ly, 1, &n);
    double p[2] = {1e200, 0}, g[2], X[1] = {1e200}, Y[1] = {0}, work[64], L;
    int32_t iwork[4];
    int64_t order[1] = {0}, done;
    ffnn_optimizer opt = {0};
    opt.kind = FFNN_OPT_SGD; opt.lr = 0.1;
    int st = ffnn_train_f64(ly, 1, p, g, X, Y, NULL, 1, order, 1, 1, FFNN_LOSS_MSE, 0, &opt, NULL, work, iwork, &L, NULL,
                            &done);
    CHECK(st == FFNN_E_NONFINITE && done == 0 && p[0] == 1e200, "divergence: status %d done %lld", st,
          (long long)done);
}

/* Integer sample weights act like repeated samples: loss and gradient match a batch with duplicated rows. */
static void test_sample_weights(void)
{
    ffnn_layer ly[2] = {{2, 3, FFNN_TANH, 1, 0, 0}, {3, 2, FFNN_SOFTMAX, 1, 0, 0}};
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

int main(void)
{
    int hidden[] = {FFNN_LINEAR, FFNN_SIGMOID, FFNN_TANH, FFNN_RELU, FFNN_SOFTPLUS, FFNN_MAXOUT};
    int outs[][2] = {{FFNN_LINEAR, FFNN_LOSS_MSE}, {FFNN_SIGMOID, FFNN_LOSS_BCE}, {FFNN_SOFTMAX, FFNN_LOSS_CE},
                     {FFNN_SIGMOID, FFNN_LOSS_MSE}, {FFNN_SOFTMAX, FFNN_LOSS_MSE}, {FFNN_TANH, FFNN_LOSS_MSE}};
    for (int h = 0; h < 6; h++)
        for (int o = 0; o < 6; o++) gradient_check(hidden[h], outs[o][0], outs[o][1]);
    test_training_xor();
    test_perceptron();
    test_validation();
    test_divergence_is_reported();
    test_sample_weights();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
