package dev.errand.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One JSON object of a request, read strictly: unknown fields, missing required fields and wrong
 * types are refused with a 400 naming the field by its path ({@code jobs[2].priority}).
 */
final class Body {
  static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private final ObjectNode node;
  private final String prefix;

  private Body(ObjectNode node, String prefix, Set<String> allowed) {
    this.node = node;
    this.prefix = prefix;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(
            prefix + name,
            "unknown field '"
                + prefix
                + name
                + "'; allowed: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** The request body as an object with only {@code allowed} fields. */
  static Body parse(byte[] bytes, Set<String> allowed) {
    return of(read(bytes), "", "the request body", allowed);
  }

  /** The request body's one JSON value. */
  static JsonNode read(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiError.badRequest(null, "the request body is empty; send a JSON object");
    }
    JsonNode root;
    try (JsonParser parser = MAPPER.createParser(bytes)) {
      root = MAPPER.readTree(parser);
      if (parser.nextToken() != null) {
        throw ApiError.badRequest(null, "malformed JSON: more data after the first JSON value");
      }
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw ApiError.badRequest(null, "malformed JSON: " + e.getOriginalMessage() + where);
    } catch (IOException e) {
      throw ApiError.badRequest(null, "malformed JSON: " + e.getMessage());
    }
    return root;
  }

  /** {@code node} as an object named {@code path}, with only {@code allowed} fields. */
  static Body of(JsonNode node, String prefix, String what, Set<String> allowed) {
    if (!(node instanceof ObjectNode object)) {
      throw ApiError.badRequest(
          prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1),
          what + " must be a JSON object, was " + describe(node));
    }
    return new Body(object, prefix, allowed);
  }

  boolean has(String name) {
    return node.has(name) && !node.get(name).isNull();
  }

  String path(String name) {
    return prefix + name;
  }

  JsonNode required(String name) {
    if (!has(name)) {
      throw ApiError.badRequest(path(name), path(name) + " is required");
    }
    return node.get(name);
  }

  JsonNode get(String name) {
    return has(name) ? node.get(name) : null;
  }

  String requiredString(String name) {
    JsonNode value = required(name);
    if (!value.isTextual()) {
      throw wrongType(name, "a string", value);
    }
    return value.textValue();
  }

  Optional<String> string(String name) {
    return has(name) ? Optional.of(requiredString(name)) : Optional.empty();
  }

  long requiredLong(String name, long min, long max) {
    JsonNode value = required(name);
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw wrongType(name, "an integer", value);
    }
    long v = value.longValue();
    if (v < min || v > max) {
      throw ApiError.badRequest(
          path(name), path(name) + " must be between " + min + " and " + max + ", was " + v);
    }
    return v;
  }

  Optional<Boolean> bool(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode value = node.get(name);
    if (!value.isBoolean()) {
      throw wrongType(name, "a boolean", value);
    }
    return Optional.of(value.booleanValue());
  }

  Optional<Long> integer(String name, long min, long max) {
    return has(name) ? Optional.of(requiredLong(name, min, max)) : Optional.empty();
  }

  List<JsonNode> array(String name) {
    JsonNode value = required(name);
    if (!value.isArray()) {
      throw wrongType(name, "an array", value);
    }
    List<JsonNode> items = new ArrayList<>();
    value.forEach(items::add);
    return items;
  }

  Optional<List<String>> strings(String name, int max) {
    if (!has(name)) {
      return Optional.empty();
    }
    List<JsonNode> items = array(name);
    if (items.size() > max) {
      throw ApiError.badRequest(
          path(name), path(name) + " must hold at most " + max + " items, had " + items.size());
    }
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      if (!item.isTextual()) {
        String at = path(name) + "[" + i + "]";
        throw ApiError.badRequest(at, at + " must be a string, was " + describe(item));
      }
      strings.add(item.textValue());
    }
    return Optional.of(strings);
  }

  Optional<List<Long>> longs(String name, int max, long min, long maxValue) {
    if (!has(name)) {
      return Optional.empty();
    }
    List<JsonNode> items = array(name);
    if (items.size() > max) {
      throw ApiError.badRequest(
          path(name), path(name) + " must hold at most " + max + " items, had " + items.size());
    }
    List<Long> longs = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = items.get(i);
      String at = path(name) + "[" + i + "]";
      if (!item.isIntegralNumber() || !item.canConvertToLong()) {
        throw ApiError.badRequest(at, at + " must be an integer, was " + describe(item));
      }
      long v = item.longValue();
      if (v < min || v > maxValue) {
        throw ApiError.badRequest(
            at, at + " must be between " + min + " and " + maxValue + ", was " + v);
      }
      longs.add(v);
    }
    return Optional.of(longs);
  }

  Optional<Map<String, String>> stringMap(String name) {
    if (!has(name)) {
      return Optional.empty();
    }
    JsonNode value = node.get(name);
    if (!value.isObject()) {
      throw wrongType(name, "an object of strings", value);
    }
    Map<String, String> map = new LinkedHashMap<>();
    var fields = value.fields();
    while (fields.hasNext()) {
      var entry = fields.next();
      if (!entry.getValue().isTextual()) {
        String at = path(name) + "." + entry.getKey();
        throw ApiError.badRequest(at, at + " must be a string, was " + describe(entry.getValue()));
      }
      map.put(entry.getKey(), entry.getValue().textValue());
    }
    return Optional.of(map);
  }

  private ApiError wrongType(String name, String expected, JsonNode value) {
    return ApiError.badRequest(
        path(name), path(name) + " must be " + expected + ", was " + describe(value));
  }

  static String describe(JsonNode value) {
    if (value == null || value.isMissingNode()) {
      return "missing";
    }
    return switch (value.getNodeType()) {
      case STRING -> "a string";
      case NUMBER ->
          !value.isIntegralNumber()
              ? "a decimal number"
              : value.canConvertToLong() ? "an integer" : "an integer out of range";
      case BOOLEAN -> "a boolean";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case NULL -> "null";
      default -> value.getNodeType().name().toLowerCase();
    };
  }
}
