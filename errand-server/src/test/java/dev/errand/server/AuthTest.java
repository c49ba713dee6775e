package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.Config;
import dev.errand.Errand;
import dev.errand.server.OpenApiCheck.Scope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Security by default: loopback without a token, a token everywhere else. */
class AuthTest {

  @Test
  void theDefaultsBindLoopbackWithoutAToken() {
    ServerOptions defaults = ServerOptions.defaults();
    assertThat(defaults.host()).isEqualTo("127.0.0.1");
    assertThat(defaults.token()).isNull();
  }

  @Test
  void aNonLoopbackAddressWithoutATokenIsRefused() {
    assertThatThrownBy(() -> new ServerOptions("0.0.0.0", 8080, null, 4096, Set.of("default")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("host 0.0.0.0 is not a loopback address: set a token");
  }

  @Test
  void aShortTokenIsRefused() {
    assertThatThrownBy(() -> ServerOptions.defaults().withToken("short"))
        .hasMessage("token must be at least 16 characters, was 5");
  }

  @Test
  void withATokenAnyAddressServesOnlyRequestsThatCarryIt() throws Exception {
    String token = "a-long-enough-token-42";
    Errand errand = Errand.create(Config.builder(dev.errand.Stores.inMemory()).build());
    try (ApiServer server =
        new ApiServer(errand, new ServerOptions("0.0.0.0", 0, token, 4096, Set.of("default")))
            .start()) {
      String base = "http://127.0.0.1:" + server.port();

      assertThat(status(base + "/health", null)).isEqualTo(200);
      assertThat(status(base + "/api/queues", null)).isEqualTo(401);
      assertThat(status(base + "/api/queues", "Bearer " + token + "x")).isEqualTo(401);
      assertThat(status(base + "/api/queues", "Basic " + token)).isEqualTo(401);
      assertThat(status(base + "/api/queues", "Bearer " + token)).isEqualTo(200);
      // RFC 9110 §11.1: the scheme is case-insensitive.
      assertThat(status(base + "/api/queues", "bearer " + token)).isEqualTo(200);
      assertThat(status(base + "/api/queues", "BEARER  " + token)).isEqualTo(200);
      assertThat(status(base + "/api/queues", "Bearer" + token)).isEqualTo(401);
      assertThat(status(base + "/ready", null)).isEqualTo(401);
    }
  }

  /**
   * The status of a GET, its exchange checked against openapi.yaml. Whole, as the document's
   * security takes a token or none, and a wrong one is the server's to refuse.
   */
  private static int status(String url, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpRequest built = request.build();
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(built, HttpResponse.BodyHandlers.ofString());
    OpenApiCheck.check(built, response, Scope.EXCHANGE);
    return response.statusCode();
  }
}
