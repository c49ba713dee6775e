package dev.errand.sqlite;

import dev.errand.spi.Notifier;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Wake-ups within this process: one process owns the file, so every write that makes jobs available
 * happens here, and the store calls {@link #wake} after it commits.
 */
final class LocalNotifier implements Notifier {
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  @Override
  public AutoCloseable subscribe(Consumer<String> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void wake(Collection<String> queues) {
    for (String queue : queues) {
      for (Consumer<String> listener : listeners) {
        listener.accept(queue);
      }
    }
  }

  void close() {
    listeners.clear();
  }
}
