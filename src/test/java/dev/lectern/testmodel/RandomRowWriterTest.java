package dev.lectern.testmodel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.lectern.engine.gguf.GgmlType;

class RandomRowWriterTest {

    /**
     * The small shape's layer tensors in Q4_K_M (Q4_K and Q6_K, the slow scale search) cut into chunks of a
     * few rows, so that on four threads chunks finish out of order: the bytes must not depend on that.
     * The 151,936-row embedding and output head are left out only to keep the test fast; they go through
     * the same code.
     */
    @Test
    void severalThreadsWriteTheSameBytesAsOne() throws IOException {
        List<PlannedTensor> tensors = TestModelGenerator.plan(TestModelSpec.of(ShapePreset.SMALL, WeightFormat.Q4_K_M, 9))
                .stream().filter(t -> t.layer() >= 0).toList();
        assertThat(tensors).extracting(PlannedTensor::type).contains(GgmlType.Q4_K, GgmlType.Q6_K);

        try (RandomRowWriter serial = new RandomRowWriter(1, RandomRowWriter.DEFAULT_CHUNK_BYTES);
             RandomRowWriter parallel = new RandomRowWriter(4, 4096)) {
            for (PlannedTensor tensor : tensors) {
                byte[] expected = write(serial, tensor);
                assertThat(expected).hasSize((int) tensor.byteSize());
                assertThat(tensor.byteSize()).as("%s spans several chunks", tensor.name()).isGreaterThan(3 * 4096);
                assertThat(Arrays.mismatch(write(parallel, tensor), expected))
                        .as("first byte of %s that differs on four threads (-1: none)", tensor.name()).isEqualTo(-1);
            }
        }
    }

    private static byte[] write(RandomRowWriter writer, PlannedTensor tensor) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (WritableByteChannel out = Channels.newChannel(bytes)) {
            writer.write(out, tensor, 9);
        }
        return bytes.toByteArray();
    }
}
