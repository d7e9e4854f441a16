package dev.lectern.engine.cpu;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool that runs one operation at a time, split into chunks, on {@code threads} threads:
 * the caller plus {@code threads - 1} daemon workers. Chunks are claimed from a shared counter, so a
 * thread that finishes early takes more, and the caller spins until the last chunk is done.
 *
 * <p>Why not an executor: a decode step makes ~350 hand-offs per token, and an executor's submit/join
 * costs tens of microseconds each (LIMITS.md), while waking a spinning thread costs well under one.
 * Workers spin for a short while after each operation (the next one usually follows within
 * microseconds), then park, so an idle engine does not burn the machine's cores.
 *
 * <p>Each operation gets its own small {@link Operation} (counter and all), so a worker that is late
 * for one operation can never claim chunks of the next with the wrong task.
 */
final class WorkerPool implements AutoCloseable {

    /** One operation's work: chunk numbers 0..chunks-1, and the index of the thread that runs it. */
    @FunctionalInterface
    interface Task {
        void run(int chunk, int worker);
    }

    /** How long a worker spins for the next operation before it parks. */
    private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private static final class Operation {
        final Task task;
        final int chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger unfinished;
        volatile Throwable failure;

        Operation(Task task, int chunks) {
            this.task = task;
            this.chunks = chunks;
            this.unfinished = new AtomicInteger(chunks);
        }

        /** Claims and runs chunks until none is left; {@code worker} is the running thread's index. */
        void work(int worker) {
            int chunk;
            while ((chunk = next.getAndIncrement()) < chunks) {
                try {
                    task.run(chunk, worker);
                } catch (Throwable e) {
                    if (failure == null) {
                        failure = e;
                    }
                }
                unfinished.decrementAndGet();
            }
        }
    }

    private final Worker[] workers;
    private volatile Operation current;
    private volatile boolean closed;

    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("a worker pool needs at least one thread, got " + threads);
        }
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].thread.start();
        }
    }

    /** Threads that run chunks, the caller included. */
    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code task} for chunks 0..chunks-1 across the pool and returns when all are done; the first
     * exception a chunk throws is rethrown here (after the other chunks finish). One caller at a time.
     */
    synchronized void run(int chunks, Task task) {
        if (closed) {
            throw new IllegalStateException("the CPU backend's worker pool is closed");
        }
        if (chunks <= 0) {
            return;
        }
        if (chunks == 1 || workers.length == 0) {
            for (int c = 0; c < chunks; c++) {
                task.run(c, 0);
            }
            return;
        }
        Operation operation = new Operation(task, chunks);
        current = operation;
        for (Worker worker : workers) {
            if (worker.parked) {
                LockSupport.unpark(worker.thread);
            }
        }
        operation.work(0);
        int spins = 0;
        while (operation.unfinished.get() > 0) {
            // A worker descheduled mid-chunk (the machines are shared) must get a core back sooner or later.
            if (++spins % 1024 == 0) {
                Thread.yield();
            } else {
                Thread.onSpinWait();
            }
        }
        Throwable failure = operation.failure;
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker worker : workers) {
            LockSupport.unpark(worker.thread);
        }
        for (Worker worker : workers) {
            try {
                worker.thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker implements Runnable {
        final int index;
        final Thread thread;
        volatile boolean parked;

        Worker(int index) {
            this.index = index;
            this.thread = Thread.ofPlatform().daemon().name("lectern-cpu-" + index).unstarted(this);
        }

        @Override
        public void run() {
            Operation done = null;
            while (!closed) {
                Operation operation = current;
                if (operation != done) {
                    operation.work(index);
                    done = operation;
                    continue;
                }
                waitForWork(done);
            }
        }

        /** Spins briefly, then parks until {@link #run(int, Task)} publishes another operation. */
        private void waitForWork(Operation done) {
            long start = System.nanoTime();
            int spins = 0;
            while (current == done && !closed) {
                Thread.onSpinWait();
                if (++spins % 256 == 0 && System.nanoTime() - start > SPIN_NANOS) {
                    // Announce the park, then look once more: the publisher either sees the flag and
                    // unparks, or published before the flag and the check below sees it (both volatile).
                    parked = true;
                    if (current == done && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    start = System.nanoTime();
                }
            }
        }
    }
}
