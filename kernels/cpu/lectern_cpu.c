// Lectern's native CPU kernels: K-quant weights (Q4_K, Q6_K) multiplied with int8 activations.
//
// Why native: the Java Vector API has no 8-bit multiply-add, so a Java kernel widens every quant to float
// and is compute-bound on 4- and 6-bit weights (LIMITS.md). Here each 64 weights cost one u8 x s8 -> s16
// multiply-add (vpmaddubsw) and one s16 x s16 -> s32 with the sub-block scales (vpmaddwd), the way
// llama.cpp multiplies K-quants. The activations are rounded first to "Q8_K" blocks (256 values, one float
// scale, sums per 16), exactly as llama.cpp's quantize_row_q8_K does, so results follow llama.cpp's.
//
// The weights are read in place, in ggml's block layout, from the memory-mapped model file: no copy, no
// repacking. The Java side (engine/cpu/NativeKernels) calls these functions through FFM, one share of the
// output rows per worker thread, and keeps its Vector API kernels for machines without this library or
// without AVX-512 (lectern_cpu_supported() says which).
//
// Layouts (ggml): block_q4_K = { f16 d, f16 dmin, u8 scales[12], u8 qs[128] } = 144 bytes;
//                 block_q6_K = { u8 ql[128], u8 qh[64], s8 scales[16], f16 d } = 210 bytes.
// Activations of one row of `columns` values: q int8[columns], d float[columns / 256],
// sums int16[columns / 16] (the sum of every 16 quants).

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define KERNEL __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))
#define QK 256
#define Q4_K_BYTES 144
#define Q6_K_BYTES 210
// Tokens that share one pass over a weight row: their accumulators live in registers.
#define TOKEN_TILE 8

int lectern_cpu_abi_version(void) { return 1; }

// 1 when this CPU runs the kernels below, 0 otherwise.
int lectern_cpu_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
           && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
           && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

KERNEL static inline float half_to_float(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// Rounds `rows` rows of `columns` floats (columns a multiple of 256) to Q8_K: per block of 256, the value
// of largest magnitude (the first, on a tie) maps to -127, the others to round-to-nearest-even of
// value * (-127 / that value), clamped to 127; d = 1 / that multiplier. The same arithmetic as ggml's
// quantize_row_q8_K, so the rounded activations are llama.cpp's.
KERNEL void lectern_quantize_q8_k(const float *x, int64_t rows, int64_t columns, int8_t *q, float *d,
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

// The eight 6-bit scales and eight 6-bit minimums of a Q4_K block, as bytes (ggml's get_scale_min_k4,
// done on four 32-bit words at once).
KERNEL static inline void q4_k_scales(const uint8_t *packed, uint8_t scales[8], uint8_t mins[8]) {
    uint32_t w[3];
    memcpy(w, packed, 12);
    const uint32_t low6 = 0x3f3f3f3f, low4 = 0x0f0f0f0f, low2 = 0x03030303;
    uint32_t s[2] = {w[0] & low6, (w[2] & low4) | (((w[0] >> 6) & low2) << 4)};
    uint32_t m[2] = {w[1] & low6, ((w[2] >> 4) & low4) | (((w[1] >> 6) & low2) << 4)};
    memcpy(scales, s, 8);
    memcpy(mins, m, 8);
}

KERNEL static inline __m512i spread_index(int first, int lanes_per_value) {
    int16_t idx[32];
    for (int i = 0; i < 32; i++) {
        idx[i] = (int16_t) (first + i / lanes_per_value);
    }
    return _mm512_loadu_si512(idx);
}

// out[t * out_stride + r] = sum_c W[r][c] * x[t][c] for rows [row_begin, row_end) and tokens [0, tokens).
KERNEL void lectern_q4_k_matmul(const uint8_t *weights, int64_t columns, int64_t row_begin, int64_t row_end,
                                const int8_t *q, const float *d, const int16_t *sums, int64_t tokens,
                                float *out, int64_t out_stride) {
    const int64_t blocks = columns / QK;
    const int64_t row_bytes = blocks * Q4_K_BYTES;
    const __m512i nibble = _mm512_set1_epi8(0x0f);
    // After vpmaddubsw, lanes 0-15 of 64 products hold sub-block 2c, lanes 16-31 sub-block 2c + 1.
    __m512i spread[4];
    for (int c = 0; c < 4; c++) {
        spread[c] = spread_index(2 * c, 16);
    }
    // Sums per 16 quants: lanes 2j and 2j + 1 belong to sub-block j.
    const __m256i pair_index = _mm512_castsi512_si256(spread_index(0, 2));

    for (int64_t t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
        const int tile = (int) (tokens - t0 < TOKEN_TILE ? tokens - t0 : TOKEN_TILE);
        for (int64_t r = row_begin; r < row_end; r++) {
            const uint8_t *row = weights + r * row_bytes;
            __m512 acc[TOKEN_TILE];
            for (int t = 0; t < tile; t++) {
                acc[t] = _mm512_setzero_ps();
            }
            for (int64_t b = 0; b < blocks; b++) {
                const uint8_t *block = row + b * Q4_K_BYTES;
                const float scale = half_to_float(block);
                const float min_scale = half_to_float(block + 2);
                uint8_t sc[8], mn[8];
                q4_k_scales(block + 4, sc, mn);
                const __m512i scales16 = _mm512_castsi128_si512(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *) sc)));
                const __m256i mins16 = _mm256_permutexvar_epi16(pair_index,
                        _mm256_castsi128_si256(_mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *) mn))));
                __m512i quants[4], chunk_scales[4];
                for (int c = 0; c < 4; c++) {
                    const __m256i packed = _mm256_loadu_si256((const __m256i *) (block + 16 + 32 * c));
                    quants[c] = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(packed),
                            _mm256_srli_epi16(packed, 4), 1), nibble);
                    chunk_scales[c] = _mm512_permutexvar_epi16(spread[c], scales16);
                }
                for (int t = 0; t < tile; t++) {
                    const int64_t token = t0 + t;
                    const int8_t *x = q + token * columns + b * QK;
                    __m512i dot = _mm512_setzero_si512();
                    for (int c = 0; c < 4; c++) {
                        const __m512i products = _mm512_maddubs_epi16(quants[c], _mm512_loadu_si512(x + 64 * c));
                        dot = _mm512_add_epi32(dot, _mm512_madd_epi16(products, chunk_scales[c]));
                    }
                    const float xd = d[token * blocks + b];
                    const __m256i block_sums = _mm256_loadu_si256((const __m256i *) (sums + (token * blocks + b) * 16));
                    const __m256 min_terms = _mm256_cvtepi32_ps(_mm256_madd_epi16(block_sums, mins16));
                    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(scale * xd), acc[t]);
                    acc[t] = _mm512_fmadd_ps(_mm512_zextps256_ps512(min_terms), _mm512_set1_ps(-min_scale * xd), acc[t]);
                }
            }
            for (int t = 0; t < tile; t++) {
                out[(t0 + t) * out_stride + r] = _mm512_reduce_add_ps(acc[t]);
            }
        }
    }
}

// As lectern_q4_k_matmul, for Q6_K weights: quants 0..63 stand for q - 32, one signed 8-bit scale per 16.
KERNEL void lectern_q6_k_matmul(const uint8_t *weights, int64_t columns, int64_t row_begin, int64_t row_end,
                                const int8_t *q, const float *d, const int16_t *sums, int64_t tokens,
                                float *out, int64_t out_stride) {
    const int64_t blocks = columns / QK;
    const int64_t row_bytes = blocks * Q6_K_BYTES;
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i low2 = _mm512_set1_epi8(0x03);
    // After vpmaddubsw, the 32 lanes of 64 products cover four groups of 16 quants, 8 lanes each.
    __m512i spread[4];
    for (int c = 0; c < 4; c++) {
        spread[c] = spread_index(4 * c, 8);
    }

    for (int64_t t0 = 0; t0 < tokens; t0 += TOKEN_TILE) {
        const int tile = (int) (tokens - t0 < TOKEN_TILE ? tokens - t0 : TOKEN_TILE);
        for (int64_t r = row_begin; r < row_end; r++) {
            const uint8_t *row = weights + r * row_bytes;
            __m512 acc[TOKEN_TILE];
            for (int t = 0; t < tile; t++) {
                acc[t] = _mm512_setzero_ps();
            }
            for (int64_t b = 0; b < blocks; b++) {
                const uint8_t *ql = row + b * Q6_K_BYTES;
                const uint8_t *qh = ql + 128;
                const int8_t *block_scales = (const int8_t *) (ql + 192);
                const float scale = half_to_float(ql + 208);
                const __m256i scales16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *) block_scales));
                __m512i quants[4], chunk_scales[4];
                for (int n = 0; n < 2; n++) {
                    // Quants 128n + l and 128n + 32 + l (l < 32) take low nibbles of ql and bits 0-1 / 2-3 of
                    // qh[l]; quants 128n + 64 + l and 128n + 96 + l take high nibbles and bits 4-5 / 6-7.
                    const __m512i low = _mm512_loadu_si512(ql + 64 * n);
                    const __m256i high = _mm256_loadu_si256((const __m256i *) (qh + 32 * n));
                    const __m512i high_pair = _mm512_inserti64x4(_mm512_castsi256_si512(high), _mm256_srli_epi16(high, 2), 1);
                    quants[2 * n] = _mm512_or_si512(_mm512_and_si512(low, low4),
                            _mm512_slli_epi16(_mm512_and_si512(high_pair, low2), 4));
                    quants[2 * n + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(low, 4), low4),
                            _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(high_pair, 4), low2), 4));
                }
                for (int c = 0; c < 4; c++) {
                    chunk_scales[c] = _mm512_permutexvar_epi16(spread[c], _mm512_castsi256_si512(scales16));
                }
                for (int t = 0; t < tile; t++) {
                    const int64_t token = t0 + t;
                    const int8_t *x = q + token * columns + b * QK;
                    __m512i dot = _mm512_setzero_si512();
                    for (int c = 0; c < 4; c++) {
                        const __m512i products = _mm512_maddubs_epi16(quants[c], _mm512_loadu_si512(x + 64 * c));
                        dot = _mm512_add_epi32(dot, _mm512_madd_epi16(products, chunk_scales[c]));
                    }
                    // The stored quants are q + 32: take 32 * scale * (sum of x) of every group of 16 back off.
                    const __m256i block_sums = _mm256_loadu_si256((const __m256i *) (sums + (token * blocks + b) * 16));
                    const __m256i offsets = _mm256_slli_epi32(_mm256_madd_epi16(block_sums, scales16), 5);
                    dot = _mm512_sub_epi32(dot, _mm512_zextsi256_si512(offsets));
                    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_set1_ps(scale * d[token * blocks + b]), acc[t]);
                }
            }
            for (int t = 0; t < tile; t++) {
                out[(t0 + t) * out_stride + r] = _mm512_reduce_add_ps(acc[t]);
            }
        }
    }
}

// e^x for x <= 0 (scores minus their running maximum), 16 at a time: x = n ln2 + r with |r| <= ln2 / 2,
// e^r by its Taylor polynomial to degree 7 (relative error below 2e-7 there), times 2^n by vscalefps,
// which also takes very negative x to 0 rather than to garbage.
KERNEL static inline __m512 exp_nonpositive(__m512 x) {
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
#define ATTENTION_TILE 16

// One query row's attention to positions [begin, end) of an F16 cache, for all its heads: heads query heads
// of head_dim values, `group` consecutive ones per key/value head, reading whole cached rows (every
// key/value head of a position: contiguous memory, which the hardware prefetcher streams; a single head's
// slice of each row was latency-bound at 3 GB/s). key_blocks[b] / value_blocks[b] are the addresses of
// storage block b (block_size positions of width = heads / group * head_dim halves).
//
// Leaves the online-softmax state of the range, to be merged with other ranges' by the caller: per head,
// maxima[h] (the largest score), sums[h] (sum of e^(score - max)) and acc[h * head_dim ..] (the sum of
// e^(score - max) * value). head_dim is a multiple of 16 and at most 256, heads at most 64; end > begin.
KERNEL void lectern_attend_f16(const int64_t *key_blocks, const int64_t *value_blocks, int64_t block_size,
                               int64_t heads, int64_t group, int64_t head_dim, const float *queries,
                               int64_t begin, int64_t end, float scale, float *acc, float *maxima, float *sums) {
    const int vectors = (int) (head_dim / 16);
    const int64_t kv_heads = heads / group;
    const int64_t width = kv_heads * head_dim;
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
            const uint16_t *row = (const uint16_t *) key_blocks[position / block_size] + (position % block_size) * width;
            for (int64_t kv = 0; kv < kv_heads; kv++) {
                const uint16_t *key = row + kv * head_dim;
                for (int64_t g = 0; g < group; g++) {
                    const int64_t h = kv * group + g;
                    const float *q = queries + h * head_dim;
                    __m512 dot = _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) key)),
                                               _mm512_loadu_ps(q));
                    for (int v = 1; v < vectors; v++) {
                        dot = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (key + 16 * v))),
                                              _mm512_loadu_ps(q + 16 * v), dot);
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
            const uint16_t *row = (const uint16_t *) value_blocks[position / block_size] + (position % block_size) * width;
            for (int64_t kv = 0; kv < kv_heads; kv++) {
                const uint16_t *value = row + kv * head_dim;
                for (int v = 0; v < vectors; v++) {
                    const __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *) (value + 16 * v)));
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

// ---- Prefill: Q4_K times tiles of 16 tokens with VNNI ----
//
// vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes and adds the four products to a 32-bit lane. With
// the activations of 16 tokens interleaved by 4 values ([block][k / 4][token][4]), one weight row's 4
// quants broadcast to every lane give 16 tokens' partial dot products in one instruction: 64 multiply-adds,
// against 4 instructions in the row-by-row kernel above. A sub-block's (32 values') integer sums are then
// scaled by its 6-bit scale, and each 256-block's by d and the tokens' own scales, 16 tokens at a time.

#define TOKENS_PER_TILE 16
#define ROWS_PER_TILE 4

// Rearranges Q8_K-rounded activations (as lectern_quantize_q8_k leaves them, row by row) into tiles of 16
// tokens: q_tiles [tile][block][k / 4][16][4], d_tiles [tile][block][16], sums_tiles [tile][block][16][16]
// (int32 sums of every 16 quants). Tokens past `tokens` in the last tile are zeros.
void lectern_q8_k_tiles(const int8_t *q, const float *d, const int16_t *sums, int64_t tokens, int64_t columns,
                        int8_t *q_tiles, float *d_tiles, int32_t *sums_tiles) {
    const int64_t blocks = columns / QK;
    const int64_t tiles = (tokens + TOKENS_PER_TILE - 1) / TOKENS_PER_TILE;
    for (int64_t tile = 0; tile < tiles; tile++) {
        for (int64_t b = 0; b < blocks; b++) {
            int8_t *qt = q_tiles + (tile * blocks + b) * QK * TOKENS_PER_TILE;
            float *dt = d_tiles + (tile * blocks + b) * TOKENS_PER_TILE;
            int32_t *st = sums_tiles + (tile * blocks + b) * 16 * TOKENS_PER_TILE;
            for (int t = 0; t < TOKENS_PER_TILE; t++) {
                const int64_t token = tile * TOKENS_PER_TILE + t;
                if (token >= tokens) {
                    for (int g = 0; g < QK / 4; g++) {
                        memset(qt + (g * TOKENS_PER_TILE + t) * 4, 0, 4);
                    }
                    dt[t] = 0;
                    for (int s = 0; s < 16; s++) {
                        st[s * TOKENS_PER_TILE + t] = 0;
                    }
                    continue;
                }
                const int8_t *row = q + token * columns + b * QK;
                for (int g = 0; g < QK / 4; g++) {
                    memcpy(qt + (g * TOKENS_PER_TILE + t) * 4, row + 4 * g, 4);
                }
                dt[t] = d[token * blocks + b];
                const int16_t *s16 = sums + (token * blocks + b) * 16;
                for (int s = 0; s < 16; s++) {
                    st[s * TOKENS_PER_TILE + t] = s16[s];
                }
            }
        }
    }
}

// Writes a tile's results: acc[i] lane t is row i, token t; `rows` rows and `valid` tokens are real.
KERNEL static inline void store_tile(const __m512 *acc, int rows, int valid, float *out, int64_t out_stride) {
    for (int i = 0; i < rows; i++) {
        __attribute__((aligned(64))) float lanes[TOKENS_PER_TILE];
        _mm512_store_ps(lanes, acc[i]);
        for (int t = 0; t < valid; t++) {
            out[t * out_stride + i] = lanes[t];
        }
    }
}

#define VNNI_KERNEL __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))

int lectern_cpu_vnni_supported(void) {
    __builtin_cpu_init();
    return lectern_cpu_supported() && __builtin_cpu_supports("avx512vnni");
}

// out[t * out_stride + r] for rows [row_begin, row_end) and every token of the tiles lectern_q8_k_tiles
// made from `tokens` tokens.
VNNI_KERNEL void lectern_q4_k_matmul_tiles(const uint8_t *weights, int64_t columns, int64_t row_begin,
                                           int64_t row_end, const int8_t *q_tiles, const float *d_tiles,
                                           const int32_t *sums_tiles, int64_t tokens, float *out,
                                           int64_t out_stride) {
    const int64_t blocks = columns / QK;
    const int64_t row_bytes = blocks * Q4_K_BYTES;
    const int64_t tiles = (tokens + TOKENS_PER_TILE - 1) / TOKENS_PER_TILE;
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    __attribute__((aligned(64))) uint8_t quants[ROWS_PER_TILE][QK];

    for (int64_t tile = 0; tile < tiles; tile++) {
        const int valid = (int) (tokens - tile * TOKENS_PER_TILE < TOKENS_PER_TILE ? tokens - tile * TOKENS_PER_TILE
                                                                                   : TOKENS_PER_TILE);
        for (int64_t r0 = row_begin; r0 < row_end; r0 += ROWS_PER_TILE) {
            const int rows = (int) (row_end - r0 < ROWS_PER_TILE ? row_end - r0 : ROWS_PER_TILE);
            __m512 acc[ROWS_PER_TILE];
            for (int i = 0; i < ROWS_PER_TILE; i++) {
                acc[i] = _mm512_setzero_ps();
            }
            for (int64_t b = 0; b < blocks; b++) {
                const int8_t *xt = q_tiles + (tile * blocks + b) * QK * TOKENS_PER_TILE;
                const int32_t *st = sums_tiles + (tile * blocks + b) * 16 * TOKENS_PER_TILE;
                const __m512 xd = _mm512_loadu_ps(d_tiles + (tile * blocks + b) * TOKENS_PER_TILE);
                uint8_t sc[ROWS_PER_TILE][8], mn[ROWS_PER_TILE][8];
                float scale[ROWS_PER_TILE], min_scale[ROWS_PER_TILE];
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    // A missing last row repeats the first: computed, never stored.
                    const uint8_t *block = weights + (r0 + (i < rows ? i : 0)) * row_bytes + b * Q4_K_BYTES;
                    scale[i] = half_to_float(block);
                    min_scale[i] = half_to_float(block + 2);
                    q4_k_scales(block + 4, sc[i], mn[i]);
                    for (int c = 0; c < 4; c++) {
                        const __m256i packed = _mm256_loadu_si256((const __m256i *) (block + 16 + 32 * c));
                        _mm256_store_si256((__m256i *) (quants[i] + 64 * c), _mm256_and_si256(packed, nibble));
                        _mm256_store_si256((__m256i *) (quants[i] + 64 * c + 32),
                                           _mm256_and_si256(_mm256_srli_epi16(packed, 4), nibble));
                    }
                }
                __m512i dots[ROWS_PER_TILE], mins[ROWS_PER_TILE];
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    dots[i] = _mm512_setzero_si512();
                    mins[i] = _mm512_setzero_si512();
                }
                for (int s = 0; s < 8; s++) {
                    __m512i part[ROWS_PER_TILE];
                    for (int i = 0; i < ROWS_PER_TILE; i++) {
                        part[i] = _mm512_setzero_si512();
                    }
                    for (int g = 0; g < 8; g++) {
                        const __m512i x = _mm512_loadu_si512(xt + (s * 8 + g) * 4 * TOKENS_PER_TILE);
                        for (int i = 0; i < ROWS_PER_TILE; i++) {
                            int32_t four;
                            memcpy(&four, quants[i] + s * 32 + g * 4, 4);
                            part[i] = _mm512_dpbusd_epi32(part[i], _mm512_set1_epi32(four), x);
                        }
                    }
                    const __m512i block_sums = _mm512_add_epi32(_mm512_loadu_si512(st + 2 * s * TOKENS_PER_TILE),
                                                                _mm512_loadu_si512(st + (2 * s + 1) * TOKENS_PER_TILE));
                    for (int i = 0; i < ROWS_PER_TILE; i++) {
                        dots[i] = _mm512_add_epi32(dots[i], _mm512_mullo_epi32(part[i], _mm512_set1_epi32(sc[i][s])));
                        mins[i] = _mm512_add_epi32(mins[i], _mm512_mullo_epi32(block_sums, _mm512_set1_epi32(mn[i][s])));
                    }
                }
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[i]), _mm512_mul_ps(xd, _mm512_set1_ps(scale[i])), acc[i]);
                    acc[i] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(mins[i]), _mm512_mul_ps(xd, _mm512_set1_ps(min_scale[i])),
                                              acc[i]);
                }
            }
            store_tile(acc, rows, valid, out + tile * TOKENS_PER_TILE * out_stride + r0, out_stride);
        }
    }
}

// As lectern_q4_k_matmul_tiles, for Q6_K: quants 0..63 stand for q - 32, one signed 8-bit scale per 16.
VNNI_KERNEL void lectern_q6_k_matmul_tiles(const uint8_t *weights, int64_t columns, int64_t row_begin,
                                           int64_t row_end, const int8_t *q_tiles, const float *d_tiles,
                                           const int32_t *sums_tiles, int64_t tokens, float *out,
                                           int64_t out_stride) {
    const int64_t blocks = columns / QK;
    const int64_t row_bytes = blocks * Q6_K_BYTES;
    const int64_t tiles = (tokens + TOKENS_PER_TILE - 1) / TOKENS_PER_TILE;
    const __m512i low4 = _mm512_set1_epi8(0x0f);
    const __m512i low2 = _mm512_set1_epi8(0x03);
    __attribute__((aligned(64))) uint8_t quants[ROWS_PER_TILE][QK];

    for (int64_t tile = 0; tile < tiles; tile++) {
        const int valid = (int) (tokens - tile * TOKENS_PER_TILE < TOKENS_PER_TILE ? tokens - tile * TOKENS_PER_TILE
                                                                                   : TOKENS_PER_TILE);
        for (int64_t r0 = row_begin; r0 < row_end; r0 += ROWS_PER_TILE) {
            const int rows = (int) (row_end - r0 < ROWS_PER_TILE ? row_end - r0 : ROWS_PER_TILE);
            __m512 acc[ROWS_PER_TILE];
            for (int i = 0; i < ROWS_PER_TILE; i++) {
                acc[i] = _mm512_setzero_ps();
            }
            for (int64_t b = 0; b < blocks; b++) {
                const int8_t *xt = q_tiles + (tile * blocks + b) * QK * TOKENS_PER_TILE;
                const int32_t *st = sums_tiles + (tile * blocks + b) * 16 * TOKENS_PER_TILE;
                const __m512 xd = _mm512_loadu_ps(d_tiles + (tile * blocks + b) * TOKENS_PER_TILE);
                const int8_t *sc[ROWS_PER_TILE];
                float scale[ROWS_PER_TILE];
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    const uint8_t *ql = weights + (r0 + (i < rows ? i : 0)) * row_bytes + b * Q6_K_BYTES;
                    const uint8_t *qh = ql + 128;
                    sc[i] = (const int8_t *) (ql + 192);
                    scale[i] = half_to_float(ql + 208);
                    for (int n = 0; n < 2; n++) {
                        const __m512i low = _mm512_loadu_si512(ql + 64 * n);
                        const __m256i high = _mm256_loadu_si256((const __m256i *) (qh + 32 * n));
                        const __m512i high_pair = _mm512_inserti64x4(_mm512_castsi256_si512(high),
                                                                     _mm256_srli_epi16(high, 2), 1);
                        _mm512_store_si512(quants[i] + 128 * n, _mm512_or_si512(_mm512_and_si512(low, low4),
                                _mm512_slli_epi16(_mm512_and_si512(high_pair, low2), 4)));
                        _mm512_store_si512(quants[i] + 128 * n + 64,
                                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(low, 4), low4),
                                        _mm512_slli_epi16(_mm512_and_si512(_mm512_srli_epi16(high_pair, 4), low2), 4)));
                    }
                }
                __m512i dots[ROWS_PER_TILE];
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    dots[i] = _mm512_setzero_si512();
                }
                for (int s = 0; s < 16; s++) {
                    __m512i part[ROWS_PER_TILE];
                    for (int i = 0; i < ROWS_PER_TILE; i++) {
                        part[i] = _mm512_setzero_si512();
                    }
                    for (int g = 0; g < 4; g++) {
                        const __m512i x = _mm512_loadu_si512(xt + (s * 4 + g) * 4 * TOKENS_PER_TILE);
                        for (int i = 0; i < ROWS_PER_TILE; i++) {
                            int32_t four;
                            memcpy(&four, quants[i] + s * 16 + g * 4, 4);
                            part[i] = _mm512_dpbusd_epi32(part[i], _mm512_set1_epi32(four), x);
                        }
                    }
                    // Take the +32 of the stored quants back off: 32 * (sum of the 16 inputs).
                    const __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512(st + s * TOKENS_PER_TILE), 5);
                    for (int i = 0; i < ROWS_PER_TILE; i++) {
                        dots[i] = _mm512_add_epi32(dots[i], _mm512_mullo_epi32(_mm512_sub_epi32(part[i], offset),
                                                                               _mm512_set1_epi32(sc[i][s])));
                    }
                }
                for (int i = 0; i < ROWS_PER_TILE; i++) {
                    acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[i]), _mm512_mul_ps(xd, _mm512_set1_ps(scale[i])), acc[i]);
                }
            }
            store_tile(acc, rows, valid, out + tile * TOKENS_PER_TILE * out_stride + r0, out_stride);
        }
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

#define VBMI_KERNEL __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx512vbmi,fma,f16c")))
#define PANEL_ROWS 16
#define Q8_0_GROUP 32

int lectern_cpu_vbmi_supported(void) {
    return lectern_cpu_vnni_supported() && __builtin_cpu_supports("avx512vbmi");
}

// Rounds `count` floats (a multiple of 32) to Q8_0 blocks as ggml's AVX quantize_row_q8_0 does: per block,
// multiplier 127 / max|x|, quants rounded to nearest (ties to even), scale max|x| / 127 rounded to fp16.
// Stores quant + 128 (as unsigned bytes) and the scale as a float.
KERNEL void lectern_quantize_q8_0_offset(const float *x, int64_t count, uint8_t *q, float *d) {
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
VBMI_KERNEL void lectern_q8_0_panels(const int8_t *quants, const float *scales, int64_t columns, int64_t rows,
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
