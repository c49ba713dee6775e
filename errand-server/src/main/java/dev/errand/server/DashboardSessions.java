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
  private final Map<String, Instant> expiries = new ConcurrentHashMap<>();

  DashboardSessions(Clock clock) {
    this.clock = clock;
  }

  /** A new session; returns its id, the cookie's value. */
  String start() {
    byte[] id = new byte[32];
    random.nextBytes(id);
    String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    Instant now = clock.instant();
    expiries.values().removeIf(expiry -> !expiry.isAfter(now));
    expiries.put(session, now.plus(LIFETIME));
    return session;
  }

  /** Whether {@code session} (a cookie's value, or null) is a live session. */
  boolean isLive(String session) {
    if (session == null) {
      return false;
    }
    Instant expiry = expiries.get(session);
    return expiry != null && expiry.isAfter(clock.instant());
  }

  void end(String session) {
    if (session != null) {
      expiries.remove(session);
    }
  }

  /** The {@code Set-Cookie} value that gives a browser {@code session}. */
  static String cookie(String session) {
    return COOKIE
        + "="
        + session
        + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        + LIFETIME.toSeconds();
  }

  /** The {@code Set-Cookie} value that takes the session cookie away. */
  static String expiredCookie() {
    return COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  }
}
