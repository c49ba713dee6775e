package dev.errand.postgres;

import dev.errand.StoreException;
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
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the numbered migrations under {@code migrations/} (listed in {@code migrations/index}),
 * each in its own transaction, recording them in {@code schema_migration}. A session-level advisory
 * lock, keyed by the schema, serializes nodes that start at once.
 */
final class Migrator {
  private static final Logger log = LoggerFactory.getLogger(Migrator.class);

  private final DataSource dataSource;
  private final String schema;

  Migrator(DataSource dataSource, String schema) {
    this.dataSource = dataSource;
    this.schema = schema;
  }

  List<Migration> migrations() {
    return Migrations.load(
        name -> Migrator.class.getResourceAsStream(name), sql -> sql.replace("{schema}", schema));
  }

  /**
   * The migrations after {@code afterVersion} as one script that records each in {@code
   * schema_migration}, as {@link #migrate} does: after it, {@code migrate()} has nothing to do.
   */
  String script(int afterVersion) {
    StringBuilder out = new StringBuilder();
    out.append("-- Errand schema for PostgreSQL, schema ").append(schema);
    out.append(afterVersion > 0 ? ", migrations after V" + afterVersion : "").append('\n');
    out.append("-- Each migration records its version in ").append(schema);
    out.append(".schema_migration, so that errand migrate and a starting server\n");
    out.append("-- know it is applied. Apply it whole, e.g. psql --single-transaction -f FILE.\n");
    out.append("CREATE SCHEMA IF NOT EXISTS ").append(schema).append(";\n");
    out.append(migrationTable()).append(";\n\n");
    Migrations.appendScript(out, migrations(), afterVersion, schema + ".schema_migration");
    return out.toString();
  }

  private String migrationTable() {
    return "CREATE TABLE IF NOT EXISTS "
        + schema
        + ".schema_migration (version int PRIMARY KEY, name text NOT NULL,"
        + " applied_at timestamptz NOT NULL DEFAULT now())";
  }

  /** The newest migration this version of Errand has. */
  int latestVersion() {
    List<Migration> all = migrations();
    return all.get(all.size() - 1).version();
  }

  /**
   * Fails, saying what to run, unless every migration is recorded as applied: for a node that does
   * not migrate itself (the schema is applied by Flyway, Liquibase or a deploy step).
   */
  void checkMigrated() {
    Set<Integer> done;
    try (Connection c = dataSource.getConnection()) {
      done = appliedVersions(c);
    } catch (SQLException e) {
      throw new StoreException(
          "could not read the migrations applied to schema " + schema + ": " + e.getMessage(), e);
    }
    List<Integer> missing = new ArrayList<>();
    for (Migration m : migrations()) {
      if (!done.contains(m.version())) {
        missing.add(m.version());
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException(
          (done.isEmpty()
                  ? "schema " + schema + " has no Errand tables"
                  : "schema " + schema + " lacks migrations " + missing)
              + ": run 'errand migrate --schema "
              + schema
              + "', or apply the SQL of 'errand migrate --print-sql --schema "
              + schema
              + (done.isEmpty() ? "" : " --after " + (missing.get(0) - 1))
              + "' with your migration tool");
    }
  }

  /** The versions recorded in {@code schema_migration}; none when it does not exist. */
  private Set<Integer> appliedVersions(Connection c) throws SQLException {
    Set<Integer> done = new HashSet<>();
    try (PreparedStatement exists = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
      exists.setString(1, schema + ".schema_migration");
      try (ResultSet rs = exists.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return done;
        }
      }
    }
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT version FROM " + schema + ".schema_migration")) {
      while (rs.next()) {
        done.add(rs.getInt(1));
      }
    }
    return done;
  }

  List<Integer> migrate() {
    List<Integer> applied = new ArrayList<>();
    try (Connection c = dataSource.getConnection()) {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(true);
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_lock(hashtext(?))")) {
        lock.setString(1, "errand.migrate." + schema);
        lock.executeQuery().close();
      }
      try {
        try (Statement st = c.createStatement()) {
          st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
          st.execute(migrationTable());
        }
        Set<Integer> done = appliedVersions(c);
        for (Migration m : migrations()) {
          if (done.contains(m.version())) {
            continue;
          }
          c.setAutoCommit(false);
          try (Statement st = c.createStatement();
              PreparedStatement record =
                  c.prepareStatement(
                      "INSERT INTO "
                          + schema
                          + ".schema_migration (version, name) VALUES (?, ?)")) {
            st.execute(m.sql());
            record.setInt(1, m.version());
            record.setString(2, m.name());
            record.executeUpdate();
            c.commit();
          } catch (SQLException e) {
            c.rollback();
            throw e;
          } finally {
            c.setAutoCommit(true);
          }
          log.info("applied migration V{} {} to schema {}", m.version(), m.name(), schema);
          applied.add(m.version());
        }
      } finally {
        try (PreparedStatement unlock =
            c.prepareStatement("SELECT pg_advisory_unlock(hashtext(?))")) {
          unlock.setString(1, "errand.migrate." + schema);
          unlock.executeQuery().close();
        }
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw new StoreException("could not migrate schema " + schema + ": " + e.getMessage(), e);
    }
    return applied;
  }
}
