/* Branch-free float tanh that the compiler vectorises (libm's tanhf is a call per element, and it was the largest
 * single cost of training small tanh networks).  Cephes' tanhf/expf polynomials: within 2 ulp of tanhf. */
#ifndef FFNN_FAST_MATH_H
#define FFNN_FAST_MATH_H
#include <stdint.h>
#include <string.h>

/* exp(x) for x in [0, 18] (what tanh needs): Cephes expf, 2^n put in by the exponent bits. */
static inline float ffnn__expf_small(float x)
{
    const float n = (float)(int32_t)(x * 1.44269504088896341f + 0.5f); /* round; x >= 0 */
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    const float r2 = r * r;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    const float y = p * r2 + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return y * scale;
}

static inline float ffnn__tanhf(float x)
{
    const float ax = x < 0 ? -x : x;
    const float c = ax < 9.0f ? ax : 9.0f; /* tanh(9) rounds to 1 in float */
    const float e = ffnn__expf_small(2.0f * c);
    const float big = 1.0f - 2.0f / (e + 1.0f);
    const float z = x * x;
    float p = -5.70498872745E-3f;
    p = p * z + 2.06390887954E-2f;
    p = p * z - 5.37397155531E-2f;
    p = p * z + 1.33314422036E-1f;
    p = p * z - 3.33332819422E-1f;
    const float small = p * z * x + x;
    const float t = x < 0 ? -big : big;
    return ax < 0.625f ? small : t;
}

#endif
