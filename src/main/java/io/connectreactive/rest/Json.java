package io.connectreactive.rest;

import java.util.List;
import java.util.Map;

import io.connectreactive.herder.ConnectorStateInfo;
import io.connectreactive.herder.Herder;
import io.connectreactive.runtime.TaskId;
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
        if (s.connector().trace() != null) {
            connector.put("trace", s.connector().trace());
        }
        JsonArray tasks = new JsonArray();
        s.tasks().forEach(t -> tasks.add(taskState(t)));
        return new JsonObject().put("name", s.name()).put("connector", connector).put("tasks", tasks).put("type", s.type());
    }

    static JsonObject taskState(ConnectorStateInfo.TaskState t) {
        JsonObject task = new JsonObject().put("id", t.id()).put("state", t.state()).put("worker_id", t.workerId());
        if (t.trace() != null) {
            task.put("trace", t.trace());
        }
        return task;
    }

    static JsonArray tasks(List<Herder.TaskInfo> tasks) {
        JsonArray out = new JsonArray();
        tasks.forEach(t -> out.add(new JsonObject().put("id", taskId(t.id())).put("config", config(t.config()))));
        return out;
    }
}
