package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The store passed to a config is the caller's: closing the Errand leaves it open. */
class StoreOwnershipTest {

  @JobKind("ping")
  record Ping() implements JobArgs {}

  @Test
  void closingAnErrandLeavesItsStoreOpenForItsOwnerToClose() {
    Store memory = Stores.inMemory();
    AtomicInteger closes = new AtomicInteger();
    Store store =
        (Store)
            Proxy.newProxyInstance(
                Store.class.getClassLoader(),
                new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("close")) {
                    closes.incrementAndGet();
                  }
                  try {
                    return method.invoke(memory, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    Config config =
        Config.builder(store)
            .queue(Config.DEFAULT_QUEUE, 1)
            .worker(Ping.class, job -> Outcome.complete())
            .build();

    try (store) {
      try (Errand errand = Errand.create(config).start()) {
        errand.enqueue(new Ping());
      }
      assertThat(closes).hasValue(0);
      // Still open: another Errand on the same store works, as a restart within the process would.
      try (Errand again = Errand.create(config)) {
        assertThat(again.enqueue(new Ping()).state()).isEqualTo(JobState.AVAILABLE);
      }
      assertThat(closes).hasValue(0);
    }
    assertThat(closes).hasValue(1);
  }
}
