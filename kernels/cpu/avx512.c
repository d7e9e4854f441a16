// Lectern's native CPU kernels for AVX-512 (F, BW, VL, DQ, VNNI, VBMI; with FMA and F16C): Ice Lake and
// later Intel server chips, AMD Zen 4 and Zen 5. Compiled with those instruction sets enabled; the Java side
// calls these only where lectern_cpu_supports_avx512() says the CPU has them. See lectern_cpu.h for the
// weight layouts and avx2.c for the 256-bit twins of these kernels.

#include <immintrin.h>
#include <math.h>

#include "lectern_cpu.h"

// Rows per interleaved group: 16 int32 lanes of a zmm.
#define R 16

int lectern_packed_rows_avx512(void) { return R; }

static inline float half_to_float(const uint8_t *p) { return _cvtsh_ss(load_u16(p)); }

// Rounds `rows` rows of `columns` floats (columns a multiple of 256) to Q8_K: per block of 256, the value
// of largest magnitude (the first, on a tie) maps to -127, the others to round-to-nearest-even of
// value * (-127 / that value), clamped to 127; d = 1 / that multiplier. The same arithmetic as ggml's
// quantize_row_q8_K, so the rounded activations are llama.cpp's.
void lectern_quantize_q8_k_avx512(const float *x, int64_t rows, int64_t columns, int8_t *q, float *d,
                                 int16_t *sums) {
    const int64_t blocks = rows * (columns / QK);
    const __m512 sign_bit = _mm512_set1_ps(-0.0f);
    for (int64_t b = 0; b < blocks; b++) {
        const float *xb = x + b * QK;
        int8_t *qb = q + b * QK;
        __m512 amax16 = _mm512_setzero_ps();
        for (int j = 0; j < QK; j += 16) {
            amax16 = _mm512_max_ps(amax16, _mm512_andnot_ps(sign_bit, _mm512_loadu_ps(xb + j)));
        }
        const float amax = _mm512_reduce_max_ps(amax16);
        if (!(amax > 0)) {
            d[b] = 0;
            memset(qb, 0, QK);
            memset(sums + b * 16, 0, 16 * sizeof(int16_t));
            continue;
        }
        float max = amax;
        for (int j = 0; j < QK; j += 16) {
            __mmask16 hit = _mm512_cmp_ps_mask(_mm512_andnot_ps(sign_bit, _mm512_loadu_ps(xb + j)),
                                               _mm512_set1_ps(amax), _CMP_EQ_OQ);
            if (hit) {
                max = xb[j + __builtin_ctz(hit)];
                break;
            }
        }
        const float inverse = -127.f / max;
        const __m512 multiplier = _mm512_set1_ps(inverse);
        const __m512i top = _mm512_set1_epi32(127);
        for (int g = 0; g < 16; g++) {
            // cvtps rounds in the current mode: to nearest, ties to even, like ggml's nearest_int.
            __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(xb + 16 * g), multiplier));
            v = _mm512_min_epi32(v, top);
            _mm_storeu_si128((__m128i *) (qb + 16 * g), _mm512_cvtsepi32_epi8(v));
            sums[b * 16 + g] = (int16_t) _mm512_reduce_add_epi32(v);
        }
        d[b] = 1 / inverse;
    }
}

// ---- Q4_K and Q6_K: row-interleaved blocks of 16 rows, any number of tokens ----
//
// One pass multiplies a group of 16 rows by a tile of up to TOKEN_TILE tokens: each 64-byte vector of quants
// (4 columns of 16 rows, two chunks in its nibbles) is unpacked once and used for every token of the tile,
// each token's 4 activations broadcast to all lanes; vpdpbusd adds 64 products per instruction, one row per
// int32 lane. Decoding is a tile of one token. Tokens are taken TOKEN_BLOCK at a time, so that while a
// thread runs its share of rows for them their activations stay in its L2 with the weights.

#define TOKEN_TILE 8
#define TOKEN_BLOCK 64

// The results of a tile: acc[t] lane r is row g * 16 + r, token t; only rows below `valid` are stored.
static inline __attribute__((always_inline)) void store_rows(const __m512 *acc, int tile, int valid, float *out,
                                                             int64_t out_stride) {
    const __mmask16 mask = valid >= R ? (__mmask16) 0xffff : (__mmask16) ((1u << valid) - 1);
    for (int t = 0; t < tile; t++) {
        _mm512_mask_storeu_ps(out + t * out_stride, mask, acc[t]);
    }
}

static inline __attribute__((always_inline)) void q4_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m512 *acc) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q4_K_PACKED(R);
        const uint8_t *scales = block + 4 * R, *mins = block + 12 * R, *qs = block + 20 * R;
        __m512i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm512_setzero_si512();
        }
        for (int s = 0; s < 8; s++) {
            __m512i low[4], high[4];
            for (int j = 0; j < 4; j++) {
                const __m512i v = _mm512_loadu_si512(qs + (4 * s + j) * 4 * R);
                low[j] = _mm512_and_si512(v, low4);
                high[j] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
            }
            const __m512i scale = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (scales + s * R)));
            for (int t = 0; t < tile; t++) {
                const int8_t *x = q + t * columns + b * QK + 32 * s;
                __m512i p0 = _mm512_setzero_si512(), p1 = _mm512_setzero_si512();
                for (int j = 0; j < 4; j++) {
                    p0 = _mm512_dpbusd_epi32(p0, low[j], _mm512_set1_epi32(load_i32(x + 4 * j)));
                    p1 = _mm512_dpbusd_epi32(p1, high[j], _mm512_set1_epi32(load_i32(x + 16 + 4 * j)));
                }
                dot[t] = _mm512_add_epi32(dot[t], _mm512_mullo_epi32(_mm512_add_epi32(p0, p1), scale));
            }
        }
        const __m512 block_d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) block));
        const __m512 block_dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (block + 2 * R)));
        for (int t = 0; t < tile; t++) {
            int32_t pairs[4];
            q8_k_sub_block_pairs(sums + t * (columns / 16) + b * 16, pairs);
            __m512i min_sum = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                const __m512i m = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *) (mins + k * 2 * R)));
                min_sum = _mm512_add_epi32(min_sum, _mm512_madd_epi16(m, _mm512_set1_epi32(pairs[k])));
            }
            const __m512 xd = _mm512_set1_ps(d[t * blocks + b]);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), _mm512_mul_ps(block_d, xd), acc[t]);
            acc[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(min_sum), _mm512_mul_ps(block_dmin, xd), acc[t]);
        }
    }
}

// As q4_k_tile, with a fifth bit per quant (qh vector s: bit j of a byte belongs to chunk j).
static inline __attribute__((always_inline)) void q5_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m512 *acc) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i bit4 = _mm512_set1_epi8(0x10);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q5_K_PACKED(R);
        const uint8_t *scales = block + 4 * R, *mins = block + 12 * R, *qs = block + 20 * R, *qh = block + 148 * R;
        __m512i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm512_setzero_si512();
        }
        for (int s = 0; s < 8; s++) {
            const __m512i h = _mm512_loadu_si512(qh + s * 4 * R);
            __m512i low[4], high[4];
            for (int j = 0; j < 4; j++) {
                const __m512i v = _mm512_loadu_si512(qs + (4 * s + j) * 4 * R);
                // Bit j of h to bit 4 for chunk j, bit j + 4 to bit 4 for chunk j + 4; merged by vpternlogd.
                low[j] = _mm512_ternarylogic_epi32(low4, v, _mm512_and_si512(_mm512_slli_epi16(h, 4 - j), bit4), 0xea);
                high[j] = _mm512_ternarylogic_epi32(low4, _mm512_srli_epi16(v, 4),
                                                    _mm512_and_si512(_mm512_srli_epi16(h, j), bit4), 0xea);
            }
            const __m512i scale = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *) (scales + s * R)));
            for (int t = 0; t < tile; t++) {
                const int8_t *x = q + t * columns + b * QK + 32 * s;
                __m512i p0 = _mm512_setzero_si512(), p1 = _mm512_setzero_si512();
                for (int j = 0; j < 4; j++) {
                    p0 = _mm512_dpbusd_epi32(p0, low[j], _mm512_set1_epi32(load_i32(x + 4 * j)));
                    p1 = _mm512_dpbusd_epi32(p1, high[j], _mm512_set1_epi32(load_i32(x + 16 + 4 * j)));
                }
                dot[t] = _mm512_add_epi32(dot[t], _mm512_mullo_epi32(_mm512_add_epi32(p0, p1), scale));
            }
        }
        const __m512 block_d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) block));
        const __m512 block_dmin = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (block + 2 * R)));
        for (int t = 0; t < tile; t++) {
            int32_t pairs[4];
            q8_k_sub_block_pairs(sums + t * (columns / 16) + b * 16, pairs);
            __m512i min_sum = _mm512_setzero_si512();
            for (int k = 0; k < 4; k++) {
                const __m512i m = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *) (mins + k * 2 * R)));
                min_sum = _mm512_add_epi32(min_sum, _mm512_madd_epi16(m, _mm512_set1_epi32(pairs[k])));
            }
            const __m512 xd = _mm512_set1_ps(d[t * blocks + b]);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), _mm512_mul_ps(block_d, xd), acc[t]);
            acc[t] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(min_sum), _mm512_mul_ps(block_dmin, xd), acc[t]);
        }
    }
}

// Q4_0 times Q8_0 activations: codes q = 0..15 stand for q - 8; 8 * (sum of the block's activations) comes
// back off (sums holds it per 32 values).
static inline __attribute__((always_inline)) void q4_0_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m512 *acc) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q4_0_PACKED(R);
        __m512i low[4], high[4];
        for (int j = 0; j < 4; j++) {
            const __m512i v = _mm512_loadu_si512(block + 2 * R + j * 4 * R);
            low[j] = _mm512_and_si512(v, low4);
            high[j] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low4);
        }
        const __m512 block_d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) block));
        for (int t = 0; t < tile; t++) {
            const int8_t *x = q + t * columns + b * Q8_0_GROUP;
            __m512i dot = _mm512_set1_epi32(-8 * sums[t * (columns / Q8_0_GROUP) + b]);
            for (int j = 0; j < 4; j++) {
                dot = _mm512_dpbusd_epi32(dot, low[j], _mm512_set1_epi32(load_i32(x + 4 * j)));
                dot = _mm512_dpbusd_epi32(dot, high[j], _mm512_set1_epi32(load_i32(x + 16 + 4 * j)));
            }
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(block_d, _mm512_set1_ps(d[t * blocks + b])),
                                     acc[t]);
        }
    }
}

// Q8_0: signed weights times signed activations. AVX-512 has no vpsignb to move the weights' signs onto the
// activations (what avx2.c does), so the weights are flipped to unsigned w + 128 in one vpxord and
// 128 * (sum of the block's activations) comes back off: sums holds it per 32 values, as for Q4_0.
static inline __attribute__((always_inline)) void q8_0_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m512 *acc) {
    const __m512i flip = _mm512_set1_epi8((char) 0x80);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *quants = group + Q8_0_QS(b, R);
        __m512i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            dot[t] = _mm512_set1_epi32(-128 * sums[t * (columns / Q8_0_GROUP) + b]);
        }
        for (int j = 0; j < 8; j++) {
            const __m512i w = _mm512_xor_si512(_mm512_loadu_si512(quants + j * 4 * R), flip);
            for (int t = 0; t < tile; t++) {
                dot[t] = _mm512_dpbusd_epi32(dot[t], w,
                                             _mm512_set1_epi32(load_i32(q + t * columns + b * Q8_0_GROUP + 4 * j)));
            }
        }
        const __m512 block_d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (group + Q8_0_D(b, R))));
        for (int t = 0; t < tile; t++) {
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), _mm512_mul_ps(block_d, _mm512_set1_ps(d[t * blocks + b])),
                                     acc[t]);
        }
    }
}

static inline __attribute__((always_inline)) void q6_k_tile(const uint8_t *group, int64_t blocks, const int8_t *q,
                                                            const float *d, const int16_t *sums, int64_t columns,
                                                            const int tile, __m512 *acc) {
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i bits45 = _mm512_set1_epi8(0x30);
    for (int t = 0; t < tile; t++) {
        acc[t] = _mm512_setzero_ps();
    }
    for (int64_t b = 0; b < blocks; b++) {
        const uint8_t *block = group + b * Q6_K_PACKED(R);
        const int8_t *scales = (const int8_t *) (block + Q6_K_SCALES(R));
        // The codes are q + 32: take 32 * sum over sub-blocks of scale * (sum of its activations) back off, the
        // scale pairs of each group meeting the activations' sum pairs in one vpmaddwd.
        __m512i dot[TOKEN_TILE];
        for (int t = 0; t < tile; t++) {
            const int16_t *x_sums = sums + t * (columns / 16) + b * 16;
            __m512i offset = _mm512_setzero_si512();
            for (int s = 0; s < 8; s++) {
                const __m512i pair = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *) (scales + s * 2 * R)));
                offset = _mm512_add_epi32(offset, _mm512_madd_epi16(pair, _mm512_set1_epi32(load_i32(x_sums + 2 * s))));
            }
            dot[t] = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_setzero_si512(), offset), 5);
        }
        for (int s = 0; s < 8; s++) {
            // Chunks 0..3 of group s (16-column sub-block 2s) and chunks 4..7 (sub-block 2s + 1), as 6-bit codes.
            __m512i first[4], second[4];
            for (int j = 0; j < 4; j++) {
                const __m512i v = _mm512_loadu_si512(block + Q6_K_GROUP(s, R) + j * 4 * R);
                const __m512i h = _mm512_loadu_si512(block + Q6_K_GROUP(s, R) + 16 * R + (j / 2) * 4 * R);
                // The top bits of ql vector j sit at bits 0-3 of its qh byte (j even) or bits 4-7 (j odd).
                const __m512i top_first = j % 2 == 0 ? _mm512_slli_epi16(h, 4) : h;
                const __m512i top_second = j % 2 == 0 ? _mm512_slli_epi16(h, 2) : _mm512_srli_epi16(h, 2);
                // (v & 0x0f) | top in one vpternlogd (0xea: a & b | c), top already masked to bits 4-5.
                first[j] = _mm512_ternarylogic_epi32(low4, v, _mm512_and_si512(top_first, bits45), 0xea);
                second[j] = _mm512_ternarylogic_epi32(low4, _mm512_srli_epi16(v, 4), _mm512_and_si512(top_second, bits45),
                                                      0xea);
            }
            const __m512i pair = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *) (scales + s * 2 * R)));
            const __m512i scale_first = _mm512_srai_epi32(_mm512_slli_epi32(pair, 16), 16);
            const __m512i scale_second = _mm512_srai_epi32(pair, 16);
            for (int t = 0; t < tile; t++) {
                const int8_t *x = q + t * columns + b * QK + 32 * s;
                __m512i p0 = _mm512_setzero_si512(), p1 = _mm512_setzero_si512();
                for (int j = 0; j < 4; j++) {
                    p0 = _mm512_dpbusd_epi32(p0, first[j], _mm512_set1_epi32(load_i32(x + 4 * j)));
                    p1 = _mm512_dpbusd_epi32(p1, second[j], _mm512_set1_epi32(load_i32(x + 16 + 4 * j)));
                }
                dot[t] = _mm512_add_epi32(dot[t], _mm512_add_epi32(_mm512_mullo_epi32(p0, scale_first),
                                                                   _mm512_mullo_epi32(p1, scale_second)));
            }
        }
        const __m512 block_d = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (block + Q6_K_D(R))));
        for (int t = 0; t < tile; t++) {
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[t]), _mm512_mul_ps(block_d, _mm512_set1_ps(d[t * blocks + b])),
                                     acc[t]);
        }
    }
}

// One tile function per tile size: the compiler unrolls the token loops and keeps every accumulator in a
// register.
#define TILE_CASES(kernel)                                                                                         \
    switch (tile) {                                                                                                \
        case 1: kernel(group, blocks, xq, xd, xs, columns, 1, acc); break;                                         \
        case 2: kernel(group, blocks, xq, xd, xs, columns, 2, acc); break;                                         \
        case 3: kernel(group, blocks, xq, xd, xs, columns, 3, acc); break;                                         \
        case 4: kernel(group, blocks, xq, xd, xs, columns, 4, acc); break;                                         \
        case 5: kernel(group, blocks, xq, xd, xs, columns, 5, acc); break;                                         \
        case 6: kernel(group, blocks, xq, xd, xs, columns, 6, acc); break;                                         \
        case 7: kernel(group, blocks, xq, xd, xs, columns, 7, acc); break;                                         \
        default: kernel(group, blocks, xq, xd, xs, columns, 8, acc); break;                                        \
    }

// out[t * out_stride + row] = sum_c W[row][c] * x[t][c] for the rows of groups [group_begin, group_end) (rows
// below `rows`) and tokens [0, tokens), x rounded by lectern_quantize_q8_k_* (q, d, sums row by row).
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
                    const int16_t *xs = sums + t * (columns / (sum_group));                                        \
                    __m512 acc[TOKEN_TILE];                                                                        \
                    TILE_CASES(kernel)                                                                             \
                    store_rows(acc, tile, valid, out + t * out_stride + g * R, out_stride);                        \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

PACKED_MATMUL(lectern_q4_k_packed_avx512, q4_k_tile, QK, 16, Q4_K_PACKED(R))
PACKED_MATMUL(lectern_q5_k_packed_avx512, q5_k_tile, QK, 16, Q5_K_PACKED(R))
PACKED_MATMUL(lectern_q6_k_packed_avx512, q6_k_tile, QK, 16, Q6_K_PACKED(R))
PACKED_MATMUL(lectern_q8_0_packed_avx512, q8_0_tile, Q8_0_GROUP, Q8_0_GROUP, Q8_0_PACKED(R))
PACKED_MATMUL(lectern_q4_0_packed_avx512, q4_0_tile, Q8_0_GROUP, Q8_0_GROUP, Q4_0_PACKED(R))

// Rounds `count` floats (a multiple of 32) to Q8_0 blocks as ggml's AVX quantize_row_q8_0 does (see
// lectern_quantize_q8_0_offset_avx512); signed quants, the scale widened to a float, and the sum of each
// block's quants (for Q4_0's offset).
void lectern_quantize_q8_0_avx512(const float *x, int64_t count, int8_t *q, float *d, int16_t *sums) {
    const __m512 sign_bit = _mm512_set1_ps(-0.0f);
    for (int64_t b = 0; b < count / Q8_0_GROUP; b++) {
        const __m512 x0 = _mm512_loadu_ps(x + b * Q8_0_GROUP);
        const __m512 x1 = _mm512_loadu_ps(x + b * Q8_0_GROUP + 16);
        const float max = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign_bit, x0), _mm512_andnot_ps(sign_bit, x1)));
        const __m512 multiplier = _mm512_set1_ps(max != 0 ? 127.f / max : 0.f);
        const __m512i q0 = _mm512_cvtps_epi32(_mm512_mul_ps(x0, multiplier));
        const __m512i q1 = _mm512_cvtps_epi32(_mm512_mul_ps(x1, multiplier));
        _mm_storeu_si128((__m128i *) (q + b * Q8_0_GROUP), _mm512_cvtepi32_epi8(q0));
        _mm_storeu_si128((__m128i *) (q + b * Q8_0_GROUP + 16), _mm512_cvtepi32_epi8(q1));
        d[b] = _cvtsh_ss(_cvtss_sh(max / 127.f, _MM_FROUND_TO_NEAREST_INT));
        sums[b] = (int16_t) _mm512_reduce_add_epi32(_mm512_add_epi32(q0, q1));
    }
}

// e^x for x <= 0 (scores minus their running maximum), 16 at a time: x = n ln2 + r with |r| <= ln2 / 2,
// e^r by its Taylor polynomial to degree 7 (relative error below 2e-7 there), times 2^n by vscalefps,
// which also takes very negative x to 0 rather than to garbage.
static inline __m512 exp_nonpositive(__m512 x) {
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.f / 5040);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 720));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
    return _mm512_scalef_ps(p, n);
}

#define MAX_HEADS 64
#define MAX_VECTORS 16
#define ATTENTION_TILE 16

// 16 cached values of one head's slice, from value e on, widened to floats: F16 halves, or Q8_0 blocks (an
// fp16 scale and 32 int8 quants, 34 bytes) whose quants are widened and scaled.
static inline __attribute__((always_inline)) __m512 widen16(const uint8_t *slice, int64_t e, const int q8_0) {
    if (!q8_0) {
        return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (slice + 2 * e)));
    }
    const uint8_t *block = slice + (e / Q8_0_GROUP) * Q8_0_BYTES;
    const __m512 quants = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *) (block + 2 + e % Q8_0_GROUP))));
    return _mm512_mul_ps(quants, _mm512_set1_ps(half_to_float(block)));
}

// One query row's attention to positions [begin, end) of an F16 or Q8_0 cache, for all its heads: heads query
// heads of head_dim values, `group` consecutive ones per key/value head, reading whole cached rows (every
// key/value head of a position: contiguous memory, which the hardware prefetcher streams; a single head's
// slice of each row was latency-bound at 3 GB/s). key_blocks[b] / value_blocks[b] are the addresses of
// storage block b (block_size positions of width = heads / group * head_dim values). Each key is widened
// once and scored against its group's query heads.
//
// Leaves the online-softmax state of the range, to be merged with other ranges' by the caller: per head,
// maxima[h] (the largest score), sums[h] (sum of e^(score - max)) and acc[h * head_dim ..] (the sum of
// e^(score - max) * value). head_dim is a multiple of 16 (of 32 for Q8_0) and at most 256, heads at most
// 64; end > begin.
static inline __attribute__((always_inline)) void attend(const int64_t *key_blocks, const int64_t *value_blocks,
                                                         int64_t block_size, int64_t heads, int64_t group,
                                                         int64_t head_dim, const float *queries, int64_t begin,
                                                         int64_t end, float scale, float *acc, float *maxima,
                                                         float *sums, const int q8_0) {
    const int vectors = (int) (head_dim / 16);
    const int64_t kv_heads = heads / group;
    const int64_t head_bytes = q8_0 ? head_dim / Q8_0_GROUP * Q8_0_BYTES : 2 * head_dim;
    const int64_t row_bytes = kv_heads * head_bytes;
    __attribute__((aligned(64))) float scores[MAX_HEADS][ATTENTION_TILE];
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
                __m512 key[MAX_VECTORS];
                for (int v = 0; v < vectors; v++) {
                    key[v] = widen16(row + kv * head_bytes, 16 * v, q8_0);
                }
                for (int64_t g = 0; g < group; g++) {
                    const int64_t h = kv * group + g;
                    const float *q = queries + h * head_dim;
                    __m512 dot = _mm512_mul_ps(key[0], _mm512_loadu_ps(q));
                    for (int v = 1; v < vectors; v++) {
                        dot = _mm512_fmadd_ps(key[v], _mm512_loadu_ps(q + 16 * v), dot);
                    }
                    scores[h][j] = _mm512_reduce_add_ps(dot) * scale;
                }
            }
        }
        const __mmask16 seen = (__mmask16) ((1u << count) - 1);
        for (int64_t h = 0; h < heads; h++) {
            const __m512 s = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), seen, scores[h]);
            const float tile_max = _mm512_reduce_max_ps(s);
            const float max = tile_max > maxima[h] ? tile_max : maxima[h];
            const float decay = maxima[h] == -INFINITY ? 0.f : expf(maxima[h] - max);
            const __m512 weights = _mm512_maskz_mov_ps(seen, exp_nonpositive(_mm512_sub_ps(s, _mm512_set1_ps(max))));
            _mm512_storeu_ps(scores[h], weights);
            sums[h] = sums[h] * decay + _mm512_reduce_add_ps(weights);
            maxima[h] = max;
            if (decay != 1.f) {
                const __m512 d = _mm512_set1_ps(decay);
                for (int v = 0; v < vectors; v++) {
                    float *a = acc + h * head_dim + 16 * v;
                    _mm512_storeu_ps(a, _mm512_mul_ps(_mm512_loadu_ps(a), d));
                }
            }
        }
        for (int j = 0; j < count; j++) {
            const int64_t position = start + j;
            const uint8_t *row = (const uint8_t *) value_blocks[position / block_size] + (position % block_size) * row_bytes;
            for (int64_t kv = 0; kv < kv_heads; kv++) {
                for (int v = 0; v < vectors; v++) {
                    const __m512 x = widen16(row + kv * head_bytes, 16 * v, q8_0);
                    for (int64_t g = 0; g < group; g++) {
                        const int64_t h = kv * group + g;
                        float *a = acc + h * head_dim + 16 * v;
                        _mm512_storeu_ps(a, _mm512_fmadd_ps(_mm512_set1_ps(scores[h][j]), x, _mm512_loadu_ps(a)));
                    }
                }
            }
        }
    }
}

void lectern_attend_f16_avx512(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                               int64_t heads, int64_t group, int64_t head_dim, const float *queries, int64_t begin,
                               int64_t end, float scale, float *acc, float *maxima, float *sums) {
    attend(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, begin, end, scale, acc, maxima,
           sums, 0);
}

void lectern_attend_q8_0_avx512(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                                int64_t heads, int64_t group, int64_t head_dim, const float *queries, int64_t begin,
                                int64_t end, float scale, float *acc, float *maxima, float *sums) {
    attend(key_blocks, value_blocks, block_size, heads, group, head_dim, queries, begin, end, scale, acc, maxima,
           sums, 1);
}

// ---- Prefill attention: many query rows, one key/value head per call ----
//
// Flash-style: the cached positions are taken ROW_TILE at a time; each tile's keys are widened once and
// transposed in registers (keys_t[i][j] = value i of position j's key), its values widened, and then the
// call's query states (a row's query head: rows x group of them) go through the tile STATE_BLOCK at a time:
// each key and value vector loaded serves four states, so 16 accumulators stay in registers (one state at a
// time loaded a vector per multiply-add and spilled its sums: 47 GFLOP/s a core, 88% of a 64-token prefill
// at depth 8K on qwen3-0.6b). Scores are 16 positions per vector (no horizontal sums), then each state's
// running maximum and sum are updated and the tile's weighted values added.

#define ROW_TILE 64
#define STATE_BLOCK 4

// Asks for the cache lines of bytes [p, p + bytes) ahead of their use.
static inline void prefetch_slice(const uint8_t *p, int64_t bytes) {
    for (int64_t b = 0; b < bytes; b += 64) {
        _mm_prefetch((const char *) p + b, _MM_HINT_T0);
    }
    _mm_prefetch((const char *) p + bytes - 1, _MM_HINT_T0);
}

// r[i] = row i of a 16 x 16 block of floats in; out: r[c] = column c.
static inline __attribute__((always_inline)) void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // Lane L of t[2i] holds columns 4L, 4L + 1 of rows 2i, 2i + 1 interleaved; t[2i + 1] columns 4L + 2, 4L + 3.
    for (int i = 0; i < 4; i++) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    // Lane L of r[4i + k] holds column 4L + k of rows 4i..4i + 3: gather lane L of the four.
    for (int k = 0; k < 4; k++) {
        const __m512 ab_low = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x44);
        const __m512 ab_high = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xEE);
        const __m512 cd_low = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x44);
        const __m512 cd_high = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xEE);
        t[k] = _mm512_shuffle_f32x4(ab_low, cd_low, 0x88);
        t[4 + k] = _mm512_shuffle_f32x4(ab_low, cd_low, 0xDD);
        t[8 + k] = _mm512_shuffle_f32x4(ab_high, cd_high, 0x88);
        t[12 + k] = _mm512_shuffle_f32x4(ab_high, cd_high, 0xDD);
    }
    for (int i = 0; i < 16; i++) {
        r[i] = t[i];
    }
}

// The states of n_rows query rows (state s: row i = s / group, its query head kv_head * group + s % group;
// row i is rows[i], or row_begin + i where rows is NULL, of `queries`, laid out heads x head_dim a row) attend
// to cached positions [begin, end) of key/value head kv_head, row i to those below positions[row] + 1 where
// positions is not NULL. Updates each state's running maximum, sum and sum of weighted values (maxima[s],
// sums[s], acc[s * head_dim ..], for (n_rows * group) rounded up to STATE_BLOCK states: the padding states
// see nothing). keys_t and values hold head_dim * ROW_TILE floats each, weights STATE_BLOCK * ROW_TILE.
static inline __attribute__((always_inline)) void attend_tiles(const int64_t *key_blocks, const int64_t *value_blocks,
                                                               int64_t block_size, int64_t heads, int64_t group,
                                                               int64_t head_dim, int64_t kv_head, const float *queries,
                                                               const int32_t *rows, int64_t row_begin, int64_t n_rows,
                                                               const int32_t *positions, int64_t begin, int64_t end,
                                                               float scale, float *maxima, float *sums, float *acc,
                                                               float *keys_t, float *values, float *weights,
                                                               const int q8_0) {
    const int vectors = (int) (head_dim / 16);
    const int64_t kv_heads = heads / group;
    const int64_t head_bytes = q8_0 ? head_dim / Q8_0_GROUP * Q8_0_BYTES : 2 * head_dim;
    const int64_t row_bytes = kv_heads * head_bytes;
    const int64_t states = n_rows * group;
    const int64_t padded = (states + STATE_BLOCK - 1) / STATE_BLOCK * STATE_BLOCK;
    const __m512 scales = _mm512_set1_ps(scale);

    for (int64_t start = begin; start < end; start += ROW_TILE) {
        const int count = (int) (end - start < ROW_TILE ? end - start : ROW_TILE);
        for (int p0 = 0; p0 < ROW_TILE; p0 += 16) {
            const uint8_t *key[16];
            for (int j = 0; j < 16; j++) {
                const int64_t position = start + p0 + j;
                key[j] = p0 + j < count ? (const uint8_t *) key_blocks[position / block_size]
                                          + (position % block_size) * row_bytes + kv_head * head_bytes : NULL;
            }
            for (int v = 0; v < vectors; v++) {
                __m512 block[16];
                for (int j = 0; j < 16; j++) {
                    block[j] = key[j] ? widen16(key[j], 16 * v, q8_0) : _mm512_setzero_ps();
                }
                transpose16(block);
                for (int i = 0; i < 16; i++) {
                    _mm512_storeu_ps(keys_t + (16 * v + i) * ROW_TILE + p0, block[i]);
                }
            }
        }
        for (int j = 0; j < count; j++) {
            const int64_t position = start + j;
            const uint8_t *value = (const uint8_t *) value_blocks[position / block_size]
                                   + (position % block_size) * row_bytes + kv_head * head_bytes;
            for (int v = 0; v < vectors; v++) {
                _mm512_storeu_ps(values + j * head_dim + 16 * v, widen16(value, 16 * v, q8_0));
            }
            // The next tile's slices of this head: one head's slice of each cached row is a few cache lines
            // every row_bytes, a stride the hardware prefetcher does not follow.
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
            __m512 part[STATE_BLOCK][4];
            for (int s = 0; s < STATE_BLOCK; s++) {
                for (int c = 0; c < 4; c++) {
                    part[s][c] = _mm512_setzero_ps();
                }
            }
            for (int64_t i = 0; i < head_dim; i++) {
                const float *k = keys_t + i * ROW_TILE;
                const __m512 k0 = _mm512_loadu_ps(k), k1 = _mm512_loadu_ps(k + 16), k2 = _mm512_loadu_ps(k + 32),
                             k3 = _mm512_loadu_ps(k + 48);
                for (int s = 0; s < STATE_BLOCK; s++) {
                    const __m512 qi = _mm512_set1_ps(q[s][i]);
                    part[s][0] = _mm512_fmadd_ps(qi, k0, part[s][0]);
                    part[s][1] = _mm512_fmadd_ps(qi, k1, part[s][1]);
                    part[s][2] = _mm512_fmadd_ps(qi, k2, part[s][2]);
                    part[s][3] = _mm512_fmadd_ps(qi, k3, part[s][3]);
                }
            }
            __m512 decay[STATE_BLOCK];
            for (int s = 0; s < STATE_BLOCK; s++) {
                const int64_t st = s0 + s;
                float *w = weights + s * ROW_TILE;
                if (seen[s] == 0) {
                    // No position of this tile is visible to the state: nothing changes.
                    decay[s] = _mm512_set1_ps(1.f);
                    for (int c = 0; c < 4; c++) {
                        _mm512_storeu_ps(w + 16 * c, _mm512_setzero_ps());
                    }
                    continue;
                }
                __mmask16 seen_mask[4];
                __m512 tile_max = _mm512_set1_ps(-INFINITY);
                for (int c = 0; c < 4; c++) {
                    const int left = seen[s] - 16 * c;
                    seen_mask[c] = left >= 16 ? (__mmask16) 0xffff : left <= 0 ? (__mmask16) 0 : (__mmask16) ((1u << left) - 1);
                    part[s][c] = _mm512_mul_ps(part[s][c], scales);
                    tile_max = _mm512_mask_max_ps(tile_max, seen_mask[c], tile_max, part[s][c]);
                }
                const float previous = maxima[st];
                const float found = _mm512_reduce_max_ps(tile_max);
                const float max = found > previous ? found : previous;
                decay[s] = _mm512_set1_ps(previous == -INFINITY ? 0.f : expf(previous - max));
                __m512 total = _mm512_setzero_ps();
                for (int c = 0; c < 4; c++) {
                    const __m512 e = _mm512_maskz_mov_ps(seen_mask[c], exp_nonpositive(_mm512_sub_ps(part[s][c],
                                                                                                     _mm512_set1_ps(max))));
                    total = _mm512_add_ps(total, e);
                    _mm512_storeu_ps(w + 16 * c, e);
                }
                sums[st] = sums[st] * _mm512_cvtss_f32(decay[s]) + _mm512_reduce_add_ps(total);
                maxima[st] = max;
            }
            float *a[STATE_BLOCK];
            for (int s = 0; s < STATE_BLOCK; s++) {
                a[s] = acc + (s0 + s) * head_dim;
            }
            int v0 = 0;
            for (; v0 + 4 <= vectors; v0 += 4) {
                __m512 sum[STATE_BLOCK][4];
                for (int s = 0; s < STATE_BLOCK; s++) {
                    for (int v = 0; v < 4; v++) {
                        sum[s][v] = _mm512_mul_ps(_mm512_loadu_ps(a[s] + 16 * (v0 + v)), decay[s]);
                    }
                }
                for (int j = 0; j < most; j++) {
                    const float *x = values + j * head_dim + 16 * v0;
                    const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16), x2 = _mm512_loadu_ps(x + 32),
                                 x3 = _mm512_loadu_ps(x + 48);
                    for (int s = 0; s < STATE_BLOCK; s++) {
                        const __m512 w = _mm512_set1_ps(weights[s * ROW_TILE + j]);
                        sum[s][0] = _mm512_fmadd_ps(w, x0, sum[s][0]);
                        sum[s][1] = _mm512_fmadd_ps(w, x1, sum[s][1]);
                        sum[s][2] = _mm512_fmadd_ps(w, x2, sum[s][2]);
                        sum[s][3] = _mm512_fmadd_ps(w, x3, sum[s][3]);
                    }
                }
                for (int s = 0; s < STATE_BLOCK; s++) {
                    for (int v = 0; v < 4; v++) {
                        _mm512_storeu_ps(a[s] + 16 * (v0 + v), sum[s][v]);
                    }
                }
            }
            for (; v0 < vectors; v0++) {
                __m512 sum[STATE_BLOCK];
                for (int s = 0; s < STATE_BLOCK; s++) {
                    sum[s] = _mm512_mul_ps(_mm512_loadu_ps(a[s] + 16 * v0), decay[s]);
                }
                for (int j = 0; j < most; j++) {
                    const __m512 x = _mm512_loadu_ps(values + j * head_dim + 16 * v0);
                    for (int s = 0; s < STATE_BLOCK; s++) {
                        sum[s] = _mm512_fmadd_ps(_mm512_set1_ps(weights[s * ROW_TILE + j]), x, sum[s]);
                    }
                }
                for (int s = 0; s < STATE_BLOCK; s++) {
                    _mm512_storeu_ps(a[s] + 16 * v0, sum[s]);
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
    const int vectors = (int) (head_dim / 16);
    for (int64_t r = row_begin; r < row_end; r++) {
        for (int64_t g = 0; g < group; g++) {
            const int64_t st = (r - row_begin) * group + g;
            const __m512 inverse = _mm512_set1_ps(1.f / sums[st]);
            float *o = out + (r * heads + kv_head * group + g) * head_dim;
            for (int v = 0; v < vectors; v++) {
                _mm512_storeu_ps(o + 16 * v, _mm512_mul_ps(_mm512_loadu_ps(acc + st * head_dim + 16 * v), inverse));
            }
        }
    }
}

void lectern_attend_rows_avx512(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
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

// ---- Shared-prefix attention: several sequences' rows over the cached blocks they share ----
//
// Decoding sequences that start from one cached document read the same blocks; attending each on its own
// reads them once per sequence and step (four users at depth 8K: 1.09x one user's rate). Here the rows of all
// of them (rows[i], i < n_rows, of `queries`) attend together to positions [begin, end), which every one of
// them sees whole, so each block is read and widened once per step; the caller merges the softmax states this
// leaves with those of each sequence's own positions. The positions go a tile at a time through every
// key/value head (whole cached rows: one head's slice of each row ran at 4 GB/s a thread, the tile's rows for
// all heads at 7). Leaves, for row i and query head h, maxima[i * heads + h], sums[i * heads + h] and
// acc[(i * heads + h) * head_dim ..] unnormalized, as lectern_attend_f16 does. scratch holds
// head_dim * ROW_TILE * 2 + STATE_BLOCK * ROW_TILE + kv_heads * padded * (head_dim + 2) floats, padded =
// n_rows * group rounded up to a multiple of STATE_BLOCK.
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

void lectern_attend_shared_avx512(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
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

// ---- Decode: Q8_0 weights in the Vector API's row panels, int8 activations, VNNI ----
//
// CpuBackend repacks Q8_0 weights into panels of 16 rows (PackedInt8): for every group of 32 columns, each
// column's 16 row quants side by side, then the group's 16 float scales. Prefill multiplies them in float
// in Java; decoding one token in float was bound by widening bytes to floats at ~25 GB/s. Here vpermb turns
// 4 columns x 16 rows into 16 rows x 4 columns and one vpdpbusd adds those 64 products, 16 rows at a time.
// vpdpbusd wants unsigned bytes on one side: the activations are stored as q + 128, and 128 * (sum of the
// weights) is taken back off per group.

#define PANEL_ROWS 16

// Rounds `count` floats (a multiple of 32) to Q8_0 blocks as ggml's AVX quantize_row_q8_0 does: per block,
// multiplier 127 / max|x|, quants rounded to nearest (ties to even), scale max|x| / 127 rounded to fp16.
// Stores quant + 128 (as unsigned bytes) and the scale as a float.
void lectern_quantize_q8_0_offset_avx512(const float *x, int64_t count, uint8_t *q, float *d) {
    const __m512 sign_bit = _mm512_set1_ps(-0.0f);
    for (int64_t b = 0; b < count / Q8_0_GROUP; b++) {
        const __m512 x0 = _mm512_loadu_ps(x + b * Q8_0_GROUP);
        const __m512 x1 = _mm512_loadu_ps(x + b * Q8_0_GROUP + 16);
        const float max = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign_bit, x0), _mm512_andnot_ps(sign_bit, x1)));
        const __m512 multiplier = _mm512_set1_ps(max != 0 ? 127.f / max : 0.f);
        const __m512i offset = _mm512_set1_epi32(128);
        const __m512i q0 = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x0, multiplier)), offset);
        const __m512i q1 = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x1, multiplier)), offset);
        _mm_storeu_si128((__m128i *) (q + b * Q8_0_GROUP), _mm512_cvtepi32_epi8(q0));
        _mm_storeu_si128((__m128i *) (q + b * Q8_0_GROUP + 16), _mm512_cvtepi32_epi8(q1));
        d[b] = _cvtsh_ss(_cvtss_sh(max / 127.f, _MM_FROUND_TO_NEAREST_INT));
    }
}

// out[t * out_stride + 16 p + lane] for panels [panel_begin, panel_end), lanes below `rows` - 16 p, and
// `tokens` tokens whose activations lectern_quantize_q8_0_offset rounded (`columns` apart).
void lectern_q8_0_panels_avx512(const int8_t *quants, const float *scales, int64_t columns, int64_t rows,
                                     int64_t panel_begin, int64_t panel_end, const uint8_t *xq, const float *xd,
                                     int64_t tokens, float *out, int64_t out_stride) {
    const int64_t groups = columns / Q8_0_GROUP;
    uint8_t order[64];
    for (int row = 0; row < PANEL_ROWS; row++) {
        for (int k = 0; k < 4; k++) {
            order[row * 4 + k] = (uint8_t) (k * PANEL_ROWS + row);
        }
    }
    const __m512i transpose = _mm512_loadu_si512(order);
    const __m512i ones = _mm512_set1_epi8(1);
    for (int64_t t = 0; t < tokens; t++) {
        const uint8_t *x = xq + t * columns;
        const float *x_scales = xd + t * groups;
        for (int64_t p = panel_begin; p < panel_end; p++) {
            const int8_t *panel = quants + p * groups * Q8_0_GROUP * PANEL_ROWS;
            const float *panel_scales = scales + p * groups * PANEL_ROWS;
            __m512 acc = _mm512_setzero_ps();
            for (int64_t g = 0; g < groups; g++) {
                __m512i dot = _mm512_setzero_si512();
                __m512i weight_sum = _mm512_setzero_si512();
                for (int k = 0; k < Q8_0_GROUP; k += 4) {
                    const __m512i w = _mm512_permutexvar_epi8(transpose,
                            _mm512_loadu_si512(panel + (g * Q8_0_GROUP + k) * PANEL_ROWS));
                    int32_t four;
                    memcpy(&four, x + g * Q8_0_GROUP + k, 4);
                    dot = _mm512_dpbusd_epi32(dot, _mm512_set1_epi32(four), w);
                    weight_sum = _mm512_dpbusd_epi32(weight_sum, ones, w);
                }
                const __m512i exact = _mm512_sub_epi32(dot, _mm512_slli_epi32(weight_sum, 7));
                acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(exact),
                                      _mm512_mul_ps(_mm512_loadu_ps(panel_scales + g * PANEL_ROWS),
                                                    _mm512_set1_ps(x_scales[g])), acc);
            }
            const int64_t left = rows - p * PANEL_ROWS;
            const __mmask16 valid = left >= PANEL_ROWS ? (__mmask16) 0xFFFF : (__mmask16) ((1u << left) - 1);
            _mm512_mask_storeu_ps(out + t * out_stride + p * PANEL_ROWS, valid, acc);
        }
    }
}
