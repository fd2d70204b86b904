/* Type-independent parts of the core: status texts, layer-table layout and checks, workspace sizes, RNG. */
#include <stddef.h>
#include "ffnn_internal.h"

const char *ffnn_strerror(int status)
{
    switch (status) {
    case FFNN_OK: return "ok";
    case FFNN_E_NULL: return "a required buffer pointer is NULL";
    case FFNN_E_SIZE: return "a size or count is zero, negative or inconsistent, or too large (the parameter or "
                             "workspace count would exceed 2^60 elements)";
    case FFNN_E_ACTIVATION: return "unknown activation, or an activation not allowed in this layer "
                                   "(softmax only on the output layer, maxout only on hidden layers)";
    case FFNN_E_LOSS: return "unknown loss, or a loss that does not fit the output layer "
                             "(cross-entropy losses need a sigmoid or softmax output)";
    case FFNN_E_LAYOUT: return "the layer table does not match the parameter buffer";
    case FFNN_E_NONFINITE: return "the loss became NaN or infinite (training diverged)";
    case FFNN_E_OPTIMIZER: return "unknown optimizer kind or invalid optimizer hyper-parameter";
    case FFNN_E_INDEX: return "a sample index is out of range";
    case FFNN_E_DROPOUT: return "a dropout rate is outside [0, 1), or the output layer has dropout "
                                "(dropout is for hidden layers)";
    default: return "unknown status code";
    }
}

/* ---- the tables (ffnn.h), as arrays indexed by code ---- */

static const struct { const char *name; int32_t where, init; } act_rows[FFNN_N_ACTIVATIONS] = {
#define FFNN__ROW(e, stem, code, where, init) [code] = {#stem, where, init},
    FFNN_ACTIVATIONS(FFNN__ROW)
#undef FFNN__ROW
};
static const struct { const char *name; int32_t fused_output, needs_probability; } loss_rows[FFNN_N_LOSSES] = {
#define FFNN__ROW(e, stem, code, fused, prob) [code] = {#stem, fused, prob},
    FFNN_LOSSES(FFNN__ROW)
#undef FFNN__ROW
};
static const struct { const char *name; int32_t slots; } opt_rows[FFNN_N_OPTIMIZERS] = {
#define FFNN__ROW(e, stem, code, slots) [code] = {#stem, slots},
    FFNN_OPTIMIZERS(FFNN__ROW)
#undef FFNN__ROW
};

static int act_known(int32_t c) { return c >= 0 && c < FFNN_N_ACTIVATIONS && act_rows[c].name; }
static int loss_known(int32_t c) { return c >= 0 && c < FFNN_N_LOSSES && loss_rows[c].name; }
static int opt_known(int32_t c) { return c >= 0 && c < FFNN_N_OPTIMIZERS && opt_rows[c].name; }

int32_t ffnn_activation_count(void) { return FFNN_N_ACTIVATIONS; }
const char *ffnn_activation_name(int32_t c) { return act_known(c) ? act_rows[c].name : NULL; }
int32_t ffnn_activation_where(int32_t c) { return act_known(c) ? act_rows[c].where : 0; }
int32_t ffnn_activation_init(int32_t c) { return act_known(c) ? act_rows[c].init : -1; }
int32_t ffnn_loss_count(void) { return FFNN_N_LOSSES; }
const char *ffnn_loss_name(int32_t c) { return loss_known(c) ? loss_rows[c].name : NULL; }
int32_t ffnn_loss_fused_output(int32_t c) { return loss_known(c) ? loss_rows[c].fused_output : -1; }
int32_t ffnn_optimizer_count(void) { return FFNN_N_OPTIMIZERS; }
const char *ffnn_optimizer_name(int32_t c) { return opt_known(c) ? opt_rows[c].name : NULL; }
int32_t ffnn_optimizer_slots(int32_t c) { return opt_known(c) ? opt_rows[c].slots : -1; }

int ffnn__fused(int32_t act, int32_t loss) { return loss_known(loss) && loss_rows[loss].fused_output == act; }

int ffnn__elementwise(int32_t act)
{
    if (!act_known(act)) return 0;
    switch ((ffnn_activation)act) {
    FFNN__ELEMENTWISE_CASES return 1;
    case FFNN_SOFTMAX:
    case FFNN_MAXOUT: return 0;
    }
    return 0;
}

/* ---- sizes: every product and sum is checked against FFNN__MAX_ELEMS (ffnn_internal.h) ---- */

static int check_layer_kinds(const ffnn_layer *layers, int32_t n_layers)
{
    if (!layers) return FFNN_E_NULL;
    if (n_layers <= 0) return FFNN_E_SIZE;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        if (ly->n_in <= 0 || ly->n_out <= 0) return FFNN_E_SIZE;
        if (l > 0 && layers[l - 1].n_out != ly->n_in) return FFNN_E_SIZE;
        if (!act_known(ly->activation)) return FFNN_E_ACTIVATION;
        const int32_t where = act_rows[ly->activation].where;
        if (!(where & (l == n_layers - 1 ? FFNN_OUTPUT : FFNN_HIDDEN))) return FFNN_E_ACTIVATION;
        if (ly->activation == FFNN_MAXOUT ? ly->pieces < 1 : ly->pieces != 1) return FFNN_E_SIZE;
        if (!(ly->dropout >= 0 && ly->dropout < 1) || (l == n_layers - 1 && ly->dropout != 0)) return FFNN_E_DROPOUT;
    }
    return FFNN_OK;
}

/* The parameter count of a checked table, with w_offset/b_offset written when fill is set or compared when not. */
static int walk_layout(ffnn_layer *fill, const ffnn_layer *layers, int32_t n_layers, int64_t *n_params)
{
    int64_t off = 0, m;
    for (int32_t l = 0; l < n_layers; l++) {
        const int64_t rows = ffnn__rows(&layers[l]); /* < 2^62: a product of two int32 */
        if (fill) fill[l].w_offset = off;
        else if (layers[l].w_offset != off) return FFNN_E_LAYOUT;
        if (!ffnn__mul(rows, layers[l].n_in, &m) || !ffnn__add(off, m, &off)) return FFNN_E_SIZE;
        if (fill) fill[l].b_offset = off;
        else if (layers[l].b_offset != off) return FFNN_E_LAYOUT;
        if (!ffnn__add(off, rows, &off)) return FFNN_E_SIZE;
    }
    *n_params = off;
    return FFNN_OK;
}

int ffnn_layout(ffnn_layer *layers, int32_t n_layers, int64_t *n_params)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    if (!n_params) return FFNN_E_NULL;
    int64_t n;
    if ((st = walk_layout(layers, layers, n_layers, &n))) return st;
    *n_params = n;
    return FFNN_OK;
}

int ffnn_check(const ffnn_layer *layers, int32_t n_layers, int64_t n_params)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    int64_t n;
    if ((st = walk_layout(NULL, layers, n_layers, &n))) return st;
    return n == n_params ? FFNN_OK : FFNN_E_LAYOUT;
}

int ffnn__check_loss(const ffnn_layer *layers, int32_t n_layers, int32_t loss)
{
    if (!loss_known(loss)) return FFNN_E_LOSS;
    const int32_t act = layers[n_layers - 1].activation;
    if (loss_rows[loss].needs_probability && !(act_rows[act].where & FFNN_PROBABILITY)) return FFNN_E_LOSS;
    return FFNN_OK;
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

/* Reals per sample after the layers' z and a: P and Q (2 x maxw), xb (n_in), yb (n_out), wb (1). */
static int64_t scratch_per_sample(const ffnn_layer *layers, int32_t n_layers)
{
    return 2 * ffnn__max_width(layers, n_layers) + layers[0].n_in + layers[n_layers - 1].n_out + 1;
}

int64_t ffnn__dropout_offset(const ffnn_layer *layers, int32_t n_layers, int32_t l, int64_t batch)
{
    int64_t off = ffnn__scratch_offset(layers, n_layers, batch) + batch * scratch_per_sample(layers, n_layers);
    for (int32_t i = 0; i < l; i++)
        if (layers[i].dropout > 0) off += 2 * batch * layers[i].n_out;
    return off;
}

int ffnn__has_dropout(const ffnn_layer *layers, int32_t n_layers)
{
    for (int32_t l = 0; l < n_layers; l++)
        if (layers[l].dropout > 0) return 1;
    return 0;
}

int64_t ffnn__argmax_offset(const ffnn_layer *layers, int32_t l, int64_t batch)
{
    int64_t off = 0;
    for (int32_t i = 0; i < l; i++)
        if (layers[i].activation == FFNN_MAXOUT) off += batch * layers[i].n_out;
    return off;
}

/* The workspace of ffnn__z_offset & co. (see ffnn_internal.h) with every product and sum checked, so that once
 * this succeeds for a batch the unchecked offset helpers cannot overflow for that batch. */
int ffnn__workspace_elems(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int64_t *n_real,
                          int64_t *n_int)
{
    if (batch <= 0) return FFNN_E_SIZE;
    int64_t r = 0, i = 0, m;
    for (int32_t l = 0; l < n_layers; l++) {
        const ffnn_layer *ly = &layers[l];
        if (!ffnn__mul(batch, ffnn__rows(ly) + ly->n_out, &m) || !ffnn__add(r, m, &r)) return FFNN_E_SIZE;
        if (ly->activation == FFNN_MAXOUT && (!ffnn__mul(batch, ly->n_out, &m) || !ffnn__add(i, m, &i)))
            return FFNN_E_SIZE;
    }
    if (!ffnn__mul(batch, scratch_per_sample(layers, n_layers), &m) || !ffnn__add(r, m, &r)) return FFNN_E_SIZE;
    for (int32_t l = 0; l < n_layers; l++) /* dropout layers: mask D and thinned outputs M, B x n_out each */
        if (layers[l].dropout > 0 && (!ffnn__mul(2 * batch, layers[l].n_out, &m) || !ffnn__add(r, m, &r)))
            return FFNN_E_SIZE;
    *n_real = r;
    *n_int = i > 0 ? i : 1; /* never hand out a zero-length buffer */
    return FFNN_OK;
}

int ffnn_workspace_size(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int64_t *n_real, int64_t *n_int)
{
    int st = check_layer_kinds(layers, n_layers);
    if (st) return st;
    if (!n_real || !n_int) return FFNN_E_NULL;
    return ffnn__workspace_elems(layers, n_layers, batch, n_real, n_int);
}

int64_t ffnn_activation_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int32_t l)
{
    int64_t n_real, n_int;
    if (!layers || l < 0 || l >= n_layers || check_layer_kinds(layers, n_layers) ||
        ffnn__workspace_elems(layers, n_layers, batch, &n_real, &n_int))
        return -1;
    return ffnn__a_offset(layers, l, batch);
}

int64_t ffnn_optimizer_state_size(int32_t kind, int64_t n_params)
{
    int64_t n;
    if (!opt_known(kind) || n_params < 0 || !ffnn__mul(opt_rows[kind].slots, n_params, &n)) return -1;
    return n;
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
