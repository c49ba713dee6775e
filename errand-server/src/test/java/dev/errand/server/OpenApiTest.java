package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The OpenAPI document in the repository describes exactly the routes the server has. */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
    JsonNode spec;
    try (InputStream in = ApiServer.class.getResourceAsStream("openapi.yaml")) {
      spec = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    List<String> documented = new ArrayList<>();
    spec.get("paths")
        .properties()
        .forEach(
            path ->
                path.getValue()
                    .properties()
                    .forEach(
                        operation -> {
                          if (METHODS.contains(operation.getKey())) {
                            documented.add(
                                operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                          }
                        }));

    try (TestServer server = TestServer.memory()) {
      assertThat(documented).containsExactlyInAnyOrderElementsOf(server.server.routeNames());
    }
  }
}
