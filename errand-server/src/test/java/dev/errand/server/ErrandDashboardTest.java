package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.RawArgs;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard mounted in a user's own application: in a Javalin application beside its own
 * routes, and as a servlet in an embedded Jetty under a context path; the same checks as in the
 * server (CSRF token, cross-site requests, login, read-only token, clients of a dashboard without a
 * token), and the application's other routes answering as they would without it.
 */
class ErrandDashboardTest {
  private static final String ADMIN = "admin-token-0123456789";
  private static final String READER = "reader-token-0123456789";

  private final HttpClient http = HttpClient.newHttpClient();
  private final Errand errand = Errand.create(Config.builder(dev.errand.Stores.inMemory()).build());
  private ErrandDashboard dashboard;
  private Javalin app;
  private Javalin bareApp;
  private Server jetty;

  @AfterEach
  void stop() throws Exception {
    if (app != null) {
      app.stop();
    }
    if (bareApp != null) {
      bareApp.stop();
    }
    if (jetty != null) {
      jetty.stop();
    }
    if (dashboard != null) {
      dashboard.close();
    }
    errand.stop(Duration.ofSeconds(5));
  }

  /** The user's own routes: a page, and one that fails. */
  private static void userRoutes(JavalinConfig config) {
    config.startup.showJavalinBanner = false;
    config.routes.get("/hello", ctx -> ctx.result("hello from the app"));
    config.routes.get(
        "/boom",
        ctx -> {
          throw new IllegalArgumentException("the app's own failure");
        });
  }

  /** The user's application with the dashboard mounted; its address. */
  private String startApp(ErrandDashboard dashboard, String host) {
    this.dashboard = dashboard;
    app =
        Javalin.create(
                config -> {
                  userRoutes(config);
                  dashboard.mount(config);
                })
            .start(host, 0);
    return "http://127.0.0.1:" + app.port();
  }

  private HttpResponse<String> get(String url, String cookie) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html");
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String url, String form, String cookie, String origin)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form));
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    if (origin != null) {
      request.header("Origin", origin);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String csrf(HttpResponse<String> page) {
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([A-Za-z0-9_-]+)\"").matcher(page.body());
    assertThat(csrf.find()).as("a form with a CSRF token in %s", page.body()).isTrue();
    return csrf.group(1);
  }

  private boolean paused(String queue) {
    return errand.queues().get(queue).map(q -> q.paused()).orElse(false);
  }

  @Test
  void aJavalinApplicationServesTheDashboardUnderItsBaseAndKeepsItsOwnRoutes() throws Exception {
    long id = errand.enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults()).id();
    String base = startApp(ErrandDashboard.builder(errand, "/errand").build(), "127.0.0.1");

    HttpResponse<String> jobs = get(base + "/errand/jobs", null);
    assertThat(jobs.statusCode()).isEqualTo(200);
    assertThat(jobs.body()).contains("<tr data-id=\"" + id + "\">", "href=\"/errand/queues\"");
    assertThat(jobs.headers().firstValue("Content-Security-Policy"))
        .hasValue(Dashboard.CONTENT_SECURITY_POLICY);
    String css =
        Pattern.compile("href=\"(/errand/assets/[^\"]+\\.css)\"")
            .matcher(jobs.body())
            .results()
            .findFirst()
            .orElseThrow()
            .group(1);
    assertThat(get(base + css, null).statusCode()).isEqualTo(200);
    assertThat(get(base + "/errand/queues", null).body()).contains("default");
    HttpResponse<String> root = get(base + "/errand", null);
    assertThat(root.statusCode()).isEqualTo(303);
    assertThat(root.headers().firstValue("Location")).hasValue("/errand/jobs");

    // The application's own routes answer as in the same application without the dashboard.
    bareApp = Javalin.create(ErrandDashboardTest::userRoutes).start("127.0.0.1", 0);
    String bare = "http://127.0.0.1:" + bareApp.port();
    assertThat(get(base + "/hello", null).body()).isEqualTo("hello from the app");
    for (String path : new String[] {"/nope", "/errand/nope", "/boom", "/hello"}) {
      HttpResponse<String> mounted = get(base + path, null);
      HttpResponse<String> alone = get(bare + path, null);
      assertThat(mounted.statusCode()).as(path).isEqualTo(alone.statusCode());
      assertThat(mounted.body()).as(path).isEqualTo(alone.body());
      assertThat(mounted.headers().firstValue("Content-Type"))
          .as(path)
          .isEqualTo(alone.headers().firstValue("Content-Type"));
    }
    assertThat(get(base + "/nope", null).body()).doesNotContain("\"error\"");
  }

  @Test
  void anActionNeedsTheFormsCsrfTokenAndThisSitesOrigin() throws Exception {
    errand.enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults());
    String base = startApp(ErrandDashboard.builder(errand, "/errand").build(), "127.0.0.1");
    String csrf = csrf(get(base + "/errand/queues", null));
    String pause = base + "/errand/queues/default/pause";

    assertThat(post(pause, "", null, null).statusCode()).isEqualTo(403);
    assertThat(post(pause, "csrf=wrong", null, null).statusCode()).isEqualTo(403);
    HttpResponse<String> crossSite = post(pause, "csrf=" + csrf, null, "http://evil.example");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.body()).contains("\"field\":\"Origin\"");
    assertThat(paused("default")).isFalse();
    RawHttp.Answer rebound =
        new RawHttp(app.port())
            .send(
                "GET /errand/jobs HTTP/1.1\nHost: attacker.example\nConnection: close",
                new byte[0]);
    assertThat(rebound.status()).as("a DNS-rebound name, without a token").isEqualTo(421);

    HttpResponse<String> done = post(pause, "csrf=" + csrf, null, base);
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(done.headers().firstValue("Location")).hasValue("/errand/queues");
    assertThat(paused("default")).isTrue();
  }

  @Test
  void withTokensAPageAsksForALoginAndTheReaderCannotAct() throws Exception {
    errand.enqueue(new RawArgs("send_email", "{}"), EnqueueOptions.defaults());
    String base =
        startApp(
            ErrandDashboard.builder(errand, "/errand").token(ADMIN).readOnlyToken(READER).build(),
            "127.0.0.1");

    HttpResponse<String> jobs = get(base + "/errand/jobs", null);
    assertThat(jobs.statusCode()).isEqualTo(303);
    assertThat(jobs.headers().firstValue("Location")).hasValue("/errand/login");
    assertThat(get(base + "/hello", null).body())
        .as("the application's own route needs no token")
        .isEqualTo("hello from the app");

    String reader = login(base, READER);
    HttpResponse<String> queues = get(base + "/errand/queues", reader);
    assertThat(queues.statusCode()).isEqualTo(200);
    assertThat(queues.body()).doesNotContain(">Pause<");
    String csrf = csrf(queues); // the log-out form's
    HttpResponse<String> refused =
        post(base + "/errand/queues/default/pause", "csrf=" + csrf, reader, null);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("this token reads only");
    assertThat(paused("default")).isFalse();

    String admin = login(base, ADMIN);
    assertThat(get(base + "/errand/queues", admin).body()).contains(">Pause<");
    assertThat(
            post(base + "/errand/queues/default/pause", "csrf=" + csrf, admin, null).statusCode())
        .isEqualTo(303);
    assertThat(paused("default")).isTrue();
  }

  /** Logs in with {@code token}; the session cookie, as a browser sends it back. */
  private String login(String base, String token) throws Exception {
    String csrf = csrf(get(base + "/errand/login", null));
    HttpResponse<String> login =
        post(base + "/errand/login", "csrf=" + csrf + "&token=" + token, null, null);
    assertThat(login.statusCode()).isEqualTo(303);
    String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("Path=/errand;", "HttpOnly", "SameSite=Strict");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void withoutATokenOnlyThisMachinesClientsAreServedUnlessTheApplicationSaysOtherwise()
      throws Exception {
    Optional<InetAddress> own = ownNonLoopbackAddress();
    assumeTrue(own.isPresent(), "this machine has no address but loopback");
    String address = own.get().getHostAddress();

    startApp(ErrandDashboard.builder(errand, "/errand").build(), "0.0.0.0");
    HttpResponse<String> refused =
        get("http://" + address + ":" + app.port() + "/errand/jobs", null);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.body()).contains("has no token");
    assertThat(get("http://" + address + ":" + app.port() + "/hello", null).statusCode())
        .isEqualTo(200);
    app.stop();
    dashboard.close();

    startApp(
        ErrandDashboard.builder(errand, "/errand").allowAnyClientWithoutToken().build(), "0.0.0.0");
    assertThat(get("http://" + address + ":" + app.port() + "/errand/jobs", null).statusCode())
        .isEqualTo(200);
  }

  private static Optional<InetAddress> ownNonLoopbackAddress() throws Exception {
    for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (network.isUp() && !network.isLoopback()) {
        for (InetAddress address : Collections.list(network.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return Optional.of(address);
          }
        }
      }
    }
    return Optional.empty();
  }

  @Test
  void theServletInAServletContainerServesThePagesAndActsWithTheCsrfToken() throws Exception {
    dashboard = ErrandDashboard.builder(errand, "/errand").build();
    jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/app");
    context.addServlet(new ServletHolder(dashboard.servlet()), "/errand/*");
    jetty.setHandler(context);
    jetty.start();
    String base = "http://127.0.0.1:" + connector.getLocalPort();
    long id = errand.enqueue(new RawArgs("render", "{}"), EnqueueOptions.defaults()).id();

    HttpResponse<String> jobs = get(base + "/app/errand/jobs", null);
    assertThat(jobs.statusCode()).isEqualTo(200);
    assertThat(jobs.body())
        .as("the links include the context's path")
        .contains("<tr data-id=\"" + id + "\">", "href=\"/app/errand/queues\"");
    assertThat(jobs.headers().firstValue("Content-Security-Policy"))
        .hasValue(Dashboard.CONTENT_SECURITY_POLICY);
    assertThat(get(base + "/app/errand/jobs/" + id, null).body()).contains("render");

    String csrf = csrf(get(base + "/app/errand/queues", null));
    String pause = base + "/app/errand/queues/default/pause";
    assertThat(post(pause, "csrf=wrong", null, null).statusCode()).isEqualTo(403);
    assertThat(paused("default")).isFalse();
    HttpResponse<String> done = post(pause, "csrf=" + csrf, null, base);
    assertThat(done.statusCode()).isEqualTo(303);
    assertThat(done.headers().firstValue("Location")).hasValue("/app/errand/queues");
    assertThat(paused("default")).isTrue();
  }

  @Test
  void theBuilderRefusesWhatCannotBeSafe() {
    assertThatThrownBy(() -> ErrandDashboard.builder(errand, "/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("basePath");
    assertThatThrownBy(() -> ErrandDashboard.builder(errand, "/errand/").build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ErrandDashboard.builder(errand, "/errand").token("short").build())
        .hasMessageContaining("token must be at least");
    assertThatThrownBy(
            () -> ErrandDashboard.builder(errand, "/errand").readOnlyToken(READER).build())
        .hasMessageContaining("read-only-token needs a token beside it");
    assertThatThrownBy(
            () ->
                ErrandDashboard.builder(errand, "/errand")
                    .token(ADMIN)
                    .allowAnyClientWithoutToken()
                    .build())
        .hasMessageContaining("allowAnyClientWithoutToken");
  }
}
