package dev.errand.postgres.multiprocess;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of one test's own, embedded, on a port and data directory of its own, which
 * the test may stop and start again: the shared server other tests use is never touched. Its JDBC
 * URL stays the same across restarts, so that clients reconnect to it. {@link #close()} stops it
 * and deletes its data.
 */
final class PrivatePostgres implements AutoCloseable {
  private final Path dataDir;
  private final int port;
  private final String url;
  private EmbeddedPostgres server;

  private PrivatePostgres(Path dataDir, int port) throws IOException {
    this.dataDir = dataDir;
    this.port = port;
    this.server = startServer();
    this.url = server.getJdbcUrl("postgres", "postgres");
  }

  /** Starts a new server on a free port and an empty data directory. */
  static PrivatePostgres start() throws IOException {
    return new PrivatePostgres(Files.createTempDirectory("errand-mp-pg"), freePort());
  }

  /** The JDBC URL, the same after a restart. */
  String url() {
    return url;
  }

  /** Stops the server (a fast shutdown: sessions are ended); its data stays. */
  void stop() throws IOException {
    if (server != null) {
      EmbeddedPostgres stopping = server;
      server = null;
      stopping.close();
    }
  }

  /** Starts the stopped server again, on the same port and data. */
  void restart() throws IOException {
    if (server != null) {
      throw new IllegalStateException("the server runs");
    }
    server = startServer();
  }

  @Override
  public void close() throws IOException {
    try {
      stop();
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  private EmbeddedPostgres startServer() throws IOException {
    return EmbeddedPostgres.builder()
        .setPort(port)
        .setDataDirectory(dataDir)
        .setCleanDataDirectory(false)
        .start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
