#ifndef VOICESHOP_VECTOR_KERNELS_H
#define VOICESHOP_VECTOR_KERNELS_H

/// Inner product of two float vectors of `count` elements. AVX2+FMA when the CPU has them
/// (checked once at run time), a portable loop otherwise.
float voiceshop_dot_f32(const float *a, const float *b, long count);

/// Hints the CPU to fetch the `count` floats at `p` into cache (a no-op elsewhere).
void voiceshop_prefetch(const float *p, long count);

#endif
