package dev.lectern.engine.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Gives each kernel class its vector species as a true JIT constant, while the species stays a
 * constructor parameter of {@link CpuBackend}.
 *
 * <p>Why: C2 turns Vector API calls into instructions only when the species is a constant it can see. A
 * species kept in an instance field is not one: measured here, a Q8_0 dot product fell from 15 GB/s to
 * 0.25 GB/s (every vector boxed). A {@code static final} species is constant, but one per class would
 * force a copy of every kernel per width. So each kernel is written once as a template class whose
 * {@code static final} species comes from {@link #species}, and this class defines a hidden copy of the
 * template per species ({@link MethodHandles.Lookup#defineHiddenClassWithClassData}) with the species as
 * its class data. Each copy is compiled on its own, with its own constant, and 512- and 256-bit copies
 * live side by side in one JVM (the tests run both).
 *
 * <p>Templates must stay self-contained: no lambdas or nested classes, and no calls into other templates
 * (those would reach the ordinary, preferred-species class).
 */
final class SpeciesBinding {

    private record Key(Class<?> template, VectorSpecies<Float> species) {
    }

    private static final Map<Key, Object> BOUND = new ConcurrentHashMap<>();

    private SpeciesBinding() {
    }

    /** The widths the kernels support: byte and short vectors of the same lane count must exist. */
    static VectorSpecies<Float> checkSupported(VectorSpecies<Float> species) {
        int bits = species.vectorBitSize();
        if (bits != 256 && bits != 512) {
            throw new IllegalArgumentException("CpuBackend's kernels need 256- or 512-bit vectors (AVX2 or"
                    + " AVX-512); this species has " + bits + " bits. Use the ReferenceBackend on this CPU.");
        }
        return species;
    }

    /**
     * An instance of a copy of {@code template} bound to {@code species}; copies are made once per
     * template and species and shared (they hold no state).
     */
    static <T> T bind(Class<? extends T> template, Class<T> api, VectorSpecies<Float> species) {
        checkSupported(species);
        return api.cast(BOUND.computeIfAbsent(new Key(template, species), SpeciesBinding::define));
    }

    private static Object define(Key key) {
        Class<?> template = key.template();
        try (InputStream in = template.getResourceAsStream(template.getSimpleName() + ".class")) {
            if (in == null) {
                throw new IllegalStateException("the class file of " + template.getName() + " is not readable");
            }
            byte[] bytes = in.readAllBytes();
            MethodHandles.Lookup lookup = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, key.species(), true);
            return lookup.findConstructor(lookup.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot bind " + template.getName() + " to " + key.species(), e);
        }
    }

    /**
     * The species of the calling template: its class data in a bound copy, the preferred species when
     * the template class itself is loaded (it never runs kernels then, but must initialize).
     */
    @SuppressWarnings("unchecked")
    static VectorSpecies<Float> species(MethodHandles.Lookup template) {
        try {
            VectorSpecies<Float> bound = MethodHandles.classData(template, ConstantDescs.DEFAULT_NAME, VectorSpecies.class);
            return bound != null ? bound : FloatVector.SPECIES_PREFERRED;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Byte lanes matching the float lanes one for one: 128-bit for 512-bit floats, 64-bit for 256. */
    static VectorSpecies<Byte> bytes(VectorSpecies<Float> floats) {
        return VectorSpecies.of(byte.class, VectorShape.forBitSize(floats.length() * Byte.SIZE));
    }

    /** Short lanes matching the float lanes one for one. */
    static VectorSpecies<Short> shorts(VectorSpecies<Float> floats) {
        return VectorSpecies.of(short.class, VectorShape.forBitSize(floats.length() * Short.SIZE));
    }
}
