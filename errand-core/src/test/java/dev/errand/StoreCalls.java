package dev.errand;

import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * Lets a test wait for the engine to have acted: a store that tells the test when a call it
 * expects, one that started after the test said so, has returned. "Nothing happened" is then
 * checked after the engine had its chance (a stage pass at the new time, a fetch after the
 * enqueue), not at the instant after the test moved the clock.
 */
final class StoreCalls {
  private final List<Expected<?>> pending = new CopyOnWriteArrayList<>();

  /** {@code delegate}, reporting its calls to this. */
  Store observe(Store delegate) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              // Only the expectations made before the call started can be met by it.
              List<Expected<?>> waiting = List.copyOf(pending);
              Object result;
              try {
                result = method.invoke(delegate, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              for (Expected<?> expected : waiting) {
                expected.offer(method, args, result);
              }
              return result;
            });
  }

  /**
   * Expects a call of {@code method} whose one parameter matches {@code matching}, starting after
   * this returns.
   */
  <P> Expected<P> expect(String method, Class<P> paramsType, Predicate<? super P> matching) {
    Expected<P> expected = new Expected<>(method, paramsType, matching);
    pending.add(expected);
    return expected;
  }

  /** A call a test expects; see {@link #expect}. */
  final class Expected<P> {
    private final String method;
    private final Class<P> paramsType;
    private final Predicate<? super P> matching;
    private final CompletableFuture<Object> result = new CompletableFuture<>();

    private Expected(String method, Class<P> paramsType, Predicate<? super P> matching) {
      this.method = method;
      this.paramsType = paramsType;
      this.matching = matching;
    }

    private void offer(Method called, Object[] args, Object returned) {
      if (called.getName().equals(method)
          && args != null
          && args.length == 1
          && paramsType.isInstance(args[0])
          && matching.test(paramsType.cast(args[0]))) {
        result.complete(returned);
        pending.remove(this);
      }
    }

    /** Waits until such a call has returned, and returns what it returned. */
    Object await() {
      Awaitility.await().until(result::isDone);
      return result.join();
    }
  }
}
