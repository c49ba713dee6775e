package dev.errand.sqlite;

import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import java.sql.ResultSet;

/**
 * Leadership as a lease in the leader table: elected (or renewed) until it expires, or resigned.
 * Each call is one write transaction, so the check of the holder and its replacement cannot be
 * split by another write.
 */
final class Leadership {
  private final StoreContext ctx;

  Leadership(StoreContext ctx) {
    this.ctx = ctx;
  }

  boolean leaderElect(LeaderElectParams params) {
    return ctx.write(
        "elect a leader for '" + params.name() + "'",
        c -> {
          Binder elect =
              ctx.prepare(c, "LeaderElect")
                  .setString("name", params.name())
                  .setString("owner", params.owner())
                  .setLong("now", JobRows.micros(params.now()))
                  .setLong("expiresAt", JobRows.micros(params.expiresAt()));
          try (ResultSet rs = elect.statement().executeQuery()) {
            return rs.next();
          }
        });
  }

  void leaderResign(LeaderResignParams params) {
    ctx.write(
        "resign leadership of '" + params.name() + "'",
        c -> {
          return ctx.prepare(c, "LeaderResign")
              .setString("name", params.name())
              .setString("owner", params.owner())
              .statement()
              .executeUpdate();
        });
  }
}
