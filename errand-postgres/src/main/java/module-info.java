/** Errand's production store on PostgreSQL: {@code PostgresStore.builder(dataSource)}. */
module dev.errand.postgres {
  requires transitive dev.errand;
  requires dev.errand.jdbc;
  requires org.postgresql.jdbc;
  requires org.slf4j;

  exports dev.errand.postgres;
}
