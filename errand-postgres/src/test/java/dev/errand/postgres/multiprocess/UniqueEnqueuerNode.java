package dev.errand.postgres.multiprocess;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Enqueued;
import dev.errand.Errand;
import dev.errand.UniqueOptions;
import dev.errand.postgres.PostgresStore;
import dev.errand.postgres.multiprocess.WorkerNode.Work;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * An insert-only Errand in a JVM of its own, for {@link UniqueAcrossProcessesTest}: on {@code GO}
 * from standard input it enqueues unique {@link Work} jobs {@code 0 .. keys-1}, unique by args, in
 * an order of its own, first in batches, then one by one, and prints {@code RESULT <n> <id>
 * <duplicate>} for every answer, then {@code DONE <node>}.
 *
 * <p>Arguments: {@code <url> <schema> <node> <keys> <batch>}.
 */
public final class UniqueEnqueuerNode {
  private UniqueEnqueuerNode() {}

  public static void main(String[] argv) throws Exception {
    String url = argv[0];
    String schema = argv[1];
    String node = argv[2];
    int keys = Integer.parseInt(argv[3]);
    int batch = Integer.parseInt(argv[4]);
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    hikari.setMaximumPoolSize(2);
    hikari.setPoolName("enqueuer-" + node);
    try (HikariDataSource dataSource = new HikariDataSource(hikari)) {
      PostgresStore store = PostgresStore.builder(dataSource).schema(schema).listen(false).build();
      Errand client = Errand.create(Config.builder(store).nodeId(node).build());
      EnqueueOptions unique =
          EnqueueOptions.defaults().queue("mp_unique").unique(UniqueOptions.byKind().byArgs());
      List<Work> all = new ArrayList<>();
      for (int n = 0; n < keys; n++) {
        all.add(new Work(n));
      }
      Collections.shuffle(all, new Random(node.hashCode()));
      // Warm up the connections and classes before the start, so the nodes really race.
      store.jobList(dev.errand.JobQuery.all().withLimit(1));
      System.out.println("READY " + node);
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (!"GO".equals(in.readLine())) {
        throw new IllegalStateException("expected GO on standard input");
      }
      StringBuilder out = new StringBuilder();
      for (int from = 0; from < keys; from += batch) {
        List<Work> slice = all.subList(from, Math.min(keys, from + batch));
        List<Enqueued> answers = client.enqueueAll(slice, unique);
        for (int i = 0; i < slice.size(); i++) {
          append(out, slice.get(i), answers.get(i));
        }
      }
      Collections.reverse(all);
      for (Work work : all) {
        append(out, work, client.enqueue(work, unique));
      }
      System.out.print(out);
      System.out.println("DONE " + node);
      System.out.flush();
      store.close();
    }
  }

  private static void append(StringBuilder out, Work work, Enqueued answer) {
    out.append("RESULT ")
        .append(work.n())
        .append(' ')
        .append(answer.id())
        .append(' ')
        .append(answer.duplicate())
        .append('\n');
  }
}
