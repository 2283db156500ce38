package io.connectreactive.rest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.connectreactive.herder.BadRequestException;
import io.connectreactive.herder.ConnectorStateInfo;
import io.connectreactive.herder.Herder;
import io.connectreactive.model.TaskId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Kafka Connect's JSON shapes for the herder's results (field names exactly as Kafka Connect's). */
final class Json {

    private Json() {
    }

    static JsonObject taskId(TaskId id) {
        return new JsonObject().put("connector", id.connector()).put("task", id.task());
    }

    static JsonObject connectorInfo(Herder.ConnectorInfo info) {
        JsonArray tasks = new JsonArray();
        info.tasks().forEach(t -> tasks.add(taskId(t)));
        return new JsonObject()
                .put("name", info.name())
                .put("config", config(info.config()))
                .put("tasks", tasks)
                .put("type", info.type());
    }

    static JsonObject config(Map<String, String> config) {
        JsonObject out = new JsonObject();
        config.forEach(out::put);
        return out;
    }

    static JsonObject status(ConnectorStateInfo s) {
        JsonObject connector = new JsonObject().put("state", s.connector().state()).put("worker_id", s.connector().workerId());
        if (s.connector().trace() != null && !s.connector().trace().isEmpty()) {
            connector.put("trace", s.connector().trace());
        }
        if (s.connector().version() != null) {
            connector.put("version", s.connector().version());
        }
        JsonArray tasks = new JsonArray();
        s.tasks().forEach(t -> tasks.add(taskState(t)));
        return new JsonObject().put("name", s.name()).put("connector", connector).put("tasks", tasks).put("type", s.type());
    }

    static JsonObject taskState(ConnectorStateInfo.TaskState t) {
        JsonObject task = new JsonObject().put("id", t.id()).put("state", t.state()).put("worker_id", t.workerId());
        if (t.trace() != null && !t.trace().isEmpty()) {
            task.put("trace", t.trace());
        }
        if (t.version() != null) {
            task.put("version", t.version());
        }
        return task;
    }

    /** {@code {"offsets": [{"partition": {...}, "offset": {...}}]}}: Kafka Connect's ConnectorOffsets. */
    static JsonObject offsets(List<Herder.ConnectorOffset> offsets) {
        JsonArray out = new JsonArray();
        offsets.forEach(o -> out.add(new JsonObject()
                .put("partition", o.partition() == null ? null : new JsonObject(new LinkedHashMap<>(o.partition())))
                .put("offset", o.offset() == null ? null : new JsonObject(new LinkedHashMap<>(o.offset())))));
        return new JsonObject().put("offsets", out);
    }

    /**
     * The body of {@code PATCH /connectors/{name}/offsets} as partition → offset (a null offset
     * resets its partition). A missing or empty list is Kafka Connect's 400; a body of the wrong shape
     * is a 400 too (Kafka Connect's Jackson answers 500).
     */
    static Map<Map<String, ?>, Map<String, ?>> parseOffsets(JsonObject body) {
        Object list = body.getValue("offsets");
        if (list == null || list instanceof JsonArray a && a.isEmpty()) {
            throw new BadRequestException("Partitions / offsets need to be provided for an alter offsets request");
        }
        if (!(list instanceof JsonArray array)) {
            throw new BadRequestException("\"offsets\" must be a JSON array of {\"partition\": {...}, \"offset\": {...}} objects");
        }
        Map<Map<String, ?>, Map<String, ?>> out = new LinkedHashMap<>();
        for (Object entry : array) {
            if (!(entry instanceof JsonObject o)) {
                throw new BadRequestException("Each element of \"offsets\" must be a JSON object with \"partition\" and \"offset\", not " + entry);
            }
            out.put(objectOrNull(o, "partition"), objectOrNull(o, "offset"));
        }
        return out;
    }

    private static Map<String, Object> objectOrNull(JsonObject o, String field) {
        Object v = o.getValue(field);
        if (v == null) {
            return null;
        }
        if (!(v instanceof JsonObject obj)) {
            throw new BadRequestException("\"" + field + "\" must be a JSON object or null, not " + v);
        }
        // plain maps and lists all the way down (JsonObject's own map may hold JsonObjects), as Jackson gives Kafka Connect
        @SuppressWarnings("unchecked")
        Map<String, Object> plain = io.vertx.core.json.Json.decodeValue(obj.encode(), Map.class);
        return plain;
    }

    /** Kafka Connect's Message entity: {@code {"message": "..."}}. */
    static JsonObject message(String message) {
        return new JsonObject().put("message", message);
    }

    /** {@code {"<connector>": {"topics": [...]}}}: Kafka Connect's ActiveTopicsInfo keyed by connector. */
    static JsonObject activeTopics(String connector, List<String> topics) {
        return new JsonObject().put(connector, new JsonObject().put("topics", new JsonArray(topics)));
    }

    static JsonArray tasks(List<Herder.TaskInfo> tasks) {
        JsonArray out = new JsonArray();
        tasks.forEach(t -> out.add(new JsonObject().put("id", taskId(t.id())).put("config", config(t.config()))));
        return out;
    }
}
