package dev.lectern.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the header, metadata and tensor directory of a mapped GGUF file and checks that every tensor
 * lies inside it, so that nothing downstream can index past the mapping. Tensor data is not touched.
 */
final class GgufParser {

    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    static final int MAX_DIMENSIONS = 4;
    /** Real files nest arrays at most twice; the limit keeps a hostile file from exhausting the stack. */
    static final int MAX_ARRAY_NESTING = 16;

    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    /** Key length, value type and a one-byte value. */
    private static final int SMALLEST_METADATA_ENTRY = 8 + 4 + 1;
    /** Name length, dimension count, one dimension, type and offset. */
    private static final int SMALLEST_TENSOR_INFO = 8 + 4 + 8 + 4 + 8;

    /** What the parser learned; the data section starts at {@code dataOffset}, a multiple of the alignment. */
    record Contents(int version, GgufMetadata metadata, int alignment, long dataOffset, List<GgufTensorInfo> tensors) {
    }

    private record DirectoryEntry(GgufTensorInfo info, long position) {
    }

    private final GgufCursor in;
    private final Path path;

    private GgufParser(MemorySegment file, Path path) {
        this.in = new GgufCursor(file, path);
        this.path = path;
    }

    static Contents parse(Path path, MemorySegment file) {
        return new GgufParser(file, path).parse();
    }

    private Contents parse() {
        checkMagic();
        int version = readVersion();
        long tensorCount = readCount("the tensor count", "tensors", SMALLEST_TENSOR_INFO);
        long entryCount = readCount("the metadata entry count", "metadata entries", SMALLEST_METADATA_ENTRY);
        GgufMetadata metadata = new GgufMetadata(path, readMetadata(entryCount));
        int alignment = alignment(metadata);
        List<DirectoryEntry> directory = readDirectory(tensorCount);
        long dataOffset = alignUp(in.position(), alignment);
        List<GgufTensorInfo> tensors = new ArrayList<>(directory.size());
        for (DirectoryEntry entry : directory) {
            checkPlacement(entry, alignment, dataOffset);
            tensors.add(entry.info());
        }
        return new Contents(version, metadata, alignment, dataOffset, List.copyOf(tensors));
    }

    private void checkMagic() {
        long size = in.size();
        if (size < MAGIC.length) {
            throw new GgufFormatException(path, path + " is not a GGUF file: it is only " + size + " bytes long", 0);
        }
        byte[] first = in.bytes(MAGIC.length, "the magic");
        if (!Arrays.equals(first, MAGIC)) {
            throw new GgufFormatException(path, path + " is not a GGUF file: it starts with bytes "
                    + HexFormat.ofDelimiter(" ").withUpperCase().formatHex(first) + " (\"" + printable(first)
                    + "\"), where a GGUF file starts with 47 47 55 46 (\"GGUF\")", 0);
        }
    }

    private int readVersion() {
        int version = in.u32("the version");
        if (version == 2 || version == 3) {
            return version;
        }
        String problem;
        if (version == 1) {
            problem = "is GGUF version 1, which stored counts and lengths in 32 bits; Lectern reads versions 2 and 3,"
                    + " so convert the model again with a current llama.cpp";
        } else if ((version & 0xFFFF) == 0 && Integer.reverseBytes(version) >= 1 && Integer.reverseBytes(version) <= 3) {
            problem = "looks like a big-endian GGUF file (its version reads " + Integer.reverseBytes(version)
                    + " byte-swapped); Lectern reads only little-endian files";
        } else {
            problem = "has GGUF version " + Integer.toUnsignedString(version) + "; Lectern reads versions 2 and 3";
        }
        throw new GgufFormatException(path, path + " " + problem, 4);
    }

    /** Rejects counts the rest of the file cannot hold, before anything is allocated for them. */
    private long readCount(String what, String items, int smallestItem) {
        long at = in.position();
        long count = in.u64(what);
        long bytesAfterCounts = in.size() - 24;
        if (count < 0 || count > Math.max(0, bytesAfterCounts) / smallestItem) {
            throw new GgufFormatException(path, path + " declares " + Long.toUnsignedString(count) + " " + items
                    + " (at byte " + at + "), but the whole file is " + in.size() + " bytes: it is damaged", at);
        }
        return count;
    }

    private LinkedHashMap<String, GgufValue> readMetadata(long count) {
        LinkedHashMap<String, GgufValue> entries = LinkedHashMap.newLinkedHashMap((int) Math.min(count, 4096));
        Map<String, Long> positions = new HashMap<>();
        for (long i = 0; i < count; i++) {
            long start = in.position();
            in.at("metadata entry " + i);
            String key = in.string("the key");
            in.at("key '" + key + "'");
            Long earlier = positions.putIfAbsent(key, start);
            if (earlier != null) {
                throw in.problem("the key appears twice, first at byte " + earlier, start);
            }
            GgufValueType type = readValueType("the value type");
            entries.put(key, readValue(type, 0));
        }
        return entries;
    }

    private GgufValueType readValueType(String what) {
        long at = in.position();
        int id = in.u32(what);
        return GgufValueType.byId(id).orElseThrow(
                () -> in.problem(what + " is " + Integer.toUnsignedString(id) + ", which GGUF does not define", at));
    }

    private GgufValue readValue(GgufValueType type, int depth) {
        return switch (type) {
            case UINT8 -> new GgufValue.IntegerValue(type, in.u8("the UINT8 value"));
            case INT8 -> new GgufValue.IntegerValue(type, (byte) in.u8("the INT8 value"));
            case UINT16 -> new GgufValue.IntegerValue(type, Short.toUnsignedInt(in.u16("the UINT16 value")));
            case INT16 -> new GgufValue.IntegerValue(type, in.u16("the INT16 value"));
            case UINT32 -> new GgufValue.IntegerValue(type, Integer.toUnsignedLong(in.u32("the UINT32 value")));
            case INT32 -> new GgufValue.IntegerValue(type, in.u32("the INT32 value"));
            case UINT64 -> new GgufValue.IntegerValue(type, in.u64("the UINT64 value"));
            case INT64 -> new GgufValue.IntegerValue(type, in.u64("the INT64 value"));
            case FLOAT32 -> new GgufValue.FloatValue(type, in.f32("the FLOAT32 value"));
            case FLOAT64 -> new GgufValue.FloatValue(type, in.f64("the FLOAT64 value"));
            case BOOL -> new GgufValue.BooleanValue(in.u8("the BOOL value") != 0);
            case STRING -> new GgufValue.StringValue(in.string("the string value"));
            case ARRAY -> readArray(depth + 1);
        };
    }

    private GgufArray readArray(int depth) {
        long at = in.position();
        if (depth > MAX_ARRAY_NESTING) {
            throw in.problem("arrays are nested more than " + MAX_ARRAY_NESTING + " deep", at);
        }
        GgufValueType type = readValueType("the array element type");
        long count = in.u64("the array length");
        if (count < 0 || count > in.remaining() / type.minimumEncodedSize()) {
            throw in.problem("the array declares " + Long.toUnsignedString(count) + " " + type
                    + " elements, more than the remaining " + in.remaining() + " bytes of the file can hold", at);
        }
        if (count > Integer.MAX_VALUE - 8) {
            throw in.problem("the array has " + count + " elements, more than a Java array can hold", at);
        }
        int n = (int) count;
        Object elements = switch (type) {
            case UINT8, INT8 -> in.bytes(n, "the array elements");
            case UINT16, INT16 -> in.shorts(n, "the array elements");
            case UINT32, INT32 -> in.ints(n, "the array elements");
            case UINT64, INT64 -> in.longs(n, "the array elements");
            case FLOAT32 -> in.floats(n, "the array elements");
            case FLOAT64 -> in.doubles(n, "the array elements");
            case BOOL -> toBooleans(in.bytes(n, "the array elements"));
            case STRING -> readStrings(n);
            case ARRAY -> readNestedArrays(n, depth);
        };
        return new GgufArray(type, elements);
    }

    private String[] readStrings(int count) {
        String[] strings = new String[count];
        long outer = in.element(0);
        for (int i = 0; i < count; i++) {
            in.element(i);
            strings[i] = in.string("the string");
        }
        in.element(outer);
        return strings;
    }

    private GgufArray[] readNestedArrays(int count, int depth) {
        GgufArray[] arrays = new GgufArray[count];
        long outer = in.element(0);
        for (int i = 0; i < count; i++) {
            in.element(i);
            arrays[i] = readArray(depth + 1);
        }
        in.element(outer);
        return arrays;
    }

    private static boolean[] toBooleans(byte[] bytes) {
        boolean[] flags = new boolean[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            flags[i] = bytes[i] != 0;
        }
        return flags;
    }

    private int alignment(GgufMetadata metadata) {
        long alignment = metadata.findLong(ALIGNMENT_KEY).orElse((long) DEFAULT_ALIGNMENT);
        if (alignment <= 0 || alignment > (1 << 30) || Long.bitCount(alignment) != 1) {
            throw new GgufFormatException(path, "key '" + ALIGNMENT_KEY + "' in " + path + " is " + alignment
                    + ", but the alignment must be a positive power of two");
        }
        return (int) alignment;
    }

    private List<DirectoryEntry> readDirectory(long count) {
        List<DirectoryEntry> directory = new ArrayList<>((int) Math.min(count, 4096));
        Map<String, Long> indexByName = new HashMap<>();
        for (long i = 0; i < count; i++) {
            long start = in.position();
            in.at("tensor " + i);
            String name = in.string("the name");
            in.at("tensor '" + name + "'");
            Long earlier = indexByName.putIfAbsent(name, i);
            if (earlier != null) {
                throw in.problem("two tensors have this name, numbers " + earlier + " and " + i
                        + " in the directory", start);
            }
            directory.add(new DirectoryEntry(readTensorInfo(name), start));
        }
        return directory;
    }

    private GgufTensorInfo readTensorInfo(String name) {
        long dimsAt = in.position();
        int rank = in.u32("the dimension count");
        if (rank < 1 || rank > MAX_DIMENSIONS) {
            throw in.problem("it has " + Integer.toUnsignedString(rank) + " dimensions; a ggml tensor has 1 to "
                    + MAX_DIMENSIONS, dimsAt);
        }
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
            long at = in.position();
            shape[d] = in.u64("dimension " + d);
            if (shape[d] <= 0) {
                throw in.problem("dimension " + d + " is " + Long.toUnsignedString(shape[d])
                        + "; dimensions must be at least 1 and below 2^63", at);
            }
        }
        long typeAt = in.position();
        int typeId = in.u32("the type");
        GgmlType type = GgmlType.byId(typeId).orElseThrow(() -> in.problem("its type id is "
                + Integer.toUnsignedString(typeId) + ", which is not a ggml type Lectern knows", typeAt));
        long offset = in.u64("the data offset");
        long byteSize;
        try {
            byteSize = GgufTensorInfo.byteSize(type, shape);
        } catch (IllegalArgumentException notWholeBlocks) {
            throw in.problem("its row length " + shape[0] + " is not a multiple of " + type + "'s block size "
                    + type.blockSize(), dimsAt);
        } catch (ArithmeticException tooLarge) {
            throw in.problem("its shape " + Arrays.toString(shape) + " is too large to address", dimsAt);
        }
        return new GgufTensorInfo(name, type, shape, offset, byteSize);
    }

    private void checkPlacement(DirectoryEntry entry, int alignment, long dataOffset) {
        GgufTensorInfo tensor = entry.info();
        String prefix = path + ": tensor '" + tensor.name() + "': ";
        long offset = tensor.offset();
        if (offset % alignment != 0) {
            throw new GgufFormatException(path, prefix + "its data offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment, entry.position());
        }
        long size = in.size();
        if (offset < 0 || offset > size - dataOffset) {
            throw new GgufFormatException(path, prefix + "its data would start at byte " + dataOffset + " + "
                    + Long.toUnsignedString(offset) + ", past the end of the file (" + size + " bytes)", entry.position());
        }
        long start = dataOffset + offset;
        if (tensor.byteSize() > size - start) {
            String end = tensor.byteSize() > Long.MAX_VALUE - start ? "beyond byte 2^63" : "at byte " + (start + tensor.byteSize());
            throw new GgufFormatException(path, prefix + "its " + tensor.byteSize() + " bytes of data starting at byte "
                    + start + " end " + end + ", past the end of the file (" + size + " bytes): the file is truncated",
                    entry.position());
        }
    }

    static long alignUp(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            text.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
        }
        return text.toString();
    }
}
