package dev.errand.server;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dashboard's logins on a server with a token: a browser cannot send the API's bearer header
 * with a page it navigates to, so it gives the token once, on the login form, and gets a session
 * cookie ({@code HttpOnly}, {@code SameSite=Strict}) that stands for it on the dashboard's pages
 * and actions only, never on the API. Sessions live in this server's memory: a restart logs
 * everyone out. Thread-safe.
 */
final class DashboardSessions {
  static final String COOKIE = "errand_session";

  /** How long a login lasts. */
  static final Duration LIFETIME = Duration.ofHours(8);

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private record Session(RequestGuard.Role role, Instant expiry) {}

  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  DashboardSessions(Clock clock) {
    this.clock = clock;
  }

  /** A new session of {@code role}; returns its id, the cookie's value. */
  String start(RequestGuard.Role role) {
    byte[] id = new byte[32];
    random.nextBytes(id);
    String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    Instant now = clock.instant();
    sessions.values().removeIf(live -> !live.expiry().isAfter(now));
    sessions.put(session, new Session(role, now.plus(LIFETIME)));
    return session;
  }

  /** The role of {@code session} (a cookie's value, or null) while it lives; null otherwise. */
  RequestGuard.Role role(String session) {
    if (session == null) {
      return null;
    }
    Session live = sessions.get(session);
    return live != null && live.expiry().isAfter(clock.instant()) ? live.role() : null;
  }

  void end(String session) {
    if (session != null) {
      sessions.remove(session);
    }
  }

  /**
   * The {@code Set-Cookie} value that gives a browser {@code session}, sent back only to the
   * dashboard's paths ({@code path}: its base, or "/").
   */
  static String cookie(String session, String path) {
    return COOKIE
        + "="
        + session
        + "; Path="
        + path
        + "; HttpOnly; SameSite=Strict; Max-Age="
        + LIFETIME.toSeconds();
  }

  /** The {@code Set-Cookie} value that takes the session cookie away. */
  static String expiredCookie(String path) {
    return COOKIE + "=; Path=" + path + "; HttpOnly; SameSite=Strict; Max-Age=0";
  }
}
