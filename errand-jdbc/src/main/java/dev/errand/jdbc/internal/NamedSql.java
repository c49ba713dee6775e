package dev.errand.jdbc.internal;

import dev.errand.ErrandException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

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

  /** Loads {@code resource}, opened by {@code resources} (see {@link #read(Function, String)}). */
  public static NamedSql load(Function<String, InputStream> resources, String resource) {
    Map<String, Query> blocks = new HashMap<>();
    String name = null;
    StringBuilder sql = new StringBuilder();
    for (String line : read(resources, resource).split("\n", -1)) {
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

  /**
   * These blocks with block {@code name} replaced by one block per entry of {@code variants}, named
   * by its key, with every {@code placeholder} in it replaced by its value: what a parameter cannot
   * choose, such as a sort direction ({@code ORDER BY id {direction}}), while the rest of the
   * statement stays written once.
   */
  public NamedSql expand(String name, String placeholder, Map<String, String> variants) {
    Query template = query(name);
    Map<String, Query> expanded = new HashMap<>(blocks);
    expanded.remove(name);
    variants.forEach(
        (variant, value) -> expanded.put(variant, template.replace(placeholder, value)));
    return new NamedSql(Map.copyOf(expanded));
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

  /**
   * The whole text of {@code resource}, opened by {@code resources}: a lambda in the store's own
   * class, {@code name -> PostgresStore.class.getResourceAsStream(name)}, which returns null for a
   * missing resource. The store opens its resources itself because a named module keeps them from
   * every other module, this one included.
   */
  public static String read(Function<String, InputStream> resources, String resource) {
    try (InputStream in = resources.apply(resource)) {
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
