package dev.lectern.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import reactor.core.publisher.Mono;

class HangDiagnosisTest {

    @Test
    void aWaitThatRanOutSaysWhatTheAppsThreadsWereDoing() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch waiting = new CountDownLatch(1);
        Thread stuck = Thread.ofPlatform().name("lectern-stuck-probe").start(() -> {
            waiting.countDown();
            try {
                release.await();
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            waiting.await();
            Throwable timeout = catchFailure(() -> Mono.never().block(Duration.ofMillis(10)));
            Throwable diagnosed = HangDiagnosis.diagnosed(timeout);
            assertThat(diagnosed).isInstanceOf(AssertionError.class).hasCause(timeout);
            assertThat(diagnosed.getMessage()).contains("Timeout on blocking read")
                    .contains("app threads when the wait ended")
                    .contains("lectern-stuck-probe: WAITING")
                    .contains("boundedElastic").contains("tasks queued per thread");
        } finally {
            release.countDown();
            stuck.join();
        }
    }

    @Test
    void otherFailuresPassThroughUnchanged() {
        AssertionError plain = new AssertionError("expected 405 but was 403");
        assertThat(HangDiagnosis.diagnosed(plain)).isSameAs(plain);
    }

    private static Throwable catchFailure(Runnable action) {
        try {
            action.run();
        } catch (Throwable failure) {
            return failure;
        }
        throw new AssertionError("expected the action to fail");
    }
}
