package dev.errand.spi;

import java.time.Instant;

/**
 * @param name what is led, e.g. {@code "maintenance"}
 * @param owner the node asking
 * @param now the time of the request
 * @param expiresAt when the leadership ends unless renewed by the same owner
 */
public record LeaderElectParams(String name, String owner, Instant now, Instant expiresAt) {}
