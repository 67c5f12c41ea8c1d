#include "CEmbeddingsKernels.h"

#include <math.h>

static void gelu_scalar(float *x, long count) {
    for (long i = 0; i < count; i++) x[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f));
}

#if defined(__x86_64__)
#include <immintrin.h>

static int has_avx2_fma;

__attribute__((constructor)) static void CEmbeddingsKernels_detect_cpu(void) {
    __builtin_cpu_init();
    has_avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma"))) static void few_rows_avx2(int m, int n, int k, const float *a, int lda,
                                                              const float *b, int ldb, float *c, int ldc) {
    int p = 0;
    // Four rows of B at a time: they are read from memory for the first row of C and from
    // L1 for the others; each row of C is loaded and stored once per four rows of B.
    for (; p + 4 <= k; p += 4) {
        const float *b0 = b + (long)p * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
        for (int r = 0; r < m; r++) {
            const float *ar = a + (long)r * lda + p;
            __m256 x0 = _mm256_broadcast_ss(ar), x1 = _mm256_broadcast_ss(ar + 1);
            __m256 x2 = _mm256_broadcast_ss(ar + 2), x3 = _mm256_broadcast_ss(ar + 3);
            float *cr = c + (long)r * ldc;
            for (int j = 0; j < n; j += 8) {
                // Two independent chains, so consecutive FMAs do not wait on each other.
                __m256 s0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + j), _mm256_loadu_ps(cr + j));
                __m256 s1 = _mm256_mul_ps(x2, _mm256_loadu_ps(b2 + j));
                s0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(b1 + j), s0);
                s1 = _mm256_fmadd_ps(x3, _mm256_loadu_ps(b3 + j), s1);
                _mm256_storeu_ps(cr + j, _mm256_add_ps(s0, s1));
            }
        }
    }
    for (; p < k; p++) {
        const float *b0 = b + (long)p * ldb;
        for (int r = 0; r < m; r++) {
            __m256 x0 = _mm256_broadcast_ss(a + (long)r * lda + p);
            float *cr = c + (long)r * ldc;
            for (int j = 0; j < n; j += 8) {
                _mm256_storeu_ps(cr + j, _mm256_fmadd_ps(x0, _mm256_loadu_ps(b0 + j), _mm256_loadu_ps(cr + j)));
            }
        }
    }
}

// libmvec (glibc >= 2.35): erff on eight floats, AVX2 variant (vector function ABI name).
__attribute__((target("avx2"))) __m256 _ZGVdN8v_erff(__m256 x);

__attribute__((target("avx2,fma"))) static void gelu_avx2(float *x, long count) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 inv_sqrt2 = _mm256_set1_ps(0.70710678118654752f);
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        __m256 e = _ZGVdN8v_erff(_mm256_mul_ps(v, inv_sqrt2));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, e)));
    }
    gelu_scalar(x + i, count - i);
}

void CEmbeddingsKernels_gelu(float *x, long count) {
    if (has_avx2_fma) {
        gelu_avx2(x, count);
    } else {
        gelu_scalar(x, count);
    }
}

int CEmbeddingsKernels_sgemm_few_rows(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                                      float *c, int ldc) {
    if (!has_avx2_fma || n % 8 != 0 || m <= 0 || k <= 0) return 0;
    few_rows_avx2(m, n, k, a, lda, b, ldb, c, ldc);
    return 1;
}

#else

void CEmbeddingsKernels_gelu(float *x, long count) { gelu_scalar(x, count); }

int CEmbeddingsKernels_sgemm_few_rows(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                                      float *c, int ldc) {
    (void)m, (void)n, (void)k, (void)a, (void)lda, (void)b, (void)ldb, (void)c, (void)ldc;
    return 0;
}

#endif
