package dev.errand.sqlite;

import dev.errand.StoreException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The connections of one open database file: one writer, taken in turns under a lock, each write a
 * {@code BEGIN IMMEDIATE} transaction; and a few readers for the views, which in WAL mode read the
 * last commit without waiting for the writer.
 *
 * <p>One writer because SQLite has one anyway: a second writing connection would only wait on the
 * file lock (busy timeout) instead of on a fair Java lock, and could fail with {@code SQLITE_BUSY}
 * where a queue of threads simply waits its turn.
 *
 * <p>An exclusive lock on {@code <file>-errand.lock}, held while open, keeps a second store, in
 * this process or another, from opening the same file: the engine's leases, leadership and wake-ups
 * assume one process per file.
 */
final class SqliteConnections implements AutoCloseable {

  /** One unit of work on a connection. */
  interface Work<T> {
    T run(Session c) throws SQLException;
  }

  /**
   * A connection with the statements it prepared before, used by one thread at a time (the writer
   * under the write lock, a reader while borrowed). Preparing a statement costs about as much as
   * running a small one, so each is prepared once per connection and kept until the store closes.
   */
  static final class Session {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    private Session(Connection connection) {
      this.connection = connection;
    }

    Connection connection() {
      return connection;
    }

    /** The statement for {@code sql}, prepared on first use; callers must not close it. */
    PreparedStatement prepare(String sql) throws SQLException {
      PreparedStatement statement = statements.get(sql);
      if (statement == null) {
        statement = connection.prepareStatement(sql);
        statements.put(sql, statement);
      }
      return statement;
    }

    private void execute(String sql) throws SQLException {
      prepare(sql).execute();
    }

    private void close() {
      statements.values().forEach(SqliteConnections::closeQuietly);
      closeQuietly(connection);
    }
  }

  private final Path file;
  private final FileChannel lockChannel;
  private final FileLock fileLock;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Session writer;
  private final Semaphore readPermits;
  private final ConcurrentLinkedQueue<Session> idleReaders = new ConcurrentLinkedQueue<>();
  private final List<Session> readers = new ArrayList<>();
  private volatile boolean closed;

  SqliteConnections(Path file, String synchronous, long busyTimeoutMillis, int readConnections) {
    Path lockFile = file.resolveSibling(file.getFileName() + "-errand.lock");
    try {
      Files.createDirectories(file.getParent());
      // The real path, so that two paths to one file (a symbolic link on the way) lock one file.
      file =
          Files.exists(file)
              ? file.toRealPath()
              : file.getParent().toRealPath().resolve(file.getFileName());
      lockFile = file.resolveSibling(file.getFileName() + "-errand.lock");
      lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new StoreException("cannot open the SQLite store's lock file " + lockFile, e);
    }
    this.file = file;
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by another store of this same process
    } catch (IOException e) {
      closeQuietly(lockChannel);
      throw new StoreException("cannot lock the SQLite store's lock file " + lockFile, e);
    }
    if (lock == null) {
      closeQuietly(lockChannel);
      throw new StoreException(
          "SQLite store "
              + file
              + " is already open in another store, in this process or another (it holds "
              + lockFile
              + "); one store per file: share that store between threads instead");
    }
    fileLock = lock;
    List<Connection> opened = new ArrayList<>();
    try {
      Connection writerConnection = open(busyTimeoutMillis);
      opened.add(writerConnection);
      try (Statement st = writerConnection.createStatement()) {
        // WAL: readers see the last commit while the writer works, and a commit appends to the
        // log instead of rewriting pages. The mode is stored in the file, so readers inherit it.
        st.execute("PRAGMA journal_mode = WAL");
        st.execute("PRAGMA synchronous = " + synchronous);
      }
      writer = new Session(writerConnection);
      for (int i = 0; i < readConnections; i++) {
        Connection reader = open(busyTimeoutMillis);
        opened.add(reader);
        try (Statement st = reader.createStatement()) {
          st.execute("PRAGMA query_only = ON");
        }
        Session session = new Session(reader);
        readers.add(session);
        idleReaders.add(session);
      }
    } catch (SQLException e) {
      opened.forEach(SqliteConnections::closeQuietly);
      releaseLock();
      throw new StoreException("cannot open SQLite store " + file + ": " + e.getMessage(), e);
    }
    readPermits = new Semaphore(readConnections, true);
  }

  private Connection open(long busyTimeoutMillis) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = " + busyTimeoutMillis);
      st.execute("PRAGMA foreign_keys = ON");
    }
    return c;
  }

  /** Runs {@code work} in a write transaction of its own: all of it commits, or none. */
  <T> T write(Work<T> work) throws SQLException {
    writeLock.lock();
    try {
      checkOpen();
      // IMMEDIATE takes the write lock at BEGIN, so a transaction that read first cannot fail
      // later on upgrading its lock.
      writer.execute("BEGIN IMMEDIATE");
      try {
        T result = work.run(writer);
        writer.execute("COMMIT");
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          writer.execute("ROLLBACK");
        } catch (SQLException rollback) {
          e.addSuppressed(rollback);
        }
        throw e;
      }
    } finally {
      writeLock.unlock();
    }
  }

  /** Runs {@code work} on a reader, which sees the last committed state. */
  <T> T read(Work<T> work) throws SQLException {
    checkOpen();
    // Uninterruptible: a worker thread that was interrupted (timeout, cancel) may still read.
    readPermits.acquireUninterruptibly();
    Session reader = idleReaders.poll();
    try {
      checkOpen(); // closed while this thread waited for a permit
      return work.run(reader);
    } finally {
      idleReaders.add(reader);
      readPermits.release();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException("SQLite store " + file + " is closed");
    }
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      // Waits for reads in progress, so that no connection closes under a reader; the permits go
      // back, so that a read that was waiting fails with "closed" instead of waiting forever.
      readPermits.acquireUninterruptibly(readers.size());
      readers.forEach(Session::close);
      readPermits.release(readers.size());
      writer.close();
      releaseLock();
    } finally {
      writeLock.unlock();
    }
  }

  private void releaseLock() {
    try {
      if (fileLock != null) {
        fileLock.release();
      }
    } catch (IOException ignored) {
      // Closing the channel below releases it too.
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Closing: nothing left to do with it.
    }
  }
}
