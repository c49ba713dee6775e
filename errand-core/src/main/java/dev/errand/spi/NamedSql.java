package dev.errand.spi;

import dev.errand.ErrandException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The named SQL blocks of one resource file of a SQL store ({@code -- name: JobFetch} starts a
 * block; other comment lines are dropped, and so is a final semicolon). Loaded once; asking for a
 * missing name fails fast.
 */
public final class NamedSql {
  private static final String NAME = "-- name: ";

  private final Map<String, String> blocks;

  private NamedSql(Map<String, String> blocks) {
    this.blocks = blocks;
  }

  /** Loads {@code resource}, found next to {@code anchor} (a class of the store's package). */
  public static NamedSql load(Class<?> anchor, String resource) {
    Map<String, String> blocks = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(anchor, resource).split("\n", -1)) {
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

  /** These blocks with every {@code placeholder} replaced by {@code value}. */
  public NamedSql replace(String placeholder, String value) {
    Map<String, String> replaced = new HashMap<>();
    blocks.forEach((name, sql) -> replaced.put(name, sql.replace(placeholder, value)));
    return new NamedSql(Map.copyOf(replaced));
  }

  /** The block named {@code name}. */
  public String get(String name) {
    String sql = blocks.get(name);
    if (sql == null) {
      throw new IllegalStateException("no SQL block named '" + name + "'");
    }
    return sql;
  }

  /** The whole text of {@code resource}, found next to {@code anchor}. */
  public static String read(Class<?> anchor, String resource) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        throw new ErrandException("missing resource " + resource + " next to " + anchor.getName());
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
