package dev.errand.spi;

import dev.errand.StoreException;
import java.util.List;

/**
 * A store's numbered schema migrations, for a store that keeps tables which must be created and
 * upgraded ({@link Store#migrations()}): applying those not yet applied, checking that none is
 * missing, and printing them as one SQL script for teams that apply schema changes with their own
 * tool (Flyway, Liquibase).
 *
 * <p>Part of the SPI so that a tool migrates any store the same way: {@code errand migrate} and a
 * server that does not migrate itself ask the store, never which store it is. Versions count from
 * 1, without gaps, in the order they apply.
 *
 * <p>Thread-safe. The methods that read or change the database throw {@link StoreException} when it
 * fails; {@link #latest()}, {@link #sql(int)} and {@link #location()} reach no database.
 */
public interface SchemaMigrations {

  /**
   * Where the store's tables live, as messages name it: {@code schema errand} for PostgreSQL,
   * {@code file /var/lib/app/errand.db} for SQLite.
   */
  String location();

  /** The newest version this version of Errand has, and needs applied. */
  int latest();

  /**
   * Applies the migrations not yet applied, in order, safe against other processes applying them at
   * the same time (each store says how: a lock, one transaction).
   *
   * @return the versions applied now, ascending; empty when the tables were up to date
   */
  List<Integer> apply();

  /**
   * The migrations after {@code afterVersion} (0 for all) as one SQL script that also records each
   * version it applies, so that a later {@link #apply()} finds nothing to do.
   */
  String sql(int afterVersion);

  /**
   * Checks that every migration up to {@link #latest()} is applied, for a process that does not
   * {@link #apply()} them itself.
   *
   * @throws StoreException naming the missing versions and what to run
   */
  void checkMigrated();
}
