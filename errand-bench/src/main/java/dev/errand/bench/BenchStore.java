package dev.errand.bench;

import dev.errand.spi.Store;
import java.io.IOException;
import java.sql.SQLException;

/**
 * A store the benchmark runs on. The plug-in point for new stores: a store joins the benchmark with
 * one implementation of this interface and one entry in {@link Bench#STORES}.
 *
 * <p>An instance serves one run, on the benchmark's main thread: {@link #open()} is called once and
 * gives a fresh, empty store; {@link #close()} is called once afterwards, also when the run failed,
 * and releases everything {@code open()} made (a database drops what it created).
 */
public interface BenchStore extends AutoCloseable {

  /**
   * The store's name in tables, JSON lines and {@code --stores}: {@code memory}, {@code postgres}.
   */
  String name();

  /**
   * A fresh, empty store, migrated and ready.
   *
   * @throws Exception if the store cannot be reached or set up; the run of this store then fails
   */
  Store open() throws Exception;

  /**
   * Closes the store and removes what {@link #open()} created; safe to call if it failed.
   *
   * @throws IOException if a file it created cannot be removed
   * @throws SQLException if a database it created cannot be dropped
   */
  @Override
  void close() throws IOException, SQLException;
}
