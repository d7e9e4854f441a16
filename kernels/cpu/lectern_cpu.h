// Lectern's native CPU kernels: what the per-instruction-set files share.
//
// One library holds every instruction set's kernels: avx512.c (AVX-512 F/BW/VL/DQ + VNNI + VBMI), avx2.c
// compiled twice (AVX2 + FMA + F16C, and again with AVX-VNNI, the VEX form Intel 12th gen+ and AMD Zen 5
// have). Each kernel's name ends in its instruction set (lectern_q4_k_packed_avx2, ..._avxvnni,
// ..._avx512); lectern_cpu.c holds what is plain C (the CPU probes, the repacking done at load). The Java
// side (engine/cpu/NativeKernels) asks lectern_cpu_supports_<isa>() which sets this CPU runs and binds the
// functions of the one it picks (the best, or the one -Dlectern.cpu.isa names).
//
// Weights, as the kernels read them:
//  - Q4_K and Q6_K are repacked at load into row-interleaved blocks (LAYOUT below): R consecutive rows of one
//    256-column super-block side by side, so one vector holds 4 columns of R rows, one broadcast activation
//    word multiplies all R rows at once (vpdpbusd, or vpmaddubsw), the R sums land in R lanes with no
//    horizontal reduction, and the 6-bit scales are unpacked once at load instead of once per use.
//    R = 16 for AVX-512 (a zmm of int32), 8 for AVX2 and AVX-VNNI (a ymm).
//  - Q8_0 on AVX2/AVX-VNNI is repacked the same way (8 rows); on AVX-512 it stays in the Vector API's row
//    panels (engine/cpu/PackedInt8), which lectern_q8_0_panels_avx512 reads for decoding.
//
// Activations are rounded the way llama.cpp rounds them before the same products, so results follow its:
//  - for K-quants "Q8_K" (quantize_row_q8_K): per 256 values one float scale, int8 quants, int16 sums per 16;
//  - for Q8_0 and Q4_0 "Q8_0" (x86 quantize_row_q8_0): per 32 values a scale rounded to fp16, int8 quants,
//    and the int16 sum of the 32 quants (Q4_0's codes are q + 8: 8 * that sum comes back off).

#ifndef LECTERN_CPU_H
#define LECTERN_CPU_H

#include <stdint.h>
#include <string.h>

#define LECTERN_ABI_VERSION 3

#define QK 256
#define Q4_0_BYTES 18
#define Q4_K_BYTES 144
#define Q5_K_BYTES 176
#define Q6_K_BYTES 210
#define Q8_0_GROUP 32
#define Q8_0_BYTES 34

// ---- LAYOUT: row-interleaved blocks, R rows x 256 columns (Q4_K, Q6_K) or x 32 columns (Q8_0) ----
//
// A "chunk" is 4 consecutive columns of R rows: 4R bytes, row r's 4 quants at bytes 4r..4r+3. Within a
// 32-column group s of a super-block, chunk j (j = 0..7) covers columns 32s + 4j .. 32s + 4j + 3.
//
// Q4_K, 148 R bytes per block (ggml: 144 R):
//   d[R] f16 | dmin[R] f16 | scales[8][R] u8 | mins[4][R][2] u8 | qs[32][4R]
//   qs vector 4s + j (j = 0..3) holds chunk j of group s in its low nibbles and chunk j + 4 in its high
//   nibbles; group s is sub-block s, whose scale is scales[s][r] and min mins[s / 2][r][s % 2] (6 bits
//   each: the min pairs meet the activations' sums of two sub-blocks in one vpmaddwd).
//   value = d * scale * q - dmin * min.
// Q6_K, 212 R bytes per block (ggml: 210 R):
//   [for each group s = 0..7: ql[4][4R] | qh[2][4R]] | d[R] f16 | scales[8][R][2] s8 | 2R zero bytes
//   The quants come first, in the order the kernels read them, and the block is padded to a multiple of 64
//   bytes (R = 16; 32 for R = 8), so every vector load is aligned: with the 210 R bytes of ggml's block, half
//   the loads straddled two cache lines, and the kernel streamed at 13 GB/s a thread where Q4_K's aligned
//   loads ran at 22 (a matrix larger than the caches, AMD Zen 5).
//   scales[s][r] holds row r's scales of 16-column sub-blocks 2s and 2s + 1 (pairs meet the activations'
//   sums of those two sub-blocks in one vpmaddwd, for the -32 offset of the codes).
//   ql vector j of group s: low 4 bits of chunk j of group s (low nibbles) and of chunk j + 4 (high
//   nibbles); qh vector u of group s covers its ql vectors 2u and 2u + 1: bits 0-1 and 2-3 are the top 2 bits
//   of ql vector 2u's low and high nibbles, bits 4-5 and 6-7 those of ql vector 2u + 1. Chunks 0..3 of group s make
//   16-column sub-block 2s, chunks 4..7 sub-block 2s + 1. value = d * scale * (q - 32), q = 0..63.
// Q5_K, 180 R bytes per block (ggml: 176 R): Q4_K's layout, then qh[8][4R]
//   qh vector s: bit j of byte 4r + i is the fifth bit of chunk j's value i (column 32s + 4j + i) of row r.
// Q8_0, 68 R bytes per pair of blocks of 32 columns (ggml: 2 x 34 R; columns a multiple of 64):
//   d[2][R] f16 | qs[2][8][4R] s8 (block k of the pair's chunk j = its columns 4j .. 4j + 3)
//   Pairs, so that every vector of quants is aligned (64 bytes for R = 16, 32 for R = 8): one block's 34 R
//   bytes left half the loads straddling two cache lines, as Q6_K's did.
// Q4_0, 18 R bytes per block of 32 columns (as ggml):
//   d[R] f16 | qs[4][4R]: vector j holds chunk j in its low nibbles, chunk j + 4 in its high ones (ggml's own
//   byte order: a row's 4 bytes are a straight copy). value = d * (q - 8).
//
// Rows past the matrix's last (rows % R) are packed as zeros; kernels compute them and never store them.
#define Q4_K_PACKED(R) (148 * (R))
#define Q5_K_PACKED(R) (180 * (R))
#define Q6_K_PACKED(R) (212 * (R))
// Where group s's ql vectors start (its qh vectors follow at + 16 R), and the scale factors.
#define Q6_K_GROUP(s, R) ((s) * 24 * (R))
#define Q6_K_D(R) (192 * (R))
#define Q6_K_SCALES(R) (194 * (R))
#define Q8_0_PACKED(R) (34 * (R))
// Where block b of a group keeps its scales and its quants.
#define Q8_0_D(b, R) (((b) / 2) * 68 * (R) + ((b) % 2) * 2 * (R))
#define Q8_0_QS(b, R) (((b) / 2) * 68 * (R) + 4 * (R) + ((b) % 2) * 32 * (R))
#define Q4_0_PACKED(R) (18 * (R))

// Unaligned little-endian loads of small integers (the compiler turns them into plain moves).
static inline int32_t load_i32(const void *p) {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint16_t load_u16(const void *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

// The sums of a Q8_K block's eight 32-value sub-blocks, paired as the Q4_K min pairs are: word k holds
// the sums of sub-blocks 2k (low 16 bits) and 2k + 1 (high 16 bits). A sub-block's sum is at most 32 * 127.
static inline void q8_k_sub_block_pairs(const int16_t *sums16, int32_t pairs[4]) {
    for (int k = 0; k < 4; k++) {
        const int16_t low = (int16_t) (sums16[4 * k] + sums16[4 * k + 1]);
        const int16_t high = (int16_t) (sums16[4 * k + 2] + sums16[4 * k + 3]);
        pairs[k] = (int32_t) ((uint32_t) (uint16_t) low | ((uint32_t) (uint16_t) high << 16));
    }
}

#endif
