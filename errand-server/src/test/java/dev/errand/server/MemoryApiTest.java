package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.server.TestServer.Response;
import dev.errand.spi.Capability;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemoryApiTest extends ApiTest {
  @Override
  protected TestServer startServer() {
    return TestServer.memory();
  }

  @Test
  void aStoreWithoutUniqueJobsRefusesAUniqueJobByItsFieldAndStoresNothing() throws Exception {
    try (TestServer plain =
        new TestServer(without(Capability.UNIQUE_JOBS, dev.errand.Stores.inMemory()), null, null)) {
      List<Object> before = plain.snapshot();
      Response refused =
          plain.post(
              "/api/jobs",
              "{\"jobs\": [{\"kind\": \"a\"}, {\"kind\": \"b\", \"unique\": {\"args\": true}}]}");

      assertThat(refused.status()).as(refused.text()).isEqualTo(400);
      assertThat(refused.json().get("field").asText()).isEqualTo("jobs[1].unique");
      assertThat(refused.json().get("error").asText())
          .startsWith("jobs[1].unique: job of kind 'b' is unique, but ")
          .endsWith(" cannot enforce uniqueness (no UNIQUE_JOBS capability)");
      assertThat(plain.snapshot()).isEqualTo(before);
    }
  }

  @Test
  void aStoreWithoutDependenciesRefusesDependsOnByItsFieldAndBatchesAndStoresNothing()
      throws Exception {
    try (TestServer plain =
        new TestServer(
            without(Capability.DEPENDENCIES, dev.errand.Stores.inMemory()), null, null)) {
      long first = plain.post("/api/jobs", "{\"kind\": \"a\"}").json().get("id").asLong();
      List<Object> before = plain.snapshot();

      Response job = plain.post("/api/jobs", "{\"kind\": \"b\", \"dependsOn\": [" + first + "]}");
      assertThat(job.status()).as(job.text()).isEqualTo(400);
      assertThat(job.json().get("field").asText()).isEqualTo("dependsOn");
      assertThat(job.json().get("error").asText())
          .startsWith("dependsOn: ")
          .endsWith(" has no job dependencies (Capability.DEPENDENCIES), so no dependsOn");
      Response batch =
          plain.post(
              "/api/batches", "{\"jobs\": [{\"kind\": \"a\"}], \"onFinish\": {\"kind\": \"b\"}}");
      assertThat(batch.status()).as(batch.text()).isEqualTo(400);
      assertThat(batch.json().has("field")).isFalse();
      assertThat(batch.json().get("error").asText())
          .endsWith(" has no job dependencies (Capability.DEPENDENCIES), so no batches");
      assertThat(plain.snapshot()).isEqualTo(before);
    }
  }

  /** {@code store} as it is, but for {@code capability}. */
  private static Store without(Capability capability, Store store) {
    Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
    capabilities.addAll(store.capabilities());
    capabilities.remove(capability);
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("capabilities")) {
                return capabilities;
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
