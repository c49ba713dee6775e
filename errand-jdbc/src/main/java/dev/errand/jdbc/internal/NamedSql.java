package dev.errand.jdbc.internal;

import dev.errand.ErrandException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The named SQL blocks of one resource file of a SQL store ({@code -- name: JobFetch} starts a
 * block; other comment lines are dropped, and so is a final semicolon). Each block is parsed once,
 * at load, into a {@link Query}: its named parameters ({@code :queue}) become {@code ?} and a map
 * from name to positions. Asking for a missing name fails fast.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class NamedSql {
  private static final String NAME = "-- name: ";

  private final Map<String, Query> blocks;

  private NamedSql(Map<String, Query> blocks) {
    this.blocks = blocks;
  }

  /** Loads {@code resource}, found next to {@code anchor} (a class of the store's package). */
  public static NamedSql load(Class<?> anchor, String resource) {
    Map<String, Query> blocks = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(anchor, resource).split("\n", -1)) {
      if (line.startsWith(NAME)) {
        if (name != null) {
          blocks.put(name, Query.parse(name, finish(sql)));
        }
        name = line.substring(NAME.length()).trim();
        sql.setLength(0);
      } else if (name != null && !line.startsWith("--")) {
        sql.append(line).append('\n');
      }
    }
    if (name != null) {
      blocks.put(name, Query.parse(name, finish(sql)));
    }
    return new NamedSql(Map.copyOf(blocks));
  }

  /** These blocks with every {@code placeholder} replaced by {@code value}. */
  public NamedSql replace(String placeholder, String value) {
    Map<String, Query> replaced = new HashMap<>();
    blocks.forEach((name, query) -> replaced.put(name, query.replace(placeholder, value)));
    return new NamedSql(Map.copyOf(replaced));
  }

  /** The block named {@code name}, parsed. */
  public Query query(String name) {
    Query query = blocks.get(name);
    if (query == null) {
      throw new IllegalStateException("no SQL block named '" + name + "'");
    }
    return query;
  }

  /** The JDBC text ({@code ?} placeholders) of the block named {@code name}. */
  public String get(String name) {
    return query(name).sql();
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
