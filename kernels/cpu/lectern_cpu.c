// Lectern's native CPU kernels, the plain C part: the library's version, which instruction sets this CPU
// runs, and the repacking of weights into the row-interleaved layout (lectern_cpu.h) at model load. The
// kernels themselves are in avx512.c and avx2.c.

#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>

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

// Four packed bytes per 32-bit word: the low or high nibbles of two words side by side, as one chunk pair
// of the layout wants them (a's in the low nibbles, b's in the high ones).
static inline uint32_t nibbles(uint32_t a, uint32_t b, int high) {
    return high ? ((a >> 4) & 0x0f0f0f0fu) | (b & 0xf0f0f0f0u) : (a & 0x0f0f0f0fu) | ((b & 0x0f0f0f0fu) << 4);
}

static inline void store_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

// Rows of group g past the matrix's last are packed as zeros.
static void clear_missing_rows(uint8_t *out, int64_t bytes, int64_t g, int64_t R, int64_t rows) {
    if ((g + 1) * R > rows) {
        memset(out, 0, (size_t) bytes);
    }
}

void lectern_q4_k_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / QK;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q4_K_PACKED(R);
            clear_missing_rows(out, Q4_K_PACKED(R), g, R, rows);
            uint8_t *d = out, *dmin = out + 2 * R, *scales = out + 4 * R, *mins = out + 12 * R, *qs = out + 20 * R;
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q4_K_BYTES;
                memcpy(d + 2 * r, block, 2);
                memcpy(dmin + 2 * r, block + 2, 2);
                for (int s = 0; s < 8; s++) {
                    k4_scale_min(block + 4, s, &scales[s * R + r], &mins[(s / 2) * 2 * R + 2 * r + s % 2]);
                }
                // ggml: byte l of 32-byte chunk c holds value 64c + l (low nibble) and 64c + 32 + l (high), so
                // group s's values 32s + m are the nibbles (low for even s) of bytes 32(s / 2) + m. Vector 4s + j
                // of the layout takes values 4j..4j+3 (low nibbles) and 16 + 4j.. (high) of the group.
                for (int s = 0; s < 8; s++) {
                    const uint8_t *source = block + 16 + 32 * (s / 2);
                    for (int j = 0; j < 4; j++) {
                        uint32_t a, c;
                        memcpy(&a, source + 4 * j, 4);
                        memcpy(&c, source + 16 + 4 * j, 4);
                        store_u32(qs + (4 * s + j) * 4 * R + 4 * r, nibbles(a, c, s % 2));
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
            clear_missing_rows(out, Q6_K_PACKED(R), g, R, rows);
            uint8_t *d = out, *scales = out + 2 * R, *ql = out + 18 * R, *qh = out + 146 * R;
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q6_K_BYTES;
                memcpy(d + 2 * r, block + 208, 2);
                for (int s = 0; s < 16; s++) {
                    scales[(s / 2) * 2 * R + 2 * r + s % 2] = block[192 + s];
                }
                // ggml (dequantize_row_q6_K): group s = 4n + k (32 values) holds, for m < 32, the low 4 bits in
                // nibble k / 2 of ql[64n + 32 (k % 2) + m] and the top 2 bits in bits 2k.. of qh[32n + m].
                for (int s = 0; s < 8; s++) {
                    const int n = s / 4, k = s % 4;
                    const uint8_t *low = block + 64 * n + 32 * (k % 2);
                    const uint8_t *high = block + 128 + 32 * n;
                    uint32_t tops[4];
                    for (int j = 0; j < 4; j++) {
                        uint32_t a, c, ha, hc;
                        memcpy(&a, low + 4 * j, 4);
                        memcpy(&c, low + 16 + 4 * j, 4);
                        store_u32(ql + (4 * s + j) * 4 * R + 4 * r, nibbles(a, c, k / 2));
                        memcpy(&ha, high + 4 * j, 4);
                        memcpy(&hc, high + 16 + 4 * j, 4);
                        // Top bits of the two chunks of ql vector 4s + j, as bits 0-1 and 2-3 of each byte.
                        tops[j] = ((ha >> (2 * k)) & 0x03030303u) | (((hc >> (2 * k)) & 0x03030303u) << 2);
                    }
                    // qh vector 2s + j / 2: vector 4s + j's tops in bits 0-3 (even j) or 4-7 (odd j).
                    store_u32(qh + (2 * s) * 4 * R + 4 * r, tops[0] | (tops[1] << 4));
                    store_u32(qh + (2 * s + 1) * 4 * R + 4 * r, tops[2] | (tops[3] << 4));
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
            clear_missing_rows(out, Q8_0_PACKED(R), g, R, rows);
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

void lectern_q5_k_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / QK;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q5_K_PACKED(R);
            clear_missing_rows(out, Q5_K_PACKED(R), g, R, rows);
            uint8_t *d = out, *dmin = out + 2 * R, *scales = out + 4 * R, *mins = out + 12 * R, *qs = out + 20 * R;
            uint8_t *qh = out + 148 * R;
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                // ggml: d, dmin, the 12-byte scale table, qh[32] (bit s of qh[m]: fifth bit of value 32s + m),
                // qs[128] as Q4_K's.
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q5_K_BYTES;
                memcpy(d + 2 * r, block, 2);
                memcpy(dmin + 2 * r, block + 2, 2);
                for (int s = 0; s < 8; s++) {
                    k4_scale_min(block + 4, s, &scales[s * R + r], &mins[(s / 2) * 2 * R + 2 * r + s % 2]);
                    const uint8_t *source = block + 48 + 32 * (s / 2);
                    for (int j = 0; j < 4; j++) {
                        uint32_t a, c;
                        memcpy(&a, source + 4 * j, 4);
                        memcpy(&c, source + 16 + 4 * j, 4);
                        store_u32(qs + (4 * s + j) * 4 * R + 4 * r, nibbles(a, c, s % 2));
                    }
                    for (int i = 0; i < 4; i++) {
                        uint8_t fifth = 0;
                        for (int j = 0; j < 8; j++) {
                            fifth |= (uint8_t) (((block[16 + 4 * j + i] >> s) & 1) << j);
                        }
                        qh[s * 4 * R + 4 * r + i] = fifth;
                    }
                }
            }
        }
    }
}

void lectern_q4_0_pack(const uint8_t *weights, int64_t columns, int64_t rows, int64_t rows_per_group,
                       int64_t group_begin, int64_t group_end, uint8_t *packed) {
    const int64_t R = rows_per_group;
    const int64_t blocks = columns / Q8_0_GROUP;
    for (int64_t g = group_begin; g < group_end; g++) {
        for (int64_t b = 0; b < blocks; b++) {
            uint8_t *out = packed + (g * blocks + b) * Q4_0_PACKED(R);
            clear_missing_rows(out, Q4_0_PACKED(R), g, R, rows);
            for (int64_t r = 0; r < R && g * R + r < rows; r++) {
                const uint8_t *block = weights + ((g * R + r) * blocks + b) * Q4_0_BYTES;
                memcpy(out + 2 * r, block, 2);
                for (int j = 0; j < 4; j++) {
                    memcpy(out + 2 * R + j * 4 * R + 4 * r, block + 2 + 4 * j, 4);
                }
            }
        }
    }
}

// Memory for packed weights, mapped directly: a decoded token streams every weight once, and 2 MiB pages
// spare the page walks of 4 KiB ones, so the whole 2 MiB stretches of a large tensor are offered to the
// kernel as transparent huge pages (aligned for it); the tail keeps 4 KiB pages, so no tensor is padded to a
// huge page (rounding ~200 tensors up to 2 MiB each cost 200 MB of resident memory). Not zeroed beyond what
// the OS does: the packers write every byte, on the threads that will read them. NULL when out of memory.
void *lectern_alloc(int64_t bytes) {
    const size_t page = 4096, huge = 2u << 20;
    const size_t size = ((size_t) bytes + page - 1) / page * page;
    if (size < huge) {
        void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return memory == MAP_FAILED ? NULL : memory;
    }
    char *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        return NULL;
    }
    char *start = (char *) (((uintptr_t) raw + huge - 1) / huge * huge);
    if (start > raw) {
        munmap(raw, (size_t) (start - raw));
    }
    if (raw + size + huge > start + size) {
        munmap(start + size, (size_t) (raw + size + huge - (start + size)));
    }
    madvise(start, size / huge * huge, MADV_HUGEPAGE);
    return start;
}

void lectern_free(void *memory, int64_t bytes) {
    munmap(memory, ((size_t) bytes + 4095) / 4096 * 4096);
}

// Bytes of one packed block, per type (ggml type ids: Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q5_K = 13, Q6_K = 14), for
// the Java side's allocation; 0 for a type that is not packed.
int64_t lectern_packed_block_bytes(int32_t ggml_type, int64_t rows_per_group) {
    switch (ggml_type) {
        case 2: return Q4_0_PACKED(rows_per_group);
        case 8: return Q8_0_PACKED(rows_per_group);
        case 12: return Q4_K_PACKED(rows_per_group);
        case 13: return Q5_K_PACKED(rows_per_group);
        case 14: return Q6_K_PACKED(rows_per_group);
        default: return 0;
    }
}
