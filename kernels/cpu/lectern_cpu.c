// Lectern's native CPU kernels, the plain C part: the library's version, which instruction sets this CPU
// runs, and the repacking of weights into the row-interleaved layout (lectern_cpu.h) at model load. The
// kernels themselves are in avx512.c and avx2.c.

#include "lectern_cpu.h"

int lectern_cpu_abi_version(void) { return LECTERN_ABI_VERSION; }

// __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0), not only CPUID.
int lectern_cpu_supports_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
}

int lectern_cpu_supports_avxvnni(void) {
    return lectern_cpu_supports_avx2() && __builtin_cpu_supports("avxvnni");
}

int lectern_cpu_supports_avx512(void) {
    return lectern_cpu_supports_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
           && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")
           && __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vbmi");
}

// ---- Repacking at load: ggml rows into row-interleaved blocks (see LAYOUT in lectern_cpu.h) ----
//
// Each function packs row groups [group_begin, group_end) of a matrix of `rows` rows: threads may split the
// groups. `packed` is the start of the whole packed matrix; group g's blocks start at g * blocks * size.

// The scale and min of sub-block j of a Q4_K (or Q5_K) block: ggml's get_scale_min_k4.
static void k4_scale_min(const uint8_t *table, int j, uint8_t *scale, uint8_t *min) {
    if (j < 4) {
        *scale = table[j] & 63;
        *min = table[j + 4] & 63;
    } else {
        *scale = (uint8_t) ((table[j + 4] & 0x0f) | ((table[j - 4] >> 6) << 4));
        *min = (uint8_t) ((table[j + 4] >> 4) | ((table[j] >> 6) << 4));
    }
}

void lectern_q4_k_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / QK;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q4_K_PACKED(R);
            memset(out, 0, Q4_K_PACKED(R));
            uint8_t *d = out, *dmin = out + 2 * R, *scales = out + 4 * R, *mins = out + 12 * R, *qs = out + 20 * R;
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q4_K_BYTES;
                memcpy(d + 2 * r, block, 2);
                memcpy(dmin + 2 * r, block + 2, 2);
                for (int s = 0; s < 8; s++) {
                    k4_scale_min(block + 4, s, &scales[s * R + r], &mins[(s / 2) * 2 * R + 2 * r + s % 2]);
                }
                // ggml: byte l of 32-byte chunk c holds value 64c + l (low nibble) and 64c + 32 + l (high).
                uint8_t q[QK];
                for (int c = 0; c < 4; c++) {
                    for (int l = 0; l < 32; l++) {
                        q[64 * c + l] = block[16 + 32 * c + l] & 0x0f;
                        q[64 * c + 32 + l] = block[16 + 32 * c + l] >> 4;
                    }
                }
                for (int s = 0; s < 8; s++) {
                    for (int j = 0; j < 4; j++) {
                        for (int i = 0; i < 4; i++) {
                            qs[(4 * s + j) * 4 * R + 4 * r + i] =
                                    (uint8_t) (q[32 * s + 4 * j + i] | (q[32 * s + 16 + 4 * j + i] << 4));
                        }
                    }
                }
            }
        }
    }
}

void lectern_q6_k_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / QK;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q6_K_PACKED(R);
            memset(out, 0, Q6_K_PACKED(R));
            uint8_t *d = out, *scales = out + 2 * R, *ql = out + 18 * R, *qh = out + 146 * R;
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q6_K_BYTES;
                memcpy(d + 2 * r, block + 208, 2);
                for (int s = 0; s < 16; s++) {
                    scales[s * R + r] = block[192 + s];
                }
                // ggml (dequantize_row_q6_K): in half n, for l < 32, L = ql[64n + l], L' = ql[64n + 32 + l],
                // H = qh[32n + l]; values 128n + l, + 32, + 64, + 96 are low(L) | H0-1, low(L') | H2-3,
                // high(L) | H4-5, high(L') | H6-7.
                uint8_t q[QK];
                for (int n = 0; n < 2; n++) {
                    for (int l = 0; l < 32; l++) {
                        const uint8_t low = block[64 * n + l], low_next = block[64 * n + 32 + l];
                        const uint8_t high = block[128 + 32 * n + l];
                        q[128 * n + l] = (uint8_t) ((low & 0x0f) | ((high & 3) << 4));
                        q[128 * n + 32 + l] = (uint8_t) ((low_next & 0x0f) | (((high >> 2) & 3) << 4));
                        q[128 * n + 64 + l] = (uint8_t) ((low >> 4) | (((high >> 4) & 3) << 4));
                        q[128 * n + 96 + l] = (uint8_t) ((low_next >> 4) | (((high >> 6) & 3) << 4));
                    }
                }
                for (int s = 0; s < 8; s++) {
                    for (int j = 0; j < 4; j++) {
                        const int v = 4 * s + j;
                        for (int i = 0; i < 4; i++) {
                            const uint8_t first = q[32 * s + 4 * j + i], second = q[32 * s + 16 + 4 * j + i];
                            ql[v * 4 * R + 4 * r + i] = (uint8_t) ((first & 0x0f) | ((second & 0x0f) << 4));
                            qh[(v / 2) * 4 * R + 4 * r + i] |=
                                    (uint8_t) (((first >> 4) | ((second >> 4) << 2)) << (4 * (v % 2)));
                        }
                    }
                }
            }
        }
    }
}

void lectern_q8_0_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / Q8_0_GROUP;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q8_0_PACKED(R);
            memset(out, 0, Q8_0_PACKED(R));
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q8_0_BYTES;
                memcpy(out + 2 * r, block, 2);
                for (int j = 0; j < 8; j++) {
                    memcpy(out + 2 * R + j * 4 * R + 4 * r, block + 2 + 4 * j, 4);
                }
            }
        }
    }
}

// Bytes of one packed block, per type (ggml type ids: Q8_0 = 8, Q4_K = 12, Q6_K = 14), for the Java side's
// allocation; 0 for a type that is not packed.
int64_t lectern_packed_block_bytes(int32_t ggml_type, int64_t rows_per_group) {
    switch (ggml_type) {
        case 8: return Q8_0_PACKED(rows_per_group);
        case 12: return Q4_K_PACKED(rows_per_group);
        case 14: return Q6_K_PACKED(rows_per_group);
        default: return 0;
    }
}
