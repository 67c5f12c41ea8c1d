// Vector kernels for rec-svc's vector index: the inner product that HNSW and the exact scan
// spend their time in. Swift's SIMD types compile for baseline x86-64 (SSE2, no FMA); this
// file adds an AVX2+FMA path chosen at run time, so one binary runs on every x86-64 CPU.
#include "CVectorKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

static int has_avx2_fma = -1;

/// Whether the CPU has AVX2 and FMA (checked once).
static inline int avx2_fma(void) {
    if (__builtin_expect(has_avx2_fma < 0, 0)) {
        __builtin_cpu_init();
        has_avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return has_avx2_fma;
}

/// The sum of the eight lanes.
__attribute__((target("avx2,fma"))) static inline float hsum256(__m256 s) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
    return _mm_cvtss_f32(h);
}

__attribute__((target("avx2,fma"))) static float dot_avx2(const float *a, const float *b, long count) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 32 <= count; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= count; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float total = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < count; i++) total += a[i] * b[i];
    return total;
}

__attribute__((target("avx2,fma"))) static void dot4_avx2(
    const float *a, const float *b0, const float *b1, const float *b2, const float *b3, long count, float *out) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 q = _mm256_loadu_ps(a + i);
        s0 = _mm256_fmadd_ps(q, _mm256_loadu_ps(b0 + i), s0);
        s1 = _mm256_fmadd_ps(q, _mm256_loadu_ps(b1 + i), s1);
        s2 = _mm256_fmadd_ps(q, _mm256_loadu_ps(b2 + i), s2);
        s3 = _mm256_fmadd_ps(q, _mm256_loadu_ps(b3 + i), s3);
    }
    float r0 = hsum256(s0), r1 = hsum256(s1), r2 = hsum256(s2), r3 = hsum256(s3);
    for (; i < count; i++) {
        r0 += a[i] * b0[i];
        r1 += a[i] * b1[i];
        r2 += a[i] * b2[i];
        r3 += a[i] * b3[i];
    }
    out[0] = r0;
    out[1] = r1;
    out[2] = r2;
    out[3] = r3;
}

/// 32 int8 products summed in pairs into eight 32-bit lanes. `maddubs` multiplies unsigned by
/// signed bytes, so a's sign moves onto b: |a| · (b · sign a) = a · b. A pair of products is at
/// most 2 · 127² = 32,258, inside int16.
__attribute__((target("avx2"))) static inline __m256i dot_i8_step(__m256i a, __m256i b) {
    __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

/// The sum of the eight 32-bit lanes.
__attribute__((target("avx2"))) static inline int hsum256_epi32(__m256i s) {
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, _MM_SHUFFLE(1, 0, 3, 2)));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(h);
}

__attribute__((target("avx2"))) static int dot_i8_avx2(const signed char *a, const signed char *b, long count) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    long i = 0;
    for (; i + 64 <= count; i += 64) {
        s0 = _mm256_add_epi32(s0, dot_i8_step(_mm256_loadu_si256((const __m256i *)(a + i)), _mm256_loadu_si256((const __m256i *)(b + i))));
        s1 = _mm256_add_epi32(
            s1, dot_i8_step(_mm256_loadu_si256((const __m256i *)(a + i + 32)), _mm256_loadu_si256((const __m256i *)(b + i + 32))));
    }
    for (; i + 32 <= count; i += 32)
        s0 = _mm256_add_epi32(s0, dot_i8_step(_mm256_loadu_si256((const __m256i *)(a + i)), _mm256_loadu_si256((const __m256i *)(b + i))));
    int total = hsum256_epi32(_mm256_add_epi32(s0, s1));
    for (; i < count; i++) total += (int)a[i] * (int)b[i];
    return total;
}

__attribute__((target("avx2"))) static void dot4_i8_avx2(
    const signed char *a, const signed char *b0, const signed char *b1, const signed char *b2, const signed char *b3, long count,
    int *out) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256(), s2 = _mm256_setzero_si256(), s3 = _mm256_setzero_si256();
    long i = 0;
    for (; i + 32 <= count; i += 32) {
        __m256i q = _mm256_loadu_si256((const __m256i *)(a + i));
        s0 = _mm256_add_epi32(s0, dot_i8_step(q, _mm256_loadu_si256((const __m256i *)(b0 + i))));
        s1 = _mm256_add_epi32(s1, dot_i8_step(q, _mm256_loadu_si256((const __m256i *)(b1 + i))));
        s2 = _mm256_add_epi32(s2, dot_i8_step(q, _mm256_loadu_si256((const __m256i *)(b2 + i))));
        s3 = _mm256_add_epi32(s3, dot_i8_step(q, _mm256_loadu_si256((const __m256i *)(b3 + i))));
    }
    int r0 = hsum256_epi32(s0), r1 = hsum256_epi32(s1), r2 = hsum256_epi32(s2), r3 = hsum256_epi32(s3);
    for (; i < count; i++) {
        r0 += (int)a[i] * (int)b0[i];
        r1 += (int)a[i] * (int)b1[i];
        r2 += (int)a[i] * (int)b2[i];
        r3 += (int)a[i] * (int)b3[i];
    }
    out[0] = r0;
    out[1] = r1;
    out[2] = r2;
    out[3] = r3;
}
#endif

static int dot_i8_portable(const signed char *a, const signed char *b, long count) {
    int total = 0;
    for (long i = 0; i < count; i++) total += (int)a[i] * (int)b[i];
    return total;
}

static float dot_portable(const float *a, const float *b, long count) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
    for (; i + 4 <= count; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    float total = (s0 + s1) + (s2 + s3);
    for (; i < count; i++) total += a[i] * b[i];
    return total;
}

float voiceshop_dot_f32(const float *a, const float *b, long count) {
#if defined(__x86_64__)
    if (avx2_fma()) return dot_avx2(a, b, count);
#endif
    return dot_portable(a, b, count);
}

void voiceshop_dot4_f32(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, long count, float *out) {
#if defined(__x86_64__)
    if (avx2_fma()) {
        dot4_avx2(a, b0, b1, b2, b3, count, out);
        return;
    }
#endif
    out[0] = dot_portable(a, b0, count);
    out[1] = dot_portable(a, b1, count);
    out[2] = dot_portable(a, b2, count);
    out[3] = dot_portable(a, b3, count);
}

void voiceshop_prefetch(const float *p, long count) {
    for (long i = 0; i < count; i += 16) __builtin_prefetch(p + i, 0, 1);
}

int voiceshop_dot_i8(const signed char *a, const signed char *b, long count) {
#if defined(__x86_64__)
    if (avx2_fma()) return dot_i8_avx2(a, b, count);
#endif
    return dot_i8_portable(a, b, count);
}

void voiceshop_dot4_i8(
    const signed char *a, const signed char *b0, const signed char *b1, const signed char *b2, const signed char *b3, long count,
    int *out) {
#if defined(__x86_64__)
    if (avx2_fma()) {
        dot4_i8_avx2(a, b0, b1, b2, b3, count, out);
        return;
    }
#endif
    out[0] = dot_i8_portable(a, b0, count);
    out[1] = dot_i8_portable(a, b1, count);
    out[2] = dot_i8_portable(a, b2, count);
    out[3] = dot_i8_portable(a, b3, count);
}

void voiceshop_prefetch_bytes(const void *p, long bytes) {
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch((const char *)p + i, 0, 1);
}
