package dev.lectern.config;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where the app's blocking calls run (the database, password hashing, files, tokenizing a prompt), off the
 * Netty event loops: this app's own threads, started with it and stopped with it.
 *
 * <p>Not Reactor's shared {@code boundedElastic} scheduler: it ties each task to one thread when the task is
 * submitted, so once its cap (10 threads per core) is reached a short database read waits behind whatever
 * that thread is doing while other threads sit idle; and it is one pool for every app in the JVM (a test run
 * holds dozens). Here every thread takes from one queue, so a free thread takes the next task. Not virtual
 * threads either: some of this work is CPU-bound (bcrypt, tokenizing a whole document), and virtual threads
 * share one carrier per core, so two such tasks would hold up every database call.
 */
@Component
public class BlockingWork implements DisposableBean {

    /** Enough for every request a lab team sends at once to wait on the database together; idle ones end. */
    static final int THREADS = 64;
    private static final Duration IDLE_THREAD_LIFETIME = Duration.ofSeconds(60);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final ThreadPoolExecutor threads;
    private final Scheduler scheduler;

    public BlockingWork() {
        AtomicInteger count = new AtomicInteger();
        threads = new ThreadPoolExecutor(THREADS, THREADS, IDLE_THREAD_LIFETIME.toSeconds(), TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> Thread.ofPlatform().daemon()
                        .name("lectern-blocking-" + count.incrementAndGet()).unstarted(task));
        threads.allowCoreThreadTimeOut(true);
        // Trampolining: one worker's tasks run one at a time, in order (publishOn and the upload writer need it).
        scheduler = Schedulers.fromExecutor(threads, true);
    }

    /** For {@code publishOn}, {@code subscribeOn} and workers whose tasks must run in order. */
    public Scheduler scheduler() {
        return scheduler;
    }

    /** {@code call}'s result, computed on one of these threads when subscribed. */
    public <T> Mono<T> call(Callable<T> call) {
        return Mono.fromCallable(call).subscribeOn(scheduler);
    }

    /** Completes once {@code action} ran on one of these threads. */
    public Mono<Void> run(Runnable action) {
        return Mono.<Void>fromRunnable(action).subscribeOn(scheduler);
    }

    /** Work already submitted finishes (a message being saved, say); new work is refused. */
    @Override
    public void destroy() throws InterruptedException {
        scheduler.dispose();
        threads.shutdown();
        threads.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
