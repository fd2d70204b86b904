/* Branch-free float tanh on vectors (libm's tanhf is a call per element, and it was the largest single cost of
 * training small tanh networks).  Cephes' tanhf/expf polynomials: within 2 ulp of tanhf.  NaN propagates
 * (tanh(NaN) is NaN), +-inf gives +-1. */
#ifndef FFNN_FAST_MATH_H
#define FFNN_FAST_MATH_H
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define FFNN__ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define FFNN__ALWAYS_INLINE static inline
#endif

typedef float ffnn__f8 __attribute__((vector_size(32)));
typedef int32_t ffnn__i8 __attribute__((vector_size(32)));

/* out[0..7] = tanh(in[0..7]) on 8 lanes at once (GCC vector extensions, so it becomes AVX-512/AVX2/SSE code in each
 * instruction set's kernels; always inlined into them).  |x| < 0.625: x + x^3 P(x^2); else 1 - 2 / (exp(2|x|) + 1)
 * with Cephes' expf on [0, 18] (2|x| clamped at 18: tanh(9) rounds to 1), the sign put back, NaN passed through. */
FFNN__ALWAYS_INLINE void ffnn__tanhf8(float *out, const float *in)
{
    ffnn__f8 x, one = (ffnn__f8){0} + 1.0f;
    memcpy(&x, in, sizeof x);
    const ffnn__i8 sign = (ffnn__i8)x & (int32_t)0x80000000;
    const ffnn__f8 ax = (ffnn__f8)((ffnn__i8)x & 0x7fffffff);
    const ffnn__i8 lt9 = ax < 9.0f; /* false for NaN: exp's argument stays finite */
    const ffnn__f8 c = (ffnn__f8)((lt9 & (ffnn__i8)ax) | (~lt9 & (ffnn__i8)((ffnn__f8){0} + 9.0f)));
    const ffnn__f8 t = 2.0f * c;
    const ffnn__i8 ni = __builtin_convertvector(t * 1.44269504088896341f + 0.5f, ffnn__i8); /* round, t >= 0 */
    const ffnn__f8 n = __builtin_convertvector(ni, ffnn__f8);
    ffnn__f8 r = t - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    const ffnn__f8 r2 = r * r;
    ffnn__f8 p = (ffnn__f8){0} + 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    const ffnn__f8 y = p * r2 + r + one;
    const ffnn__f8 e = y * (ffnn__f8)((ni + 127) << 23); /* times 2^n */
    const ffnn__f8 big = one - 2.0f / (e + one);
    const ffnn__f8 z = x * x;
    ffnn__f8 q = (ffnn__f8){0} + -5.70498872745E-3f;
    q = q * z + 2.06390887954E-2f;
    q = q * z - 5.37397155531E-2f;
    q = q * z + 1.33314422036E-1f;
    q = q * z - 3.33332819422E-1f;
    const ffnn__f8 small = q * z * x + x;
    const ffnn__i8 tb = (ffnn__i8)big | sign; /* big >= 0: put x's sign on it */
    const ffnn__i8 lt = ax < 0.625f;
    const ffnn__i8 res = (lt & (ffnn__i8)small) | (~lt & tb);
    const ffnn__i8 num = x == x;              /* NaN in, NaN out */
    const ffnn__f8 o = (ffnn__f8)((num & res) | (~num & (ffnn__i8)x));
    memcpy(out, &o, sizeof o);
}

/* out[i] = tanh(in[i]) for n elements, 8 at a time (the last few through a padded block). */
FFNN__ALWAYS_INLINE void ffnn__tanhf_n(float *out, const float *in, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) ffnn__tanhf8(out + i, in + i);
    if (i < n) {
        float buf[8] = {0};
        memcpy(buf, in + i, sizeof(float) * (size_t)(n - i));
        ffnn__tanhf8(buf, buf);
        memcpy(out + i, buf, sizeof(float) * (size_t)(n - i));
    }
}

static inline float ffnn__tanhf(float x)
{
    float v = x;
    ffnn__tanhf_n(&v, &v, 1);
    return v;
}

#endif
