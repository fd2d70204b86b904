/* Internal helpers shared by the common code and the per-type templates.  Not part of the public API. */
#ifndef FFNN_INTERNAL_H
#define FFNN_INTERNAL_H
#include "ffnn.h"

/* Rows of W(l): one per neuron, times the maxout pieces. */
static inline int64_t ffnn__rows(const ffnn_layer *ly) { return (int64_t)ly->n_out * (ly->pieces > 0 ? ly->pieces : 1); }

/* Parameters of a laid-out table: everything up to the end of the last bias (0 for an empty table). */
static inline int64_t ffnn__n_params(const ffnn_layer *layers, int32_t n_layers)
{
    return layers && n_layers > 0 ? layers[n_layers - 1].b_offset + ffnn__rows(&layers[n_layers - 1]) : 0;
}

/* Workspace layout for a batch of B samples (offsets in reals):
 *   for each layer l: z(l) [B x rows(l)], then a(l) [B x n_out(l)]
 *   then P [B x maxw], Q [B x maxw] (back-propagated deltas, ping-pong), xb [B x n_in(0)], yb [B x n_out(L-1)],
 *   wb [B] (the gathered minibatch: inputs, targets, sample weights).
 * Int workspace: for each maxout layer, argmax [B x n_out(l)] (the winning piece). */
int64_t ffnn__z_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
int64_t ffnn__a_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
int64_t ffnn__max_width(const ffnn_layer *layers, int32_t n_layers);
int64_t ffnn__scratch_offset(const ffnn_layer *layers, int32_t n_layers, int64_t batch);
int64_t ffnn__argmax_offset(const ffnn_layer *layers, int32_t l, int64_t batch);
int ffnn__check_loss(const ffnn_layer *layers, int32_t n_layers, int32_t loss);
uint64_t ffnn__rng_next(uint64_t *s);

#endif
