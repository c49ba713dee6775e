package dev.errand.sqlite;

import dev.errand.StoreException;
import java.nio.file.Path;

/**
 * Run in a JVM of its own by {@link SqliteStoreTest}: tries to open the store file given as the
 * argument, prints the error it gets, and exits 0 if it was refused, 1 if it opened.
 */
public final class OpenInAnotherProcess {
  private OpenInAnotherProcess() {}

  public static void main(String[] args) {
    try (SqliteStore store = SqliteStore.builder(Path.of(args[0])).build()) {
      System.out.println("opened " + store.file());
      System.exit(1);
    } catch (StoreException e) {
      System.out.println(e.getMessage());
      System.exit(0);
    }
  }
}
