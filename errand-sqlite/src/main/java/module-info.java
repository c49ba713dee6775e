/** Errand's embedded store on one SQLite file: {@code SqliteStore.builder(path)}. */
module dev.errand.sqlite {
  requires transitive dev.errand;
  requires dev.errand.jdbc;
  requires org.xerial.sqlitejdbc;
  requires org.slf4j;

  exports dev.errand.sqlite;
}
