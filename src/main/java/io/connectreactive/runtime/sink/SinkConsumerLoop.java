package io.connectreactive.runtime.sink;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.connectreactive.runtime.exec.LogContext;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The dedicated thread ({@code cr-sink-consumer-<task>}) that owns one sink task's
 * {@link KafkaConsumer}: only this thread touches the consumer. It polls continuously, so the
 * member never exceeds {@code max.poll.interval.ms}, whatever the task does, and hands each batch
 * to the task's side through {@link Handler#batch}. At most {@value #MAX_OUTSTANDING} batches are
 * handed out and not yet {@link #release() released} (one in the task's hand, one fetched ahead):
 * at that bound every partition is paused and polls only keep the membership alive.
 *
 * <p>Other threads (the task's Vert.x context) send it commands — seek, pause, resume, hold,
 * commit, close — through a bounded queue; they are applied between polls ({@code wakeup()} cuts
 * a poll short to pick them up at once).
 *
 * <p>Its {@link ConsumerRebalanceListener} is synchronous: on revocation it asks the task's side
 * for the offsets to commit ({@code preCommit}), BLOCKS this thread (never an event loop) until
 * they come, commits them with {@code commitSync}, then waits for {@code close(revoked)}; on
 * assignment it waits for {@code open(assigned)} and applies the rewinds the task asked for before
 * any record of those partitions is fetched. So partitions move only once the task is done with them.
 */
final class SinkConsumerLoop implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConsumerLoop.class);
    static final int MAX_OUTSTANDING = 2;
    private static final int MAX_COMMANDS = 1024;

    /** A seek the task asked for; {@code epoch} orders them per partition. */
    record Seek(long offset, long epoch) {
    }

    /**
     * A poll's records: {@code generation} counts the rebalance events this thread saw before the
     * poll returned, {@code epochs} is the last seek epoch applied per partition of the records.
     */
    record Batch(long generation, Map<TopicPartition, Long> epochs, ConsumerRecords<byte[], byte[]> records) {
    }

    /**
     * The task's side. Every method is called on the consumer thread and must return at once:
     * the work happens on the task's context; the consumer thread waits for the returned stage.
     */
    interface Handler {
        /** A batch (empty ones only when {@code handEmpty}); must be {@link #release() released} once done. */
        void batch(Batch batch);

        /** The partitions are being revoked: answer the offsets to commit for them (after preCommit). */
        CompletionStage<Map<TopicPartition, OffsetAndMetadata>> revoking(Set<TopicPartition> partitions, long generation);

        /** After the commit of a revocation: close the partitions in the task. */
        CompletionStage<Void> revoked(Set<TopicPartition> partitions);

        /** The partitions were lost (the member was evicted): nothing may be committed; close them. */
        CompletionStage<Void> lost(Set<TopicPartition> partitions, long generation);

        /** The partitions are assigned at these positions: open them, answer the rewinds to apply. */
        CompletionStage<Map<TopicPartition, Seek>> assigned(Map<TopicPartition, Long> positions, long generation);

        /** The loop died of an unexpected error (not called after {@link #close()}). */
        void failed(Throwable error);
    }

    private final String name;
    private final Map<String, Object> props;
    private final String topics;
    private final String topicsRegex;
    private final Duration pollTimeout;
    private final long rebalanceWaitMs;
    private final boolean handEmpty;
    private final Handler handler;
    private final BlockingQueue<Consumer<KafkaConsumer<byte[], byte[]>>> commands = new ArrayBlockingQueue<>(MAX_COMMANDS);
    private final AtomicInteger outstanding = new AtomicInteger();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private String logContext;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean closeRequested;
    /** The thread is blocked in {@code poll()} itself, where a wakeup is harmless (not in a rebalance callback). */
    private volatile boolean polling;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    // consumer-thread state
    private final Set<TopicPartition> userPaused = new HashSet<>();
    private final Map<TopicPartition, Long> appliedEpochs = new HashMap<>();
    private boolean allPaused;
    private boolean hold;
    private long generation;

    /**
     * @param name the task's name, for the thread and logs
     * @param props the consumer's settings (group, overrides)
     * @param topics comma-separated topics, used when {@code topicsRegex} is blank
     * @param handEmpty whether empty polls are handed to the task (classic tasks: Kafka Connect calls put with none)
     */
    SinkConsumerLoop(String name, Map<String, Object> props, String topics, String topicsRegex, Duration pollTimeout,
                     boolean handEmpty, Handler handler) {
        this.name = name;
        this.props = props;
        this.topics = topics;
        this.topicsRegex = topicsRegex;
        this.pollTimeout = pollTimeout;
        this.handEmpty = handEmpty;
        this.handler = handler;
        Object interval = props.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        this.rebalanceWaitMs = interval == null ? 300_000L : Long.parseLong(interval.toString());
    }

    /** Starts the thread; completes once the consumer exists and is subscribed. Called once, from any thread. */
    /** Lines the loop's thread logs carry {@code value} (MDC {@code connector.context}); before {@link #start()}. */
    void logContext(String value) {
        this.logContext = value;
    }

    /** The consumer, once {@link #start()} completed (for its metrics; never call it from another thread but metrics()). */
    KafkaConsumer<byte[], byte[]> client() {
        return consumer;
    }

    CompletableFuture<Void> start() {
        String mdc = logContext;
        Thread t = new Thread(() -> {
            if (mdc != null) {
                MDC.put(LogContext.KEY, mdc);
            }
            run();
        }, "cr-sink-consumer-" + name);
        t.setDaemon(true);
        t.start();
        return started;
    }

    /** Returns a handed-out batch: the task is done with it. Any thread. */
    void release() {
        if (outstanding.getAndDecrement() >= MAX_OUTSTANDING) {
            wakeup();
        }
    }

    /** Moves the partition's position; applied unless a later seek of it was applied already. Any thread. */
    void seek(TopicPartition tp, Seek seek) {
        send(c -> applySeek(c, tp, seek));
    }

    /** The task paused / resumed these partitions. Any thread. */
    void pause(Set<TopicPartition> partitions, boolean pause) {
        Set<TopicPartition> copy = Set.copyOf(partitions);
        send(c -> {
            if (pause) {
                userPaused.addAll(copy);
            } else {
                userPaused.removeAll(copy);
            }
        });
    }

    /** The connector is paused (every partition) or resumed. Any thread. */
    void pauseAll(boolean pause) {
        send(c -> allPaused = pause);
    }

    /** Fetches nothing while held (a retry back-off, a stop); polls go on. Any thread. */
    void hold(boolean hold) {
        send(c -> this.hold = hold);
    }

    /**
     * Commits the offsets of the partitions still assigned; {@code generation} &gt;= 0 drops the
     * commit when a rebalance happened since (the revocation committed already). Synchronously
     * when {@code sync}, else asynchronously. Any thread; the stage completes on the consumer thread.
     */
    CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long generation, boolean sync) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!send(c -> {
            if (generation >= 0 && generation != this.generation) {
                done.completeExceptionally(new IllegalStateException("the group rebalanced since these offsets were taken"));
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>(offsets);
            mine.keySet().retainAll(c.assignment());
            if (mine.isEmpty()) {
                done.complete(null);
            } else if (sync) {
                try {
                    commitSync(c, mine);
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                }
            } else {
                c.commitAsync(mine, (o, err) -> {
                    if (err == null) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(err);
                    }
                });
            }
        })) {
            done.completeExceptionally(new IllegalStateException("the consumer of task " + name + " is closed"));
        }
        return done;
    }

    /** Stops polling and closes the consumer (the member leaves the group at once, commits nothing). Any thread. */
    CompletableFuture<Void> close() {
        closeRequested = true;
        wakeup();
        return closed;
    }

    private boolean send(Consumer<KafkaConsumer<byte[], byte[]>> command) {
        if (closeRequested) {
            return false;
        }
        if (!commands.offer(command)) {
            LOG.error("Command queue of the consumer of task {} is full ({}): command dropped", name, MAX_COMMANDS);
            return false;
        }
        wakeup();
        return true;
    }

    /**
     * Cuts a poll short, so that queued commands run now. Only while the thread is in {@code poll()}
     * itself (not in a rebalance callback): a wakeup elsewhere makes the next blocking call (a
     * position lookup, a synchronous commit) throw instead, and during a broker outage a steady
     * stream of them would keep such a call from ever completing.
     */
    private void wakeup() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null && (polling || closeRequested)) {
            c.wakeup();
        }
    }

    private void run() {
        KafkaConsumer<byte[], byte[]> c;
        try {
            c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (Throwable t) {
            started.completeExceptionally(t);
            closed.complete(null);
            return;
        }
        consumer = c;
        try {
            if (topicsRegex != null && !topicsRegex.isBlank()) {
                c.subscribe(Pattern.compile(topicsRegex), this);
            } else {
                Set<String> list = new HashSet<>();
                for (String t : topics == null ? new String[0] : topics.split(",")) {
                    if (!t.isBlank()) {
                        list.add(t.trim());
                    }
                }
                c.subscribe(list, this);
            }
            started.complete(null);
            while (!closeRequested) {
                runCommands(c);
                if (closeRequested) {
                    break;
                }
                applyPauses(c);
                ConsumerRecords<byte[], byte[]> records;
                polling = true;
                try {
                    if (!commands.isEmpty()) {
                        continue; // queued after the drain above: run them first
                    }
                    records = c.poll(pollTimeout);
                } catch (WakeupException e) {
                    continue;
                } finally {
                    polling = false;
                }
                if (closeRequested) {
                    break;
                }
                if (!records.isEmpty() || (handEmpty && outstanding.get() == 0)) {
                    Map<TopicPartition, Long> epochs = new HashMap<>();
                    for (TopicPartition tp : records.partitions()) {
                        epochs.put(tp, appliedEpochs.getOrDefault(tp, 0L));
                    }
                    outstanding.incrementAndGet();
                    handler.batch(new Batch(generation, epochs, records));
                }
            }
        } catch (Throwable t) {
            if (!closeRequested) {
                LOG.debug("The consumer loop of task {} ended", name, t);
                started.completeExceptionally(t);
                closeRequested = true;
                handler.failed(t);
            }
        } finally {
            closeRequested = true;
            try {
                c.close(Duration.ofSeconds(5));
            } catch (Throwable t) {
                LOG.debug("Closing the consumer of task {} failed: {}", name, t.toString());
            }
            commands.clear();
            closed.complete(null);
        }
    }

    /** Runs the queued commands; one whose blocking call a stray wakeup cut short runs again. */
    private void runCommands(KafkaConsumer<byte[], byte[]> c) {
        Consumer<KafkaConsumer<byte[], byte[]>> command;
        while (!closeRequested && (command = commands.poll()) != null) {
            Consumer<KafkaConsumer<byte[], byte[]>> run = command;
            untilDone(() -> {
                run.accept(c);
                return null;
            });
        }
    }

    /** Pauses what must not be fetched now, resumes the rest. */
    private void applyPauses(KafkaConsumer<byte[], byte[]> c) {
        Set<TopicPartition> assigned = c.assignment();
        Set<TopicPartition> want;
        if (allPaused || hold || outstanding.get() >= MAX_OUTSTANDING) {
            want = assigned;
        } else {
            want = new HashSet<>(userPaused);
            want.retainAll(assigned);
        }
        Set<TopicPartition> paused = c.paused();
        Set<TopicPartition> toPause = new HashSet<>(want);
        toPause.removeAll(paused);
        Set<TopicPartition> toResume = new HashSet<>(paused);
        toResume.removeAll(want);
        toResume.retainAll(assigned);
        if (!toPause.isEmpty()) {
            c.pause(toPause);
        }
        if (!toResume.isEmpty()) {
            c.resume(toResume);
        }
    }

    private void applySeek(KafkaConsumer<byte[], byte[]> c, TopicPartition tp, Seek seek) {
        long applied = appliedEpochs.getOrDefault(tp, 0L);
        if (seek.epoch() <= applied) {
            return;
        }
        appliedEpochs.put(tp, seek.epoch());
        if (c.assignment().contains(tp)) {
            c.seek(tp, seek.offset());
        } else {
            LOG.debug("Task {} rewound {} which it is not assigned: ignored", name, tp);
        }
    }

    private void commitSync(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
        untilDone(() -> {
            c.commitSync(offsets);
            return null;
        });
    }

    /** A blocking consumer call, done again when a stray wakeup cut it short, until it completes or the loop closes. */
    private <T> T untilDone(Supplier<T> call) {
        while (true) {
            try {
                return call.get();
            } catch (WakeupException e) {
                if (closeRequested) {
                    throw e;
                }
            }
        }
    }

    // --- the rebalance listener: runs on this thread, inside poll() ---

    /** Runs a rebalance callback; wakeups meanwhile are held back: its blocking calls must not be cut short. */
    private void inCallback(Runnable callback) {
        polling = false;
        try {
            callback.run();
        } finally {
            polling = true;
        }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        inCallback(() -> onPartitionsRevokedInPoll(partitions));
    }

    private void onPartitionsRevokedInPoll(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        generation++;
        if (closeRequested) {
            return;
        }
        Set<TopicPartition> revoked = Set.copyOf(partitions);
        Map<TopicPartition, OffsetAndMetadata> offsets = await(handler.revoking(revoked, generation), "preCommit of revoked partitions");
        if (offsets != null && !offsets.isEmpty() && !closeRequested) {
            Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>(offsets);
            mine.keySet().retainAll(revoked);
            try {
                commitSync(consumer, mine);
                LOG.debug("Task {} committed {} on revocation", name, mine);
            } catch (RuntimeException e) {
                LOG.warn("Commit on revocation of task {} failed: {}", name, e.toString());
            }
        }
        await(handler.revoked(revoked), "close of revoked partitions");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        inCallback(() -> onPartitionsLostInPoll(partitions));
    }

    private void onPartitionsLostInPoll(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        generation++;
        if (closeRequested) {
            return;
        }
        LOG.info("Task {} lost partitions {}: nothing committed for them", name, partitions);
        await(handler.lost(Set.copyOf(partitions), generation), "close of lost partitions");
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        inCallback(() -> onPartitionsAssignedInPoll(partitions));
    }

    private void onPartitionsAssignedInPoll(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        generation++;
        if (closeRequested) {
            return;
        }
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : partitions) {
            positions.put(tp, untilDone(() -> consumer.position(tp)));
        }
        Map<TopicPartition, Seek> seeks = await(handler.assigned(positions, generation), "open of assigned partitions");
        if (seeks != null) {
            seeks.forEach((tp, seek) -> applySeek(consumer, tp, seek));
        }
    }

    /** Blocks this thread until the task's side answers, the loop closes, or {@code max.poll.interval.ms} passed. */
    private <T> T await(CompletionStage<T> stage, String what) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(rebalanceWaitMs);
        while (true) {
            if (closeRequested && !f.isDone()) {
                return null;
            }
            try {
                return f.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("Task {} did not finish the {} within {} ms: going on without it", name, what, rebalanceWaitMs);
                    return null;
                }
            } catch (ExecutionException e) {
                LOG.warn("Task {} failed the {}: {}", name, what, String.valueOf(e.getCause()));
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
