#ifndef C_EMBEDDINGS_KERNELS_H
#define C_EMBEDDINGS_KERNELS_H

/// C[m×n] += A[m×k] · B[k×n], all row-major float32, for a few rows (a query's handful of
/// tokens), with AVX2 and FMA. It reads B once, front to back, four rows at a time, keeping
/// C in L1/L2: with few rows the product is bound by reading the weights from memory, and
/// OpenBLAS's sgemm first copies B into packed panels, which costs about twice as much.
/// Returns 1 when done; 0, having done nothing, when the CPU lacks AVX2/FMA or n is not a
/// multiple of 8 (the caller then uses cblas_sgemm).
int CEmbeddingsKernels_sgemm_few_rows(int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                                      float *c, int ldc);

/// x = GELU(x) = x · (1 + erf(x / √2)) / 2 for `count` floats, with the exact error function:
/// glibc's erff, eight at a time through libmvec's AVX2 variant when the CPU has AVX2.
void CEmbeddingsKernels_gelu(float *x, long count);

#endif
