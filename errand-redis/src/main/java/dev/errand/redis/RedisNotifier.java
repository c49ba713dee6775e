package dev.errand.redis;

import dev.errand.spi.Notifier;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Wake-ups over Redis pub/sub: the scripts publish a queue's name on the store's channel ({@code
 * <prefix>errand:available}) once per call that made jobs available in it; one thread per store
 * holds the subscription and calls the listeners. A subscription lost with its connection is made
 * again, after which every listener hears null ("any queue"): what was published meanwhile is gone.
 */
final class RedisNotifier implements Notifier {
  private static final Logger log = LoggerFactory.getLogger(RedisNotifier.class);
  private static final Duration FIRST_SUBSCRIBE = Duration.ofSeconds(10);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final UnifiedJedis redis;
  private final String channel;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private final CountDownLatch subscribed = new CountDownLatch(1);
  private volatile Deliveries current;
  private Thread thread;
  private volatile boolean closed;

  RedisNotifier(UnifiedJedis redis, String channel) {
    this.redis = redis;
    this.channel = channel;
  }

  /**
   * Adds {@code listener}; the first call starts the subscription and returns once Redis has
   * confirmed it, so that a job made available after this returns is announced.
   */
  @Override
  public AutoCloseable subscribe(Consumer<String> listener) {
    listeners.add(listener);
    start();
    return () -> listeners.remove(listener);
  }

  private synchronized void start() {
    if (thread == null && !closed) {
      thread = Thread.ofPlatform().daemon().name("errand-redis-notifier").start(this::listen);
    }
    try {
      if (!subscribed.await(FIRST_SUBSCRIBE.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "Redis has not confirmed the subscription to {} within {}; nodes poll meanwhile",
            channel,
            FIRST_SUBSCRIBE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void listen() {
    Duration backoff = Duration.ofMillis(100);
    boolean lost = false;
    while (!closed) {
      try {
        Deliveries deliveries = new Deliveries(lost);
        current = deliveries;
        if (closed) {
          return;
        }
        redis.subscribe(deliveries, channel); // returns once unsubscribed
        backoff = Duration.ofMillis(100);
      } catch (JedisException e) {
        if (closed) {
          return;
        }
        if (!lost) {
          log.warn("lost the subscription to {}; subscribing again: {}", channel, e.getMessage());
        }
        lost = true;
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      }
    }
  }

  /** Stops the subscription; the listeners hear nothing more. */
  void close() {
    closed = true;
    Deliveries deliveries = current;
    if (deliveries != null && deliveries.isSubscribed()) {
      deliveries.unsubscribe();
    }
    Thread running;
    synchronized (this) {
      running = thread;
    }
    if (running != null) {
      try {
        running.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private final class Deliveries extends JedisPubSub {
    private final boolean lostBefore;

    Deliveries(boolean lostBefore) {
      this.lostBefore = lostBefore;
    }

    @Override
    public void onSubscribe(String subscribedChannel, int count) {
      subscribed.countDown();
      if (lostBefore) {
        log.info("subscribed to {} again", channel);
        deliver(null);
      }
    }

    @Override
    public void onMessage(String fromChannel, String queue) {
      deliver(queue);
    }

    private void deliver(String queue) {
      for (Consumer<String> listener : listeners) {
        try {
          listener.accept(queue);
        } catch (RuntimeException e) {
          log.warn("a wake-up listener failed", e);
        }
      }
    }
  }
}
