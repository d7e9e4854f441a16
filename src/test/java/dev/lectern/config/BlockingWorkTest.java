package dev.lectern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import reactor.core.scheduler.Scheduler;

class BlockingWorkTest {

    private final BlockingWork blocking = new BlockingWork();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        blocking.destroy();
    }

    /** Reactor's boundedElastic would queue it behind a busy thread once its 20 threads (2 cores) were taken. */
    @Test
    void aShortCallRunsAtOnceWhileAllButOneThreadAreBlocked() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(BlockingWork.THREADS - 1);
        for (int i = 0; i < BlockingWork.THREADS - 1; i++) {
            blocking.run(() -> {
                started.countDown();
                awaitRelease();
            }).subscribe();
        }
        assertThat(started.await(10, TimeUnit.SECONDS)).as("all blockers running").isTrue();
        assertThat(blocking.call(() -> Thread.currentThread().getName()).block(Duration.ofSeconds(2)))
                .startsWith("lectern-blocking-");
    }

    @Test
    void aWorkersTasksRunOneAtATimeInTheOrderGiven() throws InterruptedException {
        Scheduler.Worker worker = blocking.scheduler().createWorker();
        List<Integer> order = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicBoolean overlapped = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(200);
        IntStream.range(0, 200).forEach(i -> worker.schedule(() -> {
            if (running.incrementAndGet() > 1) {
                overlapped.set(true);
            }
            order.add(i);
            running.decrementAndGet();
            done.countDown();
        }));
        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        worker.dispose();
        assertThat(overlapped).as("two of one worker's tasks at once").isFalse();
        assertThat(order).isEqualTo(IntStream.range(0, 200).boxed().toList());
    }

    @Test
    void stoppingLetsSubmittedWorkFinishAndRefusesNewWork() throws InterruptedException {
        AtomicBoolean finished = new AtomicBoolean();
        CountDownLatch started = new CountDownLatch(1);
        blocking.run(() -> {
            started.countDown();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        }).subscribe();
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        blocking.destroy();
        assertThat(finished).as("the task in flight when the app stopped").isTrue();
        assertThatThrownBy(() -> blocking.call(() -> 1).block(Duration.ofSeconds(2)))
                .matches(refused -> refused instanceof RejectedExecutionException
                        || refused.getCause() instanceof RejectedExecutionException, "refused as RejectedExecutionException");
    }

    private void awaitRelease() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
