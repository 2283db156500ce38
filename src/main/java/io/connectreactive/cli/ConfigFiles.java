package io.connectreactive.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads worker and connector configuration files: Java properties, or JSON for connectors. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static Map<String, String> properties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).trim()));
        return out;
    }

    /**
     * A connector file: properties, or JSON either as {@code {"name":..., "config":{...}}} (the REST
     * body) or as a flat map, as {@code connect-standalone} accepts.
     */
    static Map<String, String> connector(Path file) throws IOException {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return properties(file);
        }
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException("Connector file " + file + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw new IOException("Connector file " + file + " must hold a JSON object");
        }
        Map<String, String> out = new HashMap<>();
        JsonNode config = root.has("config") && root.get("config").isObject() ? root.get("config") : root;
        config.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
        if (config != root && root.hasNonNull("name")) {
            out.putIfAbsent("name", root.get("name").asText());
        }
        return out;
    }

    /** Jackson's mapper, built on the first JSON connector file only: it costs about 80 ms of a start without one. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
