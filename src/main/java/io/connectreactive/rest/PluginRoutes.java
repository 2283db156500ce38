package io.connectreactive.rest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.connectreactive.herder.BadRequestException;
import io.connectreactive.herder.ConfigInfos;
import io.connectreactive.herder.ConnectorValidator;
import io.connectreactive.plugin.PluginDesc;
import io.connectreactive.plugin.PluginRegistry;
import io.connectreactive.plugin.PluginType;
import io.connectreactive.runtime.exec.PluginExecutor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.connect.errors.NotFoundException;

/**
 * {@code /connector-plugins}: Kafka Connect's plugin resource (KIP-769). The list comes from the
 * registry built at worker start; a plugin's config keys and a validation instantiate plugin code,
 * so they run on the worker's plugin threads ({@code cr-plugin-<n>}) and the handlers answer when that completes.
 */
final class PluginRoutes {

    private static final String CONNECTOR_SUFFIX = "Connector";
    /**
     * The order of {@code GET /connector-plugins?connectorsOnly=false}: connectors, then the other
     * kinds. Config providers are listed too (type {@code configprovider}, as Kafka Connect names that kind), which Kafka Connect's
     * listing leaves out: an operator sees every plugin the worker can use.
     */
    private static final List<PluginType> LISTED = List.of(PluginType.SOURCE, PluginType.SINK, PluginType.CONVERTER,
            PluginType.HEADER_CONVERTER, PluginType.TRANSFORMATION, PluginType.PREDICATE, PluginType.CONFIG_PROVIDER);

    /** Kafka's tool connectors: they run when named, but Kafka Connect leaves them out of the listing. */
    private static final Set<String> UNLISTED = Set.of(
            "org.apache.kafka.connect.tools.VerifiableSourceConnector", "org.apache.kafka.connect.tools.VerifiableSinkConnector",
            "org.apache.kafka.connect.tools.MockConnector", "org.apache.kafka.connect.tools.MockSourceConnector",
            "org.apache.kafka.connect.tools.MockSinkConnector", "org.apache.kafka.connect.tools.SchemaSourceConnector");

    private final PluginExecutor pluginCalls;
    private final PluginRegistry plugins;
    private final ConnectorValidator validator;

    PluginRoutes(Vertx vertx, PluginRegistry plugins, ConnectorValidator validator) {
        // the worker's plugin threads: a shared executor of that name is one pool
        this.pluginCalls = new PluginExecutor(vertx);
        this.plugins = plugins;
        this.validator = validator;
    }

    void mount(Router router) {
        router.get("/connector-plugins").handler(this::list);
        router.get("/connector-plugins/:plugin/config").handler(this::config);
        router.put("/connector-plugins/:plugin/config/validate").handler(this::validate);
    }

    /**
     * {@code GET /connector-plugins?connectorsOnly=true|false}: class, type and version (left out
     * when the plugin reports none) of every connector, and with {@code connectorsOnly=false} every
     * converter, header converter, transformation, predicate and config provider too; a class of two kinds is listed
     * once per kind.
     */
    private void list(RoutingContext ctx) {
        boolean connectorsOnly = ctx.queryParam("connectorsOnly").stream().findFirst().map(Boolean::parseBoolean).orElse(true);
        JsonArray out = new JsonArray();
        List<String> seen = new ArrayList<>();
        for (PluginType type : LISTED) {
            if (connectorsOnly && !type.isConnector()) {
                continue;
            }
            plugins.plugins(type).stream()
                    .filter(d -> !UNLISTED.contains(d.className()))
                    .sorted(Comparator.comparing(PluginDesc::className).thenComparing(PluginDesc::version))
                    .forEach(d -> {
                        String key = d.className() + "|" + type + "|" + d.version();
                        if (seen.contains(key)) {
                            return;
                        }
                        seen.add(key);
                        JsonObject p = new JsonObject().put("class", d.className()).put("type", type.restName());
                        if (!PluginDesc.UNDEFINED_VERSION.equals(d.version())) {
                            p.put("version", d.version());
                        }
                        out.add(p);
                    });
        }
        ConnectorRoutes.reply(ctx, 200, Future.succeededFuture(out));
    }

    /**
     * {@code GET /connector-plugins/{plugin}/config[?version=]}: the plugin's config keys (a connector's with
     * the common ones), of the newest version or the one {@code version} names (a version or a range).
     */
    private void config(RoutingContext ctx) {
        String name = ctx.pathParam("plugin");
        String version = ctx.queryParam("version").stream().findFirst().orElse(null);
        // resolving a name may load classes: off the event loop
        ConnectorRoutes.reply(ctx, 200, pluginCalls.call(() -> {
            PluginDesc plugin = plugins.find(name, version).orElseThrow(() -> new NotFoundException("Unknown plugin " + name + "."));
            return validator.pluginConfig(plugin);
        }).map(keys -> {
            JsonArray out = new JsonArray();
            keys.forEach(k -> out.add(keyInfo(k)));
            return out;
        }));
    }

    /**
     * {@code PUT /connector-plugins/{plugin}/config/validate}: Kafka Connect's ConfigInfos, 200 even
     * when the config has errors; 400 when {@code connector.class} is missing or does not match the
     * path, 404 when the path names no connector.
     */
    private void validate(RoutingContext ctx) {
        String name = ctx.pathParam("plugin");
        Map<String, String> config;
        try {
            config = configBody(ctx);
        } catch (RuntimeException e) {
            ErrorMapper.respond(ctx, e);
            return;
        }
        String included = config.get(ConnectorValidator.CONNECTOR_CLASS);
        if (included != null && !normalized(included).endsWith(normalized(name))) {
            ErrorMapper.respond(ctx, new BadRequestException(
                    "Included connector type " + included + " does not match request type " + name));
            return;
        }
        // resolving a name may load classes, validating runs plugin code: off the event loop
        ConnectorRoutes.reply(ctx, 200, pluginCalls.call(() -> {
            try {
                plugins.connectorClass(name);
            } catch (PluginRegistry.PluginNotFoundException e) {
                throw new NotFoundException("Unknown connector plugin " + name + ": " + e.getMessage());
            }
            return validator.validateConfig(config);
        }).map(PluginRoutes::configInfos));
    }

    /** The body as a flat map of strings; numbers and booleans are taken as their text, nulls dropped. */
    private static Map<String, String> configBody(RoutingContext ctx) {
        Object parsed = ctx.body() == null || ctx.body().buffer() == null || ctx.body().length() == 0
                ? null : io.vertx.core.json.Json.decodeValue(ctx.body().buffer());
        if (!(parsed instanceof JsonObject body)) {
            throw new BadRequestException("The request body must be a JSON object of connector configs");
        }
        Map<String, String> config = new HashMap<>();
        for (Map.Entry<String, Object> e : body) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            if (v instanceof JsonObject || v instanceof JsonArray) {
                throw new BadRequestException("Config " + e.getKey() + " must be a string, not " + v);
            }
            config.put(e.getKey(), v.toString());
        }
        return config;
    }

    /** Kafka Connect's alias rule: the name without a trailing "Connector". */
    private static String normalized(String name) {
        String n = name.trim();
        return n.endsWith(CONNECTOR_SUFFIX) && n.length() > CONNECTOR_SUFFIX.length()
                ? n.substring(0, n.length() - CONNECTOR_SUFFIX.length()) : n;
    }

    static JsonObject configInfos(ConfigInfos infos) {
        JsonArray configs = new JsonArray();
        for (ConfigInfos.ConfigInfo c : infos.configs()) {
            ConfigInfos.ConfigValueInfo v = c.value();
            configs.add(new JsonObject()
                    .put("definition", c.definition() == null ? null : keyInfo(c.definition()))
                    .put("value", new JsonObject()
                            .put("name", v.name())
                            .put("value", v.value())
                            .put("recommended_values", new JsonArray(v.recommendedValues()))
                            .put("errors", new JsonArray(v.errors()))
                            .put("visible", v.visible())));
        }
        return new JsonObject()
                .put("name", infos.name())
                .put("error_count", infos.errorCount())
                .put("groups", new JsonArray(infos.groups()))
                .put("configs", configs);
    }

    static JsonObject keyInfo(ConfigInfos.ConfigKeyInfo k) {
        return new JsonObject()
                .put("name", k.name())
                .put("type", k.type())
                .put("required", k.required())
                .put("default_value", k.defaultValue())
                .put("importance", k.importance())
                .put("documentation", k.documentation())
                .put("group", k.group())
                .put("order_in_group", k.orderInGroup())
                .put("width", k.width())
                .put("display_name", k.displayName())
                .put("dependents", new JsonArray(k.dependents()));
    }
}
