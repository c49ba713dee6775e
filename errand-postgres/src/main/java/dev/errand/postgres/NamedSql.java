package dev.errand.postgres;

import dev.errand.ErrandException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The named SQL blocks of one resource file ({@code -- name: JobFetch} starts a block), with {@code
 * {schema}} replaced. Loaded once; asking for a missing name fails fast.
 */
final class NamedSql {
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private final Map<String, String> blocks;

  private NamedSql(Map<String, String> blocks) {
    this.blocks = blocks;
  }

  /** Loads {@code resource} (next to this class) for {@code schema}. */
  static NamedSql load(String resource, String schema) {
    Map<String, String> blocks = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(resource).split("\n", -1)) {
      if (line.startsWith("-- name: ")) {
        if (name != null) {
          blocks.put(name, finish(sql, schema));
        }
        name = line.substring("-- name: ".length()).trim();
        sql.setLength(0);
      } else if (name != null && !line.startsWith("--")) {
        sql.append(line).append('\n');
      }
    }
    if (name != null) {
      blocks.put(name, finish(sql, schema));
    }
    return new NamedSql(Map.copyOf(blocks));
  }

  /**
   * Checks a schema name: lower-case letters, digits and underscores, starting with a letter or
   * underscore, at most 63 characters (PostgreSQL's identifier limit). It is spliced into SQL, so
   * nothing else may pass.
   */
  static String checkSchema(String schema) {
    if (schema == null || !SCHEMA.matcher(schema).matches()) {
      throw new IllegalArgumentException(
          "schema must be 1 to 63 lower-case letters, digits or '_', starting with a letter or"
              + " '_', was "
              + (schema == null ? "null" : "'" + schema + "'"));
    }
    return schema;
  }

  String get(String name) {
    String sql = blocks.get(name);
    if (sql == null) {
      throw new IllegalStateException("no SQL block named '" + name + "'");
    }
    return sql;
  }

  static String read(String resource) {
    try (InputStream in = NamedSql.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ErrandException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ErrandException("cannot read resource " + resource, e);
    }
  }

  private static String finish(StringBuilder sql, String schema) {
    String text = sql.toString().strip();
    if (text.endsWith(";")) {
      text = text.substring(0, text.length() - 1);
    }
    return text.replace("{schema}", schema);
  }
}
