package dev.errand;

/**
 * One queue this node works: how many of its jobs may run at once here, and on which threads.
 *
 * @param name the queue's name ({@link Config#checkQueueName(String)})
 * @param concurrency most jobs of this queue running at once on this node, 1 to {@link
 *     #MAX_CONCURRENCY}
 * @param threads virtual threads (the default: cheap, best for jobs that wait on I/O) or a fixed
 *     pool of platform threads (for CPU-bound jobs or code that pins virtual threads)
 */
public record QueueConfig(String name, int concurrency, Threads threads) {

  /** The highest concurrency a queue may have on one node. */
  public static final int MAX_CONCURRENCY = 10_000;

  /** Which threads run a queue's jobs. */
  public enum Threads {
    VIRTUAL,
    PLATFORM
  }

  public QueueConfig {
    Config.checkQueueName(name);
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new InvalidConfigException(
          "queue '"
              + name
              + "': concurrency must be between 1 and "
              + MAX_CONCURRENCY
              + ", was "
              + concurrency);
    }
    if (threads == null) {
      throw new InvalidConfigException("queue '" + name + "': threads must be set");
    }
  }

  /** A queue on virtual threads. */
  public static QueueConfig of(String name, int concurrency) {
    return new QueueConfig(name, concurrency, Threads.VIRTUAL);
  }

  /** The same queue on a pool of {@code concurrency} platform threads. */
  public QueueConfig onPlatformThreads() {
    return new QueueConfig(name, concurrency, Threads.PLATFORM);
  }
}
