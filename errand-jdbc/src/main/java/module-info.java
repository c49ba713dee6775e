/**
 * What Errand's SQL stores share. Internal and unstable: its one package is exported to the stores
 * of this repository and to no other module.
 */
module dev.errand.jdbc {
  requires transitive dev.errand;

  exports dev.errand.jdbc.internal to
      dev.errand.postgres,
      dev.errand.sqlite;
}
