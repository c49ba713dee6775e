/**
 * What Errand's SQL stores share: named SQL blocks with named parameters ({@link NamedSql}, {@link
 * Query}, {@link Binder}), one place that runs JDBC work and translates {@link
 * java.sql.SQLException} ({@link JdbcRunner}), one mapping of a job row and of a node row ({@link
 * JobRowMapper}, {@link NodeRowMapper}), and numbered migrations ({@link Migrations}, shown to the
 * SPI through {@link StoreMigrations}).
 *
 * <p><b>Internal and unstable:</b> for Errand's own SQL stores (errand-postgres, errand-sqlite)
 * only. Nothing here is public API; it changes without notice between any two versions.
 */
package dev.errand.jdbc.internal;
