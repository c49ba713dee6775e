package dev.errand.bench;

import dev.errand.spi.Store;
import dev.errand.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A SQLite file at the store's defaults (WAL, synchronous NORMAL), in a fresh temporary directory
 * that {@link #close()} deletes, so runs never see each other's jobs and leave nothing behind.
 */
final class SqliteBenchStore implements BenchStore {
  private Path dir;
  private SqliteStore store;

  @Override
  public String name() {
    return "sqlite";
  }

  @Override
  public Store open() throws IOException {
    dir = Files.createTempDirectory("errand-bench-sqlite");
    store = SqliteStore.builder(dir.resolve("errand.db")).build();
    store.migrate();
    return store;
  }

  @Override
  public void close() throws IOException {
    if (store != null) {
      store.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
