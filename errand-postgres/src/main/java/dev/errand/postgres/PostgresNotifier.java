package dev.errand.postgres;

import dev.errand.spi.Notifier;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code LISTEN} connection per store, on its own thread, started by the first subscriber. If
 * the connection breaks it reconnects with backoff (logging the first failure and then only each
 * doubling), and wakes every queue after reconnecting, since notifications sent meanwhile are lost.
 */
final class PostgresNotifier implements Notifier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PostgresNotifier.class);
  private static final int RECEIVE_TIMEOUT_MILLIS = 500;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
  private static final Duration FIRST_LISTEN_WAIT = Duration.ofSeconds(5);

  private final DataSource dataSource;
  private final String channel;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch listening = new CountDownLatch(1);
  private volatile boolean closed;
  private Thread thread;

  PostgresNotifier(DataSource dataSource, String channel) {
    this.dataSource = dataSource;
    this.channel = channel;
  }

  /**
   * Subscribes {@code listener}, and waits up to {@link #FIRST_LISTEN_WAIT} for the LISTEN
   * connection to be up, so that a job enqueued right after this returns does wake it. If the
   * database is unreachable it returns anyway; the connection keeps trying.
   */
  @Override
  public AutoCloseable subscribe(Consumer<String> listener) {
    listeners.add(listener);
    synchronized (this) {
      if (thread == null && !closed) {
        thread = Thread.ofPlatform().name("errand-pg-listener").daemon(true).start(this::listen);
      }
    }
    try {
      if (!listening.await(FIRST_LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "LISTEN connection not up after {}; relying on polling until it is", FIRST_LISTEN_WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    closed = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.interrupt();
      try {
        t.join(Duration.ofSeconds(2));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void listen() {
    int failures = 0;
    while (!closed) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN \"" + channel + "\"");
        }
        listening.countDown();
        if (failures > 0) {
          log.info("LISTEN connection restored after {} failed attempts", failures);
          failures = 0;
          // Anything sent while we were away is lost: let every producer look once.
          deliver(null);
        }
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(RECEIVE_TIMEOUT_MILLIS);
          if (notifications != null) {
            for (PGNotification n : notifications) {
              deliver(n.getParameter());
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          return;
        }
        failures++;
        long wait = Math.min(100L << Math.min(failures - 1, 16), MAX_BACKOFF.toMillis());
        if (failures == 1) {
          log.warn("LISTEN connection failed; reconnecting in {} ms: {}", wait, e.toString());
        } else if (Integer.bitCount(failures) == 1) {
          log.warn("LISTEN connection failed {} times in a row; next try in {} ms", failures, wait);
        }
        try {
          Thread.sleep(wait);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** Delivers a wake-up for {@code queue}, or for every queue when null. */
  private void deliver(String queue) {
    for (Consumer<String> listener : listeners) {
      try {
        listener.accept(queue);
      } catch (RuntimeException e) {
        log.warn("notification listener threw; ignored", e);
      }
    }
  }
}
