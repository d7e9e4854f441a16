// Lectern's native CPU kernels at 256 bits, compiled twice (kernels/cpu/build.sh):
//  - AVX2 + FMA + F16C (Haswell class: every x86-64 CPU of the last ten years), names ending in _avx2;
//  - the same with AVX-VNNI (-DLECTERN_AVXVNNI: Intel 12th generation and later, AMD Zen 5), names ending in
//    _avxvnni. The only difference is the int8 multiply-add: AVX2 multiplies unsigned by signed bytes into
//    16-bit pairs (vpmaddubsw) and widens with vpmaddwd; AVX-VNNI does both in one vpdpbusd.
// See lectern_cpu.h for the weight layouts (row-interleaved groups of R = 8 rows here) and avx512.c for the
// 512-bit twins.

#include <immintrin.h>
#include <math.h>

#include "lectern_cpu.h"

#ifdef LECTERN_AVXVNNI
#define NAME(kernel) kernel##_avxvnni
#else
#define NAME(kernel) kernel##_avx2
#endif

// Rows per interleaved group: 8 int32 lanes of a ymm.
#define R 8

int NAME(lectern_packed_rows)(void) { return R; }

static inline float hsum_ps(__m256 v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    a = _mm_add_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

static inline float hmax_ps(__m256 v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    a = _mm_max_ss(a, _mm_movehdup_ps(a));
    return _mm_cvtss_f32(a);
}

static inline int32_t hsum_epi32(__m256i v) {
    __m128i a = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0x4e));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, 0xb1));
    return _mm_cvtsi128_si32(a);
}

// 32 int32 values (each within -128..127) as 32 bytes in order: the packs work inside 128-bit lanes, the
// permute puts the lanes' quarters back in order (as ggml's AVX2 quantizers do).
static inline __m256i pack_bytes(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i words = _mm256_packs_epi16(_mm256_packs_epi32(a, b), _mm256_packs_epi32(c, d));
    return _mm256_permutevar8x32_epi32(words, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Rounds `rows` rows of `columns` floats (columns a multiple of 256) to Q8_K, exactly as ggml's
// quantize_row_q8_K: per block of 256, the value of largest magnitude (the first, on a tie) maps to -127,
// the others to round-to-nearest-even of value * (-127 / that value), capped at 127; d = 1 / multiplier.
void NAME(lectern_quantize_q8_k)(const float *x, int64_t rows, int64_t columns, int8_t *q, float *d,
                                 int16_t *sums) {
    const int64_t blocks = rows * (columns / QK);
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < blocks; b++) {
        const float *xb = x + b * QK;
        int8_t *qb = q + b * QK;
        __m256 amax8 = _mm256_setzero_ps();
        for (int j = 0; j < QK; j += 8) {
            amax8 = _mm256_max_ps(amax8, _mm256_andnot_ps(sign_bit, _mm256_loadu_ps(xb + j)));
        }
        const float amax = hmax_ps(amax8);
        if (!(amax > 0)) {
            d[b] = 0;
            memset(qb, 0, QK);
            memset(sums + b * 16, 0, 16 * sizeof(int16_t));
            continue;
        }
        float max = amax;
        for (int j = 0; j < QK; j += 8) {
            const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign_bit, _mm256_loadu_ps(xb + j)),
                                                             _mm256_set1_ps(amax), _CMP_EQ_OQ));
            if (hit) {
                max = xb[j + __builtin_ctz((unsigned) hit)];
                break;
            }
        }
        const float inverse = -127.f / max;
        const __m256 multiplier = _mm256_set1_ps(inverse);
        const __m256i top = _mm256_set1_epi32(127);
        for (int g = 0; g < QK; g += 32) {
            __m256i v[4];
            for (int k = 0; k < 4; k++) {
                // cvtps rounds in the current mode: to nearest, ties to even, like ggml's nearest_int.
                v[k] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + g + 8 * k), multiplier)), top);
            }
            _mm256_storeu_si256((__m256i *) (qb + g), pack_bytes(v[0], v[1], v[2], v[3]));
            sums[b * 16 + g / 16] = (int16_t) hsum_epi32(_mm256_add_epi32(v[0], v[1]));
            sums[b * 16 + g / 16 + 1] = (int16_t) hsum_epi32(_mm256_add_epi32(v[2], v[3]));
        }
        d[b] = 1 / inverse;
    }
}

// Rounds `count` floats (a multiple of 32) to Q8_0 blocks as ggml's AVX quantize_row_q8_0 does: per block,
// multiplier 127 / max|x|, quants rounded to nearest (ties to even), scale max|x| / 127 rounded to fp16
// (stored widened to a float); and the sum of each block's quants (for Q4_0's offset).
void NAME(lectern_quantize_q8_0)(const float *x, int64_t count, int8_t *q, float *d, int16_t *sums) {
    const __m256 sign_bit = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < count / Q8_0_GROUP; b++) {
        const float *xb = x + b * Q8_0_GROUP;
        __m256 v[4];
        __m256 amax = _mm256_setzero_ps();
        for (int k = 0; k < 4; k++) {
            v[k] = _mm256_loadu_ps(xb + 8 * k);
            amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v[k]));
        }
        const float max = hmax_ps(amax);
        const __m256 multiplier = _mm256_set1_ps(max != 0 ? 127.f / max : 0.f);
        __m256i i[4];
        for (int k = 0; k < 4; k++) {
            i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], multiplier));
        }
        _mm256_storeu_si256((__m256i *) (q + b * Q8_0_GROUP), pack_bytes(i[0], i[1], i[2], i[3]));
        d[b] = _cvtsh_ss(_cvtss_sh(max / 127.f, _MM_FROUND_TO_NEAREST_INT));
        sums[b] = (int16_t) hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3])));
    }
}

// ---- Row-interleaved matrix products, any number of tokens ----
//
// One pass multiplies a group of 8 rows by a tile of up to TOKEN_TILE tokens: each 32-byte vector of quants
// (4 columns of 8 rows) is unpacked once and used for every token of the tile, the token's 4 activations
// broadcast to all lanes. The products of 4 columns land in the row's own lane (vpmaddubsw pairs then
// vpmaddwd, or one vpdpbusd), so no row needs a horizontal sum. Tokens are taken TOKEN_BLOCK at a time so
// that their activations stay in L2 while a thread runs its share of rows.

#define TOKEN_TILE 4
#define TOKEN_BLOCK 64

// "Partial" sums of unsigned-by-signed byte products, one group of 4 products per row, before a sub-block's
// scale is applied. AVX2: 16-bit lanes, two per row (vpmaddubsw: each at most 2 * 63 * 127), which the
// caller keeps below 2^15 by adding at most 8 of them for 4-bit quants and 2 for 6-bit ones. AVX-VNNI:
// one 32-bit lane per row.
#ifdef LECTERN_AVXVNNI
static inline __m256i multiply_add(__m256i partial, __m256i unsigned_bytes, __m256i signed_bytes) {
    return _mm256_dpbusd_avx_epi32(partial, unsigned_bytes, signed_bytes);
}
// A sub-block scale per row, as scale_partial wants it: one int32 lane per row.
static inline __m256i row_scales(__m128i eight_bytes, int is_signed) {
    return is_signed ? _mm256_cvtepi8_epi32(eight_bytes) : _mm256_cvtepu8_epi32(eight_bytes);
}
// Applies the sub-block scale of each row to a partial sum: int32 per row.
static inline __m256i scale_partial(__m256i partial, __m256i scales) {
    return _mm256_mullo_epi32(partial, scales);
}
#else
static inline __m256i multiply_add(__m256i partial, __m256i unsigned_bytes, __m256i signed_bytes) {
    return _mm256_add_epi16(partial, _mm256_maddubs_epi16(unsigned_bytes, signed_bytes));
}
// The 8 row scales doubled into 16-bit pairs (lanes 2r and 2r + 1 hold row r's), for vpmaddwd.
static inline __m256i row_scales(__m128i eight_bytes, int is_signed) {
    const __m128i doubled = _mm_unpacklo_epi8(eight_bytes, eight_bytes);
    return is_signed ? _mm256_cvtepi8_epi16(doubled) : _mm256_cvtepu8_epi16(doubled);
}
static inline __m256i scale_partial(__m256i partial, __m256i scales) {
    return _mm256_madd_epi16(partial, scales);
}
#endif

static inline __m256i broadcast4(const int8_t *x) { return _mm256_set1_epi32(load_i32(x)); }

static inline __attribute__((always_inline)) void store_rows(const __m256 *acc, int tile, int valid, float *out,
                                                             int64_t out_stride) {
    for (int t = 0; t < tile; t++) {
        if (valid >= R) {
            _mm256_storeu_ps(out + t * out_stride, acc[t]);
        } else {
            __attribute__((aligned(32))) float lanes[R];
            _mm256_store_ps(lanes, acc[t]);
            memcpy(out + t * out_stride, lanes, sizeof(float) * (size_t) valid);
        }
    }
}

static inline __attribute__((always_inline)) void q4_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q4_K_PACKED(R);
        const uint8_t *scales = block + 4 * R, *mins = block + 12 * R, *qs = block + 20 * R;
        __m256i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm256_setzero_si256();
        }
        for (int s = 0; s < 8; s++) {
            __m256i partial[TOKEN_TILE];
            for (int t = 0; t < tile; t++) {
                partial[t] = _mm256_setzero_si256();
            }
            for (int j = 0; j < 4; j++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *) (qs + (4 * s + j) * 4 * R));
                const __m256i low = _mm256_and_si256(v, low4);
                const __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
                for (int t = 0; t < tile; t++) {
                    const int8_t *x = q + t * columns + b * QK + 32 * s;
                    partial[t] = multiply_add(partial[t], low, broadcast4(x + 4 * j));
                    partial[t] = multiply_add(partial[t], high, broadcast4(x + 16 + 4 * j));
                }
            }
            const __m256i scale = row_scales(_mm_loadl_epi64((const __m128i *) (scales + s * R)), 0);
            for (int t = 0; t < tile; t++) {
                dot[t] = _mm256_add_epi32(dot[t], scale_partial(partial[t], scale));
            }
        }
        const __m256 block_d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) block));
        const __m256 block_dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (block + 2 * R)));
        for (int t = 0; t < tile; t++) {
            int32_t pairs[4];
            q8_k_sub_block_pairs(sums + t * (columns / 16) + b * 16, pairs);
            __m256i min_sum = _mm256_setzero_si256();
            for (int k = 0; k < 4; k++) {
                const __m256i m = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (mins + k * 2 * R)));
                min_sum = _mm256_add_epi32(min_sum, _mm256_madd_epi16(m, _mm256_set1_epi32(pairs[k])));
            }
            const __m256 xd = _mm256_set1_ps(d[t * blocks + b]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), _mm256_mul_ps(block_d, xd), acc[t]);
            acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(min_sum), _mm256_mul_ps(block_dmin, xd), acc[t]);
        }
    }
}

// As q4_k_tile, with a fifth bit per quant (qh vector s: bit j of a byte belongs to chunk j). 5-bit codes
// times bytes reach 2 * 31 * 127 per vpmaddubsw pair: a 16-bit partial takes 4 of them, so the chunks in
// the low and high nibbles keep a partial each.
static inline __attribute__((always_inline)) void q5_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q5_K_PACKED(R);
        const uint8_t *scales = block + 4 * R, *mins = block + 12 * R, *qs = block + 20 * R, *qh = block + 148 * R;
        __m256i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm256_setzero_si256();
        }
        for (int s = 0; s < 8; s++) {
            const __m256i h = _mm256_loadu_si256((const __m256i *) (qh + s * 4 * R));
            __m256i partial_low[TOKEN_TILE], partial_high[TOKEN_TILE];
            for (int t = 0; t < tile; t++) {
                partial_low[t] = _mm256_setzero_si256();
                partial_high[t] = _mm256_setzero_si256();
            }
            for (int j = 0; j < 4; j++) {
                const __m256i v = _mm256_loadu_si256((const __m256i *) (qs + (4 * s + j) * 4 * R));
                // Bit j of h to bit 4 for chunk j, bit j + 4 for chunk j + 4.
                const __m256i low = _mm256_or_si256(_mm256_and_si256(v, low4),
                                                    _mm256_and_si256(_mm256_slli_epi16(h, 4 - j), bit4));
                const __m256i high = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4),
                                                     _mm256_and_si256(_mm256_srli_epi16(h, j), bit4));
                for (int t = 0; t < tile; t++) {
                    const int8_t *x = q + t * columns + b * QK + 32 * s;
                    partial_low[t] = multiply_add(partial_low[t], low, broadcast4(x + 4 * j));
                    partial_high[t] = multiply_add(partial_high[t], high, broadcast4(x + 16 + 4 * j));
                }
            }
            const __m256i scale = row_scales(_mm_loadl_epi64((const __m128i *) (scales + s * R)), 0);
            for (int t = 0; t < tile; t++) {
                dot[t] = _mm256_add_epi32(dot[t], _mm256_add_epi32(scale_partial(partial_low[t], scale),
                                                                   scale_partial(partial_high[t], scale)));
            }
        }
        const __m256 block_d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) block));
        const __m256 block_dmin = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (block + 2 * R)));
        for (int t = 0; t < tile; t++) {
            int32_t pairs[4];
            q8_k_sub_block_pairs(sums + t * (columns / 16) + b * 16, pairs);
            __m256i min_sum = _mm256_setzero_si256();
            for (int k = 0; k < 4; k++) {
                const __m256i m = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *) (mins + k * 2 * R)));
                min_sum = _mm256_add_epi32(min_sum, _mm256_madd_epi16(m, _mm256_set1_epi32(pairs[k])));
            }
            const __m256 xd = _mm256_set1_ps(d[t * blocks + b]);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), _mm256_mul_ps(block_d, xd), acc[t]);
            acc[t] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(min_sum), _mm256_mul_ps(block_dmin, xd), acc[t]);
        }
    }
}

// Q4_0 times Q8_0 activations: codes q = 0..15 stand for q - 8; 8 * (sum of the block's activations) comes
// back off (sums holds it per 32 values). 8 pairs of 4-bit codes times bytes fit a 16-bit partial.
static inline __attribute__((always_inline)) void q4_0_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
#ifndef LECTERN_AVXVNNI
    const __m256i ones = _mm256_set1_epi16(1);
#endif
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q4_0_PACKED(R);
        __m256i partial[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            partial[t] = _mm256_setzero_si256();
        }
        for (int j = 0; j < 4; j++) {
            const __m256i v = _mm256_loadu_si256((const __m256i *) (block + 2 * R + j * 4 * R));
            const __m256i low = _mm256_and_si256(v, low4);
            const __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), low4);
            for (int t = 0; t < tile; t++) {
                const int8_t *x = q + t * columns + b * Q8_0_GROUP;
                partial[t] = multiply_add(partial[t], low, broadcast4(x + 4 * j));
                partial[t] = multiply_add(partial[t], high, broadcast4(x + 16 + 4 * j));
            }
        }
        const __m256 block_d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) block));
        for (int t = 0; t < tile; t++) {
#ifdef LECTERN_AVXVNNI
            const __m256i dot = partial[t];
#else
            const __m256i dot = _mm256_madd_epi16(partial[t], ones);
#endif
            const __m256i exact = _mm256_sub_epi32(dot, _mm256_set1_epi32(8 * sums[t * (columns / Q8_0_GROUP) + b]));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(exact),
                                     _mm256_mul_ps(block_d, _mm256_set1_ps(d[t * blocks + b])), acc[t]);
        }
    }
}

static inline __attribute__((always_inline)) void q6_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m256 *acc) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i bits45 = _mm256_set1_epi8(0x30);
    // Picks the even (first sub-block's) or odd bytes of a group's scale pairs.
    const __m128i evens = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m128i odds = _mm_setr_epi8(1, 3, 5, 7, 9, 11, 13, 15, -1, -1, -1, -1, -1, -1, -1, -1);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q6_K_PACKED(R);
        const int8_t *scales = (const int8_t *) (block + Q6_K_SCALES(R));
        const uint8_t *quants = block;
        // The codes are q + 32: take 32 * sum over sub-blocks of scale * (sum of its activations) back off, the
        // scale pairs of each group meeting the activations' sum pairs in one vpmaddwd.
        __m256i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            const int16_t *x_sums = sums + t * (columns / 16) + b * 16;
            __m256i offset = _mm256_setzero_si256();
            for (int s = 0; s < 8; s++) {
                const __m256i pair = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) (scales + s * 2 * R)));
                offset = _mm256_add_epi32(offset, _mm256_madd_epi16(pair, _mm256_set1_epi32(load_i32(x_sums + 2 * s))));
            }
            dot[t] = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_setzero_si256(), offset), 5);
        }
        for (int s = 0; s < 8; s++) {
            const __m128i pairs = _mm_loadu_si128((const __m128i *) (scales + s * 2 * R));
            const __m256i scale_first = row_scales(_mm_shuffle_epi8(pairs, evens), 1);
            const __m256i scale_second = row_scales(_mm_shuffle_epi8(pairs, odds), 1);
            // Chunks 0..3 of group s are 16-column sub-block 2s, chunks 4..7 sub-block 2s + 1. A partial sum
            // takes two chunks: 6-bit codes times bytes stay below 2^15 for two vpmaddubsw pairs.
            for (int half = 0; half < 2; half++) {
                const __m256i h = _mm256_loadu_si256((const __m256i *) (quants + Q6_K_GROUP(s, R) + 16 * R + half * 4 * R));
                __m256i first[2], second[2];
                for (int i = 0; i < 2; i++) {
                    const __m256i v = _mm256_loadu_si256((const __m256i *) (quants + Q6_K_GROUP(s, R) + (2 * half + i) * 4 * R));
                    // The top bits of ql vector 2 half + i sit at bits 0-3 of its qh byte (i = 0) or 4-7.
                    const __m256i top_first = i == 0 ? _mm256_slli_epi16(h, 4) : h;
                    const __m256i top_second = i == 0 ? _mm256_slli_epi16(h, 2) : _mm256_srli_epi16(h, 2);
                    first[i] = _mm256_or_si256(_mm256_and_si256(v, low4), _mm256_and_si256(top_first, bits45));
                    second[i] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), low4),
                                                _mm256_and_si256(top_second, bits45));
                }
                for (int t = 0; t < tile; t++) {
                    const int8_t *x = q + t * columns + b * QK + 32 * s + 8 * half;
                    __m256i p0 = multiply_add(_mm256_setzero_si256(), first[0], broadcast4(x));
                    p0 = multiply_add(p0, first[1], broadcast4(x + 4));
                    __m256i p1 = multiply_add(_mm256_setzero_si256(), second[0], broadcast4(x + 16));
                    p1 = multiply_add(p1, second[1], broadcast4(x + 20));
                    dot[t] = _mm256_add_epi32(dot[t], _mm256_add_epi32(scale_partial(p0, scale_first),
                                                                       scale_partial(p1, scale_second)));
                }
            }
        }
        const __m256 block_d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (block + Q6_K_D(R))));
        for (int t = 0; t < tile; t++) {
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]), _mm256_mul_ps(block_d, _mm256_set1_ps(d[t * blocks + b])),
                                     acc[t]);
        }
    }
}

// Q8_0: signed weights times signed activations. vpmaddubsw and vpdpbusd want one side unsigned: the
// weights' magnitudes, with their signs moved onto the activations (vpsignb), as ggml does on x86.
static inline __attribute__((always_inline)) void q8_0_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m256 *acc) {
    (void) sums;
#ifndef LECTERN_AVXVNNI
    const __m256i ones = _mm256_set1_epi16(1);
#endif
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm256_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *quants = group + Q8_0_QS(b, R);
        __m256i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm256_setzero_si256();
        }
        for (int j = 0; j < 8; j++) {
            const __m256i w = _mm256_loadu_si256((const __m256i *) (quants + j * 4 * R));
            const __m256i magnitude = _mm256_sign_epi8(w, w);
            for (int t = 0; t < tile; t++) {
                const __m256i x = _mm256_sign_epi8(broadcast4(q + t * columns + b * Q8_0_GROUP + 4 * j), w);
#ifdef LECTERN_AVXVNNI
                dot[t] = _mm256_dpbusd_avx_epi32(dot[t], magnitude, x);
#else
                // Each pair at most 2 * 127 * 127: widen every product before adding another.
                dot[t] = _mm256_add_epi32(dot[t], _mm256_madd_epi16(_mm256_maddubs_epi16(magnitude, x), ones));
#endif
            }
        }
        const __m256 block_d = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (group + Q8_0_D(b, R))));
        for (int t = 0; t < tile; t++) {
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot[t]),
                                     _mm256_mul_ps(block_d, _mm256_set1_ps(d[t * blocks + b])), acc[t]);
        }
    }
}

#define TILE_CASES(kernel)                                                                                         \
    switch (tile) {                                                                                                \
        case 1: kernel(group, blocks, xq, xd, xs, columns, 1, acc); break;                                         \
        case 2: kernel(group, blocks, xq, xd, xs, columns, 2, acc); break;                                         \
        case 3: kernel(group, blocks, xq, xd, xs, columns, 3, acc); break;                                         \
        default: kernel(group, blocks, xq, xd, xs, columns, 4, acc); break;                                        \
    }

// out[t * out_stride + row] = sum_c W[row][c] * x[t][c] for the rows of groups [group_begin, group_end) (rows
// below `rows`) and tokens [0, tokens). K-quants take x as lectern_quantize_q8_k rounds it (q, d per 256,
// sums per 16), Q8_0 as lectern_quantize_q8_0 does (q, d per 32; no sums).
#define PACKED_MATMUL(name, kernel, block_columns, sum_group, block_bytes)                                         \
    void name(const uint8_t *packed, int64_t columns, int64_t rows, int64_t group_begin, int64_t group_end,        \
              const int8_t *q, const float *d, const int16_t *sums, int64_t tokens, float *out,                    \
              int64_t out_stride) {                                                                                \
        const int64_t blocks = columns / (block_columns);                                                          \
        for (int64_t t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {                                                     \
            const int64_t t_end = t0 + TOKEN_BLOCK < tokens ? t0 + TOKEN_BLOCK : tokens;                           \
            for (int64_t g = group_begin; g < group_end; g++) {                                                    \
                const uint8_t *group = packed + g * blocks * (block_bytes);                                        \
                const int valid = (int) (rows - g * R < R ? rows - g * R : R);                                     \
                for (int64_t t = t0; t < t_end; t += TOKEN_TILE) {                                                 \
                    const int tile = (int) (t_end - t < TOKEN_TILE ? t_end - t : TOKEN_TILE);                      \
                    const int8_t *xq = q + t * columns;                                                            \
                    const float *xd = d + t * blocks;                                                              \
                    const int16_t *xs = sums != NULL ? sums + t * (columns / (sum_group)) : NULL;                  \
                    __m256 acc[TOKEN_TILE];                                                                        \
                    TILE_CASES(kernel)                                                                             \
                    store_rows(acc, tile, valid, out + t * out_stride + g * R, out_stride);                        \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

PACKED_MATMUL(NAME(lectern_q4_k_packed), q4_k_tile, QK, 16, Q4_K_PACKED(R))
PACKED_MATMUL(NAME(lectern_q5_k_packed), q5_k_tile, QK, 16, Q5_K_PACKED(R))
PACKED_MATMUL(NAME(lectern_q6_k_packed), q6_k_tile, QK, 16, Q6_K_PACKED(R))
PACKED_MATMUL(NAME(lectern_q8_0_packed), q8_0_tile, Q8_0_GROUP, Q8_0_GROUP, Q8_0_PACKED(R))
PACKED_MATMUL(NAME(lectern_q4_0_packed), q4_0_tile, Q8_0_GROUP, Q8_0_GROUP, Q4_0_PACKED(R))

// ---- Decode attention over an F16 cache ----

// e^x for x <= 0, 8 at a time: x = n ln2 + r with |r| <= ln2 / 2, e^r by its Taylor polynomial to degree 7
// (relative error below 2e-7), times 2^n built in the exponent bits. Below -87 (where 2^n leaves the
// normal floats) the result is 0, as e^x is to float precision there relative to the running maximum's 1.
static inline __m256 exp_nonpositive(__m256 x) {
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 p = _mm256_set1_ps(1.f / 5040);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 720));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
    const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(
            _mm256_max_ps(n, _mm256_set1_ps(-126.f))), _mm256_set1_epi32(127)), 23);
    const __m256 result = _mm256_mul_ps(p, _mm256_castsi256_ps(exponent));
    return _mm256_and_ps(result, _mm256_cmp_ps(x, _mm256_set1_ps(-87.f), _CMP_GE_OQ));
}

#define MAX_HEADS 64
#define MAX_VECTORS 32
#define ATTENTION_TILE 8

static inline float half_to_float(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

// 8 cached values of one head's slice, from value e on, widened to floats: F16 halves, or Q8_0 blocks (an fp16
// scale and 32 int8 quants, 34 bytes) whose quants are widened and scaled.
static inline __attribute__((always_inline)) __m256 widen8(const uint8_t *slice, int64_t e, const int q8_0) {
    if (!q8_0) {
        return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) (slice + 2 * e)));
    }
    const uint8_t *block = slice + (e / Q8_0_GROUP) * Q8_0_BYTES;
    const __m256 quants = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (block + 2 + e % Q8_0_GROUP))));
    return _mm256_mul_ps(quants, _mm256_set1_ps(half_to_float(block)));
}

// As attend in avx512.c (see there): one query row's attention to positions [begin, end) of an F16 or Q8_0
// cache, all heads, reading whole cached rows, each key widened once for its group's query heads; leaves the
// range's online-softmax state (maxima, sums, acc) for the caller to merge. head_dim is a multiple of 16 (32
// for Q8_0) and at most 256, heads at most 64; end > begin.
static inline __attribute__((always_inline)) void attend(const int64_t *key_blocks, const int64_t *value_blocks,
                                                         int64_t block_size, int64_t heads, int64_t group,
                                                         int64_t head_dim, const float *queries, int64_t begin,
                                                         int64_t end, float scale, float *acc, float *maxima,
                                                         float *sums, const int q8_0) {
    const int vectors = (int) (head_dim / 8);
    const int64_t kv_heads = heads / group;
    const int64_t head_bytes = q8_0 ? head_dim / Q8_0_GROUP * Q8_0_BYTES : 2 * head_dim;
    const int64_t row_bytes = kv_heads * head_bytes;
    __attribute__((aligned(32))) float scores[MAX_HEADS][ATTENTION_TILE];
    for (int64_t h = 0; h < heads; h++) {
        maxima[h] = -INFINITY;
        sums[h] = 0;
    }
    memset(acc, 0, sizeof(float) * heads * head_dim);

    for (int64_t start = begin; start < end; start += ATTENTION_TILE) {
        const int count = (int) (end - start < ATTENTION_TILE ? end - start : ATTENTION_TILE);
        for (int j = 0; j < count; j++) {
            const int64_t position = start + j;
            const uint8_t *row = (const uint8_t *) key_blocks[position / block_size] + (position % block_size) * row_bytes;
            for (int64_t kv = 0; kv < kv_heads; kv++) {
                __m256 key[MAX_VECTORS];
                for (int v = 0; v < vectors; v++) {
                    key[v] = widen8(row + kv * head_bytes, 8 * v, q8_0);
                }
                for (int64_t g = 0; g < group; g++) {
                    const int64_t h = kv * group + g;
                    const float *qh = queries + h * head_dim;
                    __m256 dot0 = _mm256_mul_ps(key[0], _mm256_loadu_ps(qh));
                    __m256 dot1 = _mm256_mul_ps(key[1], _mm256_loadu_ps(qh + 8));
                    for (int v = 2; v < vectors; v += 2) {
                        dot0 = _mm256_fmadd_ps(key[v], _mm256_loadu_ps(qh + 8 * v), dot0);
                        dot1 = _mm256_fmadd_ps(key[v + 1], _mm256_loadu_ps(qh + 8 * v + 8), dot1);
                    }
                    scores[h][j] = hsum_ps(_mm256_add_ps(dot0, dot1)) * scale;
                }
            }
        }
        const __m256 seen = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count),
                                                                   _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        for (int64_t h = 0; h < heads; h++) {
            const __m256 s = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_load_ps(scores[h]), seen);
            const float tile_max = hmax_ps(s);
            const float max = tile_max > maxima[h] ? tile_max : maxima[h];
            const float decay = maxima[h] == -INFINITY ? 0.f : expf(maxima[h] - max);
            const __m256 weights = _mm256_and_ps(exp_nonpositive(_mm256_sub_ps(s, _mm256_set1_ps(max))), seen);
            _mm256_store_ps(scores[h], weights);
            sums[h] = sums[h] * decay + hsum_ps(weights);
            maxima[h] = max;
            if (decay != 1.f) {
                const __m256 dv = _mm256_set1_ps(decay);
                for (int v = 0; v < vectors; v++) {
                    float *a = acc + h * head_dim + 8 * v;
                    _mm256_storeu_ps(a, _mm256_mul_ps(_mm256_loadu_ps(a), dv));
                }
            }
        }
        for (int j = 0; j < count; j++) {
            const int64_t position = start + j;
            const uint8_t *row = (const uint8_t *) value_blocks[position / block_size] + (position % block_size) * row_bytes;
            for (int64_t kv = 0; kv < kv_heads; kv++) {
                for (int v = 0; v < vectors; v++) {
                    const __m256 x = widen8(row + kv * head_bytes, 8 * v, q8_0);
                    for (int64_t g = 0; g < group; g++) {
                        const int64_t h = kv * group + g;
                        float *a = acc + h * head_dim + 8 * v;
                        _mm256_storeu_ps(a, _mm256_fmadd_ps(_mm256_set1_ps(scores[h][j]), x, _mm256_loadu_ps(a)));
                    }
                }
            }
        }
    }
}

void NAME(lectern_attend_f16)(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                              int64_t heads, int64_t group, int64_t head_dim, const float *queries, int64_t begin,
                              int64_t end, float scale, float *acc, float *maxima, float *sums) {
    attend(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, begin, end, scale, acc, maxima,
           sums, 0);
}

void NAME(lectern_attend_q8_0)(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                               int64_t heads, int64_t group, int64_t head_dim, const float *queries, int64_t begin,
                               int64_t end, float scale, float *acc, float *maxima, float *sums) {
    attend(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, begin, end, scale, acc, maxima,
           sums, 1);
}

// ---- Prefill attention: many query rows, one key/value head per call ----
//
// As attend_rows in avx512.c (see there): cached positions ROW_TILE at a time, keys widened once and
// transposed in registers, the query states taken STATE_BLOCK at a time so that each key and value vector
// loaded serves four of them (8 accumulators: 16 ymm registers leave room for no more), running maximum and
// sum per state, the tile's weighted values added.

#define ROW_TILE 64
#define STATE_BLOCK 4

// Asks for the cache lines of bytes [p, p + bytes) ahead of their use.
static inline void prefetch_slice(const uint8_t *p, int64_t bytes) {
    for (int64_t b = 0; b < bytes; b += 64) {
        _mm_prefetch((const char *) p + b, _MM_HINT_T0);
    }
    _mm_prefetch((const char *) p + bytes - 1, _MM_HINT_T0);
}

// r[i] = row i of an 8 x 8 block of floats in; out: r[c] = column c.
static inline __attribute__((always_inline)) void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // Lane L of t[2i]: columns 4L, 4L + 1 of rows 2i, 2i + 1 interleaved; of t[2i + 1]: columns 4L + 2, 4L + 3.
    for (int h = 0; h < 2; h++) {
        u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    // Lane L of u[4h + k]: column 4L + k of rows 4h..4h + 3.
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x20);
        r[4 + k] = _mm256_permute2f128_ps(u[k], u[4 + k], 0x31);
    }
}

// As attend_tiles in avx512.c (see there): the states of n_rows query rows (rows[i], or row_begin + i where
// rows is NULL; state s: row s / group, query head kv_head * group + s % group) attend to cached positions
// [begin, end) of key/value head kv_head, row r to those below positions[r] + 1 where positions is not NULL,
// updating each state's running maximum, sum and weighted values (states padded to whole STATE_BLOCKs).
static inline __attribute__((always_inline)) void attend_tiles(const int64_t *key_blocks, const int64_t *value_blocks,
                                                               int64_t block_size, int64_t heads, int64_t group,
                                                               int64_t head_dim, int64_t kv_head, const float *queries,
                                                               const int32_t *rows, int64_t row_begin, int64_t n_rows,
                                                               const int32_t *positions, int64_t begin, int64_t end,
                                                               float scale, float *maxima, float *sums, float *acc,
                                                               float *keys_t, float *values, float *weights,
                                                               const int q8_0) {
    const int vectors = (int) (head_dim / 8);
    const int64_t kv_heads = heads / group;
    const int64_t head_bytes = q8_0 ? head_dim / Q8_0_GROUP * Q8_0_BYTES : 2 * head_dim;
    const int64_t row_bytes = kv_heads * head_bytes;
    const int64_t states = n_rows * group;
    const int64_t padded = (states + STATE_BLOCK - 1) / STATE_BLOCK * STATE_BLOCK;
    const __m256 scales = _mm256_set1_ps(scale);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);

    for (int64_t start = begin; start < end; start += ROW_TILE) {
        const int count = (int) (end - start < ROW_TILE ? end - start : ROW_TILE);
        for (int p0 = 0; p0 < ROW_TILE; p0 += 8) {
            const uint8_t *key[8];
            for (int j = 0; j < 8; j++) {
                const int64_t position = start + p0 + j;
                key[j] = p0 + j < count ? (const uint8_t *) key_blocks[position / block_size]
                                          + (position % block_size) * row_bytes + kv_head * head_bytes : NULL;
            }
            for (int v = 0; v < vectors; v++) {
                __m256 block[8];
                for (int j = 0; j < 8; j++) {
                    block[j] = key[j] ? widen8(key[j], 8 * v, q8_0) : _mm256_setzero_ps();
                }
                transpose8(block);
                for (int i = 0; i < 8; i++) {
                    _mm256_storeu_ps(keys_t + (8 * v + i) * ROW_TILE + p0, block[i]);
                }
            }
        }
        for (int j = 0; j < count; j++) {
            const int64_t position = start + j;
            const uint8_t *value = (const uint8_t *) value_blocks[position / block_size]
                                   + (position % block_size) * row_bytes + kv_head * head_bytes;
            for (int v = 0; v < vectors; v++) {
                _mm256_storeu_ps(values + j * head_dim + 8 * v, widen8(value, 8 * v, q8_0));
            }
            // The next tile's slices of this head: a few cache lines every row_bytes, a stride the hardware
            // prefetcher does not follow.
            const int64_t ahead = position + ROW_TILE;
            if (ahead < end) {
                prefetch_slice((const uint8_t *) key_blocks[ahead / block_size] + (ahead % block_size) * row_bytes
                               + kv_head * head_bytes, head_bytes);
                prefetch_slice((const uint8_t *) value_blocks[ahead / block_size] + (ahead % block_size) * row_bytes
                               + kv_head * head_bytes, head_bytes);
            }
        }
        for (int64_t s0 = 0; s0 < padded; s0 += STATE_BLOCK) {
            const float *q[STATE_BLOCK];
            int seen[STATE_BLOCK];
            int most = 0;
            for (int s = 0; s < STATE_BLOCK; s++) {
                const int64_t st = s0 + s < states ? s0 + s : states - 1;
                const int64_t r = rows ? rows[st / group] : row_begin + st / group;
                q[s] = queries + (r * heads + kv_head * group + st % group) * head_dim;
                const int64_t left = (positions ? positions[r] + 1 : end) - start;
                seen[s] = s0 + s >= states || left <= 0 ? 0 : left < count ? (int) left : count;
                most = seen[s] > most ? seen[s] : most;
            }
            if (most == 0) {
                continue;
            }
            // Raw scores into weights, 16 positions (two vectors) of the four states at a time.
            for (int c0 = 0; c0 < ROW_TILE; c0 += 16) {
                if (c0 >= most) {
                    for (int s = 0; s < STATE_BLOCK; s++) {
                        _mm256_storeu_ps(weights + s * ROW_TILE + c0, _mm256_setzero_ps());
                        _mm256_storeu_ps(weights + s * ROW_TILE + c0 + 8, _mm256_setzero_ps());
                    }
                    continue;
                }
                __m256 part[STATE_BLOCK][2];
                for (int s = 0; s < STATE_BLOCK; s++) {
                    part[s][0] = _mm256_setzero_ps();
                    part[s][1] = _mm256_setzero_ps();
                }
                for (int64_t i = 0; i < head_dim; i++) {
                    const float *k = keys_t + i * ROW_TILE + c0;
                    const __m256 k0 = _mm256_loadu_ps(k), k1 = _mm256_loadu_ps(k + 8);
                    for (int s = 0; s < STATE_BLOCK; s++) {
                        const __m256 qi = _mm256_broadcast_ss(q[s] + i);
                        part[s][0] = _mm256_fmadd_ps(qi, k0, part[s][0]);
                        part[s][1] = _mm256_fmadd_ps(qi, k1, part[s][1]);
                    }
                }
                for (int s = 0; s < STATE_BLOCK; s++) {
                    _mm256_storeu_ps(weights + s * ROW_TILE + c0, _mm256_mul_ps(part[s][0], scales));
                    _mm256_storeu_ps(weights + s * ROW_TILE + c0 + 8, _mm256_mul_ps(part[s][1], scales));
                }
            }
            __m256 decay[STATE_BLOCK];
            for (int s = 0; s < STATE_BLOCK; s++) {
                const int64_t st = s0 + s;
                float *w = weights + s * ROW_TILE;
                if (seen[s] == 0) {
                    // No position of this tile is visible to the state: nothing changes.
                    decay[s] = _mm256_set1_ps(1.f);
                    for (int c = 0; c < ROW_TILE / 8; c++) {
                        _mm256_storeu_ps(w + 8 * c, _mm256_setzero_ps());
                    }
                    continue;
                }
                __m256 seen_mask[ROW_TILE / 8];
                __m256 tile_max = _mm256_set1_ps(-INFINITY);
                for (int c = 0; c < ROW_TILE / 8; c++) {
                    seen_mask[c] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(seen[s] - 8 * c), lane));
                    tile_max = _mm256_max_ps(tile_max, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_loadu_ps(w + 8 * c),
                                                                        seen_mask[c]));
                }
                const float previous = maxima[st];
                const float found = hmax_ps(tile_max);
                const float max = found > previous ? found : previous;
                const float d = previous == -INFINITY ? 0.f : expf(previous - max);
                decay[s] = _mm256_set1_ps(d);
                __m256 total = _mm256_setzero_ps();
                for (int c = 0; c < ROW_TILE / 8; c++) {
                    const __m256 e = _mm256_and_ps(exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(w + 8 * c),
                                                                                 _mm256_set1_ps(max))), seen_mask[c]);
                    total = _mm256_add_ps(total, e);
                    _mm256_storeu_ps(w + 8 * c, e);
                }
                sums[st] = sums[st] * d + hsum_ps(total);
                maxima[st] = max;
            }
            float *a[STATE_BLOCK];
            for (int s = 0; s < STATE_BLOCK; s++) {
                a[s] = acc + (s0 + s) * head_dim;
            }
            // head_dim is a multiple of 16: vectors is even.
            for (int v0 = 0; v0 < vectors; v0 += 2) {
                __m256 sum[STATE_BLOCK][2];
                for (int s = 0; s < STATE_BLOCK; s++) {
                    sum[s][0] = _mm256_mul_ps(_mm256_loadu_ps(a[s] + 8 * v0), decay[s]);
                    sum[s][1] = _mm256_mul_ps(_mm256_loadu_ps(a[s] + 8 * v0 + 8), decay[s]);
                }
                for (int j = 0; j < most; j++) {
                    const float *x = values + j * head_dim + 8 * v0;
                    const __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
                    for (int s = 0; s < STATE_BLOCK; s++) {
                        const __m256 w = _mm256_broadcast_ss(weights + s * ROW_TILE + j);
                        sum[s][0] = _mm256_fmadd_ps(w, x0, sum[s][0]);
                        sum[s][1] = _mm256_fmadd_ps(w, x1, sum[s][1]);
                    }
                }
                for (int s = 0; s < STATE_BLOCK; s++) {
                    _mm256_storeu_ps(a[s] + 8 * v0, sum[s][0]);
                    _mm256_storeu_ps(a[s] + 8 * v0 + 8, sum[s][1]);
                }
            }
        }
    }
}

// Rows [row_begin, row_end) of `queries` (row r: heads query heads of head_dim values at position
// positions[r]) attend to the cached keys and values of key/value head kv_head for positions 0..positions[r];
// writes out[(r * heads + kv_head * group + g) * head_dim ..] for g < group. scratch holds
// head_dim * ROW_TILE * 2 + STATE_BLOCK * ROW_TILE + (states + STATE_BLOCK - 1) * (head_dim + 2) floats,
// states = (row_end - row_begin) * group.
static inline __attribute__((always_inline)) void attend_rows(const int64_t *key_blocks, const int64_t *value_blocks,
                                                              int64_t block_size, int64_t heads, int64_t group,
                                                              int64_t head_dim, int64_t kv_head, const float *queries,
                                                              const int32_t *positions, int64_t row_begin,
                                                              int64_t row_end, float scale, float *out, float *scratch,
                                                              const int q8_0) {
    const int64_t states = (row_end - row_begin) * group;
    const int64_t padded = (states + STATE_BLOCK - 1) / STATE_BLOCK * STATE_BLOCK;
    float *keys_t = scratch, *values = keys_t + head_dim * ROW_TILE, *weights = values + head_dim * ROW_TILE;
    float *maxima = weights + STATE_BLOCK * ROW_TILE, *sums = maxima + padded, *acc = sums + padded;
    int64_t visible = 0;
    for (int64_t r = row_begin; r < row_end; r++) {
        visible = positions[r] + 1 > visible ? positions[r] + 1 : visible;
    }
    for (int64_t st = 0; st < padded; st++) {
        maxima[st] = -INFINITY;
        sums[st] = 0;
    }
    memset(acc, 0, sizeof(float) * padded * head_dim);
    attend_tiles(key_blocks, value_blocks, block_size, heads, group, head_dim, kv_head, queries, NULL, row_begin,
                 row_end - row_begin, positions, 0, visible, scale, maxima, sums, acc, keys_t, values, weights, q8_0);
    const int vectors = (int) (head_dim / 8);
    for (int64_t r = row_begin; r < row_end; r++) {
        for (int64_t g = 0; g < group; g++) {
            const int64_t st = (r - row_begin) * group + g;
            const __m256 inverse = _mm256_set1_ps(1.f / sums[st]);
            float *o = out + (r * heads + kv_head * group + g) * head_dim;
            for (int v = 0; v < vectors; v++) {
                _mm256_storeu_ps(o + 8 * v, _mm256_mul_ps(_mm256_loadu_ps(acc + st * head_dim + 8 * v), inverse));
            }
        }
    }
}

void NAME(lectern_attend_rows)(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                               int32_t q8_0, int64_t heads, int64_t group, int64_t head_dim, int64_t kv_head,
                               const float *queries, const int32_t *positions, int64_t row_begin, int64_t row_end,
                               float scale, float *out, float *scratch) {
    if (q8_0) {
        attend_rows(key_blocks, value_blocks, block_size, heads, group, head_dim, kv_head, queries, positions,
                    row_begin, row_end, scale, out, scratch, 1);
    } else {
        attend_rows(key_blocks, value_blocks, block_size, heads, group, head_dim, kv_head, queries, positions,
                    row_begin, row_end, scale, out, scratch, 0);
    }
}

// As attend_shared in avx512.c (see there): the rows of several sequences (rows[i], i < n_rows) attend together
// to the cached positions [begin, end) they all share, a tile at a time through every key/value head, so each
// shared block is read once per step for all of them; leaves maxima[i * heads + h], sums[i * heads + h] and
// acc[(i * heads + h) * head_dim ..] unnormalized for the caller to merge.
static inline __attribute__((always_inline)) void attend_shared(const int64_t *key_blocks, const int64_t *value_blocks,
                                                                int64_t block_size, int64_t heads, int64_t group,
                                                                int64_t head_dim, const float *queries,
                                                                const int32_t *rows, int64_t n_rows, int64_t begin,
                                                                int64_t end, float scale, float *acc, float *maxima,
                                                                float *sums, float *scratch, const int q8_0) {
    const int64_t kv_heads = heads / group;
    const int64_t states = n_rows * group;
    const int64_t padded = (states + STATE_BLOCK - 1) / STATE_BLOCK * STATE_BLOCK;
    float *keys_t = scratch, *values = keys_t + head_dim * ROW_TILE, *weights = values + head_dim * ROW_TILE;
    float *state_maxima = weights + STATE_BLOCK * ROW_TILE, *state_sums = state_maxima + kv_heads * padded;
    float *state_acc = state_sums + kv_heads * padded;
    for (int64_t st = 0; st < kv_heads * padded; st++) {
        state_maxima[st] = -INFINITY;
        state_sums[st] = 0;
    }
    memset(state_acc, 0, sizeof(float) * kv_heads * padded * head_dim);
    for (int64_t start = begin; start < end; start += ROW_TILE) {
        const int64_t stop = end - start < ROW_TILE ? end : start + ROW_TILE;
        for (int64_t kv = 0; kv < kv_heads; kv++) {
            attend_tiles(key_blocks, value_blocks, block_size, heads, group, head_dim, kv, queries, rows, 0, n_rows,
                         NULL, start, stop, scale, state_maxima + kv * padded, state_sums + kv * padded,
                         state_acc + kv * padded * head_dim, keys_t, values, weights, q8_0);
        }
    }
    for (int64_t kv = 0; kv < kv_heads; kv++) {
        for (int64_t st = 0; st < states; st++) {
            const int64_t h = (st / group) * heads + kv * group + st % group;
            maxima[h] = state_maxima[kv * padded + st];
            sums[h] = state_sums[kv * padded + st];
            memcpy(acc + h * head_dim, state_acc + (kv * padded + st) * head_dim, sizeof(float) * head_dim);
        }
    }
}

void NAME(lectern_attend_shared)(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                                 int32_t q8_0, int64_t heads, int64_t group, int64_t head_dim, const float *queries,
                                 const int32_t *rows, int64_t n_rows, int64_t begin, int64_t end, float scale,
                                 float *acc, float *maxima, float *sums, float *scratch) {
    if (q8_0) {
        attend_shared(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, rows, n_rows, begin, end,
                      scale, acc, maxima, sums, scratch, 1);
    } else {
        attend_shared(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, rows, n_rows, begin, end,
                      scale, acc, maxima, sums, scratch, 0);
    }
}
