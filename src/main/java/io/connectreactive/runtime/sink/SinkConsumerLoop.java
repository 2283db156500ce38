package io.connectreactive.runtime.sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.connectreactive.runtime.exec.LogContext;

/**
 * The thread ({@code cr-sink-consumer-<name>}) that owns one {@link KafkaConsumer} and feeds one or
 * more sink tasks of one connector, its {@link Member}s: only this thread touches the consumer. With
 * one member (a consumer per task, Kafka Connect's layout) the group's partitions are the task's; with
 * several (a consumer shared by the connector's tasks on this worker) the group assigns partitions to
 * this one member and the loop splits them among its tasks, the counts differing by at most one, moving
 * as few as it can when a task joins or leaves.
 *
 * <p>It polls continuously, so the member never exceeds {@code max.poll.interval.ms}, whatever a task
 * does, and hands each task the records of its own partitions through its {@link Handler#batch}. At
 * most {@value SinkConsumer#MAX_OUTSTANDING} batches per task are handed out and not yet released (one
 * in the task's hand, one fetched ahead): at that bound the task's partitions are paused, the other
 * tasks' go on, and polls keep the membership alive. A held, paused or stalled task never holds up another.
 *
 * <p>Other threads (the tasks' Vert.x contexts) send it commands — join, leave, seek, pause, resume,
 * hold, commit — through a queue; they are applied between polls ({@code wakeup()} cuts a poll short to
 * pick them up at once).
 *
 * <p>Rebalances are synchronous, for the group's and for the loop's own moves alike: on revocation it
 * asks each owning task for the offsets to commit ({@code preCommit}), BLOCKS this thread (never an event
 * loop) until they come, commits them with {@code commitSync}, then waits for {@code close(revoked)}; on
 * assignment it waits for {@code open(assigned)} and applies the rewinds the task asked for before any
 * record of those partitions is fetched. A partition that moves from one task to another on this worker
 * resumes at its committed offset (where the group gave it to this member when nothing was committed),
 * as it would on another member. So partitions move only once the task is done with them.
 */
final class SinkConsumerLoop implements ConsumerRebalanceListener {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConsumerLoop.class);
    private static final int MAX_COMMANDS = 65_536;
    private static final Comparator<TopicPartition> PARTITION_ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    private final String name;
    private final String mdc;
    private final Map<String, Object> props;
    private final String topics;
    private final String topicsRegex;
    private final Duration pollTimeout;
    private final long pollTimeoutNanos;
    private final long rebalanceWaitMs;
    private final boolean shared;
    private final BlockingQueue<Runnable> commands = new LinkedBlockingQueue<>(MAX_COMMANDS);
    private final CompletableFuture<KafkaConsumer<byte[], byte[]>> subscribed = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean closeRequested;
    /** The thread is blocked in {@code poll()} itself, where a wakeup is harmless (not in a rebalance callback). */
    private volatile boolean polling;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    // guarded by this
    private final List<Member> created = new ArrayList<>();
    private int open;
    private boolean retired;
    private boolean threadStarted;

    // consumer-thread state
    private final List<Member> members = new ArrayList<>();
    private final Map<TopicPartition, Member> owners = new HashMap<>();
    /** Where each partition stood when the group gave it to this member: where it resumes on a move when nothing was committed. */
    private final Map<TopicPartition, Long> startPositions = new HashMap<>();
    private Throwable failure;

    /**
     * @param name the task's (or, shared, the connector's) name, for the thread and logs
     * @param mdc what the thread's log lines carry (MDC {@code connector.context})
     * @param props the consumer's settings (group, overrides)
     * @param topics comma-separated topics, used when {@code topicsRegex} is blank
     * @param shared whether the consumer serves the connector's tasks (its meters are then not a task's)
     */
    SinkConsumerLoop(String name, String mdc, Map<String, Object> props, String topics, String topicsRegex,
                     Duration pollTimeout, boolean shared) {
        this.name = name;
        this.mdc = mdc;
        this.props = props;
        this.topics = topics;
        this.topicsRegex = topicsRegex;
        this.pollTimeout = pollTimeout;
        this.pollTimeoutNanos = pollTimeout.toNanos();
        this.shared = shared;
        Object interval = props.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        this.rebalanceWaitMs = interval == null ? 300_000L : Long.parseLong(interval.toString());
    }

    /**
     * A new task of this consumer, or null once the loop retired (its last task left: it is closing).
     *
     * @param handEmpty whether empty polls are handed to the task (classic tasks: Kafka Connect calls put with none)
     */
    synchronized Member member(String task, boolean handEmpty, SinkConsumer.Handler handler) {
        if (retired) {
            return null;
        }
        Member m = new Member(task, handEmpty, handler);
        created.add(m);
        open++;
        return m;
    }

    /** Completes with the consumer once it exists and is subscribed. */
    CompletableFuture<KafkaConsumer<byte[], byte[]>> subscribed() {
        return subscribed;
    }

    /** Completes once the consumer is closed (every task left, or the loop failed). */
    CompletableFuture<Void> closed() {
        return closed;
    }

    private synchronized void startThread() {
        if (threadStarted) {
            return;
        }
        threadStarted = true;
        Thread t = new Thread(() -> {
            if (mdc != null) {
                MDC.put(LogContext.KEY, mdc);
            }
            run();
        }, "cr-sink-consumer-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** A task leaves; true when it was the last one (the loop then closes and takes no new task). */
    private synchronized boolean memberClosed() {
        open--;
        if (open <= 0) {
            retired = true;
        }
        return retired;
    }

    private synchronized boolean threadStarted() {
        return threadStarted;
    }

    private synchronized void retire() {
        retired = true;
    }

    private boolean send(Runnable command) {
        if (closeRequested) {
            return false;
        }
        if (!commands.offer(command)) {
            LOG.error("Command queue of sink consumer {} is full ({}): command dropped", name, MAX_COMMANDS);
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
            failure = t;
            subscribed.completeExceptionally(t);
            finish();
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
            subscribed.complete(c);
            while (!closeRequested) {
                runCommands();
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
                handOut(records);
            }
        } catch (Throwable t) {
            if (!closeRequested) {
                LOG.debug("Sink consumer {} ended", name, t);
                failure = t;
                subscribed.completeExceptionally(t);
                closeRequested = true;
                for (Member m : members) {
                    if (!m.closing) {
                        m.handler.failed(t);
                    }
                }
            }
        } finally {
            closeRequested = true;
            try {
                c.close(Duration.ofSeconds(5));
            } catch (Throwable t) {
                LOG.debug("Closing sink consumer {} failed: {}", name, t.toString());
            }
            finish();
        }
    }

    /** The loop is over: no task may join, every start and close completes. */
    private void finish() {
        closeRequested = true;
        retire();
        commands.clear();
        List<Member> all;
        synchronized (this) {
            all = List.copyOf(created);
        }
        Throwable cause = failure != null ? failure : new IllegalStateException("sink consumer " + name + " is closed");
        for (Member m : all) {
            m.joined.completeExceptionally(cause);
        }
        closed.complete(null);
        for (Member m : all) {
            m.left.complete(null);
        }
    }

    /** Runs the queued commands; one whose blocking call a stray wakeup cut short runs again. */
    private void runCommands() {
        Runnable command;
        while (!closeRequested && (command = commands.poll()) != null) {
            Runnable run = command;
            untilDone(() -> {
                run.run();
                return null;
            });
        }
    }

    /** Gives each task the records of its partitions, and an empty batch to an idle classic task once per poll timeout. */
    private void handOut(ConsumerRecords<byte[], byte[]> records) {
        long now = System.nanoTime();
        Set<Member> served = Set.of();
        if (!records.isEmpty()) {
            Member only = members.size() == 1 ? members.get(0) : null;
            if (only != null && owners.keySet().containsAll(records.partitions())) {
                if (!only.closing) {
                    only.hand(records, now);
                }
                served = Set.of(only);
            } else {
                Map<Member, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>>> split = new LinkedHashMap<>();
                for (TopicPartition tp : records.partitions()) {
                    Member m = owners.get(tp);
                    if (m == null) {
                        // not paused in time for a move: read it again once it has a task
                        consumer.seek(tp, records.records(tp).get(0).offset());
                    } else if (!m.closing) {
                        split.computeIfAbsent(m, k -> new HashMap<>()).put(tp, records.records(tp));
                    }
                }
                split.forEach((m, recs) -> m.hand(new ConsumerRecords<>(recs, Map.of()), now));
                served = split.keySet();
            }
        }
        for (Member m : members) {
            if (m.handEmpty && !m.closing && m.outstanding.get() == 0 && now - m.lastHanded >= pollTimeoutNanos
                    && !served.contains(m)) {
                m.hand(ConsumerRecords.empty(), now);
            }
        }
    }

    /** Pauses what must not be fetched now (a task's held, paused or full partitions, a partition between tasks), resumes the rest. */
    private void applyPauses(KafkaConsumer<byte[], byte[]> c) {
        Set<TopicPartition> assigned = c.assignment();
        Set<TopicPartition> want = new HashSet<>();
        for (TopicPartition tp : assigned) {
            Member m = owners.get(tp);
            if (m == null || m.closing || m.allPaused || m.hold
                    || m.outstanding.get() >= SinkConsumer.MAX_OUTSTANDING || m.userPaused.contains(tp)) {
                want.add(tp);
            }
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

    // --- tasks joining and leaving: commands, on this thread ---

    private void join(Member m) {
        if (m.closing) {
            m.joined.complete(null);
            return;
        }
        members.add(m);
        m.active = true;
        m.joined.complete(null);
        balance();
    }

    private void leave(Member m) {
        if (!m.active) {
            m.left.complete(null);
            return;
        }
        m.active = false;
        members.remove(m);
        Set<TopicPartition> parts = new HashSet<>(m.owned);
        m.owned.clear();
        parts.forEach(owners::remove);
        if (members.isEmpty()) {
            closeRequested = true; // its start completes once the consumer is closed
            return;
        }
        reposition(parts);
        balance();
        m.left.complete(null);
    }

    /**
     * Gives the partitions without a task to the tasks owning fewest, then moves partitions from the
     * tasks owning most to those owning fewest until the counts differ by at most one.
     */
    private void balance() {
        List<Member> live = new ArrayList<>();
        for (Member m : members) {
            if (!m.closing) {
                live.add(m);
            }
        }
        if (live.isEmpty()) {
            return;
        }
        Map<Member, List<TopicPartition>> plan = new LinkedHashMap<>();
        for (Member m : live) {
            List<TopicPartition> mine = new ArrayList<>(m.owned);
            mine.sort(PARTITION_ORDER);
            plan.put(m, mine);
        }
        List<TopicPartition> unowned = new ArrayList<>(consumer.assignment());
        unowned.removeAll(owners.keySet());
        unowned.sort(PARTITION_ORDER);
        for (TopicPartition tp : unowned) {
            fewest(plan).add(tp);
        }
        while (true) {
            List<TopicPartition> most = plan.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
            List<TopicPartition> least = fewest(plan);
            if (most.size() - least.size() <= 1) {
                break;
            }
            least.add(most.remove(most.size() - 1));
        }
        Map<Member, Set<TopicPartition>> from = new LinkedHashMap<>();
        Map<Member, Set<TopicPartition>> to = new LinkedHashMap<>();
        plan.forEach((m, mine) -> {
            for (TopicPartition tp : mine) {
                Member owner = owners.get(tp);
                if (owner != m) {
                    if (owner != null) {
                        from.computeIfAbsent(owner, k -> new HashSet<>()).add(tp);
                    }
                    to.computeIfAbsent(m, k -> new HashSet<>()).add(tp);
                }
            }
        });
        if (!from.isEmpty()) {
            revoke(from);
            Set<TopicPartition> moved = new HashSet<>();
            from.values().forEach(moved::addAll);
            reposition(moved);
        }
        if (!to.isEmpty()) {
            assign(to);
        }
    }

    private static List<TopicPartition> fewest(Map<Member, List<TopicPartition>> plan) {
        return plan.values().stream().min(Comparator.comparingInt(List::size)).orElseThrow();
    }

    /** Partitions that move between tasks resume at their committed offsets, else where the group gave them to this member. */
    private void reposition(Set<TopicPartition> parts) {
        if (parts.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed;
        try {
            committed = untilDone(() -> consumer.committed(parts));
        } catch (RuntimeException e) {
            LOG.warn("Sink consumer {} could not read the committed offsets of {}: they resume where this worker got them ({})",
                    name, parts, e.toString());
            committed = Map.of();
        }
        for (TopicPartition tp : parts) {
            OffsetAndMetadata o = committed.get(tp);
            Long at = o != null ? Long.valueOf(o.offset()) : startPositions.get(tp);
            if (at != null && consumer.assignment().contains(tp)) {
                consumer.seek(tp, at);
            }
        }
    }

    // --- what tasks are told: every owner asked at once, then awaited ---

    /** Each owner's preCommit of its revoked partitions, one commit of them all, then each owner's close. */
    private void revoke(Map<Member, Set<TopicPartition>> byOwner) {
        long deadline = deadline();
        Map<Member, CompletableFuture<Map<TopicPartition, OffsetAndMetadata>>> asks = new LinkedHashMap<>();
        byOwner.forEach((m, parts) -> {
            m.generation++;
            if (!m.closing) {
                asks.put(m, m.handler.revoking(Set.copyOf(parts), m.generation).toCompletableFuture());
            }
        });
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        asks.forEach((m, ask) -> {
            Map<TopicPartition, OffsetAndMetadata> offsets = await(m, ask, "preCommit of revoked partitions", deadline);
            if (offsets != null) {
                offsets.forEach((tp, o) -> {
                    if (o != null && byOwner.get(m).contains(tp)) {
                        toCommit.put(tp, o);
                    }
                });
            }
        });
        if (!toCommit.isEmpty() && !closeRequested) {
            try {
                commitSync(toCommit);
                LOG.debug("Sink consumer {} committed {} on revocation", name, toCommit);
            } catch (RuntimeException e) {
                LOG.warn("Commit on revocation of sink consumer {} failed: {}", name, e.toString());
            }
        }
        Map<Member, CompletableFuture<Void>> closes = new LinkedHashMap<>();
        byOwner.forEach((m, parts) -> {
            if (!m.closing) {
                closes.put(m, m.handler.revoked(Set.copyOf(parts)).toCompletableFuture());
            }
        });
        closes.forEach((m, close) -> await(m, close, "close of revoked partitions", deadline));
        disown(byOwner);
    }

    /** The partitions were lost: each owner closes them, nothing is committed. */
    private void lose(Map<Member, Set<TopicPartition>> byOwner) {
        long deadline = deadline();
        Map<Member, CompletableFuture<Void>> closes = new LinkedHashMap<>();
        byOwner.forEach((m, parts) -> {
            m.generation++;
            if (!m.closing) {
                LOG.info("Task {} lost partitions {}: nothing committed for them", m.task, parts);
                closes.put(m, m.handler.lost(Set.copyOf(parts), m.generation).toCompletableFuture());
            }
        });
        closes.forEach((m, close) -> await(m, close, "close of lost partitions", deadline));
        disown(byOwner);
    }

    private void disown(Map<Member, Set<TopicPartition>> byOwner) {
        byOwner.forEach((m, parts) -> {
            m.owned.removeAll(parts);
            parts.forEach(tp -> owners.remove(tp, m));
        });
    }

    /** Each new owner opens its partitions at the consumer's positions; their rewinds apply before any fetch. */
    private void assign(Map<Member, Set<TopicPartition>> byOwner) {
        long deadline = deadline();
        Map<Member, CompletableFuture<Map<TopicPartition, SinkConsumer.Seek>>> opens = new LinkedHashMap<>();
        byOwner.forEach((m, parts) -> {
            Map<TopicPartition, Long> positions = new HashMap<>();
            for (TopicPartition tp : parts) {
                positions.put(tp, untilDone(() -> consumer.position(tp)));
                owners.put(tp, m);
            }
            m.owned.addAll(parts);
            m.generation++;
            opens.put(m, m.handler.assigned(positions, m.generation).toCompletableFuture());
        });
        opens.forEach((m, open) -> {
            Map<TopicPartition, SinkConsumer.Seek> seeks = await(m, open, "open of assigned partitions", deadline);
            if (seeks != null) {
                seeks.forEach((tp, seek) -> applySeek(m, tp, seek));
            }
        });
    }

    private Map<Member, Set<TopicPartition>> byOwner(Collection<TopicPartition> partitions) {
        Map<Member, Set<TopicPartition>> out = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            Member m = owners.get(tp);
            if (m != null) {
                out.computeIfAbsent(m, k -> new HashSet<>()).add(tp);
            }
        }
        return out;
    }

    private long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(rebalanceWaitMs);
    }

    /** Blocks this thread until the task answers, the task or the loop closes, or {@code max.poll.interval.ms} passed. */
    private <T> T await(Member m, CompletableFuture<T> f, String what, long deadline) {
        while (true) {
            if ((closeRequested || m.closing) && !f.isDone()) {
                return null;
            }
            try {
                return f.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    LOG.warn("Task {} did not finish the {} within {} ms: going on without it", m.task, what, rebalanceWaitMs);
                    return null;
                }
            } catch (ExecutionException e) {
                LOG.warn("Task {} failed the {}: {}", m.task, what, String.valueOf(e.getCause()));
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private void applySeek(Member m, TopicPartition tp, SinkConsumer.Seek seek) {
        long applied = m.appliedEpochs.getOrDefault(tp, 0L);
        if (seek.epoch() <= applied) {
            return;
        }
        m.appliedEpochs.put(tp, seek.epoch());
        if (m.owned.contains(tp)) {
            consumer.seek(tp, seek.offset());
        } else {
            LOG.debug("Task {} rewound {} which it is not assigned: ignored", m.task, tp);
        }
    }

    private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        untilDone(() -> {
            consumer.commitSync(offsets);
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

    // --- the group's rebalance listener: runs on this thread, inside poll() ---

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
        if (partitions.isEmpty() || closeRequested) {
            return;
        }
        inCallback(() -> {
            revoke(byOwner(partitions));
            partitions.forEach(startPositions::remove);
        });
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty() || closeRequested) {
            return;
        }
        inCallback(() -> {
            lose(byOwner(partitions));
            partitions.forEach(startPositions::remove);
        });
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty() || closeRequested) {
            return;
        }
        inCallback(() -> {
            for (TopicPartition tp : partitions) {
                startPositions.put(tp, untilDone(() -> consumer.position(tp)));
            }
            balance();
        });
    }

    /** One task fed by this loop: its partitions, pauses and batches; its commands run on the loop's thread. */
    final class Member implements SinkConsumer {
        private final String task;
        private final boolean handEmpty;
        private final Handler handler;
        private final AtomicInteger outstanding = new AtomicInteger();
        private final CompletableFuture<Void> joined = new CompletableFuture<>();
        private final CompletableFuture<Void> left = new CompletableFuture<>();
        private volatile boolean closing;
        // consumer-thread state
        private final Set<TopicPartition> owned = new HashSet<>();
        private final Set<TopicPartition> userPaused = new HashSet<>();
        private final Map<TopicPartition, Long> appliedEpochs = new HashMap<>();
        private boolean active;
        private boolean allPaused;
        private boolean hold;
        /** Counts the rebalance events of this task: revocations, losses and assignments of its partitions. */
        private long generation;
        private long lastHanded = System.nanoTime();

        private Member(String task, boolean handEmpty, Handler handler) {
            this.task = task;
            this.handEmpty = handEmpty;
            this.handler = handler;
        }

        private void hand(ConsumerRecords<byte[], byte[]> records, long now) {
            Map<TopicPartition, Long> epochs = new HashMap<>();
            for (TopicPartition tp : records.partitions()) {
                epochs.put(tp, appliedEpochs.getOrDefault(tp, 0L));
            }
            outstanding.incrementAndGet();
            lastHanded = now;
            handler.batch(new Batch(generation, epochs, records));
        }

        @Override
        public String thread() {
            return "cr-sink-consumer-" + name;
        }

        @Override
        public CompletableFuture<Void> start() {
            startThread();
            CompletableFuture<Void> started = subscribed.thenCompose(c -> joined);
            if (!send(() -> join(this))) {
                joined.completeExceptionally(new IllegalStateException("sink consumer " + name + " is closed"));
            }
            return started;
        }

        @Override
        public KafkaConsumer<byte[], byte[]> client() {
            return shared ? null : consumer;
        }

        @Override
        public void release() {
            if (outstanding.getAndDecrement() >= MAX_OUTSTANDING) {
                wakeup();
            }
        }

        @Override
        public void seek(TopicPartition tp, Seek seek) {
            send(() -> applySeek(this, tp, seek));
        }

        @Override
        public void pause(Set<TopicPartition> partitions, boolean pause) {
            Set<TopicPartition> copy = Set.copyOf(partitions);
            send(() -> {
                if (pause) {
                    userPaused.addAll(copy);
                } else {
                    userPaused.removeAll(copy);
                }
            });
        }

        @Override
        public void pauseAll(boolean pause) {
            send(() -> allPaused = pause);
        }

        @Override
        public void hold(boolean hold) {
            send(() -> this.hold = hold);
        }

        @Override
        public CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, long generation, boolean sync) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (!send(() -> {
                if (!active) {
                    done.completeExceptionally(new IllegalStateException("task " + task + " no longer consumes"));
                    return;
                }
                if (generation >= 0 && generation != this.generation) {
                    done.completeExceptionally(new IllegalStateException("the group rebalanced since these offsets were taken"));
                    return;
                }
                Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>(offsets);
                mine.keySet().retainAll(owned);
                if (mine.isEmpty()) {
                    done.complete(null);
                } else if (sync) {
                    try {
                        commitSync(mine);
                        done.complete(null);
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                } else {
                    consumer.commitAsync(mine, (o, err) -> {
                        if (err == null) {
                            done.complete(null);
                        } else {
                            done.completeExceptionally(err);
                        }
                    });
                }
            })) {
                done.completeExceptionally(new IllegalStateException("the consumer of task " + task + " is closed"));
            }
            return done;
        }

        @Override
        public CompletableFuture<Void> close() {
            if (closing) {
                return left;
            }
            closing = true;
            if (memberClosed()) {
                closeRequested = true; // the last task: the consumer closes and the member leaves the group at once
                if (threadStarted()) {
                    wakeup();
                } else {
                    finish();
                }
            } else if (!send(() -> leave(this))) {
                left.complete(null);
            }
            return left;
        }
    }
}
