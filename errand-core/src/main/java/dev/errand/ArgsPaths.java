package dev.errand;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import java.util.Map;

/**
 * The args conditions of a {@link JobQuery} applied in memory, as the SQL stores apply them: the
 * value at a path of object keys, as text (a string's contents, a number as written, {@code
 * true}/{@code false}).
 */
final class ArgsPaths {
  // Decimals as written: 42.50 stays "42.50", as PostgreSQL's json keeps it.
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

  private ArgsPaths() {}

  static boolean matchAll(String argsJson, Map<String, String> conditions) {
    JsonNode root;
    try {
      root = JSON.readTree(argsJson);
    } catch (JsonProcessingException e) {
      return false;
    }
    for (Map.Entry<String, String> condition : conditions.entrySet()) {
      JsonNode node = root;
      for (String key : condition.getKey().split("\\.")) {
        node = node != null && node.isObject() ? node.get(key) : null;
      }
      if (node == null || !node.isValueNode() || node.isNull()) {
        return false;
      }
      String text = node.isTextual() ? node.textValue() : node.asText();
      if (!text.equals(condition.getValue())) {
        return false;
      }
    }
    return true;
  }
}
