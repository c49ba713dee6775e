package dev.errand.server;

import dev.errand.Errand;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Handler;
import io.javalin.http.servlet.JavalinServlet;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The web dashboard of {@code errand server}, to mount in an application of one's own: into a
 * Javalin application ({@link #mount}) or, as a {@link #servlet()}, into any servlet container.
 * Every page, action, asset and the login cookie live under the base path ({@code /errand}: {@code
 * /errand/jobs}); nothing else of the application changes.
 *
 * <pre>{@code
 * ErrandDashboard dashboard = ErrandDashboard.builder(errand, "/errand").token(adminToken).build();
 * Javalin.create(config -> dashboard.mount(config)).start(8080);
 * // or, in a servlet container:
 * context.addServlet(new ServletHolder(dashboard.servlet()), "/errand/*");
 * }</pre>
 *
 * <p>Each request to the dashboard passes the server's own checks: cross-site requests refused (its
 * {@code Origin} or {@code Sec-Fetch-Site}), a CSRF token in every action's form, the token or a
 * login (a session cookie, {@code HttpOnly}, {@code SameSite=Strict}, for the base path only), the
 * read-only token's holder acting on nothing, and a strict Content-Security-Policy on every page.
 *
 * <p>Who may use a dashboard without a token: the server refuses to listen off loopback without
 * one, but a mounted dashboard cannot know where its application listens. So without a token it
 * answers only clients on its own machine: a peer with a loopback address, naming {@code localhost}
 * or a loopback address in its {@code Host} (against DNS rebinding); anyone else gets 403. Behind a
 * proxy on the same machine every client looks local: give it a token there. An application that
 * authenticates in front of the dashboard (a filter, a proxy) may instead call {@link
 * Builder#allowAnyClientWithoutToken()}: then whoever reaches the base path acts as admin.
 *
 * <p>Thread-safe. {@link #close()} stops the overview's sampling; the {@link Errand} is the
 * caller's to close.
 */
public final class ErrandDashboard implements AutoCloseable {
  private final Errand errand;
  private final String basePath;
  private final String token;
  private final String readOnlyToken;
  private final boolean anyClientWithoutToken;
  private final long searchWindow;

  /** Each mount's dashboard, to close; one per mount, since each may sit under its own context. */
  private final List<Dashboard> mounted = new CopyOnWriteArrayList<>();

  private ErrandDashboard(Builder builder) {
    this.errand = builder.errand;
    this.basePath = builder.basePath;
    this.token = builder.token;
    this.readOnlyToken = builder.readOnlyToken;
    this.anyClientWithoutToken = builder.anyClientWithoutToken;
    this.searchWindow = builder.searchWindow;
  }

  /**
   * A dashboard of {@code errand} under {@code basePath}: a path such as {@code /errand}, segments
   * of letters, digits, '.', '_' and '-' with no trailing slash; not the root, which is the
   * application's.
   */
  public static Builder builder(Errand errand, String basePath) {
    return new Builder(errand, basePath);
  }

  /** Where its pages begin, within the application: {@code /errand}. */
  public String basePath() {
    return basePath;
  }

  /**
   * Adds the dashboard's routes to a Javalin application being configured, each behind the checks
   * and answering its own errors, so that the application's other routes, before-handlers,
   * exception and error handlers behave as they did. Set {@code config.router.contextPath} before
   * calling this: the pages' links and cookie include it.
   */
  public void mount(JavalinConfig config) {
    mountAt(config, config.router.contextPath.replaceAll("/+$", ""));
  }

  /**
   * A servlet to map at {@code <basePath>/*} (it answers nothing outside the base path); its pages
   * include the servlet context's path in their links. Each call gives a new servlet, with its own
   * logins; the container's {@code destroy} ends them.
   */
  public Servlet servlet() {
    return new MountedServlet();
  }

  /** Stops the overview's sampling of every mount. */
  @Override
  public void close() {
    mounted.forEach(Dashboard::close);
  }

  /**
   * {@code contextPath}: where the application's paths begin for a browser ("" at the root);
   * Javalin routes a request by its path within the application, the pages link with the whole.
   */
  private Dashboard mountAt(JavalinConfig config, String contextPath) {
    Dashboard dashboard = new Dashboard(errand, token, readOnlyToken, contextPath + basePath);
    dashboard.searchWindow(searchWindow);
    mounted.add(dashboard);
    RequestGuard guard = guard(dashboard);
    dashboard.addTo(
        (method, path, handler) ->
            config.routes.addHttpHandler(
                method, path.substring(contextPath.length()), guarded(guard, handler)));
    return dashboard;
  }

  private RequestGuard guard(Dashboard dashboard) {
    boolean localOnly = token == null && !anyClientWithoutToken;
    RequestGuard.Hosts loopbackNames =
        new RequestGuard.Hosts(
            ServerOptions::isLoopbackName,
            "localhost and the loopback addresses: a dashboard without a token serves only its own"
                + " machine");
    // The server's default body limit: the largest form, a bulk action's 1,000 ids, is far below.
    return new RequestGuard(
        dashboard,
        token,
        readOnlyToken,
        ServerOptions.DEFAULT_MAX_BODY_BYTES,
        localOnly ? loopbackNames : null,
        localOnly);
  }

  /**
   * The guard, then the route; what either throws is answered here, not by the application's
   * exception handlers, which are the user's.
   */
  private static Handler guarded(RequestGuard guard, Handler route) {
    return ctx -> {
      try {
        guard.check(ctx);
        route.handle(ctx);
      } catch (Exception e) {
        ErrorAnswers.answer(e, ctx);
      }
    };
  }

  /**
   * Javalin's servlet of an application that holds only the dashboard. Built when the container
   * initializes it, because only then is the context's path known.
   */
  private final class MountedServlet extends GenericServlet {
    private transient Servlet javalin;
    private transient Dashboard dashboard;

    @Override
    public void init(ServletConfig servletConfig) throws ServletException {
      super.init(servletConfig);
      String contextPath = servletConfig.getServletContext().getContextPath();
      // Javalin's own javalinServlet() is its Jetty servlet, which needs Jetty's WebSocket support
      // set up in the container; the dashboard has no WebSocket, and the plain HTTP servlet runs
      // in any container.
      Servlet app =
          new JavalinServlet(
              Javalin.create(
                      config -> {
                        config.startup.showJavalinBanner = false;
                        dashboard = mountAt(config, contextPath);
                      })
                  .unsafe);
      app.init(servletConfig);
      javalin = app;
    }

    @Override
    public void service(ServletRequest request, ServletResponse response)
        throws ServletException, IOException {
      javalin.service(request, response);
    }

    @Override
    public void destroy() {
      if (javalin != null) {
        javalin.destroy();
        dashboard.close();
      }
    }
  }

  /** What a mounted dashboard needs: the Errand and base path, and optionally its tokens. */
  public static final class Builder {
    private final Errand errand;
    private final String basePath;
    private String token;
    private String readOnlyToken;
    private boolean anyClientWithoutToken;
    private long searchWindow = Dashboard.SEARCH_WINDOW;

    private Builder(Errand errand, String basePath) {
      this.errand = Objects.requireNonNull(errand, "errand");
      Objects.requireNonNull(basePath, "basePath");
      if (!ServerOptions.isDashboardPath(basePath)) {
        throw new IllegalArgumentException(
            "basePath: '"
                + basePath
                + "' is not a path such as /errand (segments of letters, digits, '.', '_' and '-',"
                + " no trailing slash, not the root)");
      }
      this.basePath = basePath;
    }

    /**
     * The admin token, at least {@value ServerOptions#MIN_TOKEN_LENGTH} characters: the login form
     * takes it (or a request its {@code Authorization: Bearer}), and then any client may use the
     * dashboard. Null for none.
     */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** A second token that reads every page and acts on nothing; only beside {@link #token}. */
    public Builder readOnlyToken(String readOnlyToken) {
      this.readOnlyToken = readOnlyToken;
      return this;
    }

    /**
     * Serves every client without a token, as admin, instead of only this machine's: for an
     * application that authenticates its users in front of the dashboard. The cross-site and CSRF
     * checks still hold. Not with a token.
     */
    public Builder allowAnyClientWithoutToken() {
      this.anyClientWithoutToken = true;
      return this;
    }

    /** The ids one jobs page reads at most (see {@link Dashboard#SEARCH_WINDOW}): for tests. */
    Builder searchWindow(long ids) {
      this.searchWindow = ids;
      return this;
    }

    /**
     * @throws IllegalArgumentException a token too short, a read-only token without a token or
     *     equal to it, or {@link #allowAnyClientWithoutToken()} beside a token
     */
    public ErrandDashboard build() {
      ServerOptions.checkTokens(token, readOnlyToken);
      if (anyClientWithoutToken && token != null) {
        throw new IllegalArgumentException(
            "allowAnyClientWithoutToken: this dashboard has a token, which every client needs;"
                + " drop one or the other");
      }
      return new ErrandDashboard(this);
    }
  }
}
