#ifndef VOICESHOP_VECTOR_KERNELS_H
#define VOICESHOP_VECTOR_KERNELS_H

/// Inner product of two float vectors of `count` elements. AVX2+FMA when the CPU has them
/// (checked once at run time), a portable loop otherwise.
float voiceshop_dot_f32(const float *a, const float *b, long count);

/// Inner products of `a` with four vectors at once (`out[i] = a · b_i`): `a` is loaded once
/// per chunk and the four sums run in parallel, so a graph search that scores a node's
/// neighbours in fours spends fewer loads and waits less on each sum.
void voiceshop_dot4_f32(const float *a, const float *b0, const float *b1, const float *b2, const float *b3, long count, float *out);

/// Hints the CPU to fetch the `count` floats at `p` into cache (a no-op elsewhere).
void voiceshop_prefetch(const float *p, long count);

/// Inner product of two int8 vectors of `count` elements, in 32 bits (exact while
/// count · 127² fits, about 133,000 elements). Elements must be in -127...127. AVX2 when the CPU
/// has it, a portable loop otherwise.
int voiceshop_dot_i8(const signed char *a, const signed char *b, long count);

/// Inner products of the int8 vector `a` with four int8 vectors at once, as `voiceshop_dot_i8`.
void voiceshop_dot4_i8(
    const signed char *a, const signed char *b0, const signed char *b1, const signed char *b2, const signed char *b3, long count,
    int *out);

/// Hints the CPU to fetch the `bytes` bytes at `p` into cache (a no-op elsewhere).
void voiceshop_prefetch_bytes(const void *p, long bytes);

#endif
