package dev.errand.jdbc.internal;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SQL store's numbered migrations: the files {@code migrations/V001__name.sql} … listed, in
 * order, in {@code migrations/index} next to the store's class ({@code #} starts a comment line).
 * Each store applies them its own way (its transactions and locks); what they share lives here.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class Migrations {
  private static final Pattern FILE = Pattern.compile("V(\\d{3})__([a-z0-9_]+)\\.sql");

  private Migrations() {}

  /** A migration file: its version, its name and its SQL. */
  public record Migration(int version, String name, String sql) {}

  /**
   * The migrations listed in the store's {@code migrations/index}, opened by {@code resources} (see
   * {@link NamedSql#read(Function, String)}), each file's text passed through {@code edit}
   * (replacing a schema placeholder, say); a file name not of the form {@code V001__name.sql} fails
   * fast.
   */
  public static List<Migration> load(
      Function<String, InputStream> resources, UnaryOperator<String> edit) {
    List<Migration> migrations = new ArrayList<>();
    for (String file : NamedSql.read(resources, "migrations/index").split("\n")) {
      file = file.strip();
      if (file.isEmpty() || file.startsWith("#")) {
        continue;
      }
      Matcher m = FILE.matcher(file);
      if (!m.matches()) {
        throw new IllegalStateException("bad migration file name " + file);
      }
      String sql = edit.apply(NamedSql.read(resources, "migrations/" + file));
      migrations.add(new Migration(Integer.parseInt(m.group(1)), m.group(2), sql));
    }
    return migrations;
  }

  /**
   * Appends to {@code out} each of {@code migrations} after {@code afterVersion}: a comment naming
   * it, its SQL, and the insert that records it in {@code table}, so that a script applied by hand
   * leaves nothing for the store's own migrate to do.
   */
  public static void appendScript(
      StringBuilder out, List<Migration> migrations, int afterVersion, String table) {
    for (Migration m : migrations) {
      if (m.version() <= afterVersion) {
        continue;
      }
      out.append("-- V").append(String.format("%03d", m.version())).append(' ').append(m.name());
      out.append('\n').append(m.sql().strip()).append('\n');
      out.append("INSERT INTO ").append(table).append(" (version, name) VALUES (");
      out.append(m.version()).append(", '").append(m.name()).append("');\n\n");
    }
  }
}
