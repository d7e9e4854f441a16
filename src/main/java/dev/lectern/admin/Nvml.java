package dev.lectern.admin;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * NVIDIA's management library ({@code libnvidia-ml.so.1}, installed with the driver) through FFM: the
 * GPUs' names, utilization, memory, temperature and power, for the admin page. Plain Java, no Spring, so
 * {@code kernels/check-gpu.sh} can compile and run it alone on a GPU machine ({@link NvmlCheck}).
 *
 * <p>Without the library (every machine without an NVIDIA driver) {@link #open} throws
 * {@link NvmlUnavailableException} with the reason: the page shows the CPU instead, as a normal state.
 * A reading one GPU does not support (power on some boards) is null, not an error.
 */
public final class Nvml {

    public static final String LIBRARY = "libnvidia-ml.so.1";
    private static final int SUCCESS = 0;
    private static final int TEMPERATURE_GPU = 0;
    /** NVML_DEVICE_NAME_V2_BUFFER_SIZE. */
    private static final int NAME_BYTES = 96;
    private static final ValueLayout.OfInt UINT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong ULONG = ValueLayout.JAVA_LONG;

    private final MethodHandle errorString;
    private final MethodHandle deviceCount;
    private final MethodHandle handleByIndex;
    private final MethodHandle name;
    private final MethodHandle utilization;
    private final MethodHandle memory;
    private final MethodHandle temperature;
    private final MethodHandle power;
    private final MethodHandle powerLimit;
    private final MethodHandle driverVersion;

    private Nvml(SymbolLookup library) throws NvmlUnavailableException {
        Linker linker = Linker.nativeLinker();
        errorString = function(linker, library, "nvmlErrorString", FunctionDescriptor.of(ValueLayout.ADDRESS, UINT));
        MethodHandle init = function(linker, library, "nvmlInit_v2", FunctionDescriptor.of(UINT));
        deviceCount = function(linker, library, "nvmlDeviceGetCount_v2", FunctionDescriptor.of(UINT, ValueLayout.ADDRESS));
        handleByIndex = function(linker, library, "nvmlDeviceGetHandleByIndex_v2",
                FunctionDescriptor.of(UINT, UINT, ValueLayout.ADDRESS));
        name = function(linker, library, "nvmlDeviceGetName",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, UINT));
        utilization = function(linker, library, "nvmlDeviceGetUtilizationRates",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        memory = function(linker, library, "nvmlDeviceGetMemoryInfo",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        temperature = function(linker, library, "nvmlDeviceGetTemperature",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, UINT, ValueLayout.ADDRESS));
        power = function(linker, library, "nvmlDeviceGetPowerUsage",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        powerLimit = function(linker, library, "nvmlDeviceGetEnforcedPowerLimit",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        driverVersion = function(linker, library, "nvmlSystemGetDriverVersion",
                FunctionDescriptor.of(UINT, ValueLayout.ADDRESS, UINT));
        int started = invokeInt(init);
        if (started != SUCCESS) {
            throw new NvmlUnavailableException("NVML did not start: " + error(started));
        }
    }

    /**
     * Loads {@code library} (normally {@link #LIBRARY}) and starts NVML.
     *
     * @throws NvmlUnavailableException when the library is not installed or NVML does not start
     */
    public static Nvml open(String library) throws NvmlUnavailableException {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException | UnsatisfiedLinkError missing) {
            throw new NvmlUnavailableException("No NVIDIA driver here (" + library + " is not installed)");
        }
        return new Nvml(lookup);
    }

    private static MethodHandle function(Linker linker, SymbolLookup library, String symbol, FunctionDescriptor descriptor)
            throws NvmlUnavailableException {
        MemorySegment address = library.find(symbol).orElseThrow(() ->
                new NvmlUnavailableException("The NVIDIA driver's NVML lacks " + symbol + " (too old a driver?)"));
        return linker.downcallHandle(address, descriptor);
    }

    /** The driver's version, e.g. "550.54.15"; empty if NVML does not say. */
    public Optional<String> driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(80);
            return check((int) driverVersion.invokeExact(text, 80)) ? Optional.of(text.getString(0)) : Optional.empty();
        } catch (Throwable failure) {
            throw unexpected(failure);
        }
    }

    /** Every GPU NVML sees, with what it can read of each now. */
    public List<GpuStats> gpus() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(UINT);
            int result = (int) deviceCount.invokeExact(count);
            if (result != SUCCESS) {
                throw new IllegalStateException("NVML could not count the GPUs: " + error(result));
            }
            List<GpuStats> gpus = new ArrayList<>();
            for (int index = 0; index < count.get(UINT, 0); index++) {
                MemorySegment handle = arena.allocate(ValueLayout.ADDRESS);
                if (!check((int) handleByIndex.invokeExact(index, handle))) {
                    continue;
                }
                gpus.add(read(index, handle.get(ValueLayout.ADDRESS, 0), arena));
            }
            return gpus;
        } catch (RuntimeException failure) {
            throw failure;
        } catch (Throwable failure) {
            throw unexpected(failure);
        }
    }

    private GpuStats read(int index, MemorySegment device, Arena arena) throws Throwable {
        MemorySegment text = arena.allocate(NAME_BYTES);
        String deviceName = check((int) name.invokeExact(device, text, NAME_BYTES)) ? text.getString(0) : "GPU " + index;
        MemorySegment rates = arena.allocate(2 * UINT.byteSize());
        boolean hasRates = check((int) utilization.invokeExact(device, rates));
        MemorySegment bytes = arena.allocate(3 * ULONG.byteSize());
        boolean hasMemory = check((int) memory.invokeExact(device, bytes));
        MemorySegment value = arena.allocate(UINT);
        Integer celsius = check((int) temperature.invokeExact(device, TEMPERATURE_GPU, value)) ? value.get(UINT, 0) : null;
        Double watts = check((int) power.invokeExact(device, value)) ? value.get(UINT, 0) / 1000.0 : null;
        Double limit = check((int) powerLimit.invokeExact(device, value)) ? value.get(UINT, 0) / 1000.0 : null;
        return new GpuStats(index, deviceName, hasRates ? rates.get(UINT, 0) : null, hasRates ? rates.get(UINT, 4) : null,
                hasMemory ? bytes.get(ULONG, 16) : null, hasMemory ? bytes.get(ULONG, 0) : null, celsius, watts, limit);
    }

    private static boolean check(int result) {
        return result == SUCCESS;
    }

    private String error(int code) {
        try {
            MemorySegment text = (MemorySegment) errorString.invokeExact(code);
            return text.reinterpret(256).getString(0) + " (NVML error " + code + ")";
        } catch (Throwable failure) {
            return "NVML error " + code;
        }
    }

    private static int invokeInt(MethodHandle function) {
        try {
            return (int) function.invokeExact();
        } catch (Throwable failure) {
            throw unexpected(failure);
        }
    }

    private static IllegalStateException unexpected(Throwable failure) {
        return new IllegalStateException("NVML call failed: " + failure, failure);
    }
}
