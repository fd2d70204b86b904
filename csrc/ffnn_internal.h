/* Internal helpers shared by the common code and the per-type templates.  Not part of the public API. */
#ifndef FFNN_INTERNAL_H
#define FFNN_INTERNAL_H
#include "ffnn.h"

/* `case FFNN_LINEAR: case FFNN_SIGMOID: ...` for every element-wise row of the table, so that a switch over an
 * activation lists every row (no default; -Wswitch names a missing one). */
#define FFNN__CASE_LABEL(e, ...) case e:
#define FFNN__ELEMENTWISE_CASES FFNN_ELEMENTWISE_ACTIVATIONS(FFNN__CASE_LABEL)

/* The largest element count of any buffer (parameters, workspace, state, data): its size in bytes (8 per element)
 * and every offset inside it fit in int64 with room to spare. */
#define FFNN__MAX_ELEMS ((int64_t)1 << 60)

/* *out = a * b and *out = a + b for sizes in [0, FFNN__MAX_ELEMS]; 0 (and *out untouched) if the result would
 * exceed FFNN__MAX_ELEMS.  Plain bound checks: exact for non-negative operands, no compiler builtin needed. */
static inline int ffnn__mul(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || (a != 0 && b > FFNN__MAX_ELEMS / a)) return 0;
    *out = a * b;
    return 1;
}
static inline int ffnn__add(int64_t a, int64_t b, int64_t *out)
{
    if (a < 0 || b < 0 || a > FFNN__MAX_ELEMS - b) return 0;
    *out = a + b;
    return 1;
}

/* Rows of W(l): one per neuron, times the maxout pieces. */
static inline int64_t ffnn__rows(const ffnn_layer *ly) { return (int64_t)ly->n_out * (ly->pieces > 0 ? ly->pieces : 1); }

/* Parameters of a laid-out table: everything up to the end of the last bias (0 for an empty table). */
static inline int64_t ffnn__n_params(const ffnn_layer *layers, int32_t n_layers)
{
    if (!layers || n_layers <= 0) return 0;
    const int64_t b = layers[n_layers - 1].b_offset; /* the caller's value: guard the sum (ffnn_check compares) */
    return b >= 0 && b <= FFNN__MAX_ELEMS ? b + ffnn__rows(&layers[n_layers - 1]) : -1;
}

/* Workspace layout for a batch of B samples (offsets in reals):
 *   for each layer l: z(l) [B x rows(l)], then a(l) [B x n_out(l)]
 *   then P [B x maxw], Q [B x maxw] (back-propagated deltas, ping-pong), xb [B x n_in(0)], yb [B x n_out(L-1)],
 *   wb [B] (the gathered minibatch: inputs, targets, sample weights),
 *   then for each layer l with dropout > 0: its mask D(l) [B x n_out(l)] (0 or 1/(1-p)) and its thinned outputs
 *   M(l) = D(l) * a(l) [B x n_out(l)] (training only; the next layer reads M(l) instead of a(l)).
 * Int workspace: for each maxout layer, argmax [B x n_out(l)] (the winning piece). */
int64_t ffnn__z_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
int64_t ffnn__a_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
int64_t ffnn__max_width(const ffnn_layer *layers, int32_t n_layers);
int64_t ffnn__scratch_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch);
int64_t ffnn__argmax_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
/* Offset of D(l) (then M(l) = D(l) + batch * n_out(l)) of a layer with dropout > 0. */
int64_t ffnn__dropout_offset(const ffnn_layer *layers, int32_t n_layers, int32_t l, int64_t batch);
/* 1 if any layer has dropout > 0. */
int ffnn__has_dropout(const ffnn_layer *layers, int32_t n_layers);
int ffnn__workspace_elems(const ffnn_layer *layers, int32_t n_layers, int64_t batch, int64_t *n_real,
                          int64_t *n_int);
int ffnn__check_loss(const ffnn_layer *layers, int32_t n_layers, int32_t loss);
/* 1 if `loss` on an output layer of activation `act` back-propagates dz = a - y (the loss table's fused_output). */
int ffnn__fused(int32_t act, int32_t loss);
/* 1 for an element-wise activation (a row of FFNN_ELEMENTWISE_ACTIVATIONS), 0 otherwise. */
int ffnn__elementwise(int32_t act);
uint64_t ffnn__rng_next(uint64_t *s);
/* xoshiro256** inline, for loops that keep the state in registers (the same sequence as ffnn__rng_next). */
static inline uint64_t ffnn__rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static inline uint64_t ffnn__xoshiro(uint64_t *s)
{
    const uint64_t result = ffnn__rotl64(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = ffnn__rotl64(s[3], 45);
    return result;
}

#endif
