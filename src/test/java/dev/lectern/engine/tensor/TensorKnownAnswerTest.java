package dev.lectern.engine.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.gguf.GgmlType;

/**
 * One block of each type built byte by byte from ggml's struct layouts (ggml-common.h) and read back,
 * against values worked out by hand in the comments. A round trip cannot catch a layout that is wrong
 * in the same way on both sides; these can. Every expected value is exact in float, so equality is
 * exact. fp16 bit patterns used: 0x3800 = 0.5, 0x3400 = 0.25, 0x3C00 = 1.0, 0xB800 = −0.5.
 */
class TensorKnownAnswerTest {

    private static float[] dequantize(GgmlType type, byte[] block) {
        WeightTensor tensor = WeightTensors.wrap(type, MemorySegment.ofArray(block), 1, type.blockSize() == 1
                ? block.length / (int) type.rowBytes(1) : type.blockSize());
        float[] out = new float[tensor.columns()];
        Arrays.fill(out, Float.NaN);
        tensor.dequantizeRow(0, out, 0);
        return out;
    }

    /** Stores a 16-bit pattern little-endian: low byte first. */
    private static void put16(byte[] block, int offset, int bits) {
        block[offset] = (byte) bits;
        block[offset + 1] = (byte) (bits >>> 8);
    }

    @Test
    void f32IsReadLittleEndian() {
        // 0x3F800000 = 1.0 and 0xBFC00000 = −1.5, low byte first.
        byte[] block = {0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x00, (byte) 0xC0, (byte) 0xBF};
        assertThat(dequantize(GgmlType.F32, block)).containsExactly(1.0f, -1.5f);
    }

    @Test
    void f16DecodesNormalsSubnormalsAndInfinityLittleEndian() {
        byte[] block = new byte[10];
        put16(block, 0, 0x3C00); // 1.0
        put16(block, 2, 0xC000); // −2.0
        put16(block, 4, 0x7BFF); // 65504, the largest finite fp16
        put16(block, 6, 0x0001); // 2^−24, the smallest subnormal
        put16(block, 8, 0x7C00); // +∞
        assertThat(dequantize(GgmlType.F16, block))
                .containsExactly(1.0f, -2.0f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY);
    }

    @Test
    void bf16IsTheUpperHalfOfAFloatLittleEndian() {
        byte[] block = new byte[6];
        put16(block, 0, 0x3F80); // 0x3F800000 = 1.0
        put16(block, 2, 0x4049); // 0x40490000 = 3.140625
        put16(block, 4, 0xC2F7); // 0xC2F70000 = −123.5
        assertThat(dequantize(GgmlType.BF16, block)).containsExactly(1.0f, 3.140625f, -123.5f);
    }

    @Test
    void q8_0IsAnFp16ScaleThen32SignedBytes() {
        byte[] block = new byte[34];
        put16(block, 0, 0x3800); // d = 0.5
        block[2] = 1;            // element 0: 0.5 × 1 = 0.5
        block[3] = (byte) 0xFE;  // element 1: 0.5 × −2 = −1
        block[4] = 127;          // element 2: 0.5 × 127 = 63.5
        block[5] = (byte) 0x80;  // element 3: 0.5 × −128 = −64
        block[33] = 5;           // element 31: 0.5 × 5 = 2.5
        float[] expected = new float[32];
        expected[0] = 0.5f;
        expected[1] = -1f;
        expected[2] = 63.5f;
        expected[3] = -64f;
        expected[31] = 2.5f;
        assertThat(dequantize(GgmlType.Q8_0, block)).containsExactly(expected);
    }

    @Test
    void q4_0PutsElementJInTheLowNibbleAndJPlus16InTheHighNibbleOfByteJ() {
        byte[] block = new byte[18];
        put16(block, 0, 0x3400); // d = 0.25, value = 0.25 × (q − 8)
        Arrays.fill(block, 2, 18, (byte) 0x88); // q = 8 everywhere: 0
        block[2] = 0x2F;         // element 0: (15 − 8) × 0.25 = 1.75; element 16: (2 − 8) × 0.25 = −1.5
        block[3] = (byte) 0x80;  // element 1: (0 − 8) × 0.25 = −2;   element 17: (8 − 8) × 0.25 = 0
        block[17] = (byte) 0x9C; // element 15: (12 − 8) × 0.25 = 1;  element 31: (9 − 8) × 0.25 = 0.25
        float[] expected = new float[32];
        expected[0] = 1.75f;
        expected[16] = -1.5f;
        expected[1] = -2f;
        expected[15] = 1f;
        expected[31] = 0.25f;
        assertThat(dequantize(GgmlType.Q4_0, block)).containsExactly(expected);
    }

    /**
     * Q4_K: d at 0, dmin at 2, the 12-byte scale table at 4, quants at 16. Sub-blocks 0, 1 use the
     * simple half of the table (j < 4); sub-blocks 5 and 7 the split half, whose top bits live in
     * bytes 1, 5 (for j = 5) and 3, 7 (for j = 7). Sub-block 3 reads bytes 3 and 7 too, but only their
     * low 6 bits, which stay 0, so it must come out all zero.
     */
    @Test
    void q4_KUnpacksTheSixBitScaleTableAndTheChunkedNibbles() {
        byte[] block = new byte[144];
        put16(block, 0, 0x3800); // d = 0.5
        put16(block, 2, 0x3400); // dmin = 0.25
        int t = 4;
        block[t] = 3;            // sub-block 0: scale 3
        block[t + 4] = 2;        //              min 2
        // sub-block 1: scale 1, min 0; top bits of sub-block 5's scale (33 = 0b10_0001) → 0b10 in bits 6–7
        block[t + 1] = (byte) 0x81;
        block[t + 5] = 0x40;     // top bits of sub-block 5's min (18 = 0b01_0010) → 0b01; sub-block 1's min 0
        block[t + 9] = 0x21;     // sub-block 5: low nibble of scale 33 = 1, high nibble = low 4 bits of min 18 = 2
        block[t + 11] = (byte) 0xFF; // sub-block 7: low 4 bits of scale 63 and min 63
        block[t + 3] = (byte) 0xC0;  // top bits of sub-block 7's scale; sub-block 3's scale is 0
        block[t + 7] = (byte) 0xC0;  // top bits of sub-block 7's min; sub-block 3's min is 0
        int qs = 16;
        block[qs] = 0x47;            // chunk 0, byte 0: element 0 low = 7, element 32 high = 4
        block[qs + 32] = 0x50;       // chunk 1, byte 0: element 96 (sub-block 3) high = 5
        block[qs + 64] = (byte) 0xA0; // chunk 2, byte 0: element 128 low = 0, element 160 high = 10
        block[qs + 95] = (byte) 0xF0; // chunk 2, byte 31: element 191 high = 15
        block[qs + 96] = 0x10;       // chunk 3, byte 0: element 224 high = 1

        float[] expected = new float[256];
        Arrays.fill(expected, 0, 32, -0.5f);     // sub-block 0, q = 0: 0.5·3·0 − 0.25·2 = −0.5
        expected[0] = 10f;                       // 0.5·3·7 − 0.25·2 = 10.5 − 0.5
        expected[32] = 2f;                       // sub-block 1: 0.5·1·4 − 0 = 2
        Arrays.fill(expected, 160, 192, -4.5f);  // sub-block 5, q = 0: −0.25·18 = −4.5
        expected[160] = 160.5f;                  // 0.5·33·10 − 4.5 = 165 − 4.5
        expected[191] = 243f;                    // 0.5·33·15 − 4.5 = 247.5 − 4.5
        Arrays.fill(expected, 224, 256, -15.75f); // sub-block 7, q = 0: −0.25·63 = −15.75
        expected[224] = 15.75f;                  // 0.5·63·1 − 15.75
        assertThat(dequantize(GgmlType.Q4_K, block)).containsExactly(expected);
    }

    /**
     * Q5_K: header as Q4_K, qh (32 bytes) at 16, qs (128 bytes) at 48. Scales differ per sub-block
     * (sub-block j has scale j + 1; only sub-block 0 has a min, 1) so a value read with the wrong
     * sub-block's scale shows. The fifth bit of element 64c + l is bit 2c of qh[l], of 64c + 32 + l bit 2c + 1.
     */
    @Test
    void q5_KTakesTheFifthBitFromQhBitPairsPerChunk() {
        byte[] block = new byte[176];
        put16(block, 0, 0x3800); // d = 0.5
        put16(block, 2, 0x3400); // dmin = 0.25
        int t = 4;
        for (int j = 0; j < 4; j++) {
            block[t + j] = (byte) (j + 1);     // scales 1, 2, 3, 4
        }
        block[t + 4] = 1;                       // min of sub-block 0
        for (int j = 4; j < 8; j++) {
            block[t + j + 4] = (byte) (j + 1);  // scales 5, 6, 7, 8 in the low nibbles, mins 0
        }
        int qh = 16;
        int qs = 48;
        block[qh] = 0x01;            // qh[0] bit 0: fifth bit of element 0
        block[qs] = 0x03;            // element 0 low nibble 3 → q = 3 + 16 = 19; element 32 stays 0
        block[qh + 5] = 0x08;        // qh[5] bit 3 = chunk 1, upper half: element 64 + 32 + 5 = 101
        block[qs + 32 + 5] = 0x60;   // chunk 1 byte 5: element 69 low = 0, element 101 high = 6 → q = 22
        block[qh + 31] = (byte) 0xC0; // qh[31] bits 6, 7 = chunk 3: elements 223 and 255
        block[qs + 96 + 31] = (byte) 0xF0; // chunk 3 byte 31: element 223 low = 0 → q = 16, element 255 high = 15 → q = 31

        float[] expected = new float[256];
        Arrays.fill(expected, 0, 32, -0.25f);   // sub-block 0, q = 0: −0.25·1
        expected[0] = 9.25f;                    // 0.5·1·19 − 0.25 = 9.5 − 0.25
        expected[101] = 44f;                    // sub-block 3 (scale 4): 0.5·4·22
        expected[223] = 56f;                    // sub-block 6 (scale 7): 0.5·7·16
        expected[255] = 124f;                   // sub-block 7 (scale 8): 0.5·8·31
        assertThat(dequantize(GgmlType.Q5_K, block)).containsExactly(expected);
    }

    /**
     * Q6_K: ql[128] at 0, qh[64] at 128, int8 scales[16] at 192, d at 208 (last). value =
     * d · scales[e / 16] · (q − 32). Scales are i + 1 (scale 3 is −2) so the sub-block each value used
     * shows; a value whose fields are all 0 has q − 32 = −32, so it reads 0.5 · scale · −32 = −16 · scale.
     */
    @Test
    void q6_KInterleavesLowNibblesAndHighBitPairsAsDequantizeRowQ6K() {
        byte[] block = new byte[210];
        for (int s = 0; s < 16; s++) {
            block[192 + s] = (byte) (s + 1);
        }
        block[192 + 3] = (byte) -2;
        put16(block, 208, 0x3800);  // d = 0.5
        int ql = 0;
        int qh = 128;
        block[ql] = 0x35;           // element 0 low nibble 5, element 64 low nibble 3 (high nibble of ql[0])
        block[qh] = 0x12;           // qh[0]: bits 0–1 = 2 (element 0), bits 4–5 = 1 (element 64)
        block[ql + 48] = 0x0F;      // ql[32 + 16] low nibble: element 32 + 16 = 48
        block[qh + 16] = 0x0C;      // qh[16] bits 2–3 = 3: element 48
        block[ql + 113] = (byte) 0xA0; // second half, ql[64 + 32 + 17] high nibble: element 128 + 96 + 17 = 241
        block[qh + 37] = 0x03;      // second half, qh[32 + 5] bits 0–1 = 3: element 128 + 5 = 133

        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            expected[e] = -16f * block[192 + e / 16];
        }
        expected[0] = 2.5f;     // q = 5 | 2 << 4 = 37; 0.5 · 1 · (37 − 32)
        expected[64] = -32.5f;  // q = 3 | 1 << 4 = 19; 0.5 · 5 · (19 − 32), sub-block 4
        expected[48] = -31f;    // q = 15 | 3 << 4 = 63; 0.5 · −2 · 31, sub-block 3
        expected[241] = -176f;  // q = 10; 0.5 · 16 · (10 − 32), sub-block 15
        expected[133] = 72f;    // q = 0 | 3 << 4 = 48; 0.5 · 9 · 16, sub-block 8
        assertThat(dequantize(GgmlType.Q6_K, block)).containsExactly(expected);
    }

    /** ggml's Q8_0 scale is max|x| / 127: with max 127, d = 1.0 and the quants are the rounded values. */
    @Test
    void q8_0QuantizerStoresMaxOver127AndRoundedQuants() {
        float[] values = new float[32];
        values[0] = 127f;
        values[1] = -3.4f;
        values[2] = 2.6f;
        values[3] = -127f;
        byte[] block = new byte[34];
        Q8_0Tensor.quantize(values, 0, 32, MemorySegment.ofArray(block), 0);
        byte[] expected = new byte[34];
        put16(expected, 0, 0x3C00);
        expected[2] = 127;
        expected[3] = -3;
        expected[4] = 3;
        expected[5] = -127;
        assertThat(block).containsExactly(expected);
    }

    /**
     * ggml's Q4_0 aims the value of largest magnitude at q = 0: d = max / −8 keeps max's sign. With
     * max = +4, d = −0.5 (fp16 0xB800): 4 → −8 + 8 = 0, −3.5 → 7 + 8 = 15, 1 → −2 + 8 = 6, 0 → 8.
     */
    @Test
    void q4_0QuantizerAimsTheLargestMagnitudeAtCodeZeroWithItsSign() {
        float[] values = new float[32];
        values[0] = 4f;
        values[16] = -3.5f;
        values[1] = 1f;
        byte[] block = new byte[18];
        Q4_0Tensor.quantize(values, 0, 32, MemorySegment.ofArray(block), 0);
        byte[] expected = new byte[18];
        put16(expected, 0, 0xB800);
        Arrays.fill(expected, 2, 18, (byte) 0x88);
        expected[2] = (byte) 0xF0;  // element 0 → 0 (low), element 16 → 15 (high)
        expected[3] = (byte) 0x86;  // element 1 → 6 (low), element 17 → 8 (high)
        assertThat(block).containsExactly(expected);

        values[0] = -4f;            // now the largest magnitude is negative: d = +0.5 (0x3800)
        Q4_0Tensor.quantize(values, 0, 32, MemorySegment.ofArray(block), 0);
        assertThat(block[0]).isEqualTo((byte) 0x00);
        assertThat(block[1]).isEqualTo((byte) 0x38);
        assertThat(block[2]).isEqualTo((byte) 0x10); // −4 → −8 + 8 = 0; −3.5 → −7 + 8 = 1
    }

    /** Every 6-bit scale and min, in every one of the 8 positions, next to neighbours with all bits set. */
    @Test
    void theK4ScaleTableHoldsEverySixBitValueInEveryPosition() {
        MemorySegment header = MemorySegment.ofArray(new byte[16]);
        for (int j = 0; j < 8; j++) {
            for (int value = 0; value < 64; value++) {
                int[] scales = new int[8];
                int[] mins = new int[8];
                Arrays.fill(scales, 63);
                Arrays.fill(mins, 63);
                scales[j] = value;
                mins[j] = 63 - value;
                KScaleMins.writeTable(scales, mins, header, 0);
                for (int k = 0; k < 8; k++) {
                    assertThat(KScaleMins.scale(header, 0, k)).as("scale %d with %d at %d", k, value, j)
                            .isEqualTo(scales[k]);
                    assertThat(KScaleMins.min(header, 0, k)).as("min %d with %d at %d", k, 63 - value, j)
                            .isEqualTo(mins[k]);
                }
            }
        }
    }
}
