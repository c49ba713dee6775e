package dev.errand;

import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An in-process store given a clock of its own ({@link Store#time()}), as a database server has:
 * nodes then measure their offset to it. Every other call goes to the store it wraps.
 */
final class StoreWithClock {
  private StoreWithClock() {}

  /** {@code delegate}, whose {@link Store#time()} answers {@code time}. */
  static Store of(Store delegate, Supplier<Optional<Instant>> time) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("time") && method.getParameterCount() == 0) {
                return time.get();
              }
              try {
                return method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
