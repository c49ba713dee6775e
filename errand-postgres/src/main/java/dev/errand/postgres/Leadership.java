package dev.errand.postgres;

import static dev.errand.postgres.StoreContext.setTimestamp;

import dev.errand.jdbc.internal.Binder;
import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import java.sql.ResultSet;

/**
 * Leadership as a lease in the leader table: elected (or renewed) until it expires, or resigned.
 */
final class Leadership {
  private final StoreContext ctx;

  Leadership(StoreContext ctx) {
    this.ctx = ctx;
  }

  boolean leaderElect(LeaderElectParams params) {
    return ctx.jdbc.run(
        "elect a leader for '" + params.name() + "'",
        c -> {
          try (Binder b = ctx.prepare(c, "LeaderElect")) {
            b.setString("name", params.name()).setString("owner", params.owner());
            setTimestamp(b, "now", params.now());
            setTimestamp(b, "expiresAt", params.expiresAt());
            try (ResultSet rs = b.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  void leaderResign(LeaderResignParams params) {
    ctx.jdbc.run(
        "resign leadership of '" + params.name() + "'",
        c -> {
          try (Binder b = ctx.prepare(c, "LeaderResign")) {
            b.setString("name", params.name()).setString("owner", params.owner());
            return b.executeUpdate();
          }
        });
  }
}
