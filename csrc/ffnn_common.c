/* Type-independent parts of the core: status texts, layer-table layout and checks, workspace sizes, RNG. */
#include <stddef.h>
#include "ffnn_internal.h"

const char *ffnn_strerror(int status)
{
    switch (status) {
    case FFNN_OK: return "ok";
    case FFNN_E_NULL: return "a required buffer pointer is NULL";
    case FFNN_E_SIZE: return "a size or count is zero, negative or inconsistent";
    case FFNN_E_ACTIVATION: return "unknown activation, or an activation not allowed in this layer "
                                   "(softmax only on the output layer, maxout only on hidden layers)";
    case FFNN_E_LOSS: return "unknown loss, or a loss that does not fit the output layer "
                             "(cross-entropy losses need a sigmoid or softmax output)";
    case FFNN_E_LAYOUT: return "the layer table does not match the parameter buffer";
    case FFNN_E_NONFINITE: return "the loss became NaN or infinite (training diverged)";
    case FFNN_E_OPTIMIZER: return "unknown optimizer kind or invalid optimizer hyper-parameter";
    case FFNN_E_INDEX: return "a sample index is out of range";
    default: return "unknown status code";
    }
}

static int check_layer_kinds(const ffnn_layer *layers, int32_t n_layers)
{
    if (!layers) return FFNN_E_NULL;
    if (n_layers <= 0) return FFNN_E_SIZE;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        if (ly->n_in <= 0 || ly->n_out <= 0) return FFNN_E_SIZE;
        if (l > 0 && layers[l - 1].n_out != ly->n_in) return FFNN_E_SIZE;
        if (ly->activation < FFNN_LINEAR || ly->activation > FFNN_MAXOUT) return FFNN_E_ACTIVATION;
        if (ly->activation == FFNN_SOFTMAX && l != n_layers - 1) return FFNN_E_ACTIVATION;
        if (ly->activation == FFNN_MAXOUT) {
            if (l == n_layers - 1) return FFNN_E_ACTIVATION;
            if (ly->pieces < 1) return FFNN_E_SIZE;
        } else if (ly->pieces != 1) {
            return FFNN_E_SIZE;
        }
    }
    return FFNN_OK;
}

int ffnn_layout(ffnn_layer *layers, int32_t n_layers, int64_t *n_params)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    if (!n_params) return FFNN_E_NULL;
    int64_t off = 0;
    for (int32_t l = 0; l < n_layers; l++) {
        int64_t rows = ffnn__rows(&layers[l]);
        layers[l].w_offset = off;
        off += rows * layers[l].n_in;
        layers[l].b_offset = off;
        off += rows;
    }
    *n_params = off;
    return FFNN_OK;
}

int ffnn_check(const ffnn_layer *layers, int32_t n_layers, int64_t n_params)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    int64_t off = 0;
    for (int32_t l = 0; l < n_layers; l++) {
        int64_t rows = ffnn__rows(&layers[l]);
        if (layers[l].w_offset != off) return FFNN_E_LAYOUT;
        off += rows * layers[l].n_in;
        if (layers[l].b_offset != off) return FFNN_E_LAYOUT;
        off += rows;
    }
    return off == n_params ? FFNN_OK : FFNN_E_LAYOUT;
}

int ffnn__check_loss(const ffnn_layer *layers, int32_t n_layers, int32_t loss)
{
    int32_t act = layers[n_layers - 1].activation;
    switch (loss) {
    case FFNN_LOSS_MSE: return FFNN_OK;
    case FFNN_LOSS_BCE:
    case FFNN_LOSS_CE: return (act == FFNN_SIGMOID || act == FFNN_SOFTMAX) ? FFNN_OK : FFNN_E_LOSS;
    default: return FFNN_E_LOSS;
    }
}

int64_t ffnn__z_offset(const ffnn_layer *layers, int32_t l, int64_t batch)
{
    int64_t off = 0;
    for (int32_t i = 0; i < l; i++) off += batch * (ffnn__rows(&layers[i]) + layers[i].n_out);
    return off;
}

int64_t ffnn__a_offset(const ffnn_layer *layers, int32_t l, int64_t batch)
{
    return ffnn__z_offset(layers, l, batch) + batch * ffnn__rows(&layers[l]);
}

int64_t ffnn__max_width(const ffnn_layer *layers, int32_t n_layers)
{
    int64_t w = 0;
    for (int32_t l = 0; l < n_layers; l++) {
        if (ffnn__rows(&layers[l]) > w) w = ffnn__rows(&layers[l]);
        if (layers[l].n_in > w) w = layers[l].n_in;
    }
    return w;
}

int64_t ffnn__scratch_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch)
{
    return ffnn__z_offset(layers, n_layers, batch);
}

int64_t ffnn__argmax_offset(const ffnn_layer *layers, int32_t l, int64_t batch)
{
    int64_t off = 0;
    for (int32_t i = 0; i < l; i++)
        if (layers[i].activation == FFNN_MAXOUT) off += batch * layers[i].n_out;
    return off;
}

int ffnn_workspace_size(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int64_t *n_real, int64_t *n_int)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    if (!n_real || !n_int) return FFNN_E_NULL;
    if (batch <= 0) return FFNN_E_SIZE;
    int64_t maxw = ffnn__max_width(layers, n_layers);
    *n_real = ffnn__scratch_offset(layers, n_layers, batch) + 2 * batch * maxw
              + batch * layers[0].n_in + batch * layers[n_layers - 1].n_out + batch;
    *n_int = ffnn__argmax_offset(layers, n_layers, batch);
    if (*n_int == 0) *n_int = 1; /* never hand out a zero-length buffer */
    return FFNN_OK;
}

int64_t ffnn_activation_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int32_t l)
{
    if (!layers || l < 0 || l >= n_layers || batch <= 0) return -1;
    return ffnn__a_offset(layers, l, batch);
}

int64_t ffnn_optimizer_state_size(int32_t kind, int64_t n_params)
{
    switch (kind) {
    case FFNN_OPT_SGD: return 0;
    case FFNN_OPT_MOMENTUM:
    case FFNN_OPT_NESTEROV: return n_params;
    case FFNN_OPT_ADAM:
    case FFNN_OPT_RPROP: return 2 * n_params;
    default: return -1;
    }
}

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void ffnn_rng_seed(uint64_t *state4, uint64_t seed)
{
    if (!state4) return;
    for (int i = 0; i < 4; i++) state4[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
uint64_t ffnn__rng_next(uint64_t *s)
{
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = rotl(s[3], 45);
    return result;
}
