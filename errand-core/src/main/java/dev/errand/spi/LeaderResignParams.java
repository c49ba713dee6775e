package dev.errand.spi;

/**
 * @param name what is led
 * @param owner the node giving it up; a resign by a node that does not lead changes nothing
 */
public record LeaderResignParams(String name, String owner) {}
