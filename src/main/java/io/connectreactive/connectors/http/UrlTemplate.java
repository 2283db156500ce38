package io.connectreactive.connectors.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * {@code http.url} parsed once: literal text and the placeholders {@code ${topic}},
 * {@code ${key}} and {@code ${partition}}, each replaced per record by the record's topic, key
 * (a {@code String} as is, bytes as UTF-8, anything else {@code String.valueOf}; a null key is
 * empty) and partition, URL-encoded ({@code %20} for a space). An immutable value: any thread.
 */
final class UrlTemplate {

    private enum Part { TOPIC, KEY, PARTITION }

    /** Literal strings and {@link Part}s, in order. */
    private final List<Object> parts;
    private final String template;

    private UrlTemplate(String template, List<Object> parts) {
        this.template = template;
        this.parts = parts;
    }

    /**
     * Parses and checks a template: known placeholders only, and, with them replaced by sample
     * values, an absolute http or https URL with a host and without user information.
     *
     * @throws ConfigException naming {@code key} when it is not such a URL
     */
    static UrlTemplate parse(String key, String template) {
        if (template == null || template.isBlank()) {
            throw new ConfigException(key, template, "must be an http:// or https:// URL");
        }
        List<Object> parts = new ArrayList<>();
        int i = 0;
        while (i < template.length()) {
            int start = template.indexOf("${", i);
            if (start < 0) {
                parts.add(template.substring(i));
                break;
            }
            if (start > i) {
                parts.add(template.substring(i, start));
            }
            int end = template.indexOf('}', start);
            if (end < 0) {
                throw new ConfigException(key, template, "has an unterminated placeholder at position " + start);
            }
            String name = template.substring(start + 2, end);
            parts.add(switch (name) {
                case "topic" -> Part.TOPIC;
                case "key" -> Part.KEY;
                case "partition" -> Part.PARTITION;
                default -> throw new ConfigException(key, template,
                        "has an unknown placeholder ${" + name + "}: only ${topic}, ${key} and ${partition} are replaced");
            });
            i = end + 1;
        }
        UrlTemplate t = new UrlTemplate(template, List.copyOf(parts));
        String sample = t.render("topic", 0, "key");
        URI uri;
        try {
            uri = new URI(sample);
        } catch (URISyntaxException e) {
            throw new ConfigException(key, template, "is not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new ConfigException(key, template, "must be an http:// or https:// URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ConfigException(key, template, "has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new ConfigException(key, redact(template),
                    "must not carry credentials: set http.auth.type, http.auth.username and http.auth.password");
        }
        return t;
    }

    /** A validator for {@link ConfigDef}: {@link #parse} must succeed. */
    static ConfigDef.Validator validator() {
        return new ConfigDef.Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                parse(name, (String) value);
            }

            @Override
            public String toString() {
                return "an http:// or https:// URL; ${topic}, ${key} and ${partition} are replaced per record";
            }
        };
    }

    /** True when the URL depends on the record's key: records of one partition may then need several URLs. */
    boolean usesKey() {
        return parts.contains(Part.KEY);
    }

    /** The URL for one record. */
    String render(SinkRecord record) {
        return render(record.topic(), record.kafkaPartition() == null ? -1 : record.kafkaPartition(), keyText(record.key()));
    }

    private String render(String topic, int partition, String key) {
        StringBuilder b = new StringBuilder(template.length() + 32);
        for (Object p : parts) {
            if (p instanceof String s) {
                b.append(s);
            } else {
                b.append(encode(switch ((Part) p) {
                    case TOPIC -> topic;
                    case KEY -> key;
                    case PARTITION -> String.valueOf(partition);
                }));
            }
        }
        return b.toString();
    }

    private static String keyText(Object key) {
        if (key == null) {
            return "";
        }
        if (key instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        if (key instanceof ByteBuffer buffer) {
            return StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
        }
        return String.valueOf(key);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** The URL for messages: no user information, no query string (either may carry secrets). */
    static String redact(String url) {
        try {
            URI uri = new URI(url);
            String query = uri.getRawQuery() == null ? "" : "?...";
            return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), null, null, null) + (uri.getRawPath() == null ? "" : uri.getRawPath()) + query;
        } catch (URISyntaxException | RuntimeException e) {
            int q = url.indexOf('?');
            String noQuery = q < 0 ? url : url.substring(0, q) + "?...";
            return noQuery.replaceFirst("//[^/@]*@", "//");
        }
    }

    @Override
    public String toString() {
        return redact(template);
    }
}
