package dev.errand;

/**
 * Hears about every attempt this node finishes, after the store recorded it: for metrics, logs and
 * tests. Called on the engine's completer thread: return quickly and do not throw (an exception is
 * logged and ignored).
 */
@FunctionalInterface
public interface JobListener {
  void onJobEvent(JobEvent event);
}
