package dev.errand.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vacuums the job tables when autovacuum is off for them, at most once per {@link
 * PostgresStore.Builder#vacuumInterval}: a job queue rewrites its rows all the time, and without
 * vacuum the claim gets slower with every job ever claimed. With autovacuum on it does nothing. The
 * maintenance leader asks after each prune round that left nothing more to prune.
 */
final class VacuumSchedule {
  /** Logged as the store, the class whose logger users know and configure. */
  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);

  private final StoreContext ctx;
  private final Duration interval;

  /**
   * When {@link #vacuumIfDue} last vacuumed, or the store started ({@link System#nanoTime()}): a
   * process that lives less than an interval (a test, a CLI command) never vacuums, and a node that
   * starts on a full queue does not vacuum while it burns it down.
   */
  private long lastVacuumNanos;

  /** Whether the note that this store vacuums its tables itself was logged. */
  private boolean vacuumNoted;

  /** Whether VACUUM failed (no privilege, say); it is then not tried again. */
  private boolean vacuumRefused;

  VacuumSchedule(StoreContext ctx, Duration interval) {
    this.ctx = ctx;
    this.interval = interval;
    this.lastVacuumNanos = System.nanoTime();
  }

  /**
   * Vacuums on {@code c}, which must be in auto-commit mode (VACUUM runs outside a transaction), if
   * an interval has passed and autovacuum is off for the job table. Never throws: a failure is
   * logged, and vacuum not tried again.
   */
  synchronized void vacuumIfDue(Connection c) {
    long now = System.nanoTime();
    if (vacuumRefused || now - lastVacuumNanos < interval.toNanos()) {
      return;
    }
    lastVacuumNanos = now;
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(ctx.sql.get("AutovacuumOff"))) {
        if (!rs.next() || !rs.getBoolean(1)) {
          return;
        }
      }
      if (!vacuumNoted) {
        vacuumNoted = true;
        log.info(
            "autovacuum is off for {}.job; Errand's maintenance leader vacuums its tables after"
                + " each prune round, at most every {}",
            ctx.schema,
            interval);
      }
      st.execute(ctx.sql.get("Vacuum"));
    } catch (SQLException e) {
      vacuumRefused = true;
      log.warn(
          "could not vacuum {}.job ({}); vacuum it by other means, or its claims will slow down",
          ctx.schema,
          e.getMessage());
    }
  }
}
