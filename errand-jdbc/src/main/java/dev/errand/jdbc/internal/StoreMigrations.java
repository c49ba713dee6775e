package dev.errand.jdbc.internal;

import dev.errand.spi.SchemaMigrations;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A SQL store's {@link SchemaMigrations}, each method handing over to the store's own (its {@code
 * migrate()}, {@code migrationSql(int)} …), so that a store has one way to migrate whether it is
 * asked through the SPI or directly.
 *
 * <p>Internal and unstable: for Errand's own SQL stores only.
 */
public final class StoreMigrations implements SchemaMigrations {
  private final String location;
  private final IntSupplier latest;
  private final Supplier<List<Integer>> apply;
  private final IntFunction<String> sql;
  private final Runnable check;

  /**
   * Migrations of the tables at {@code location} ({@link #location()}), delegating each method to
   * the function of the same role.
   */
  public StoreMigrations(
      String location,
      IntSupplier latest,
      Supplier<List<Integer>> apply,
      IntFunction<String> sql,
      Runnable check) {
    this.location = location;
    this.latest = latest;
    this.apply = apply;
    this.sql = sql;
    this.check = check;
  }

  @Override
  public String location() {
    return location;
  }

  @Override
  public int latest() {
    return latest.getAsInt();
  }

  @Override
  public List<Integer> apply() {
    return apply.get();
  }

  @Override
  public String sql(int afterVersion) {
    return sql.apply(afterVersion);
  }

  @Override
  public void checkMigrated() {
    check.run();
  }
}
