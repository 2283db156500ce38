package io.connectreactive.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The worker-wide bound on queued records: room is never over-given, a request that waits is
 * granted once room comes back (also when it comes back while the request is being queued, from
 * another thread, without the monitor), and waiting requests are granted in order.
 */
class QueueBoundTest {

    private static Vertx vertx;

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopVertx() {
        vertx.close().await();
    }

    @Test
    void takesRoomWhileThereIsSomeAndQueuesTheRest() throws InterruptedException {
        SharedProducer.QueueBound bound = new SharedProducer.QueueBound(10);
        Context context = vertx.getOrCreateContext();
        assertThat(bound.tryAcquire(6)).isTrue();
        assertThat(bound.tryAcquire(5)).as("over the bound").isFalse();
        CountDownLatch granted = new CountDownLatch(1);
        assertThat(bound.acquire(5, context, granted::countDown)).isFalse();
        assertThat(bound.tryAcquire(1)).as("a small request does not overtake one that waits").isFalse();
        bound.release(1);
        assertThat(granted.await(5, TimeUnit.SECONDS)).as("6 - 1 + 5 = 10 fits").isTrue();
        assertThat(bound.queued()).isEqualTo(10);
        assertThat(bound.peak()).isEqualTo(10);
        bound.release(10);
        assertThat(bound.queued()).isZero();
        assertThat(bound.tryAcquire(10)).isTrue();
    }

    @Test
    void grantsWaitingRequestsInOrderAndWithdrawnOnesNever() throws InterruptedException {
        SharedProducer.QueueBound bound = new SharedProducer.QueueBound(4);
        Context context = vertx.getOrCreateContext();
        List<String> order = new CopyOnWriteArrayList<>();
        assertThat(bound.tryAcquire(4)).isTrue();
        Runnable big = () -> order.add("big");
        Runnable withdrawn = () -> order.add("withdrawn");
        Runnable small = () -> order.add("small");
        assertThat(bound.acquire(3, context, big)).isFalse();
        assertThat(bound.acquire(1, context, withdrawn)).isFalse();
        assertThat(bound.acquire(1, context, small)).isFalse();
        assertThat(bound.cancel(withdrawn)).isTrue();
        bound.release(2);
        Thread.sleep(50);
        assertThat(order).as("3 do not fit in 2: the small one behind waits too").isEmpty();
        bound.release(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> order.size() == 2);
        assertThat(order).containsExactly("big", "small");
        assertThat(bound.cancel(small)).as("already granted").isFalse();
        assertThat(bound.queued()).isEqualTo(4);
    }

    /**
     * Threads take and give back room as tasks and producer callbacks do, each request waiting when
     * the bound is full: the room held at once never exceeds the bound, and every waiting request is
     * granted (half the threads ask for the whole bound, so that often one release is the only one
     * that can wake a waiter).
     */
    @Test
    void underContentionNoRoomIsOverGivenAndNoWaiterIsForgotten() throws InterruptedException {
        int max = 8;
        SharedProducer.QueueBound bound = new SharedProducer.QueueBound(max);
        Context context = vertx.getOrCreateContext();
        AtomicInteger held = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int threads = 4;
        int rounds = 50_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int n = t % 2 == 0 ? max : 1 + t;
            Thread w = new Thread(() -> {
                try {
                    for (int i = 0; i < rounds; i++) {
                        if (!bound.tryAcquire(n)) {
                            CountDownLatch granted = new CountDownLatch(1);
                            if (!bound.acquire(n, context, granted::countDown) && !granted.await(5, TimeUnit.SECONDS)) {
                                throw new AssertionError("a waiting request was never granted");
                            }
                        }
                        mostHeld.accumulateAndGet(held.addAndGet(n), Math::max);
                        held.addAndGet(-n);
                        bound.release(n);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join(TimeUnit.MINUTES.toMillis(2));
        }
        assertThat(failure.get()).isNull();
        assertThat(mostHeld.get()).as("room held at once").isLessThanOrEqualTo(max);
        assertThat(bound.peak()).isLessThanOrEqualTo(max);
        assertThat(bound.queued()).isZero();
    }
}
