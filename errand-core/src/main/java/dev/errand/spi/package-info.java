/**
 * The store SPI: what a backend implements so that Errand can run on it. Unstable: it may change
 * between minor versions. Written in queue terms, batch-shaped, one parameter record per method;
 * every store proves itself against the shared {@code StoreContract} suite.
 */
package dev.errand.spi;
