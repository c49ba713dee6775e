package dev.errand.sqlite;

import dev.errand.ErrandException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The named SQL blocks of one resource file ({@code -- name: JobFetch} starts a block). Loaded
 * once; asking for a missing name fails fast.
 */
final class NamedSql {
  private static final String NAME = "-- name: ";

  private final Map<String, String> blocks;

  private NamedSql(Map<String, String> blocks) {
    this.blocks = blocks;
  }

  /** Loads {@code resource}, next to this class. */
  static NamedSql load(String resource) {
    Map<String, String> blocks = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(resource).split("\n", -1)) {
      if (line.startsWith(NAME)) {
        if (name != null) {
          blocks.put(name, finish(sql));
        }
        name = line.substring(NAME.length()).trim();
        sql.setLength(0);
      } else if (name != null && !line.startsWith("--")) {
        sql.append(line).append('\n');
      }
    }
    if (name != null) {
      blocks.put(name, finish(sql));
    }
    return new NamedSql(Map.copyOf(blocks));
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

  private static String finish(StringBuilder sql) {
    String text = sql.toString().strip();
    return text.endsWith(";") ? text.substring(0, text.length() - 1) : text;
  }
}
