package dev.errand.spi;

/**
 * @param nodeId the node whose entry is deleted; deleting an entry that does not exist changes
 *     nothing
 */
public record NodeRemoveParams(String nodeId) {}
