package dev.errand.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the HTTP server listens and what it accepts.
 *
 * @param host the address to bind; anything but a loopback address requires a {@code token}
 * @param port the port; 0 picks a free one
 * @param token the bearer token every request except {@code /health} must carry, or null for none
 *     (allowed on loopback only)
 * @param maxBodyBytes the largest request body
 * @param queues the queues the API accepts jobs and workers for; {@code *} accepts any
 * @param allowedHosts host names the {@code Host} header may give besides {@code localhost} and the
 *     loopback addresses (lower case, without port): on a loopback server every other name is
 *     refused, against DNS rebinding; on any other address, setting them turns the check on
 * @param readOnlyToken a second token, or null: it reads (the API's GET routes, the dashboard's
 *     pages) and changes nothing; only beside a {@code token}, and not the same
 * @param dashboardPath where the dashboard's pages begin: "" for the root ({@code /jobs}), or a
 *     path such as {@code /errand} ({@code /errand/jobs}) behind a proxy that serves other things
 */
public record ServerOptions(
    String host,
    int port,
    String token,
    long maxBodyBytes,
    Set<String> queues,
    Set<String> allowedHosts,
    String readOnlyToken,
    String dashboardPath) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final long DEFAULT_MAX_BODY_BYTES = 4L * 1024 * 1024;
  public static final int MIN_TOKEN_LENGTH = 16;
  public static final String ANY_QUEUE = "*";

  public ServerOptions {
    queues = Set.copyOf(queues);
    dashboardPath = dashboardPath == null || dashboardPath.equals("/") ? "" : dashboardPath;
    if (!dashboardPath.isEmpty()
        && (!isDashboardPath(dashboardPath)
            || dashboardPath.equals("/api")
            || dashboardPath.startsWith("/api/"))) {
      throw new IllegalArgumentException(
          "dashboard-path: '"
              + dashboardPath
              + "' is not a path such as /errand (segments of letters, digits, '.', '_' and '-',"
              + " no trailing slash, not under /api)");
    }
    Set<String> hosts = new TreeSet<>();
    for (String allowed : allowedHosts) {
      String name = allowed.trim().toLowerCase(Locale.ROOT);
      if (!name.matches("[a-z0-9.-]+|\\[[0-9a-f:.]+\\]")) {
        throw new IllegalArgumentException(
            "allowed-hosts: '"
                + allowed
                + "' is not a host name or address (give names such as jobs.internal, without a"
                + " port; IPv6 in brackets)");
      }
      hosts.add(name);
    }
    allowedHosts = Collections.unmodifiableSet(hosts);
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
    }
    if (maxBodyBytes < 1024) {
      throw new IllegalArgumentException(
          "max-body-bytes must be at least 1024, was " + maxBodyBytes);
    }
    if (queues.isEmpty()) {
      throw new IllegalArgumentException("queues must name at least one queue, or '*'");
    }
    checkTokens(token, readOnlyToken);
    // Refuse to expose an unauthenticated job API beyond this machine.
    if (token == null && !isLoopback(host)) {
      throw new IllegalArgumentException(
          "host "
              + host
              + " is not a loopback address: set a token (--token or ERRAND_TOKEN, at least "
              + MIN_TOKEN_LENGTH
              + " characters) to listen on it");
    }
  }

  /**
   * Refuses a token shorter than {@value #MIN_TOKEN_LENGTH} characters, and a read-only token
   * without a token beside it, too short, or the same: the server's rules, and a mounted
   * dashboard's ({@link ErrandDashboard}).
   */
  static void checkTokens(String token, String readOnlyToken) {
    if (token != null && token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(
          "token must be at least " + MIN_TOKEN_LENGTH + " characters, was " + token.length());
    }
    if (readOnlyToken != null) {
      if (token == null) {
        throw new IllegalArgumentException(
            "read-only-token needs a token beside it (--token or ERRAND_TOKEN): without one,"
                + " every request may change anything anyway");
      }
      if (readOnlyToken.length() < MIN_TOKEN_LENGTH) {
        throw new IllegalArgumentException(
            "read-only-token must be at least "
                + MIN_TOKEN_LENGTH
                + " characters, was "
                + readOnlyToken.length());
      }
      if (readOnlyToken.equals(token)) {
        throw new IllegalArgumentException("read-only-token must differ from the token");
      }
    }
  }

  /** With no hosts allowed besides localhost and the loopback addresses. */
  public ServerOptions(String host, int port, String token, long maxBodyBytes, Set<String> queues) {
    this(host, port, token, maxBodyBytes, queues, Set.of(), null, "");
  }

  /** Loopback, port 8080, no token, 4 MiB bodies, queue {@code default} only. */
  public static ServerOptions defaults() {
    return new ServerOptions(
        DEFAULT_HOST, DEFAULT_PORT, null, DEFAULT_MAX_BODY_BYTES, Set.of("default"));
  }

  public ServerOptions withPort(int port) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  public ServerOptions withToken(String token) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  public ServerOptions withQueues(Set<String> queues) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  public ServerOptions withMaxBodyBytes(long maxBodyBytes) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  public ServerOptions withReadOnlyToken(String readOnlyToken) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  /** The dashboard under {@code dashboardPath} ({@code /errand}), or "" or "/" for the root. */
  public ServerOptions withDashboardPath(String dashboardPath) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  public ServerOptions withAllowedHosts(Set<String> allowedHosts) {
    return new ServerOptions(
        host, port, token, maxBodyBytes, queues, allowedHosts, readOnlyToken, dashboardPath);
  }

  /** Whether requests' {@code Host} headers are checked: on loopback, or when hosts are given. */
  boolean checksHost() {
    return !allowedHosts.isEmpty() || isLoopback(host);
  }

  /** Whether {@code name} (lower case, IPv6 in brackets) may be a request's host. */
  boolean allowsHost(String name) {
    return isLoopbackName(name) || allowedHosts.contains(name);
  }

  /**
   * Whether {@code path} may be where a dashboard begins: segments of letters, digits, '.', '_' and
   * '-', each after a slash, with no trailing one ({@code /errand}, {@code /admin/jobs}).
   */
  static boolean isDashboardPath(String path) {
    return path.matches("(/[A-Za-z0-9._-]+)+");
  }

  /** Whether {@code name} (a {@code Host} header's, lower case) is localhost or a loopback one. */
  static boolean isLoopbackName(String name) {
    return name.equals("localhost")
        || name.equals("[::1]")
        || name.matches("127\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}");
  }

  boolean acceptsQueue(String queue) {
    return queues.contains(ANY_QUEUE) || queues.contains(queue);
  }

  /** Refuses, naming {@code field}, a queue this server does not accept. */
  void checkAccepted(String field, String queue) {
    if (!acceptsQueue(queue)) {
      throw ApiError.badRequest(
          field,
          "unknown queue '"
              + queue
              + "'; this server accepts "
              + String.join(", ", new TreeSet<>(queues)));
    }
  }

  static boolean isLoopback(String host) {
    if (host == null || host.isBlank()) {
      return false;
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(host)) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("host '" + host + "' cannot be resolved", e);
    }
  }
}
