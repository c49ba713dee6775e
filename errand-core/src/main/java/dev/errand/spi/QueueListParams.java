package dev.errand.spi;

/**
 * @param exactUpTo the count up to which each of a queue's states is counted exactly; past it, the
 *     store may estimate
 */
public record QueueListParams(long exactUpTo) {}
