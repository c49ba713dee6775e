package dev.errand.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One JSON object of a request, read strictly: unknown fields, missing required fields and wrong
 * types are refused with a 400 naming the field by its path ({@code jobs[2].priority}). The job
 * that {@code errand enqueue}'s flags describe is read as one too ({@link #flags}), its fields
 * named as the flags are.
 */
final class Body {
  /**
   * Numbers are read as {@code BigDecimal}, kept as written ({@code 0.10} stays {@code 0.10}): what
   * a client enqueues is what a worker receives, not a {@code double}'s approximation of it.
   */
  // withExactBigDecimals is deprecated for JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, whose
  // interplay with USE_BIG_DECIMAL_FOR_FLOATS differs across 2.x releases; kept until a test pins
  // the replacement down.
  @SuppressWarnings("deprecation")
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();

  /**
   * The largest decimal exponent of a number in a body (1e1000, 1e-1000): beyond it a number could
   * not be kept exactly by every store and every worker's JSON library.
   */
  static final int MAX_DECIMAL_EXPONENT = 1000;

  private final ObjectNode node;
  private final String prefix;
  private final Spelling spelling;

  /**
   * How the user wrote the fields: as the API's JSON, each named by its path ({@code
   * unique.period}), or as flags of the command line ({@code --unique-period}), where durations may
   * also be short ({@code 5m}, see {@link Durations}).
   *
   * @param names the name the user wrote for each path that has another
   * @param shortDurations whether durations may be short as well as ISO-8601
   */
  record Spelling(Map<String, String> names, boolean shortDurations) {
    static final Spelling JSON = new Spelling(Map.of(), false);

    String name(String path) {
      return names.getOrDefault(path, path);
    }
  }

  private Body(ObjectNode node, String prefix, Set<String> allowed, Spelling spelling) {
    this.node = node;
    this.prefix = prefix;
    this.spelling = spelling;
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw ApiError.badRequest(
            path(name),
            "unknown field '"
                + path(name)
                + "'; allowed: "
                + String.join(", ", new TreeSet<>(allowed)));
      }
    }
  }

  /** The request body as an object with only {@code allowed} fields. */
  static Body parse(byte[] bytes, Set<String> allowed) {
    return of(read(bytes), "", "the request body", allowed);
  }

  /**
   * The request body's one JSON value, refused when it is not valid UTF-8 or holds text or numbers
   * that no store keeps as given (see {@link #checkValues}).
   */
  static JsonNode read(byte[] bytes) {
    if (bytes.length == 0) {
      throw ApiError.badRequest(null, "the request body is empty; send a JSON object");
    }
    checkUtf8(bytes);
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
    checkValues(root, "");
    return root;
  }

  /**
   * Refuses bytes that are not UTF-8 (RFC 8259 §8.1) before Jackson reads them: its parser lets
   * some through (an encoded surrogate such as ED A0 80), and they would be stored as '?'.
   */
  private static void checkUtf8(byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(8192);
    CoderResult result;
    do {
      out.clear();
      result = decoder.decode(in, out, true);
    } while (result.isOverflow());
    if (result.isError()) {
      throw ApiError.badRequest(
          null,
          "the request body is not valid UTF-8: invalid byte sequence at byte " + in.position());
    }
  }

  /**
   * Refuses, naming the field by its path, what a store would change or reject: a NUL character
   * (PostgreSQL's text cannot hold one), an unpaired surrogate ({@code "\ud800"}, stored as '?'),
   * and a number beyond {@link #MAX_DECIMAL_EXPONENT}.
   */
  private static void checkValues(JsonNode node, String path) {
    String field = path.isEmpty() ? null : path;
    String what = path.isEmpty() ? "the request body" : path;
    if (node.isTextual()) {
      checkText(field, what, node.textValue());
    } else if (node.isBigDecimal()) {
      BigDecimal value = node.decimalValue();
      int exponent = value.precision() - value.scale() - 1;
      if (Math.abs(exponent) > MAX_DECIMAL_EXPONENT) {
        throw ApiError.badRequest(
            field,
            what
                + " is a number whose decimal exponent is "
                + exponent
                + "; numbers are kept exactly between 1e-"
                + MAX_DECIMAL_EXPONENT
                + " and 1e"
                + MAX_DECIMAL_EXPONENT
                + " in magnitude");
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        checkValues(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isObject()) {
      for (var entry : node.properties()) {
        // A bad name is reported at its object: a path holding the bad character helps no one.
        checkText(field, "a field name in " + what, entry.getKey());
        checkValues(
            entry.getValue(), path.isEmpty() ? entry.getKey() : path + "." + entry.getKey());
      }
    }
  }

  private static void checkText(String field, String what, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        throw ApiError.badRequest(
            field, what + " contains a NUL character (U+0000), which no store keeps");
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw ApiError.badRequest(
            field,
            what
                + " contains an unpaired UTF-16 surrogate (\\u"
                + HexFormat.of().toHexDigits(c)
                + "), which is not a character and cannot be stored");
      }
    }
  }

  /** {@code node} as an object named {@code path}, with only {@code allowed} fields. */
  static Body of(JsonNode node, String prefix, String what, Set<String> allowed) {
    return of(node, prefix, what, allowed, Spelling.JSON);
  }

  /**
   * The JSON object that a command's flags were gathered into, with only {@code allowed} fields,
   * each named as {@code spelling} says.
   */
  static Body flags(ObjectNode node, Set<String> allowed, Spelling spelling) {
    return of(node, "", "the command line", allowed, spelling);
  }

  private static Body of(
      JsonNode node, String prefix, String what, Set<String> allowed, Spelling spelling) {
    if (!(node instanceof ObjectNode object)) {
      throw ApiError.badRequest(
          prefix.isEmpty() ? null : spelling.name(prefix.substring(0, prefix.length() - 1)),
          what + " must be a JSON object, was " + describe(node));
    }
    return new Body(object, prefix, allowed, spelling);
  }

  /** The object in field {@code name}, with only {@code allowed} fields. */
  Body object(String name, Set<String> allowed) {
    return of(get(name), prefix + name + ".", path(name), allowed, spelling);
  }

  boolean has(String name) {
    return node.has(name) && !node.get(name).isNull();
  }

  /** The name of field {@code name} as the user wrote it, for messages. */
  String path(String name) {
    return spelling.name(prefix + name);
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

  /**
   * A duration in ISO-8601 (such as {@code isoExamples}), or also short ({@code 5m}) when the user
   * wrote flags.
   */
  Optional<Duration> duration(String name, String isoExamples) {
    return string(name)
        .map(text -> Durations.parse(path(name), text, spelling.shortDurations(), isoExamples));
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
    for (var entry : value.properties()) {
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
