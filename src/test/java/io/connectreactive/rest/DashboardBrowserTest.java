package io.connectreactive.rest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.connectreactive.config.WorkerConfig;
import io.connectreactive.testing.Chromium;
import io.connectreactive.testing.KafkaBroker;
import io.connectreactive.testing.TestWorker;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web dashboard at {@code /ui/} in a real headless Chromium against a real worker and broker:
 * what a user sees and does, from the connector form to the delete button.
 */
@ExtendWith(KafkaBroker.class)
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void createsAFileSourceThroughTheFormThenWatchesPausesResumesAndDeletesIt(KafkaBroker kafka, @TempDir Path dir)
            throws Exception {
        String topic = KafkaBroker.uniqueTopic("dashboard");
        Path file = dir.resolve("lines.txt");
        Files.createFile(file);
        ScheduledExecutorService appender = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger line = new AtomicInteger();
        appender.scheduleAtFixedRate(() -> append(file, line, 20), 0, 50, TimeUnit.MILLISECONDS);
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of());
             Chromium chromium = Chromium.start(dir, 1400, 900)) {
            WebDriver page = chromium.driver();
            WebDriverWait wait = chromium.waiting(WAIT);
            page.get(worker.url("/ui"));
            wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));

            fillTheCreateForm(page, wait, Map.of("name", "lines", "file", file.toString(), "topic", topic));
            page.findElement(By.id("create-submit")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("create")));

            By row = By.cssSelector("tr[data-connector='lines']");
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='lines'] td.state"), "RUNNING"));
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='lines'] td.tasks"), "1/1 running"));
            WebElement created = page.findElement(row);
            assertThat(created.findElement(By.cssSelector("td.type")).getText()).isEqualTo("source");
            assertThat(created.findElement(By.cssSelector("td.class")).getText()).isEqualTo("FileStreamSourceConnector");
            String workerId = worker.status("lines").getJsonArray("tasks").getJsonObject(0).getString("worker_id");
            assertThat(created.findElement(By.cssSelector("td.worker")).getText()).isEqualTo(workerId);
            assertThat(page.findElement(By.cssSelector("#workers li")).getText()).contains(workerId, "lines/0");

            // the lines being appended move the throughput above zero, records in to Kafka
            wait.until(d -> rate(d.findElement(By.cssSelector("tr[data-connector='lines'] .rate")).getText()) > 0);
            assertThat(page.findElement(By.cssSelector("tr[data-connector='lines'] .dir")).getText()).isEqualTo("in");
            assertThat(rate(page.findElement(By.id("stat-rate")).getText())).isPositive();
            wait.until(ExpectedConditions.textToBe(By.id("stat-running"), "1"));

            // the new connector's detail view opened by itself; closed, a click on its row opens it again
            wait.until(ExpectedConditions.textToBe(By.id("detail-name"), "lines"));
            page.findElement(By.id("detail-close")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("detail")));
            chromium.screenshot(Path.of("target", "dashboard.png"));
            // the detail view: config, committed offsets, task states
            page.findElement(row).click();
            wait.until(ExpectedConditions.textToBe(By.id("detail-name"), "lines"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("detail-config"), "topic " + topic));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("detail-offsets"), file.toString()));
            assertThat(page.findElement(By.id("detail-offsets")).getText()).contains("position");
            assertThat(page.findElement(By.id("detail-tasks")).getText()).isEqualTo("0 RUNNING " + workerId);
            chromium.screenshot(Path.of("target", "dashboard-detail.png"));

            action(page, "pause");
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='lines'] td.state"), "PAUSED"));
            wait.until(ExpectedConditions.textToBe(By.id("detail-state"), "PAUSED"));
            wait.until(ExpectedConditions.textToBe(By.id("detail-tasks"), "0 PAUSED " + workerId));
            assertThat(worker.status("lines").getJsonObject("connector").getString("state")).isEqualTo("PAUSED");
            assertThat(page.findElement(By.cssSelector("#detail [data-action='pause']")).isEnabled()).isFalse();

            action(page, "resume");
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='lines'] td.state"), "RUNNING"));
            wait.until(ExpectedConditions.textToBe(By.id("detail-tasks"), "0 RUNNING " + workerId));

            // delete asks first: cancelling keeps the connector
            action(page, "delete");
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("confirm")));
            assertThat(page.findElement(By.id("confirm-text")).getText()).contains("lines");
            page.findElement(By.cssSelector("#confirm button[value='cancel']")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm")));
            assertThat(new JsonArray(worker.get("/connectors").body())).containsExactly("lines");

            action(page, "delete");
            wait.until(ExpectedConditions.elementToBeClickable(By.id("confirm-ok"))).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("detail")));
            wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("empty")));
            assertThat(new JsonArray(worker.get("/connectors").body())).isEmpty();
        } finally {
            appender.shutdownNow();
        }
    }

    @Test
    void showsTheValidationErrorNextToTheFieldAndCreatesNothingUntilItIsFixed(KafkaBroker kafka, @TempDir Path dir) {
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), Map.of());
             Chromium chromium = Chromium.start(dir, 1400, 900)) {
            WebDriver page = chromium.driver();
            WebDriverWait wait = chromium.waiting(WAIT);
            page.get(worker.url("/ui/"));
            wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));

            fillTheCreateForm(page, wait, Map.of("name", "no-topic", "file", dir.resolve("in.txt").toString()));
            page.findElement(By.id("create-submit")).click();

            By topicError = By.cssSelector("#create [data-field='topic'] .error");
            wait.until(ExpectedConditions.textToBePresentInElementLocated(topicError,
                    "Missing required configuration \"topic\" which has no default value."));
            assertThat(page.findElement(By.cssSelector("#create [data-field='topic']")).getAttribute("class")).contains("invalid");
            assertThat(page.findElement(By.cssSelector("#create [data-field='name'] .error")).getText()).isEmpty();
            assertThat(page.findElement(By.cssSelector("#create [data-field='file'] .error")).getText()).isEmpty();
            assertThat(page.findElement(By.id("create")).isDisplayed()).isTrue();
            assertThat(new JsonArray(worker.get("/connectors").body())).isEmpty();
            chromium.screenshot(Path.of("target", "dashboard-validation.png"));

            page.findElement(By.cssSelector("#create [data-field='topic'] input")).sendKeys(KafkaBroker.uniqueTopic("fixed"));
            page.findElement(By.id("create-submit")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("create")));
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='no-topic'] td.state"), "RUNNING"));
            assertThat(new JsonArray(worker.get("/connectors").body())).containsExactly("no-topic");
        }
    }

    @Test
    void worksOverHttpsBehindBasicAuthenticationAndInANarrowWindow(KafkaBroker kafka, @TempDir Path dir) throws Exception {
        Path credentials = dir.resolve("credentials.properties");
        Files.writeString(credentials, "alice: secret-a\n");
        Path jaas = dir.resolve("connect.jaas");
        Files.writeString(jaas, "KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
                + "  file=\"" + credentials + "\";\n};\n");
        Path keyStore = dir.resolve("rest.p12");
        keytool("-genkeypair", "-alias", "rest", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=rest",
                "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "store-pass");
        Map<String, String> props = Map.of(
                WorkerConfig.LISTENERS, "https://127.0.0.1:0, http://127.0.0.1:0",
                "listeners.https.ssl.keystore.location", keyStore.toString(),
                "listeners.https.ssl.keystore.password", "store-pass",
                "listeners.https.ssl.keystore.type", "PKCS12",
                WorkerConfig.REST_EXTENSION_CLASSES, WorkerConfig.BASIC_AUTH_EXTENSION,
                WorkerConfig.REST_BASIC_AUTH_JAAS_FILE, jaas.toString());
        try (TestWorker worker = TestWorker.start(kafka, dir.resolve("worker"), props);
             Chromium chromium = Chromium.start(dir, 480, 900)) {
            int https = worker.worker().restPort();
            int http = worker.worker().restPort(new WorkerConfig.Listener("http", "127.0.0.1", 0));
            assertThat(status("http://127.0.0.1:" + http + "/ui/")).isEqualTo(401);
            assertThat(status("http://127.0.0.1:" + http + "/ui/events")).isEqualTo(401);
            WebDriver page = chromium.driver();
            WebDriverWait wait = chromium.waiting(WAIT);
            page.get("https://alice:secret-a@127.0.0.1:" + https + "/ui/");
            wait.until(ExpectedConditions.textToBe(By.id("live"), "live"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("cluster"), "cluster"));

            fillTheCreateForm(page, wait, Map.of("name", "guarded", "file", dir.resolve("in.txt").toString(),
                    "topic", KafkaBroker.uniqueTopic("guarded")));
            page.findElement(By.id("create-submit")).click();
            wait.until(ExpectedConditions.textToBe(By.cssSelector("tr[data-connector='guarded'] td.state"), "RUNNING"));

            // narrow: the detail view takes the whole window; closed, one card per connector, nothing wider than the window
            wait.until(ExpectedConditions.textToBe(By.id("detail-name"), "guarded"));
            assertThat(page.findElement(By.id("detail")).getSize().getWidth())
                    .isEqualTo(page.findElement(By.tagName("body")).getSize().getWidth());
            page.findElement(By.id("detail-close")).click();
            wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("detail")));
            assertThat(page.findElement(By.cssSelector("#connectors thead")).isDisplayed()).isFalse();
            Object overflow = ((org.openqa.selenium.JavascriptExecutor) page).executeScript(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
            assertThat(((Number) overflow).intValue()).as("horizontal overflow in px").isLessThanOrEqualTo(0);
            assertThat(page.findElement(By.cssSelector("tr[data-connector='guarded'] td.rate-cell")).getText()).matches("[0-9.kM]+\\s?in");
            chromium.screenshot(Path.of("target", "dashboard-narrow.png"));
        }
    }

    private static int status(String url) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    /** Opens "New connector", picks FileStreamSourceConnector and types {@code values} into their fields. */
    private static void fillTheCreateForm(WebDriver page, WebDriverWait wait, Map<String, String> values) {
        page.findElement(By.id("new-connector")).click();
        By option = By.xpath("//select[@id='create-plugin']/option[starts-with(., 'FileStreamSourceConnector')]");
        wait.until(ExpectedConditions.elementToBeClickable(option)).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#create [data-field='topic'] input")));
        values.forEach((key, value) ->
                page.findElement(By.cssSelector("#create [data-field='" + key + "'] input")).sendKeys(value));
    }

    private static void action(WebDriver page, String action) {
        new WebDriverWait(page, WAIT).until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#detail [data-action='" + action + "']"))).click();
    }

    /** The number a rate cell shows ("0", "8.5", "412", "1.2k", "35k"); 0 for "–". */
    private static double rate(String shown) {
        String s = shown.trim();
        if (s.isEmpty() || s.equals("–")) {
            return 0;
        }
        double factor = s.endsWith("k") ? 1e3 : s.endsWith("M") ? 1e6 : 1;
        return Double.parseDouble(factor == 1 ? s : s.substring(0, s.length() - 1)) * factor;
    }

    private static void append(Path file, AtomicInteger line, int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append("line ").append(line.incrementAndGet()).append('\n');
        }
        try {
            Files.writeString(file, sb, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
