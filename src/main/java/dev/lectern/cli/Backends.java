package dev.lectern.cli;

import dev.lectern.engine.backend.Backend;
import dev.lectern.engine.backend.ReferenceBackend;
import dev.lectern.engine.cpu.CpuBackend;

/** Chooses the engine backend a command runs on, by name. */
final class Backends {

    private Backends() {
    }

    /** A backend and whatever it holds (worker threads) until closed. */
    record Handle(Backend backend, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (resources != null) {
                resources.close();
            }
        }
    }

    static Handle create(String name, Integer threads) {
        return switch (name) {
            case "cpu" -> {
                CpuBackend cpu = threads != null ? new CpuBackend(threads) : new CpuBackend();
                // On stderr: commands such as bench print JSON on stdout.
                System.err.println("lectern: " + cpu.kernelsDescription());
                yield new Handle(cpu, cpu);
            }
            case "reference" -> new Handle(new ReferenceBackend(), null);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; choose cpu or reference");
        };
    }
}
