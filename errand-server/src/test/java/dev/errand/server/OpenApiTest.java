package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document in the repository describes exactly the routes the server has, each with the
 * answers any route can give. What each answer holds is checked on every exchange of the API tests
 * ({@link OpenApiCheck}).
 */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

  /** What the guard, Jetty and the exception handlers can answer on any route. */
  private static final Set<String> ANY_ROUTE =
      Set.of("400", "403", "408", "413", "414", "421", "431", "500");

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
    List<String> documented = new ArrayList<>();
    operations((name, operation) -> documented.add(name));

    try (TestServer server = TestServer.memory()) {
      assertThat(documented).containsExactlyInAnyOrderElementsOf(server.server.routeNames());
    }
  }

  /**
   * Besides {@link #ANY_ROUTE}: 401 on every route but /health, which needs no token; 415 on the
   * routes that read a body (POST and DELETE); 503 on those that use the store (under /api).
   */
  @Test
  void everyOperationListsTheAnswersAnyRouteCanGive() throws Exception {
    List<String> missing = new ArrayList<>();
    operations(
        (name, operation) -> {
          String method = name.substring(0, name.indexOf(' '));
          String path = name.substring(name.indexOf(' ') + 1);
          Set<String> expected = new TreeSet<>(ANY_ROUTE);
          if (!path.equals("/health")) {
            expected.add("401");
          }
          if (method.equals("POST") || method.equals("DELETE")) {
            expected.add("415");
          }
          if (path.startsWith("/api/")) {
            expected.add("503");
          }
          operation.get("responses").fieldNames().forEachRemaining(expected::remove);
          if (!expected.isEmpty()) {
            missing.add(name + " lacks " + expected);
          }
        });

    assertThat(missing).isEmpty();
  }

  /** Each operation of the document, as "METHOD /path", with its definition. */
  private static void operations(BiConsumer<String, JsonNode> each) throws IOException {
    JsonNode spec;
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      spec = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    spec.get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        operation -> {
                          if (METHODS.contains(operation.getKey())) {
                            each.accept(
                                operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(),
                                operation.getValue());
                          }
                        }));
  }
}
