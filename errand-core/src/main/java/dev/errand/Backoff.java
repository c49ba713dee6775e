package dev.errand;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a failed job waits before its next attempt.
 *
 * <p>The default is exponential with jitter: after failed attempt {@code n} the job waits {@code
 * min(1 s × 2^(n−1), 24 h) × r}, with {@code r} drawn uniformly from [0.8, 1.2]. Attempt 1 waits
 * about 1 s, attempt 5 about 16 s, attempt 10 about 8.5 min, attempt 17 about 18 h, and every
 * attempt from 18 on about 24 h: 25 attempts span roughly nine days. The jitter spreads out jobs
 * that failed together, so that a recovering service is not hit by all of them at once.
 */
@FunctionalInterface
public interface Backoff {

  /** The default policy described above. */
  Backoff DEFAULT = exponential(Duration.ofSeconds(1), Duration.ofHours(24), 0.2);

  /**
   * The wait after failed attempt {@code attempt} (1 for the first), at most {@link
   * EnqueueOptions#MAX_RUN_IN}: a longer one, like one that throws, is replaced by {@link
   * #DEFAULT}'s.
   */
  Duration delay(int attempt);

  /**
   * {@code min(base × 2^(attempt−1), max)}, multiplied by a random factor in {@code [1 − jitter, 1
   * + jitter]}, and never more than {@link EnqueueOptions#MAX_RUN_IN}.
   *
   * @throws IllegalArgumentException if {@code base} is not positive, {@code max} is longer than
   *     {@link EnqueueOptions#MAX_RUN_IN}, or {@code jitter} is not in [0, 1)
   */
  static Backoff exponential(Duration base, Duration max, double jitter) {
    if (base.isNegative() || base.isZero()) {
      throw new IllegalArgumentException("base must be positive, was " + base);
    }
    EnqueueOptions.checkDelay("max", max);
    if (jitter < 0 || jitter >= 1) {
      throw new IllegalArgumentException("jitter must be in [0, 1), was " + jitter);
    }
    long baseMillis = base.toMillis();
    long maxMillis = max.toMillis();
    long limitMillis = EnqueueOptions.MAX_RUN_IN.toMillis();
    return attempt -> {
      int exponent = Math.max(0, Math.min(attempt - 1, 62));
      double millis = Math.min((double) baseMillis * Math.pow(2, exponent), maxMillis);
      double factor =
          1 + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter));
      // The jitter may take a max near the limit past it.
      return Duration.ofMillis(Math.min(Math.round(millis * factor), limitMillis));
    };
  }

  /**
   * The same wait after every attempt.
   *
   * @throws IllegalArgumentException if {@code delay} is negative or longer than {@link
   *     EnqueueOptions#MAX_RUN_IN}
   */
  static Backoff fixed(Duration delay) {
    EnqueueOptions.checkDelay("delay", delay);
    return attempt -> delay;
  }
}
