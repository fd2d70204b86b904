/* Double-precision exp, tanh, sigmoid and softplus on vectors of 8 lanes (csrc/ffnn_vmath.c compiles them for AVX2
 * and AVX-512 and dispatches between them; libm's scalar calls were most of a float64 tanh network's time).
 * The first part (types and lane helpers) is included once; the second, the functions, once per instruction set:
 * ffnn_vmath.c defines FFNN__VSUFFIX (avx2, avx512) inside each target section and includes this file there, so
 * every function is FFNN__V(name) = name_avx2 / name_avx512, compiled for that section's registers. */
#ifndef FFNN_FAST_MATH_F64_H
#define FFNN_FAST_MATH_F64_H
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define FFNN__ALWAYS_INLINE_D static inline __attribute__((always_inline))
#else
#define FFNN__ALWAYS_INLINE_D static inline
#endif

/* GCC warns (at the end of each file that includes this) that a 64-byte vector argument's ABI differs without
 * AVX-512: these functions are always inlined, so no call ever passes one */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif
/* Always inlined, and defined once per instruction set (AVX-512: one register per vector, AVX2: two).  Within
 * 2 ulp of the correctly rounded result over the whole double range (measured by
 * tests/test_vector_math.py against long double libm, subnormals, +-inf and NaN included; NaN in, NaN out).  No
 * -ffast-math: the error-free sums below rely on IEEE rounding, with or without FMA contraction.
 *   exp:      Cody-Waite reduction to r + r_lo (|r| <= ln2/2), Taylor series to r^13, summed so that the result
 *             rounds once; 2^n put in by exponent bits as two normal factors (only subnormal results round twice)
 *   tanh:     Cephes' x + x^3 P(x^2)/Q(x^2) below 0.625, 1 - 2/(exp(2|x|) + 1) above, sign put back
 *   sigmoid:  num / (1 + e), e = exp(-|x|) as a double-double, num = 1 (x >= 0) or e, with the rounding of 1 + e
 *             and of the quotient (an exact FMA residual) taken back: no overflow, subnormal tails
 *   softplus: max(x, 0) + log1p(exp(-|x|)), fdlibm's log polynomial plus log1p's correction term */
typedef double ffnn__d8 __attribute__((vector_size(64)));
typedef int64_t ffnn__l8 __attribute__((vector_size(64)));

FFNN__ALWAYS_INLINE_D ffnn__d8 ffnn__d8_splat(double x) { return (ffnn__d8){0} + x; }
FFNN__ALWAYS_INLINE_D ffnn__d8 ffnn__d8_select(ffnn__l8 mask, ffnn__d8 a, ffnn__d8 b)
{
    return (ffnn__d8)((mask & (ffnn__l8)a) | (~mask & (ffnn__l8)b));
}
FFNN__ALWAYS_INLINE_D ffnn__d8 ffnn__d8_abs(ffnn__d8 x) { return (ffnn__d8)((ffnn__l8)x & INT64_MAX); }

typedef double ffnn__d4 __attribute__((vector_size(32)));
typedef int64_t ffnn__l4 __attribute__((vector_size(32)));
#define FFNN__D8_K(x) ffnn__d8_splat(x)
#define FFNN__VCAT2(a, b) a##_##b
#define FFNN__VCAT(a, b) FFNN__VCAT2(a, b)
#define FFNN__V(name) FFNN__VCAT(name, FFNN__VSUFFIX)


/* round-to-nearest integer of |x| < 2^51 as a double, and the bits that give 2^n for such an integer n */
#define FFNN__SHIFTER 0x1.8p52
FFNN__ALWAYS_INLINE_D ffnn__d8 ffnn__d8_round(ffnn__d8 x) { return (x + FFNN__SHIFTER) - FFNN__SHIFTER; }
FFNN__ALWAYS_INLINE_D ffnn__d8 ffnn__d8_pow2(ffnn__d8 n) /* n an integer in [-1022, 1023] */
{
    const ffnn__l8 i = (ffnn__l8)(n + FFNN__SHIFTER) - (ffnn__l8)ffnn__d8_splat(FFNN__SHIFTER);
    return (ffnn__d8)((i + 1023) << 52);
}

/* out[i] = f(in[i]) over n doubles, 8 at a time, the last few through a padded block (so every element gets the
 * same arithmetic wherever it sits).  in and out may be the same array. */
#define FFNN__DEFINE_ARRAY_D(name, f8)                                                                             \
    FFNN__ALWAYS_INLINE_D void name(double *out, const double *in, int64_t n)                                        \
    {                                                                                                              \
        int64_t i = 0;                                                                                             \
        for (; i + 8 <= n; i += 8) {                                                                               \
            ffnn__d8 v;                                                                                            \
            memcpy(&v, in + i, sizeof v);                                                                          \
            v = f8(v);                                                                                             \
            memcpy(out + i, &v, sizeof v);                                                                         \
        }                                                                                                          \
        if (i < n) {                                                                                               \
            ffnn__d8 v = {0};                                                                                      \
            memcpy(&v, in + i, sizeof(double) * (size_t)(n - i));                                                  \
            v = f8(v);                                                                                             \
            memcpy(out + i, &v, sizeof(double) * (size_t)(n - i));                                                 \
        }                                                                                                          \
    }
#endif /* FFNN_FAST_MATH_F64_H */

/* ---- the functions, for the instruction set of the including section ---------------------------------------- */
#ifndef FFNN__VSUFFIX
#error "define FFNN__VSUFFIX (avx2, avx512) inside a target section before including fast_math_f64.h"
#endif

/* Lane masks (all ones where true, NaN compares false) of a OP b.  With AVX-512 a 64-byte compare is one vcmppd.
 * Without it GCC cannot lower a compare of two 64-byte vectors and made it eight vucomisd + cmov; two 32-byte
 * halves are two vcmppd (the same lanes, the same bits). */
#if defined(__AVX512F__)
#define FFNN__D8_CMP(name, OP)                                                                                     \
    FFNN__ALWAYS_INLINE_D ffnn__l8 name(ffnn__d8 a, ffnn__d8 b) { return a OP b; }
#else
#define FFNN__D8_CMP(name, OP)                                                                                     \
    FFNN__ALWAYS_INLINE_D ffnn__l8 name(ffnn__d8 a, ffnn__d8 b)                                                    \
    {                                                                                                              \
        ffnn__d4 a0, a1, b0, b1;                                                                                   \
        memcpy(&a0, &a, sizeof a0);                                                                                \
        memcpy(&a1, (const double *)&a + 4, sizeof a1);                                                            \
        memcpy(&b0, &b, sizeof b0);                                                                                \
        memcpy(&b1, (const double *)&b + 4, sizeof b1);                                                            \
        const ffnn__l4 m0 = a0 OP b0, m1 = a1 OP b1;                                                               \
        ffnn__l8 m;                                                                                                \
        memcpy(&m, &m0, sizeof m0);                                                                                \
        memcpy((int64_t *)&m + 4, &m1, sizeof m1);                                                                 \
        return m;                                                                                                  \
    }
#endif
FFNN__D8_CMP(FFNN__V(ffnn__d8_lt), <)
FFNN__D8_CMP(FFNN__V(ffnn__d8_gt), >)
FFNN__D8_CMP(FFNN__V(ffnn__d8_ge), >=)
FFNN__D8_CMP(FFNN__V(ffnn__d8_eq), ==)
#undef FFNN__D8_CMP

/* a * b + c with one rounding (the residuals below need it exact); GCC defines __AVX512F__ / __FMA__ inside the
 * kernels' target sections, clang does not and gets the lane loop, which it compiles to FMA instructions there */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__d8_fma)(ffnn__d8 a, ffnn__d8 b, ffnn__d8 c)
{
#if defined(__AVX512F__)
    return (ffnn__d8)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif defined(__FMA__)
    ffnn__d8 r;
    for (int h = 0; h < 2; h++) {
        __m256d x, y, z;
        memcpy(&x, (const double *)&a + 4 * h, sizeof x);
        memcpy(&y, (const double *)&b + 4 * h, sizeof y);
        memcpy(&z, (const double *)&c + 4 * h, sizeof z);
        const __m256d o = _mm256_fmadd_pd(x, y, z);
        memcpy((double *)&r + 4 * h, &o, sizeof o);
    }
    return r;
#else
    ffnn__d8 r;
    for (int i = 0; i < 8; i++) r[i] = __builtin_fma(a[i], b[i], c[i]);
    return r;
#endif
}

/* exp(x) as hi + lo (|lo| <= ulp(hi) / 2, the two about 2^-100 from exp(x) where the result is normal):
 * NaN -> NaN, +inf -> +inf, below -745.2 -> 0, above 709.8 -> +inf */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__exp2_d8)(ffnn__d8 x, ffnn__d8 *lo_out)
{
    const ffnn__l8 num = FFNN__V(ffnn__d8_eq)(x, x);
    ffnn__d8 c = x;
    c = ffnn__d8_select(FFNN__V(ffnn__d8_lt)(c, FFNN__D8_K(-746.0)), ffnn__d8_splat(-746.0), c);
    c = ffnn__d8_select(FFNN__V(ffnn__d8_gt)(c, FFNN__D8_K(710.0)), ffnn__d8_splat(710.0), c);
    c = ffnn__d8_select(num, c, ffnn__d8_splat(0.0));
    const ffnn__d8 n = ffnn__d8_round(c * 1.4426950408889634074);
    /* r + r_lo = c - n ln2 to ~2^-100: LN2_HI has 21 trailing zero bits, so n LN2_HI and c - n LN2_HI are exact */
    const ffnn__d8 t = c - n * 6.93147180369123816490e-01;
    const ffnn__d8 r = t - n * 1.90821492927058770002e-10;
    const ffnn__d8 r_lo = (t - r) - n * 1.90821492927058770002e-10;
    /* exp(r) - 1 - r = r^2 q(r), q the Taylor series from 1/2! to 1/13! (truncation below 2^-60) */
    ffnn__d8 q = ffnn__d8_splat(1.0 / 6227020800.0);
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    /* 1 + r = hi + lo exactly (Fast2Sum), so exp(r) = hi + w rounds once; e_lo is what that rounding dropped */
    const ffnn__d8 hi = 1.0 + r, lo = (1.0 - hi) + r;
    const ffnn__d8 w = lo + (r_lo + (r * r) * q);
    const ffnn__d8 e = hi + w, e_lo = (hi - e) + w;
    /* times 2^n as 2^h 2^(n-h), h = round(n/2), both normal: exact, except a result down in the subnormals */
    const ffnn__d8 h = ffnn__d8_round(n * 0.5);
    const ffnn__d8 s1 = ffnn__d8_pow2(h), s2 = ffnn__d8_pow2(n - h);
    *lo_out = ffnn__d8_select(num, (e_lo * s1) * s2, ffnn__d8_splat(0.0));
    return ffnn__d8_select(num, (e * s1) * s2, x);
}

FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__exp_d8)(ffnn__d8 x)
{
    ffnn__d8 lo;
    return FFNN__V(ffnn__exp2_d8)(x, &lo);
}

/* tanh(x): odd, +-inf -> +-1, NaN -> NaN, |x| < 2^-27 -> x */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__tanh_d8)(ffnn__d8 x)
{
    const ffnn__d8 ax = ffnn__d8_abs(x);
    const ffnn__l8 sign = (ffnn__l8)x & INT64_MIN;
    /* |x| >= 0.625: 1 - 2 / (exp(2|x|) + 1); beyond 22 it is 1 to the last bit, and NaN stays out of exp */
    const ffnn__d8 c = ffnn__d8_select(FFNN__V(ffnn__d8_lt)(ax, FFNN__D8_K(22.0)), ax, ffnn__d8_splat(22.0));
    const ffnn__d8 big = 1.0 - 2.0 / (FFNN__V(ffnn__exp_d8)(c + c) + 1.0);
    /* |x| < 0.625: Cephes' x + x^3 P(x^2) / Q(x^2) */
    const ffnn__d8 z = x * x;
    ffnn__d8 P = ffnn__d8_splat(-9.64399179425052238628E-1);
    P = P * z - 9.92877231001918586564E1;
    P = P * z - 1.61468768441708447952E3;
    ffnn__d8 Q = z + 1.12811678491632931402E2;
    Q = Q * z + 2.23548839060100448583E3;
    Q = Q * z + 4.84406305325125486048E3;
    const ffnn__d8 small = (ffnn__d8)((ffnn__l8)ffnn__d8_abs(x + x * z * (P / Q)) | sign); /* tanh(-0) = -0 */
    const ffnn__d8 large = (ffnn__d8)((ffnn__l8)big | sign);
    const ffnn__d8 big_or_nan = ffnn__d8_select(FFNN__V(ffnn__d8_eq)(x, x), large, x);
    return ffnn__d8_select(FFNN__V(ffnn__d8_lt)(ax, FFNN__D8_K(0.625)), small, big_or_nan);
}

/* 1 / (1 + exp(-x)) without overflow: NaN -> NaN, +inf -> 1, -inf -> 0.  num / (1 + e), num = 1 or e, e = exp(-|x|)
 * as a double-double, the rounding of 1 + e and of the quotient taken back (so the result rounds about once). */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__sigmoid_d8)(ffnn__d8 x)
{
    ffnn__d8 e_lo;
    const ffnn__d8 e = FFNN__V(ffnn__exp2_d8)(-ffnn__d8_abs(x), &e_lo); /* in [0, 1]; NaN for NaN */
    const ffnn__l8 pos = FFNN__V(ffnn__d8_ge)(x, FFNN__D8_K(0.0));
    const ffnn__d8 d = 1.0 + e, de = ((1.0 - d) + e) + e_lo;   /* 1 + e = d + de (Fast2Sum, 1 >= e) */
    const ffnn__d8 num = ffnn__d8_select(pos, ffnn__d8_splat(1.0), e);
    const ffnn__d8 num_lo = ffnn__d8_select(pos, ffnn__d8_splat(0.0), e_lo);
    const ffnn__d8 q = num / d;
    const ffnn__d8 rho = FFNN__V(ffnn__d8_fma)(-q, d, num);              /* num - q d, exactly */
    return q + ((rho + num_lo) - q * de) / d;
}

/* log1p(t) for t in [0, 1] (what softplus needs): u = 1 + t = 2^k f, f in [sqrt(2)/2, sqrt(2)), fdlibm's log(f),
 * plus the rounding of 1 + t, (t - (u - 1)) / u, put back. */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__log1p01_d8)(ffnn__d8 t)
{
    const ffnn__d8 u = 1.0 + t;
    const ffnn__l8 hi = FFNN__V(ffnn__d8_ge)(u, FFNN__D8_K(1.41421356237309504880));
    const ffnn__d8 k = ffnn__d8_select(hi, ffnn__d8_splat(1.0), ffnn__d8_splat(0.0));
    const ffnn__d8 f = ffnn__d8_select(hi, u * 0.5, u) - 1.0; /* exact */
    const ffnn__d8 corr = (t - (u - 1.0)) / u;
    const ffnn__d8 s = f / (2.0 + f);
    const ffnn__d8 z = s * s, w = z * z;
    const ffnn__d8 t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
    const ffnn__d8 t2 = z * (6.666666666666735130e-01 +
                             w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 +
                                                                  w * 1.479819860511658591e-01)));
    const ffnn__d8 R = t2 + t1;
    const ffnn__d8 hfsq = 0.5 * f * f;
    return k * 6.93147180369123816490e-01 -
           ((hfsq - (s * (hfsq + R) + (k * 1.90821492927058770002e-10 + corr))) - f);
}

/* max(x, 0) + log1p(exp(-|x|)): NaN -> NaN, +inf -> +inf, -inf -> 0 */
FFNN__ALWAYS_INLINE_D ffnn__d8 FFNN__V(ffnn__softplus_d8)(ffnn__d8 x)
{
    const ffnn__d8 ax = ffnn__d8_abs(x);
    const ffnn__d8 e = FFNN__V(ffnn__exp_d8)(-ax);
    const ffnn__d8 pos = ffnn__d8_select(FFNN__V(ffnn__d8_gt)(x, FFNN__D8_K(0.0)), x, ffnn__d8_splat(0.0));
    return ffnn__d8_select(FFNN__V(ffnn__d8_eq)(x, x), pos + FFNN__V(ffnn__log1p01_d8)(e), x);
}

FFNN__DEFINE_ARRAY_D(FFNN__V(ffnn__exp_nd), FFNN__V(ffnn__exp_d8))
FFNN__DEFINE_ARRAY_D(FFNN__V(ffnn__tanh_nd), FFNN__V(ffnn__tanh_d8))
FFNN__DEFINE_ARRAY_D(FFNN__V(ffnn__sigmoid_nd), FFNN__V(ffnn__sigmoid_d8))
FFNN__DEFINE_ARRAY_D(FFNN__V(ffnn__softplus_nd), FFNN__V(ffnn__softplus_d8))

/* dz[i] = d[i] * sigmoid(z[i]) (softplus' backward); dz may be d */
FFNN__ALWAYS_INLINE_D void FFNN__V(ffnn__sigmoid_mul_nd)(double *dz, const double *d, const double *z, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        ffnn__d8 v, g;
        memcpy(&v, z + i, sizeof v);
        memcpy(&g, d + i, sizeof g);
        v = g * FFNN__V(ffnn__sigmoid_d8)(v);
        memcpy(dz + i, &v, sizeof v);
    }
    if (i < n) {
        ffnn__d8 v = {0}, g = {0};
        memcpy(&v, z + i, sizeof(double) * (size_t)(n - i));
        memcpy(&g, d + i, sizeof(double) * (size_t)(n - i));
        v = g * FFNN__V(ffnn__sigmoid_d8)(v);
        memcpy(dz + i, &v, sizeof(double) * (size_t)(n - i));
    }
}


