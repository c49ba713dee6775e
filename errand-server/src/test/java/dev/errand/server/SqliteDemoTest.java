package dev.errand.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

class SqliteDemoTest extends DemoTest {
  private final Path dir;

  SqliteDemoTest() throws IOException {
    dir = Files.createTempDirectory("errand-demo-test");
  }

  @Override
  protected Map<String, String> storeFlags() {
    return Map.of(
        Settings.STORE, "sqlite", Settings.URL, Stores.SQLITE_URL + dir.resolve("demo.db"));
  }

  @Override
  protected void dropStore() {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
