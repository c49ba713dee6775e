/**
 * Errand's core: the public API ({@code dev.errand}) and the store SPI ({@code dev.errand.spi}).
 * Everything else, the engine, the maintenance services and the in-memory store, is internal and
 * exported to no module: a user reaches the in-memory store through {@code Stores.inMemory()}.
 */
module dev.errand {
  // Store's transactional twins take the caller's java.sql.Connection.
  requires transitive java.sql;
  // JsonCodec.jackson(ObjectMapper) and JsonCodec.defaultMapper() speak Jackson's types.
  requires transitive com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires org.slf4j;
  requires com.cronutils;
  // The default node id names the process (RuntimeMXBean).
  requires java.management;

  exports dev.errand;
  exports dev.errand.spi;
}
