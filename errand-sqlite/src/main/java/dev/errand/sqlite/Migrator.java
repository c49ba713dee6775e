package dev.errand.sqlite;

import dev.errand.jdbc.internal.Migrations;
import dev.errand.jdbc.internal.Migrations.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the numbered migrations under {@code migrations/} (listed in {@code migrations/index}),
 * all in one write transaction, recording them in {@code schema_migration}. SQLite's DDL is
 * transactional, so a failed migration leaves the file as it was.
 */
final class Migrator {
  private static final Logger log = LoggerFactory.getLogger(Migrator.class);

  private Migrator() {}

  static List<Migration> migrations() {
    return Migrations.load(name -> Migrator.class.getResourceAsStream(name), sql -> sql);
  }

  /** The newest migration this version of Errand has. */
  static int latestVersion() {
    List<Migration> all = migrations();
    return all.get(all.size() - 1).version();
  }

  private static final String MIGRATION_TABLE =
      "CREATE TABLE IF NOT EXISTS schema_migration (version INTEGER PRIMARY KEY,"
          + " name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP) STRICT";

  /**
   * The migrations after {@code afterVersion} as one script that records each in {@code
   * schema_migration}, as {@link #migrate} does.
   */
  static String script(int afterVersion) {
    StringBuilder out = new StringBuilder();
    out.append("-- Errand schema for SQLite");
    out.append(afterVersion > 0 ? ", migrations after V" + afterVersion : "").append('\n');
    out.append("-- Each migration records its version in schema_migration, so that errand\n");
    out.append("-- migrate knows it is applied. Apply it whole: sqlite3 FILE < SCRIPT.\n");
    out.append("BEGIN IMMEDIATE;\n").append(MIGRATION_TABLE).append(";\n\n");
    Migrations.appendScript(out, migrations(), afterVersion, "schema_migration");
    return out.append("COMMIT;\n").toString();
  }

  /** The versions recorded on {@code c}; none when the table does not exist. */
  static Set<Integer> appliedVersions(Connection c) throws SQLException {
    Set<Integer> done = new HashSet<>();
    try (Statement st = c.createStatement();
        ResultSet exists =
            st.executeQuery(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'")) {
      if (!exists.next()) {
        return done;
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT version FROM schema_migration")) {
      while (rs.next()) {
        done.add(rs.getInt(1));
      }
    }
    return done;
  }

  /** Applies what is missing on {@code c}, inside the caller's write transaction. */
  static List<Integer> migrate(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(MIGRATION_TABLE);
    }
    Set<Integer> done = appliedVersions(c);
    List<Integer> applied = new ArrayList<>();
    for (Migration m : migrations()) {
      if (done.contains(m.version())) {
        continue;
      }
      try (Statement st = c.createStatement();
          PreparedStatement record =
              c.prepareStatement("INSERT INTO schema_migration (version, name) VALUES (?, ?)")) {
        // executeUpdate runs every statement of the script, not only the first.
        st.executeUpdate(m.sql());
        record.setInt(1, m.version());
        record.setString(2, m.name());
        record.executeUpdate();
      }
      log.info("applied migration V{} {}", m.version(), m.name());
      applied.add(m.version());
    }
    return applied;
  }
}
