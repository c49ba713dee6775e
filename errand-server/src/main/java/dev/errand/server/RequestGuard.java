package dev.errand.server;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What every request passes before its handler, in this order: on a dashboard mounted without a
 * token, the peer's address ({@link ErrandDashboard}); the {@code Host} it names (DNS rebinding),
 * where it comes from ({@code Origin}, {@code Sec-Fetch-Site}: cross-site requests), its bearer
 * token, its declared size, and its media type. Each refusal is an {@link ApiError} naming the
 * header at fault, raised before the body is read. One implementation for {@link ApiServer}, which
 * runs it before every request, and for {@link ErrandDashboard}, which runs it before each of the
 * dashboard's routes in a user's application.
 *
 * <p>Why both origin rules and a strict media type: a web page can make a browser send a form or
 * {@code text/plain} POST, with or without a body, to any address without asking the server first
 * (no CORS preflight). Such a request carries a media type other than JSON, or none; and every
 * browser marks it with an {@code Origin} that is not the server's own. Refusing both means no page
 * can pause a queue or cancel a job through the user's browser, even on a loopback server without a
 * token. Reading is protected by the browser's same-origin policy, as long as the page cannot
 * pretend to be this server: hence the {@code Host} check.
 */
final class RequestGuard {
  private static final String JSON = "application/json";

  private final Dashboard dashboard;
  private final byte[] token;
  private final byte[] readOnlyToken;
  private final long maxBodyBytes;
  private final Hosts hosts;
  private final boolean loopbackClientsOnly;

  /** The request's {@link Role}, as a context attribute, once the guard let it through. */
  static final String ROLE = "errand.role";

  /** What a request may do, by the token it gave (or its dashboard login). */
  enum Role {
    /** Anything: the token's, or any request's on a server without one. */
    ADMIN,
    /** Read: the read-only token's. */
    READ_ONLY;

    String describe() {
      return this == ADMIN ? "the token's holder" : "the read-only token's holder";
    }
  }

  /**
   * A browser's request for a dashboard page without a login, on a server with a token: it is sent
   * to {@link #loginPath}.
   */
  static final class LoginRequired extends RuntimeException {
    final String loginPath;

    LoginRequired(String loginPath) {
      super("log in first", null, false, false);
      this.loginPath = loginPath;
    }
  }

  /**
   * The names a request's {@code Host} header may give, and how to list them when it gives another.
   */
  record Hosts(Predicate<String> allows, String described) {}

  /**
   * {@code token} and {@code readOnlyToken}: null for none; {@code hosts}: null to check no {@code
   * Host}; {@code loopbackClientsOnly}: refuse every request whose peer is not on this machine.
   */
  RequestGuard(
      Dashboard dashboard,
      String token,
      String readOnlyToken,
      long maxBodyBytes,
      Hosts hosts,
      boolean loopbackClientsOnly) {
    this.dashboard = dashboard;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.readOnlyToken =
        readOnlyToken == null ? null : readOnlyToken.getBytes(StandardCharsets.UTF_8);
    this.maxBodyBytes = maxBodyBytes;
    this.hosts = hosts;
    this.loopbackClientsOnly = loopbackClientsOnly;
  }

  /**
   * The server's guard: a loopback server answers only requests that name it (a page on {@code
   * attacker.example} whose DNS name was rebound to 127.0.0.1 sends {@code Host:
   * attacker.example}); a server bound to another address checks only when hosts were configured,
   * and its token protects it. It listens on loopback only when it has no token, so it need not
   * look at the peer's address.
   */
  static RequestGuard forServer(ServerOptions options, Dashboard dashboard) {
    // Once: it may resolve the bound host's name.
    Hosts hosts =
        options.checksHost()
            ? new Hosts(
                options::allowsHost,
                "localhost, the loopback addresses"
                    + (options.allowedHosts().isEmpty()
                        ? ""
                        : " and " + String.join(", ", options.allowedHosts()))
                    + " (add one with --allowed-hosts)")
            : null;
    return new RequestGuard(
        dashboard, options.token(), options.readOnlyToken(), options.maxBodyBytes(), hosts, false);
  }

  void check(Context ctx) {
    if (loopbackClientsOnly) {
      checkClient(ctx.req().getRemoteAddr());
    }
    checkHost(ctx.header("Host"));
    checkOrigin(ctx.header("Origin"), ctx.header("Sec-Fetch-Site"), ctx.header("Host"));
    Role role = Role.ADMIN;
    if (token != null && !ctx.path().equals("/health")) {
      role = checkTokenOrLogin(ctx);
    }
    // A reader changes nothing; it may log out of the dashboard.
    if (role == Role.READ_ONLY
        && changesState(ctx.method())
        && !ctx.path().equals(dashboard.logoutPath())) {
      throw new ApiError(
          403,
          "Authorization",
          "this token reads only: "
              + ctx.method()
              + " "
              + ctx.path()
              + " needs the server's token");
    }
    ctx.attribute(ROLE, role);
    checkLength(ctx.header("Content-Length"));
    if (dashboard.isFormAction(ctx.method(), ctx.path())) {
      checkFormType(ctx.header("Content-Type"));
    } else if (changesState(ctx.method())) {
      checkMediaType(ctx.header("Content-Type"), hasBody(ctx));
    }
  }

  /**
   * Without a token, only this machine's own clients: the address is the peer's, as the container
   * saw it (behind a proxy on the same machine, every client looks local).
   */
  private static void checkClient(String address) {
    if (address == null || !isLoopbackAddress(address)) {
      throw new ApiError(
          403,
          null,
          "this dashboard has no token, so it answers only clients on its own machine, not "
              + address
              + "; give it a token to serve others");
    }
  }

  private static boolean isLoopbackAddress(String address) {
    String literal = address.startsWith("[") ? address.substring(1, address.length() - 1) : address;
    // Only what looks like a literal: a name would be looked up in DNS, and a peer's address is
    // never a name.
    if (!literal.matches("[0-9.]+|.*:.*")) {
      return false;
    }
    try {
      return InetAddress.getByName(literal).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The {@code Host} the request names, against DNS rebinding; see {@link #forServer}. */
  private void checkHost(String host) {
    if (host == null || hosts == null) {
      // HTTP/1.1 requires Host (Jetty refuses a request without one); HTTP/1.0 does not, and no
      // browser sends HTTP/1.0.
      return;
    }
    String name = hostName(host);
    if (name == null || !hosts.allows().test(name)) {
      throw new ApiError(
          421,
          "Host",
          "this server does not answer for host '"
              + host
              + "'; it answers for "
              + hosts.described());
    }
  }

  private static void checkOrigin(String origin, String fetchSite, String host) {
    if (fetchSite != null) {
      String site = fetchSite.trim().toLowerCase(Locale.ROOT);
      if (site.equals("cross-site") || site.equals("same-site")) {
        throw crossSite("Sec-Fetch-Site", "the browser marked it " + site);
      }
    }
    if (origin == null) {
      return;
    }
    if (host == null || !sameAuthority(origin.trim(), host.trim())) {
      throw crossSite("Origin", "it comes from a page at '" + origin + "'");
    }
  }

  private static ApiError crossSite(String field, String why) {
    return new ApiError(
        403,
        field,
        "cross-origin requests are refused: "
            + why
            + ", not this server's own origin; call the API from a server, a script or curl");
  }

  /** Whether {@code origin} ({@code scheme://host[:port]}) names the same host and port. */
  private static boolean sameAuthority(String origin, String host) {
    URI uri;
    try {
      uri = new URI(origin);
    } catch (URISyntaxException e) {
      return false;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    int defaultPort =
        switch (scheme) {
          case "http" -> 80;
          case "https" -> 443;
          default -> -1;
        };
    if (defaultPort < 0 || uri.getHost() == null || uri.getRawPath() == null) {
      return false;
    }
    if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawUserInfo() != null) {
      return false;
    }
    String hostName = hostName(host);
    int hostPort = hostPort(host, defaultPort);
    int originPort = uri.getPort() < 0 ? defaultPort : uri.getPort();
    return hostName != null
        && hostName.equals(uri.getHost().toLowerCase(Locale.ROOT))
        && hostPort == originPort;
  }

  /** The host of a {@code Host} header, lower case, IPv6 in brackets; null when malformed. */
  static String hostName(String header) {
    String host = header.trim().toLowerCase(Locale.ROOT);
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? null : host.substring(0, end + 1);
    }
    int colon = host.indexOf(':');
    String name = colon < 0 ? host : host.substring(0, colon);
    return name.isEmpty() ? null : name;
  }

  private static int hostPort(String header, int defaultPort) {
    String host = header.trim();
    int colon = host.lastIndexOf(':');
    if (colon < 0 || host.indexOf(']', colon) >= 0) {
      return defaultPort;
    }
    try {
      return Integer.parseInt(host.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The bearer token, or on the dashboard's pages and actions its login: a live session cookie
   * (never on the API, whose callers send the token). A browser that has neither is sent to the
   * login form; the form and the stylesheet are open.
   */
  private Role checkTokenOrLogin(Context ctx) {
    if (dashboard.isOpen(ctx.method(), ctx.path())) {
      return Role.ADMIN; // the login form and the stylesheet: they act on nothing
    }
    Role session = dashboard.sessionRole(ctx);
    if (session != null) {
      return session;
    }
    if (ctx.header("Authorization") == null
        && ctx.method() == HandlerType.GET
        && dashboard.isDashboard(ctx)) {
      throw new LoginRequired(dashboard.loginPath());
    }
    return checkToken(ctx);
  }

  private Role checkToken(Context ctx) {
    String header = ctx.header("Authorization");
    byte[] given = new byte[0];
    if (header != null) {
      // RFC 9110 §11.1: the scheme is case-insensitive, and one or more spaces follow it.
      String[] parts = header.trim().split(" +", 2);
      if (parts.length == 2 && parts[0].equalsIgnoreCase("Bearer")) {
        given = parts[1].trim().getBytes(StandardCharsets.UTF_8);
      }
    }
    // Constant-time, so the comparison does not leak how much of a guess was right.
    if (MessageDigest.isEqual(given, token)) {
      return Role.ADMIN;
    }
    if (readOnlyToken != null && MessageDigest.isEqual(given, readOnlyToken)) {
      return Role.READ_ONLY;
    }
    ctx.header("WWW-Authenticate", "Bearer");
    throw new ApiError(
        401,
        "Authorization",
        header == null
            ? "missing Authorization header; send 'Authorization: Bearer <token>'"
            : "invalid bearer token");
  }

  /**
   * Read from the header rather than {@code ctx.contentLength()}, whose {@code int} turns a length
   * of 2 GiB or more into "unknown", so the request would wait for a body that never fits.
   */
  private void checkLength(String header) {
    if (header == null) {
      return;
    }
    long length;
    try {
      length = Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return; // Jetty answers 400 to a length that is not a number or overflows a long
    }
    if (length > maxBodyBytes) {
      throw new ApiError(
          413,
          null,
          "the request body is "
              + header.trim()
              + " bytes, more than the limit of "
              + maxBodyBytes
              + " bytes");
    }
  }

  private static boolean changesState(HandlerType method) {
    return method != HandlerType.GET && method != HandlerType.HEAD;
  }

  private static boolean hasBody(Context ctx) {
    String length = ctx.header("Content-Length");
    return (length != null && !length.trim().equals("0"))
        || ctx.header("Transfer-Encoding") != null;
  }

  /**
   * A request that changes state carries JSON, or no body and no media type (as {@code curl -X
   * POST} sends). A form or {@code text/plain} request is refused even without a body: a browser
   * sends those cross-origin without asking.
   */
  static void checkMediaType(String header, boolean hasBody) {
    if (header == null) {
      if (hasBody) {
        throw unsupported(null);
      }
      return;
    }
    if (!isJson(header)) {
      throw unsupported(header);
    }
  }

  /**
   * The dashboard's actions take the form its pages post, and nothing else; the origin checks above
   * and the form's CSRF token ({@link Dashboard}) keep other pages' forms out.
   */
  private static void checkFormType(String header) {
    String type = header == null ? "" : header.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!type.equals("application/x-www-form-urlencoded")) {
      throw new ApiError(
          415,
          "Content-Type",
          "a dashboard action takes the form its page posts (application/x-www-form-urlencoded),"
              + " was "
              + (header == null ? "missing" : "'" + header + "'"));
    }
  }

  /** {@code application/json}, optionally with {@code charset=utf-8}, and nothing else. */
  static boolean isJson(String header) {
    String[] parts = header.split(";", -1);
    if (!parts[0].trim().toLowerCase(Locale.ROOT).equals(JSON)) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim();
      int equals = parameter.indexOf('=');
      if (equals < 0) {
        return false;
      }
      String name = parameter.substring(0, equals).trim().toLowerCase(Locale.ROOT);
      String value = parameter.substring(equals + 1).trim().toLowerCase(Locale.ROOT);
      if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
        value = value.substring(1, value.length() - 1);
      }
      if (!name.equals("charset") || !value.equals("utf-8")) {
        return false;
      }
    }
    return true;
  }

  private static ApiError unsupported(String type) {
    return new ApiError(
        415,
        "Content-Type",
        "Content-Type must be application/json (optionally with charset=utf-8), was "
            + (type == null ? "missing" : "'" + type + "'"));
  }
}
