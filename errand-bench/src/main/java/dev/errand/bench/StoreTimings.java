package dev.errand.bench;

import dev.errand.spi.JobFinishManyResult;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * For {@code --store-timings}: wraps a store to count and time every call the engine makes, so that
 * a run shows where each phase's time goes (for PostgreSQL, mostly the round-trips of its
 * statements). Thread-safe. Calls overlap across threads, so their total may exceed the phase's
 * wall time.
 */
final class StoreTimings implements InvocationHandler {
  private final Store target;
  private final Store proxy;
  private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
  private long phaseStart = System.nanoTime();

  StoreTimings(Store target) {
    this.target = target;
    this.proxy =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(), new Class<?>[] {Store.class}, this);
  }

  /** The store to run on: {@code target}, timed. */
  Store store() {
    return proxy;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    long start = System.nanoTime();
    Object result;
    try {
      result = method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
    long nanos = System.nanoTime() - start;
    tallies.computeIfAbsent(method.getName(), name -> new Tally()).add(nanos, items(result));
    return result;
  }

  /** Jobs a call returned or applied, where that means anything. */
  private static long items(Object result) {
    return switch (result) {
      case Collection<?> c -> c.size();
      case JobFinishManyResult r -> r.applied().size();
      case null, default -> 0;
    };
  }

  /** Starts counting afresh, for a phase that starts now. */
  void reset() {
    tallies.clear();
    phaseStart = System.nanoTime();
  }

  /**
   * The calls since the last {@link #reset()}, one line each.
   *
   * @param phase what ran, for the heading
   */
  String report(String phase) {
    long wallNanos = System.nanoTime() - phaseStart;
    Map<String, Tally> sorted = new TreeMap<>(tallies);
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT, "store calls during %s (%.0f ms of wall time):", phase, wallNanos / 1e6));
    lines.add(
        String.format(
            Locale.ROOT,
            "  %-18s %9s %10s %9s %9s %11s",
            "call",
            "calls",
            "total ms",
            "mean ms",
            "max ms",
            "jobs/call"));
    sorted.forEach(
        (name, t) -> {
          long calls = t.calls.sum();
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  %-18s %,9d %,10.1f %9.3f %9.3f %,11.1f",
                  name,
                  calls,
                  t.nanos.sum() / 1e6,
                  t.nanos.sum() / 1e6 / calls,
                  t.maxNanos.get() / 1e6,
                  (double) t.items.sum() / calls));
        });
    return String.join(System.lineSeparator(), lines);
  }

  private static final class Tally {
    final LongAdder calls = new LongAdder();
    final LongAdder nanos = new LongAdder();
    final LongAdder items = new LongAdder();
    final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

    void add(long callNanos, long callItems) {
      calls.increment();
      nanos.add(callNanos);
      items.add(callItems);
      maxNanos.accumulate(callNanos);
    }
  }
}
