package io.connectreactive.runtime.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.OutputStreamAppender;
import io.connectreactive.e2e.ClassicCollectingSink;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestConnectors;
import io.connectreactive.testing.TestWorker;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** A task's log lines carry its connector and task id (MDC connector.context), on its threads and its context's handlers. */
@ExtendWith(KafkaBroker.class)
class LogContextTest {

    /** Keeps each event's thread, message and MDC as they were when it was logged. */
    static final class Capture extends AppenderBase<ILoggingEvent> {
        record Line(String thread, String message, String context) {
        }

        final List<Line> lines = new CopyOnWriteArrayList<>();

        @Override
        protected void append(ILoggingEvent e) {
            lines.add(new Line(e.getThreadName(), e.getFormattedMessage(), e.getMDCPropertyMap().get(LogContext.KEY)));
        }

        List<Line> containing(String text) {
            return lines.stream().filter(l -> l.message().contains(text)).toList();
        }
    }

    /** A source whose task logs from its poll(), on its own thread. */
    public static class LoggingSource extends TestConnectors.Source {
        @Override
        public Class<? extends Task> taskClass() {
            return LoggingTask.class;
        }
    }

    public static class LoggingTask extends SourceTask {
        private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(LoggingTask.class);
        private String topic;
        private boolean sent;

        @Override
        public String version() {
            return "1";
        }

        @Override
        public void start(Map<String, String> props) {
            topic = props.get("topic");
            LOG.info("logging task starts");
        }

        @Override
        public List<SourceRecord> poll() throws InterruptedException {
            if (sent) {
                Thread.sleep(50); // a classic task's poll may block: it runs on its own thread
                return null;
            }
            sent = true;
            LOG.info("logging task polls");
            return List.of(new SourceRecord(Map.of("p", 1), Map.of("o", 1), topic, null, null, null, Schema.STRING_SCHEMA, "x"));
        }

        @Override
        public void stop() {
        }
    }

    @Test
    void taskLinesCarryConnectorAndTask(KafkaBroker kafka, @TempDir Path dir) {
        String topic = KafkaBroker.uniqueTopic("mdc");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Capture capture = new Capture();
        capture.start();
        root.addAppender(capture);
        try (TestWorker worker = TestWorker.start(kafka, dir, Map.of(
                "value.converter", "org.apache.kafka.connect.storage.StringConverter"))) {
            worker.create("mdc-src", Map.of("connector.class", LoggingSource.class.getName(), "topic", topic));
            worker.create("mdc-sink", Map.of("connector.class", ClassicCollectingSink.class.getName(), "topics", topic));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(capture.containing("logging task polls")).isNotEmpty();
                assertThat(capture.containing("Task mdc-sink-0 assigned")).isNotEmpty();
            });
            // the task's own thread
            assertThat(capture.containing("logging task starts")).singleElement()
                    .satisfies(l -> assertThat(l.thread()).isEqualTo("cr-task-mdc-src-0"))
                    .satisfies(l -> assertThat(l.context()).isEqualTo("[mdc-src|task-0] "));
            assertThat(capture.containing("logging task polls").get(0).context()).isEqualTo("[mdc-src|task-0] ");
            // lifecycle lines, logged on the task's event loop
            assertThat(capture.containing("Task mdc-src-0 started")).singleElement()
                    .satisfies(l -> assertThat(l.thread()).startsWith("vert.x-eventloop-thread-"))
                    .satisfies(l -> assertThat(l.context()).isEqualTo("[mdc-src|task-0] "));
            assertThat(capture.containing("Task mdc-sink-0 assigned").get(0).context()).isEqualTo("[mdc-sink|task-0] ");
            // the connector's thread; and a worker line outside any task carries none
            assertThat(capture.containing("Connector mdc-src created")).allSatisfy(l -> assertThat(l.context()).isNull());
        } finally {
            root.detachAppender(capture);
        }
    }

    @Test
    void jsonFormatIsSwitchedBySystemProperty() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(org.slf4j.MDC.getMDCAdapter());
        context.putProperty("connect.reactive.log.format", "json");
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogContextTest.class.getResource("/logback.xml"));
        OutputStreamAppender<ILoggingEvent> appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger("ROOT").getAppender("json");
        assertThat(appender).as("the root logger writes through the json appender").isNotNull();
        org.slf4j.MDC.put(LogContext.KEY, "[c|task-3] ");
        try {
            Logger logger = context.getLogger("io.connectreactive.Test");
            LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, ch.qos.logback.classic.Level.INFO, "hello {}",
                    null, new Object[] {"json"});
            String line = new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
            assertThat(line).contains("\"formattedMessage\":\"hello json\"").contains("\"connector.context\":\"[c|task-3] \"")
                    .contains("\"level\":\"INFO\"").endsWith("\n");
        } finally {
            org.slf4j.MDC.remove(LogContext.KEY);
            context.stop();
        }
    }
}
