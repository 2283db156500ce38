package io.connectreactive.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import io.connectreactive.model.TaskId;
import io.connectreactive.testing.BlockedEventLoops;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Membership} against two in-process Hazelcast members: what it sends to the other members is
 * handed to Hazelcast on its own worker thread, never on the event loop of the caller (the herder's
 * periodic fencing check pings from one). A ping's request is serialized on the thread that calls
 * Hazelcast, so a serializer registered for it records that thread.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MembershipTest {

    /** The threads the ping requests were serialized on. */
    private static final List<Thread> SERIALIZED_ON = new CopyOnWriteArrayList<>();

    private Vertx vertx;
    private BlockedEventLoops blocked;
    private HazelcastInstance a;
    private HazelcastInstance b;
    private Membership membershipA;
    private Membership membershipB;

    @BeforeAll
    void startTwoMembers() throws IOException {
        vertx = Vertx.vertx(BlockedEventLoops.options());
        blocked = BlockedEventLoops.watch(vertx);
        String group = "cr-membership-" + System.nanoTime();
        int portA = freePort();
        int portB = freePort();
        a = Hazelcast.newHazelcastInstance(config(group, portA, portA, portB));
        b = Hazelcast.newHazelcastInstance(config(group, portB, portA, portB));
        await().atMost(Duration.ofSeconds(60)).until(() -> a.getCluster().getMembers().size() == 2);
        membershipA = new Membership(vertx, a, group);
        membershipB = new Membership(vertx, b, group);
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.shutdown();
        }
        if (a != null) {
            a.shutdown();
        }
        if (vertx != null) {
            vertx.close().await();
        }
    }

    @Test
    void pingsTheOtherMemberOffTheCallersEventLoop() {
        AtomicInteger answers = new AtomicInteger();
        Context loop = vertx.getOrCreateContext();
        Promise<Thread> completedOn = Promise.promise();
        SERIALIZED_ON.clear();
        loop.runOnContext(v -> membershipA.ping(membershipB.self(), answers::incrementAndGet)
                .onComplete(ar -> completedOn.complete(Thread.currentThread())));

        await().atMost(Duration.ofSeconds(30)).until(() -> answers.get() == 1);
        assertThat(SERIALIZED_ON).isNotEmpty().allSatisfy(t -> {
            assertThat(t.getName()).as("thread the ping was handed to Hazelcast on").doesNotStartWith("vert.x-eventloop");
            assertThat(t.getName()).startsWith(Membership.CALLS);
        });
        assertThat(completedOn.future().await().getName()).as("the ping's future completes on the caller's context")
                .startsWith("vert.x-eventloop");
        assertThat(blocked.events()).as("blocked event-loop threads").isEmpty();
    }

    @Test
    void publishesFromAnEventLoopInOrder() {
        Context loop = vertx.getOrCreateContext();
        Promise<Void> published = Promise.promise();
        loop.runOnContext(v -> Future.all(
                        membershipA.publish(assignment(7)),
                        membershipA.publish(assignment(8)))
                .<Void>mapEmpty().onComplete(published));
        published.future().await();
        assertThat(membershipB.assignment().generation()).as("the last published is the one kept").isEqualTo(8);
        assertThat(blocked.events()).as("blocked event-loop threads").isEmpty();
    }

    private static Assignment assignment(long generation) {
        return new Assignment(generation, "leader", Map.of("c", "m"), Map.of(new TaskId("c", 0), "m"), List.of("w"));
    }

    private static Config config(String group, int port, int portA, int portB) {
        Config hz = new Config();
        hz.setClusterName(group);
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        hz.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        JoinConfig join = hz.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB));
        hz.getSerializationConfig().addSerializerConfig(new SerializerConfig().setTypeClass(Membership.Ping.class)
                .setImplementation(new RecordingPingSerializer()));
        return hz;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Writes a ping as nothing, and records the thread that serializes it: the one that called Hazelcast. */
    private static final class RecordingPingSerializer implements StreamSerializer<Membership.Ping> {
        @Override
        public void write(ObjectDataOutput out, Membership.Ping ping) {
            SERIALIZED_ON.add(Thread.currentThread());
        }

        @Override
        public Membership.Ping read(ObjectDataInput in) {
            return new Membership.Ping();
        }

        @Override
        public int getTypeId() {
            return 7_001;
        }
    }
}
