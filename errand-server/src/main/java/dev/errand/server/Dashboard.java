package dev.errand.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.errand.AttemptError;
import dev.errand.Batch;
import dev.errand.DependencyCounts;
import dev.errand.Errand;
import dev.errand.JobEdges;
import dev.errand.JobInfo;
import dev.errand.JobOrder;
import dev.errand.JobPage;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.NodeInfo;
import dev.errand.PeriodicJob;
import dev.errand.PeriodicJobInfo;
import dev.errand.QueueInfo;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web dashboard's pages, server-rendered HTML on Errand's public API: the overview's numbers
 * and charts ({@code /overview}, from {@link DashboardHistory}), the jobs by state with filters
 * (queue, kind, tag, args and metadata), keyset paging and bulk actions ({@code /jobs}), one job
 * with its args, metadata, lease and every attempt's error ({@code /jobs/{id}}), the queues with
 * their counts ({@code /queues}), the periodic jobs with their last slots ({@code /cron}), and the
 * nodes that report to the store, which one leads and the jobs each runs ({@code /nodes}). A
 * browser asking for {@code /} is sent to the jobs. All of it may live under a base path ({@code
 * --dashboard-path}), which is also where {@link ErrandDashboard} mounts it in a user's
 * application.
 *
 * <p>Safe by construction: every value a job or queue carries is escaped ({@link Html}); the pages
 * load nothing from elsewhere and no inline script or style, and say so in a strict
 * Content-Security-Policy; they pass the same {@link RequestGuard} as the API (the Host check,
 * cross-site requests refused, and the token or a login when the server has one, with read-only and
 * admin roles). Its actions are forms that carry a CSRF token; each is logged with who acted.
 */
final class Dashboard {
  /** Jobs per page of the jobs list. */
  static final int PAGE_SIZE = 50;

  /** The longest args shown in the list; the job's page shows them whole. */
  private static final int ARGS_PREVIEW_CHARS = 80;

  /** How many ids of each direction of a job's dependencies the job page lists. */
  private static final int EDGES_SHOWN = 100;

  /**
   * Nothing but this server's own stylesheets, scripts (the overview's charts) and forms: no inline
   * script or style, no frame, no other origin.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self';"
          + " img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private static final byte[] CSS = resource("dashboard/dashboard.css");

  /** The stylesheet's address names its content: cached for good, never stale. */
  static final String CSS_FILE = "/assets/dashboard-" + sha256(CSS).substring(0, 12) + ".css";

  private static final byte[] OVERVIEW_JS = resource("dashboard/overview.js");

  /** The overview's script, named by its content as the stylesheet is. */
  static final String OVERVIEW_JS_FILE =
      "/assets/overview-" + sha256(OVERVIEW_JS).substring(0, 12) + ".js";

  /** uPlot, from its WebJar: its version names it. */
  static final String UPLOT_VERSION = webjarVersion("uplot");

  private static final byte[] UPLOT_JS =
      resource("/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/uPlot.iife.min.js");
  private static final byte[] UPLOT_CSS =
      resource("/META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/uPlot.min.css");
  static final String UPLOT_JS_FILE = "/assets/uPlot-" + UPLOT_VERSION + ".min.js";
  static final String UPLOT_CSS_FILE = "/assets/uPlot-" + UPLOT_VERSION + ".min.css";

  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);

  /**
   * The actions' paths: a form of this server's pages posts to them (see {@link #isFormAction}).
   */
  private static final Pattern FORM_ACTION =
      Pattern.compile(
          "/jobs/[0-9]+/(retry|cancel|delete)|/jobs/bulk|/queues/[^/]+/(pause|resume)|/login|/logout");

  /** The pages a login opens, beside the actions. */
  private static final Pattern PAGE =
      Pattern.compile("/overview|/overview/data|/jobs|/jobs/[0-9]+|/queues|/nodes|/cron|/batches");

  /** At most this many jobs per bulk action: a larger set takes another one. */
  static final int BULK_LIMIT = 1_000;

  /**
   * The pages count each state exactly up to this many jobs, and past it show the store's estimate
   * if it makes one (PostgreSQL): no page load reads a whole big table.
   */
  static final long COUNTS_EXACT_UP_TO = 10_000;

  /**
   * At most this many ids are read for one page of the jobs list, from the first job after the
   * previous page's: a filter that few jobs match (a rare args value, which no index serves) would
   * otherwise read the whole table before it has a page. A window that ends short of a page says
   * how far it searched and offers to search on.
   */
  static final long SEARCH_WINDOW = 100_000;

  /** At most this many running jobs are read to count them per node: beyond, a lower bound. */
  private static final int RUNNING_COUNT_LIMIT = 10 * JobQuery.MAX_LIMIT;

  private final Errand errand;

  /**
   * The CSRF token every form of these pages carries and every action requires: random for each
   * server, so a page elsewhere cannot know it (the browser keeps this server's pages from other
   * origins), beside the Origin checks of {@link RequestGuard}, which refuse a cross-site post.
   */
  private final String csrf;

  private final byte[] token;
  private final byte[] readOnlyToken;

  /** The path every page, action and asset starts with: "" or, say, {@code /errand}. */
  private final String base;

  private final String cssPath;
  private final DashboardSessions sessions = new DashboardSessions(java.time.Clock.systemUTC());
  private final DashboardHistory history;
  private long searchWindow = SEARCH_WINDOW;

  /**
   * {@code token} and {@code readOnlyToken}: the server's, which the login form takes; null when it
   * has none.
   */
  Dashboard(Errand errand, String token, String readOnlyToken) {
    this(errand, token, readOnlyToken, "");
  }

  /**
   * Under {@code base}: every page, action and asset at a path that starts with it ({@code
   * /errand}: {@code /errand/jobs}); "" for the server's root.
   */
  Dashboard(Errand errand, String token, String readOnlyToken, String base) {
    this.errand = errand;
    this.base = base;
    this.cssPath = base + CSS_FILE;
    this.history = new DashboardHistory(errand, java.time.Clock.systemUTC());
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.readOnlyToken =
        readOnlyToken == null ? null : readOnlyToken.getBytes(StandardCharsets.UTF_8);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.csrf = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** Reads at most {@code ids} ids per jobs page instead of {@link #SEARCH_WINDOW}: for tests. */
  void searchWindow(long ids) {
    if (ids < 1) {
      throw new IllegalArgumentException("a search window holds at least one id, was " + ids);
    }
    this.searchWindow = ids;
  }

  void addTo(ApiServer.Routes pages) {
    pages.add(HandlerType.GET, base + "/jobs", this::jobs);
    pages.add(HandlerType.GET, base + "/jobs/{id}", this::job);
    pages.add(HandlerType.GET, base + "/queues", this::queues);
    pages.add(HandlerType.GET, base + "/nodes", this::nodes);
    pages.add(HandlerType.GET, base + "/cron", this::cron);
    pages.add(HandlerType.GET, base + "/batches", this::batches);
    pages.add(HandlerType.GET, cssPath, ctx -> asset(ctx, "text/css; charset=utf-8", CSS));
    pages.add(HandlerType.GET, base + "/overview", this::overview);
    pages.add(HandlerType.GET, base + "/overview/data", this::overviewData);
    pages.add(
        HandlerType.GET,
        base + OVERVIEW_JS_FILE,
        ctx -> asset(ctx, "text/javascript; charset=utf-8", OVERVIEW_JS));
    pages.add(
        HandlerType.GET,
        base + UPLOT_JS_FILE,
        ctx -> asset(ctx, "text/javascript; charset=utf-8", UPLOT_JS));
    pages.add(
        HandlerType.GET,
        base + UPLOT_CSS_FILE,
        ctx -> asset(ctx, "text/css; charset=utf-8", UPLOT_CSS));
    if (!base.isEmpty()) {
      // The base itself, with a slash or without (the server ignores a trailing one).
      pages.add(HandlerType.GET, base, ctx -> ctx.status(303).header("Location", base + "/jobs"));
    }
    pages.add(HandlerType.POST, base + "/jobs/bulk", this::bulk);
    pages.add(HandlerType.POST, base + "/jobs/{id}/retry", ctx -> jobAction(ctx, "retry"));
    pages.add(HandlerType.POST, base + "/jobs/{id}/cancel", ctx -> jobAction(ctx, "cancel"));
    pages.add(HandlerType.POST, base + "/jobs/{id}/delete", ctx -> jobAction(ctx, "delete"));
    pages.add(HandlerType.POST, base + "/queues/{name}/pause", ctx -> queueAction(ctx, true));
    pages.add(HandlerType.POST, base + "/queues/{name}/resume", ctx -> queueAction(ctx, false));
    pages.add(HandlerType.GET, base + "/login", ctx -> loginPage(ctx, 200, null));
    pages.add(HandlerType.POST, base + "/login", this::login);
    pages.add(HandlerType.POST, base + "/logout", this::logout);
  }

  /**
   * The role of the request's live session cookie if it is a dashboard's (a page, an action, {@code
   * /} from a browser), else null: on a server with a token, it stands for the bearer header there.
   */
  RequestGuard.Role sessionRole(Context ctx) {
    return isDashboard(ctx) ? sessions.role(ctx.cookie(DashboardSessions.COOKIE)) : null;
  }

  /** Whether the request's role may act: the admin token's, or anyone's on a server without one. */
  private static boolean canAct(Context ctx) {
    return ctx.attribute(RequestGuard.ROLE) == RequestGuard.Role.ADMIN;
  }

  /** Stops sampling the overview's history. */
  void close() {
    history.close();
  }

  /** Where the dashboard begins: its jobs list. */
  String home() {
    return base + "/jobs";
  }

  /** Its login form. */
  String loginPath() {
    return base + "/login";
  }

  /** Where a reader may post, to log out. */
  String logoutPath() {
    return base + "/logout";
  }

  /** {@code path} below the base, or null when it is not the dashboard's. */
  private String local(String path) {
    if (base.isEmpty()) {
      return path;
    }
    if (path.equals(base)) {
      return "/";
    }
    return path.startsWith(base + "/") ? path.substring(base.length()) : null;
  }

  /** Whether the request is for a page or action of the dashboard. */
  boolean isDashboard(Context ctx) {
    String path = local(ctx.path());
    return path != null
        && (isFormAction(ctx.method(), ctx.path())
            || (ctx.method() == HandlerType.GET
                && (PAGE.matcher(path).matches()
                    || (path.equals("/") && (!base.isEmpty() || wantsPage(ctx))))));
  }

  /** What a browser may load before it logged in: the login form and the stylesheet. */
  boolean isOpen(HandlerType method, String path) {
    return path.equals(base + "/login") || (method == HandlerType.GET && path.equals(cssPath));
  }

  private void loginPage(Context ctx, int status, String problem) {
    Html body = new Html().raw("<h1>Log in</h1>");
    if (token == null) {
      body.raw(
          "<p>This server has no token: its dashboard needs no login. <a href=\""
              + base
              + "/jobs\">Jobs</a></p>");
    } else {
      if (problem != null) {
        body.raw("<p class=\"error\" id=\"login-problem\">").text(problem).raw("</p>");
      }
      body.raw("<form class=\"filters\" method=\"post\" action=\"" + base + "/login\">")
          .raw("<input type=\"hidden\" name=\"csrf\" value=\"")
          .text(csrf)
          .raw("\">")
          .raw(
              "<label>token<input type=\"password\" name=\"token\" autocomplete=\"current-password\"")
          .raw(" autofocus></label><button type=\"submit\">Log in</button></form>")
          .raw("<p class=\"muted\">The server's token, as the API takes it. The login lasts ")
          .text(DashboardSessions.LIFETIME.toHours())
          .raw(" hours, or until the server restarts.</p>");
    }
    render(ctx, status, "Log in", "", body);
  }

  private void login(Context ctx) {
    checkCsrf(ctx);
    String given = ctx.formParam("token");
    if (token == null) {
      ctx.status(303).header("Location", base + "/jobs");
      return;
    }
    byte[] bytes = given == null ? new byte[0] : given.getBytes(StandardCharsets.UTF_8);
    RequestGuard.Role role =
        MessageDigest.isEqual(bytes, token)
            ? RequestGuard.Role.ADMIN
            : readOnlyToken != null && MessageDigest.isEqual(bytes, readOnlyToken)
                ? RequestGuard.Role.READ_ONLY
                : null;
    if (role == null) {
      log.warn("dashboard: a login with a wrong token from {}", ctx.ip());
      loginPage(ctx, 401, "That is not this server's token.");
      return;
    }
    log.info("dashboard: login from {} as {}", ctx.ip(), role.describe());
    ctx.status(303)
        .header(
            "Set-Cookie",
            DashboardSessions.cookie(sessions.start(role), base.isEmpty() ? "/" : base))
        .header("Location", base + "/jobs");
  }

  private void logout(Context ctx) {
    checkCsrf(ctx);
    sessions.end(ctx.cookie(DashboardSessions.COOKIE));
    ctx.status(303)
        .header("Set-Cookie", DashboardSessions.expiredCookie(base.isEmpty() ? "/" : base))
        .header("Location", base + "/login");
  }

  /**
   * Whether a request is one of the actions the pages' forms post: these take a form body, which
   * {@link RequestGuard} refuses everywhere else.
   */
  boolean isFormAction(HandlerType method, String path) {
    String local = local(path);
    return method == HandlerType.POST && local != null && FORM_ACTION.matcher(local).matches();
  }

  /** Who acts, for the log. */
  private String actor(Context ctx) {
    return token == null
        ? "a client without a token at " + ctx.ip()
        : ((RequestGuard.Role) ctx.attribute(RequestGuard.ROLE)).describe();
  }

  private void checkCsrf(Context ctx) {
    String given = ctx.formParam("csrf");
    if (given == null
        || !MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), csrf.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiError(
          403, "csrf", "the form's CSRF token is missing or wrong: reload the page and try again");
    }
  }

  private void jobAction(Context ctx, String action) {
    checkCsrf(ctx);
    long id = Exchanges.id(ctx);
    log.info("dashboard: {} of job {} by {}", action, id, actor(ctx));
    boolean done =
        switch (action) {
          case "retry" -> errand.jobs().retry(id).isPresent();
          case "cancel" -> errand.jobs().cancel(id).isPresent();
          default -> errand.jobs().delete(id);
        };
    if (done) {
      ctx.status(303)
          .header("Location", action.equals("delete") ? base + "/jobs" : base + "/jobs/" + id);
    } else if (action.equals("delete") && errand.jobs().get(id).isPresent()) {
      render(
          ctx,
          409,
          "Job " + id + " runs",
          "jobs",
          new Html()
              .raw("<h1>Job ")
              .text(id)
              .raw(" is running</h1><p>A running job is not deleted: cancel it first.</p>"));
    } else {
      notFound(ctx, id);
    }
  }

  private static final Map<String, String> BULK_LABEL =
      Map.of("retry", "Run now", "cancel", "Cancel", "delete", "Delete");

  /**
   * A bulk action, in two steps: the list's form (the selected jobs, or every job that matches its
   * filter, the first {@value #BULK_LIMIT}) gets a page that says how many jobs it would act on and
   * asks to confirm; that page's form names the jobs, and acts on exactly those.
   */
  private void bulk(Context ctx) {
    checkCsrf(ctx);
    String[] request = Optional.ofNullable(ctx.formParam("bulk")).orElse("").split("-", 2);
    if (request.length != 2
        || !BULK_LABEL.containsKey(request[0])
        || !List.of("selected", "matching", "confirmed").contains(request[1])) {
      throw new ApiError(
          400,
          "invalid_bulk_action",
          "bulk must be retry, cancel or delete, then -selected, -matching or -confirmed");
    }
    String action = request[0];
    List<Long> ids;
    boolean more = false;
    if (request[1].equals("matching")) {
      List<Long> matching = new java.util.ArrayList<>();
      more = readJobs(filter(ctx::formParam), BULK_LIMIT, job -> matching.add(job.id()));
      ids = matching;
    } else {
      ids =
          ctx.formParams("id").stream()
              .map(id -> Exchanges.number("id", id, 1, Long.MAX_VALUE))
              .distinct()
              .toList();
      if (ids.size() > BULK_LIMIT) {
        throw new ApiError(
            400,
            "too_many_jobs",
            "a bulk action takes at most " + BULK_LIMIT + " jobs, was given " + ids.size());
      }
    }
    if (!request[1].equals("confirmed")) {
      confirmBulk(ctx, action, ids, request[1].equals("matching"), more);
      return;
    }
    int done = 0;
    int unchanged = 0;
    int gone = 0;
    for (long id : ids) {
      try {
        switch (action) {
          case "retry" -> {
            Optional<JobInfo> job = errand.jobs().retry(id);
            if (job.isEmpty()) {
              gone++;
            } else if (job.get().state() == JobState.RUNNING) {
              unchanged++;
            } else {
              done++;
            }
          }
          case "cancel" -> {
            Optional<JobInfo> job = errand.jobs().cancel(id);
            if (job.isEmpty()) {
              gone++;
            } else if (job.get().state() != JobState.CANCELLED) {
              unchanged++;
            } else {
              done++;
            }
          }
          default -> {
            if (errand.jobs().delete(id)) {
              done++;
            } else if (errand.jobs().get(id).isPresent()) {
              unchanged++;
            } else {
              gone++;
            }
          }
        }
      } catch (dev.errand.DuplicateJobException e) {
        unchanged++;
      }
    }
    log.info(
        "dashboard: bulk {} of {} jobs by {}: {} done, {} left as they were, {} gone",
        action,
        ids.size(),
        actor(ctx),
        done,
        unchanged,
        gone);
    Html body =
        new Html()
            .raw("<h1>")
            .text(BULK_LABEL.get(action))
            .raw(": done</h1><p id=\"bulk-result\">")
            .text(BULK_DONE.get(action) + " " + done + " of " + ids.size() + " jobs.")
            .raw("</p>");
    if (unchanged > 0) {
      body.raw("<p>")
          .text(unchanged + " " + (unchanged == 1 ? "was" : "were") + " left as they were: ")
          .text(BULK_UNCHANGED.get(action))
          .raw("</p>");
    }
    if (gone > 0) {
      body.raw("<p>").text(gone + " no longer existed.").raw("</p>");
    }
    body.raw("<p><a href=\"" + base + "/jobs\">Jobs</a></p>");
    render(ctx, 200, BULK_LABEL.get(action) + ": done", "jobs", body);
  }

  private static final Map<String, String> BULK_DONE =
      Map.of("retry", "Made available", "cancel", "Cancelled", "delete", "Deleted");

  private static final Map<String, String> BULK_UNCHANGED =
      Map.of(
          "retry",
          "running jobs, and unique jobs whose key another job holds, are not run again.",
          "cancel",
          "jobs that had ended are not cancelled.",
          "delete",
          "running jobs are not deleted (cancel them first).");

  private void confirmBulk(
      Context ctx, String action, List<Long> ids, boolean matching, boolean more) {
    Html body = new Html().raw("<h1>").text(BULK_LABEL.get(action)).raw("?</h1>");
    if (ids.isEmpty()) {
      body.raw("<p id=\"bulk-confirm\">")
          .text(matching ? "No job matches the filter." : "No job was selected.")
          .raw("</p><p><a href=\"" + base + "/jobs\">Jobs</a></p>");
      render(ctx, 200, BULK_LABEL.get(action) + "?", "jobs", body);
      return;
    }
    body.raw("<p id=\"bulk-confirm\">")
        .text(
            BULK_LABEL.get(action)
                + " "
                + ids.size()
                + (ids.size() == 1 ? " job" : " jobs")
                + (matching ? " that match the filter" : " you selected")
                + "?")
        .raw("</p>");
    if (more) {
      body.raw("<p>")
          .text(
              "More jobs match: these are the first "
                  + BULK_LIMIT
                  + " (a bulk action takes at most "
                  + BULK_LIMIT
                  + "); run it again for the rest.")
          .raw("</p>");
    }
    body.raw("<form method=\"post\" action=\"" + base + "/jobs/bulk\">");
    hidden(body, "csrf", csrf);
    for (long id : ids) {
      hidden(body, "id", Long.toString(id));
    }
    body.raw("<button type=\"submit\" name=\"bulk\" value=\"")
        .text(action + "-confirmed")
        .raw("\">")
        .text(BULK_LABEL.get(action) + " " + ids.size() + (ids.size() == 1 ? " job" : " jobs"))
        .raw("</button> <a href=\"" + base + "/jobs\">Back, doing nothing</a></form>");
    render(ctx, 200, BULK_LABEL.get(action) + "?", "jobs", body);
  }

  private static void hidden(Html body, String name, String value) {
    if (value != null) {
      body.raw("<input type=\"hidden\" name=\"")
          .text(name)
          .raw("\" value=\"")
          .text(value)
          .raw("\">");
    }
  }

  private void queueAction(Context ctx, boolean pause) {
    checkCsrf(ctx);
    String queue = ctx.pathParam("name");
    log.info("dashboard: {} of queue {} by {}", pause ? "pause" : "resume", queue, actor(ctx));
    if (pause) {
      errand.queues().pause(queue);
    } else {
      errand.queues().resume(queue);
    }
    ctx.status(303).header("Location", base + "/queues");
  }

  /** A form that posts one action of these pages, with the CSRF token; none for a reader. */
  private void actionForm(Context ctx, Html body, String path, String label) {
    if (canAct(ctx)) {
      form(body, path, label);
    }
  }

  private void form(Html body, String path, String label) {
    body.raw("<form class=\"action\" method=\"post\" action=\"")
        .text(path)
        .raw("\"><input type=\"hidden\" name=\"csrf\" value=\"")
        .text(csrf)
        .raw("\"><button type=\"submit\">")
        .text(label)
        .raw("</button></form>");
  }

  private void notFound(Context ctx, long id) {
    render(
        ctx,
        404,
        "No job " + id,
        "jobs",
        new Html()
            .raw("<h1>No job ")
            .text(id)
            .raw("</h1><p class=\"muted\">It does not exist, or was pruned.</p>"));
  }

  /** Whether the request is a browser's, which prefers a page to the API's JSON. */
  static boolean wantsPage(Context ctx) {
    String accept = ctx.header("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }

  /** The jobs list's filter in {@code params} (a page's query, or a form): state, queue, kind. */
  private static JobQuery filter(java.util.function.Function<String, String> params) {
    JobQuery query = JobQuery.all();
    JobState state =
        optional(params, "state").map(s -> JobJson.parseState("state", s)).orElse(null);
    if (state != null) {
      query = query.withStates(state);
    }
    String queue = optional(params, "queue").orElse(null);
    if (queue != null) {
      query = query.withQueue(queue);
    }
    String kind = optional(params, "kind").orElse(null);
    if (kind != null) {
      query = query.withKind(kind);
    }
    String tag = optional(params, "tag").orElse(null);
    if (tag != null) {
      query = query.withTag(tag);
    }
    String where = optional(params, "where").orElse(null);
    if (where != null) {
      query = JobConditions.where(query, where);
    }
    return query;
  }

  /**
   * The filter's fields as given, beside the state: queue, kind, tag, where, and the list's order,
   * which every link of the list keeps.
   */
  private static Map<String, String> filterTexts(
      java.util.function.Function<String, String> params) {
    Map<String, String> texts = new java.util.LinkedHashMap<>();
    for (String name : List.of("queue", "kind", "tag", "where", "order")) {
      optional(params, name).ifPresent(value -> texts.put(name, value));
    }
    return texts;
  }

  /** The list's order: newest first unless {@code order=oldest}. */
  private static JobOrder order(java.util.function.Function<String, String> params) {
    return JobConditions.order(optional(params, "order").orElse("newest"));
  }

  private void jobs(Context ctx) {
    // The "go to job" form: straight to the job's page (which says so if there is none); an id
    // that is no number is shown above the form like a filter it cannot take.
    String problem = null;
    Optional<String> goTo = optional(ctx, "id");
    if (goTo.isPresent()) {
      try {
        long id = Exchanges.number("id", goTo.get().strip(), 1, Long.MAX_VALUE);
        ctx.status(303).header("Location", base + "/jobs/" + id);
        return;
      } catch (ApiError e) {
        problem = e.getMessage();
      }
    }
    JobState state = optional(ctx, "state").map(s -> JobJson.parseState("state", s)).orElse(null);
    Map<String, String> filters = filterTexts(ctx::queryParam);
    String queue = filters.get("queue");
    JobOrder order = order(ctx::queryParam);
    long after =
        optional(ctx, "after").map(a -> Exchanges.number("after", a, 0, Long.MAX_VALUE)).orElse(0L);
    // A filter the query cannot take is shown above the form, which keeps what was typed.
    JobPage page;
    // The window this page searches, in the list's order: from the first job past `after` (so
    // that a gap of pruned ids costs nothing) over searchWindow ids, up the ids oldest first, down
    // them newest first; past its end, the jobs still to search, if any.
    long searchedTo = order.unboundedUpToId();
    boolean moreToSearch = false;
    try {
      if (problem != null) {
        throw ApiError.badRequest("id", problem);
      }
      JobQuery query =
          filter(ctx::queryParam).withOrder(order).withLimit(PAGE_SIZE).withAfterId(after);
      searchedTo = windowEnd(order, firstIdAfter(order, after));
      page = errand.jobs().list(query.withIdsUpTo(searchedTo));
      moreToSearch =
          !page.hasNext()
              && searchedTo != order.unboundedUpToId()
              && firstIdAfter(order, searchedTo) != 0;
    } catch (ApiError e) {
      problem = e.getMessage();
      page = new JobPage(List.of(), 0);
    }
    Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    java.util.Set<JobState> estimated = java.util.EnumSet.noneOf(JobState.class);
    for (QueueInfo info : errand.queues().list(COUNTS_EXACT_UP_TO)) {
      if (queue == null || info.name().equals(queue)) {
        for (JobState s : JobState.values()) {
          counts.merge(s, info.count(s), Long::sum);
        }
        estimated.addAll(info.estimated());
      }
    }

    Html body = new Html().raw("<h1>Jobs</h1><nav class=\"tabs\" aria-label=\"states\">");
    tab(
        body,
        "all",
        null,
        counts.values().stream().mapToLong(Long::longValue).sum(),
        !estimated.isEmpty(),
        state == null,
        filters);
    for (JobState s : JobState.values()) {
      tab(
          body,
          JobJson.state(s),
          s,
          counts.getOrDefault(s, 0L),
          estimated.contains(s),
          s == state,
          filters);
    }
    body.raw("</nav><form class=\"filters\" method=\"get\" action=\"" + base + "/jobs\">");
    if (state != null) {
      body.raw("<input type=\"hidden\" name=\"state\" value=\"")
          .text(JobJson.state(state))
          .raw("\">");
    }
    body.raw("<label>queue<input name=\"queue\" value=\"")
        .text(queue)
        .raw("\"></label>")
        .raw("<label>kind<input name=\"kind\" value=\"")
        .text(filters.get("kind"))
        .raw("\"></label>")
        .raw("<label>tag<input name=\"tag\" value=\"")
        .text(filters.get("tag"))
        .raw("\"></label>")
        .raw("<label class=\"where\">args and metadata<input name=\"where\" value=\"")
        .text(filters.get("where"))
        .raw("\" placeholder=\"args.account=42 and metadata.request=r-1\"></label>");
    if (filters.containsKey("order")) {
      hidden(body, "order", filters.get("order"));
    }
    body.raw("<button type=\"submit\">Filter</button></form>")
        .raw("<form class=\"filters\" id=\"go-to\" method=\"get\" action=\"" + base + "/jobs\">")
        .raw("<label>go to job<input name=\"id\" inputmode=\"numeric\" pattern=\"[0-9]+\"")
        .raw(" placeholder=\"id\"></label><button type=\"submit\">Go</button></form>");
    if (filters.containsKey("kind") || filters.containsKey("tag") || filters.containsKey("where")) {
      body.raw("<p class=\"muted\">The counts are the queue's: kind, tag, args and metadata narrow")
          .raw(" the list only.</p>");
    }
    // The order switch: newest first is the default, so its link drops the parameter.
    Map<String, String> oldest = new java.util.LinkedHashMap<>(filters);
    oldest.put("order", "oldest");
    Map<String, String> newest = new java.util.LinkedHashMap<>(filters);
    newest.remove("order");
    body.raw("<nav class=\"order\" aria-label=\"order\">");
    for (JobOrder o : List.of(JobOrder.NEWEST_FIRST, JobOrder.OLDEST_FIRST)) {
      body.raw("<a id=\"")
          .text(o == JobOrder.NEWEST_FIRST ? "newest-first" : "oldest-first")
          .raw("\" href=\"")
          .text(jobsUrl(state, o == JobOrder.NEWEST_FIRST ? newest : oldest, 0))
          .raw("\"")
          .raw(o == order ? " aria-current=\"true\"" : "")
          .raw(">")
          .text(o == JobOrder.NEWEST_FIRST ? "newest first" : "oldest first")
          .raw("</a>");
    }
    body.raw("</nav>");
    String upOrDown = order == JobOrder.NEWEST_FIRST ? " down to id " : " up to id ";
    boolean bulk = canAct(ctx) && !page.jobs().isEmpty();
    if (problem != null) {
      body.raw("<p class=\"error\" id=\"filter-problem\">").text(problem).raw("</p>");
    } else if (page.jobs().isEmpty() && !moreToSearch) {
      body.raw("<p class=\"muted\" id=\"no-jobs\">No job matches.</p>");
    } else if (page.jobs().isEmpty()) {
      body.raw("<p class=\"muted\" id=\"no-jobs\">No job matches among the jobs")
          .text(upOrDown)
          .text(searchedTo)
          .raw(".</p>");
    } else {
      if (bulk) {
        // The rows' boxes and the buttons under them make one form; the filter goes with it for
        // the actions on every job that matches.
        body.raw("<form id=\"bulk\" method=\"post\" action=\"" + base + "/jobs/bulk\">");
        hidden(body, "csrf", csrf);
        hidden(body, "state", state == null ? null : JobJson.state(state));
        filters.forEach((name, value) -> hidden(body, name, value));
      }
      body.raw("<table id=\"jobs\"><thead><tr>")
          .raw(bulk ? "<th><span class=\"visually-hidden\">select</span></th>" : "")
          .raw(
              "<th class=\"num\">id</th><th>state</th><th>queue</th>"
                  + "<th>kind</th><th class=\"num\">attempt</th><th>due or ended (UTC)</th>"
                  + "<th>args</th></tr></thead><tbody>");
      for (JobInfo job : page.jobs()) {
        body.raw("<tr data-id=\"").text(job.id()).raw("\">");
        if (bulk) {
          body.raw("<td><input type=\"checkbox\" name=\"id\" value=\"")
              .text(job.id())
              .raw("\" aria-label=\"select job ")
              .text(job.id())
              .raw("\"></td>");
        }
        body.raw("<td class=\"num\"><a href=\"" + base + "/jobs/")
            .text(job.id())
            .raw("\">")
            .text(job.id())
            .raw("</a></td>");
        stateCell(body, job.state());
        body.raw("<td>")
            .text(job.queue())
            .raw("</td><td>")
            .text(job.kind())
            .raw("</td><td class=\"num\">")
            .text(job.attempt() + "/" + job.maxAttempts())
            .raw("</td><td>")
            .text(utc(job.finalizedAt() != null ? job.finalizedAt() : job.scheduledAt()))
            .raw("</td><td><code>")
            .text(preview(job.argsJson()))
            .raw("</code></td></tr>");
      }
      body.raw("</tbody></table>");
      if (bulk) {
        body.raw("<div class=\"actions\" id=\"bulk-actions\">");
        for (String action : List.of("retry", "cancel", "delete")) {
          body.raw("<button type=\"submit\" name=\"bulk\" value=\"")
              .text(action + "-selected")
              .raw("\">")
              .text(BULK_LABEL.get(action) + " selected")
              .raw("</button>");
        }
        for (String action : List.of("retry", "cancel", "delete")) {
          body.raw("<button type=\"submit\" name=\"bulk\" value=\"")
              .text(action + "-matching")
              .raw("\">")
              .text(BULK_LABEL.get(action) + " all that match")
              .raw("</button>");
        }
        body.raw("</div></form>");
      }
    }
    if (page.hasNext()) {
      body.raw("<p><a rel=\"next\" href=\"")
          .text(jobsUrl(state, filters, page.nextAfterId()))
          .raw("\">Next ")
          .text(PAGE_SIZE)
          .raw(" →</a></p>");
    } else if (moreToSearch) {
      body.raw("<p id=\"search-on\">");
      if (!page.jobs().isEmpty()) {
        // An empty page said how far it searched already.
        body.raw("<span class=\"muted\">Searched the jobs")
            .text(upOrDown)
            .text(searchedTo)
            .raw(String.format(Locale.ROOT, " (%,d ids a page). ", searchWindow))
            .raw("</span>");
      }
      body.raw("<a rel=\"next\" href=\"")
          .text(jobsUrl(state, filters, searchedTo))
          .raw("\">Search on →</a></p>");
    }
    render(ctx, problem == null ? 200 : 400, "Jobs", "jobs", body);
  }

  /**
   * The first job's id past {@code id} in {@code order} (the next greater oldest first, the next
   * smaller newest first, the newest of all for 0), 0 if none: one step along the primary key.
   */
  private long firstIdAfter(JobOrder order, long id) {
    List<JobInfo> next =
        errand.jobs().list(JobQuery.all().withOrder(order).withAfterId(id).withLimit(1)).jobs();
    return next.isEmpty() ? 0 : next.get(0).id();
  }

  /**
   * The last id, in {@code order}, of the window that starts at {@code first}: searchWindow ids up
   * from it oldest first, down from it newest first; no bound if no job is left or the window
   * reaches the end of the ids.
   */
  private long windowEnd(JobOrder order, long first) {
    if (order == JobOrder.NEWEST_FIRST) {
      return first <= searchWindow ? 0 : first + 1 - searchWindow;
    }
    return first == 0 || first > Long.MAX_VALUE - searchWindow
        ? Long.MAX_VALUE
        : first - 1 + searchWindow;
  }

  private void tab(
      Html body,
      String label,
      JobState state,
      long count,
      boolean estimated,
      boolean current,
      Map<String, String> filters) {
    body.raw("<a href=\"")
        .text(jobsUrl(state, filters, 0))
        .raw("\"")
        .raw(current ? " aria-current=\"page\"" : "")
        .raw(">")
        .text(label)
        .raw(" ");
    count(body, count, estimated);
    body.raw("</a>");
  }

  /**
   * A count, or an estimate: rounded to two significant digits, marked with ≈ and saying why, so
   * nobody takes it for exact.
   */
  static void count(Html body, long count, boolean estimated) {
    if (!estimated) {
      body.raw("<span class=\"count\">").text(count).raw("</span>");
      return;
    }
    body.raw("<span class=\"count estimate\" title=\"an estimate from the store's statistics: ")
        .text(String.format(Locale.ROOT, "%,d", COUNTS_EXACT_UP_TO))
        .raw(" or more are not counted one by one\">≈")
        .text(String.format(Locale.ROOT, "%,d", roughly(count)))
        .raw("</span>");
  }

  /** {@code count} to two significant digits: 1,234,567 becomes 1,200,000. */
  static long roughly(long count) {
    long unit = 1;
    while (count / unit >= 100) {
      unit *= 10;
    }
    return Math.round((double) count / unit) * unit;
  }

  private String jobsUrl(JobState state, Map<String, String> filters, long after) {
    Map<String, String> params = new java.util.LinkedHashMap<>();
    if (state != null) {
      params.put("state", JobJson.state(state));
    }
    params.putAll(filters);
    if (after != 0) {
      params.put("after", Long.toString(after));
    }
    StringBuilder url = new StringBuilder(base + "/jobs");
    char sep = '?';
    for (Map.Entry<String, String> param : params.entrySet()) {
      url.append(sep)
          .append(param.getKey())
          .append('=')
          .append(URLEncoder.encode(param.getValue(), StandardCharsets.UTF_8));
      sep = '&';
    }
    return url.toString();
  }

  private void job(Context ctx) {
    long id = Exchanges.id(ctx);
    Optional<JobInfo> found = errand.jobs().get(id);
    if (found.isEmpty()) {
      notFound(ctx, id);
      return;
    }
    JobInfo job = found.get();
    Html body =
        new Html()
            .raw("<h1>Job ")
            .text(job.id())
            .raw(" <span class=\"state state-")
            .text(JobJson.state(job.state()))
            .raw("\">")
            .text(JobJson.state(job.state()))
            .raw("</span></h1>");
    body.raw("<dl class=\"fields\">");
    field(body, "kind", job.kind());
    field(body, "queue", job.queue());
    field(body, "priority", job.priority());
    field(body, "attempt", job.attempt() + " of " + job.maxAttempts());
    field(body, "created", utc(job.createdAt()));
    field(body, "due", utc(job.scheduledAt()));
    field(body, "last attempt", utc(job.attemptedAt()));
    field(body, "ended", utc(job.finalizedAt()));
    if (job.state() == JobState.RUNNING) {
      field(body, "lease owner", job.leaseOwner());
      field(body, "lease expires", utc(job.leaseExpiresAt()));
      // The claim is no heartbeat (JobInfo#heartbeatAt): until the first, say so rather than "—".
      field(
          body, "last heartbeat", job.heartbeatAt() == null ? "none yet" : utc(job.heartbeatAt()));
    }
    if (job.uniqueKey() != null) {
      field(body, "unique key", job.uniqueKey());
    }
    field(body, "tags", String.join(", ", job.tags()));
    DependencyCounts deps = job.dependencies();
    if (!deps.equals(DependencyCounts.NONE)) {
      field(body, "dependencies", countsText(deps));
    }
    body.raw("</dl>");
    dependencies(body, job);
    timeline(body, job);
    body.raw("<div class=\"actions\">");
    if (job.state() != JobState.RUNNING && job.state() != JobState.AVAILABLE) {
      actionForm(ctx, body, base + "/jobs/" + job.id() + "/retry", "Run now");
    }
    if (!job.state().isFinal()) {
      actionForm(ctx, body, base + "/jobs/" + job.id() + "/cancel", "Cancel");
    }
    if (job.state() != JobState.RUNNING) {
      actionForm(ctx, body, base + "/jobs/" + job.id() + "/delete", "Delete");
    }
    body.raw("</div><h2>Args</h2><pre id=\"args\">").text(pretty(job.argsJson())).raw("</pre>");
    if (!job.metadata().isEmpty()) {
      body.raw("<h2>Metadata</h2><pre id=\"metadata\">")
          .text(pretty(JobJson.object(job.metadata()).toString()))
          .raw("</pre>");
    }
    render(ctx, 200, "Job " + job.id(), "jobs", body);
  }

  /**
   * The job's section "Dependencies": the jobs it waits on and those waiting on it, each a link. A
   * batch's callback names them the batch's members, with how they ended and what that means for
   * the callback; a member names its batch's callback. Only unresolved edges are stored (see {@link
   * dev.errand.JobEdges}): the jobs that already ended are counted, not listed.
   */
  private void dependencies(Html body, JobInfo job) {
    JobEdges edges = errand.jobs().edges(job.id(), EDGES_SHOWN);
    DependencyCounts counts = job.dependencies();
    if (edges.isEmpty() && counts.equals(DependencyCounts.NONE)) {
      return;
    }
    boolean callback = isBatchCallback(job);
    body.raw("<section id=\"dependencies\"><h2>Dependencies</h2>");
    if (callback) {
      body.raw("<p>The callback of a batch of ")
          .text(counts.total())
          .raw(counts.total() == 1 ? " member: " : " members: ")
          .text(countsText(counts))
          .raw(". The callback is ")
          .text(JobJson.state(job.state()))
          .raw(
              job.state() == JobState.PENDING
                  ? ": it runs once every member has finished.</p>"
                  : ".</p>");
    } else if (!counts.equals(DependencyCounts.NONE)) {
      body.raw("<p>Waits on ")
          .text(counts.total())
          .raw(counts.total() == 1 ? " job: " : " jobs: ")
          .text(countsText(counts))
          .raw(".</p>");
    }
    if (!edges.dependencies().isEmpty()) {
      body.raw(
          callback ? "<h3>Members not finished yet</h3>" : "<h3>Waits on (not finished yet)</h3>");
      jobLinks(body, "waits-on", edges.dependencies(), edges.moreDependencies());
    }
    if (!edges.dependents().isEmpty()) {
      body.raw("<h3>Waiting on this job</h3><ul class=\"job-links\" id=\"waited-on-by\">");
      for (long id : edges.dependents()) {
        // Few jobs wait on one job (a member has one: its callback), so each is read to say what
        // it is; a job deleted since the edges were read is listed bare.
        Optional<JobInfo> dependent = errand.jobs().get(id);
        body.raw("<li>");
        jobLink(body, id);
        dependent.ifPresent(
            d ->
                body.raw(isBatchCallback(d) ? " the callback of this job's batch, " : " ")
                    .text(d.kind())
                    .raw(", ")
                    .text(JobJson.state(d.state())));
        body.raw("</li>");
      }
      moreJobs(body, edges.moreDependents());
      body.raw("</ul>");
    }
    body.raw("</section>");
  }

  private static boolean isBatchCallback(JobInfo job) {
    return Batch.CALLBACK.equals(job.metadata().get(Batch.METADATA_KEY));
  }

  private static String countsText(DependencyCounts counts) {
    return counts.waiting()
        + " waiting, "
        + counts.completed()
        + " completed, "
        + counts.discarded()
        + " discarded, "
        + counts.cancelled()
        + " cancelled";
  }

  private void jobLinks(Html body, String listId, List<Long> ids, boolean more) {
    body.raw("<ul class=\"job-links\" id=\"").raw(listId).raw("\">");
    for (long id : ids) {
      body.raw("<li>");
      jobLink(body, id);
      body.raw("</li>");
    }
    moreJobs(body, more);
    body.raw("</ul>");
  }

  private void jobLink(Html body, long id) {
    body.raw("<a href=\"").text(base + "/jobs/" + id).raw("\">job ").text(id).raw("</a>");
  }

  private static void moreJobs(Html body, boolean more) {
    if (more) {
      body.raw("<li>… and more: the first ").text(EDGES_SHOWN).raw(" are listed</li>");
    }
  }

  /** A duration as a reader takes it in: 840 ms, 12.5 s, 3 min 20 s, 2 h 5 min. */
  static String took(java.time.Duration duration) {
    long ms = duration.toMillis();
    if (ms < 1_000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 3_600_000) {
      return (ms / 60_000) + " min " + (ms % 60_000) / 1000 + " s";
    }
    return (ms / 3_600_000) + " h " + (ms % 3_600_000) / 60_000 + " min";
  }

  /** One moment of a job's life, for its timeline, with the error it ended with if any. */
  private record Moment(Instant at, String what, AttemptError error) {
    Moment(Instant at, String what) {
      this(at, what, null);
    }
  }

  /**
   * A job's life as the store knows it, in time order: enqueued, due, each attempt that ended with
   * an error (its node, start, end and duration, then the error's class, message and stack trace:
   * the one place the page shows them), errors that ended no run (a cancellation) where they
   * happened, the last attempt's start (and the node that holds it) unless its error already told,
   * its lease, its end. An attempt that completed keeps no record beyond the last one's.
   */
  private static void timeline(Html body, JobInfo job) {
    List<Moment> moments = new java.util.ArrayList<>();
    moments.add(new Moment(job.createdAt(), "enqueued"));
    if (job.scheduledAt().isAfter(job.createdAt())) {
      moments.add(
          new Moment(
              job.scheduledAt(),
              job.state() == JobState.SCHEDULED || job.state() == JobState.RETRYABLE
                  ? "due"
                  : "due (run time)"));
    }
    boolean lastAttemptEnded = false;
    for (AttemptError error : job.errors()) {
      if (error.startedAt() == null) {
        moments.add(
            new Moment(
                error.at(),
                error.attempt() > 0
                    ? "attempt " + error.attempt() + " ended"
                    : "before its first attempt",
                error));
        continue;
      }
      moments.add(new Moment(error.startedAt(), attemptRun(error), error));
      lastAttemptEnded |=
          error.attempt() == job.attempt() && error.startedAt().equals(job.attemptedAt());
    }
    if (job.attemptedAt() != null && !lastAttemptEnded) {
      moments.add(
          new Moment(
              job.attemptedAt(),
              "attempt "
                  + job.attempt()
                  + " started"
                  + (job.leaseOwner() != null ? " on " + job.leaseOwner() : "")));
    }
    if (job.heartbeatAt() != null) {
      // Kept after the attempt ends: for a lease that expired, when its holder was last heard.
      moments.add(new Moment(job.heartbeatAt(), "last heartbeat"));
    }
    if (job.state() == JobState.RUNNING && job.leaseExpiresAt() != null) {
      moments.add(new Moment(job.leaseExpiresAt(), "lease expires unless renewed"));
    }
    if (job.finalizedAt() != null) {
      String took =
          job.attemptedAt() != null && !job.finalizedAt().isBefore(job.attemptedAt())
              ? " after " + took(java.time.Duration.between(job.attemptedAt(), job.finalizedAt()))
              : "";
      moments.add(new Moment(job.finalizedAt(), JobJson.state(job.state()) + took));
    }
    // Stable: moments of one instant keep the order above (an error before the end it caused).
    moments.sort(java.util.Comparator.comparing(Moment::at));
    body.raw("<h2>Timeline</h2><ol id=\"timeline\">");
    for (Moment moment : moments) {
      body.raw("<li><time>").text(utc(moment.at())).raw("</time> ").text(moment.what());
      AttemptError error = moment.error();
      if (error != null) {
        body.raw("<section class=\"attempt-error\"><p><strong class=\"error\">")
            .text(error.errorClass())
            .raw("</strong> ")
            .text(error.message())
            .raw("</p>");
        if (!error.stackTrace().isEmpty()) {
          body.raw("<pre class=\"stack-trace\">").text(error.stackTrace()).raw("</pre>");
        }
        body.raw("</section>");
      }
      body.raw("</li>");
    }
    body.raw("</ol>");
  }

  /**
   * An attempt that ended with {@code error}, which knows its run: "attempt 2 on node-a: started,
   * ended 2030-01-01 12:00:05, took 4.2 s". No duration when the end reads before the start: the
   * end may come from another node's clock (the rescuer's), and a negative time says nothing.
   */
  private static String attemptRun(AttemptError error) {
    String took =
        error.at().isBefore(error.startedAt())
            ? ""
            : ", took " + took(java.time.Duration.between(error.startedAt(), error.at()));
    return "attempt "
        + error.attempt()
        + (error.node() != null ? " on " + error.node() : "")
        + ": started, ended "
        + utc(error.at())
        + took;
  }

  private void queues(Context ctx) {
    List<QueueInfo> queues = errand.queues().list(COUNTS_EXACT_UP_TO);
    // Concurrency: what the live nodes that work each queue allow at once, together.
    Map<String, Integer> concurrency = new java.util.TreeMap<>();
    try {
      for (NodeInfo node : errand.nodes()) {
        node.queues().forEach((queue, limit) -> concurrency.merge(queue, limit, Integer::sum));
      }
    } catch (UnsupportedOperationException e) {
      // A store without a node registry: only this node's own queues are known.
    }
    Instant now = Instant.now();
    // Latency from the history's last sample (taken every few seconds once the dashboard is open)
    // rather than a read of every queue's waiting jobs at each load; read now before the first.
    history.open();
    List<DashboardHistory.Sample> samples = history.samples();
    Map<String, DashboardHistory.QueueSample> sampled =
        samples.isEmpty() ? Map.of() : samples.get(samples.size() - 1).queues();
    Html body = new Html().raw("<h1>Queues</h1>");
    if (queues.isEmpty()) {
      body.raw("<p class=\"muted\">No queue holds a job yet.</p>");
    } else {
      body.raw("<table id=\"queues\"><thead><tr><th>queue</th><th>paused</th>")
          .raw("<th class=\"num\">concurrency</th><th class=\"num\">utilization</th>")
          .raw("<th class=\"num\">latency</th>");
      for (JobState s : JobState.values()) {
        body.raw("<th class=\"num\">").text(JobJson.state(s)).raw("</th>");
      }
      body.raw("<th></th></tr></thead><tbody>");
      for (QueueInfo queue : queues) {
        body.raw("<tr data-queue=\"")
            .text(queue.name())
            .raw("\"><td><a href=\"")
            .text(jobsUrl(null, Map.of("queue", queue.name()), 0))
            .raw("\">")
            .text(queue.name())
            .raw("</a></td><td>")
            .text(queue.paused() ? "paused" : "")
            .raw("</td>");
        Integer limit = concurrency.get(queue.name());
        long running = queue.count(JobState.RUNNING);
        body.raw("<td class=\"num\">")
            .text(limit == null ? "no node" : limit.toString())
            .raw("</td><td class=\"num\">")
            .text(
                limit == null || limit == 0 || queue.isEstimated(JobState.RUNNING)
                    ? ""
                    : Math.round(100.0 * running / limit) + " %")
            .raw("</td><td class=\"num\">")
            .text(
                queue.count(JobState.AVAILABLE) == 0
                    ? ""
                    : took(
                        java.time.Duration.ofMillis(
                            Math.round(
                                1000
                                    * (sampled.containsKey(queue.name())
                                        ? sampled.get(queue.name()).latencySeconds()
                                        : DashboardHistory.latencySeconds(
                                            errand, queue.name(), now))))))
            .raw("</td>");
        for (JobState s : JobState.values()) {
          body.raw("<td class=\"num\">");
          count(body, queue.count(s), queue.isEstimated(s));
          body.raw("</td>");
        }
        body.raw("<td>");
        String path = base + "/queues/" + URLEncoder.encode(queue.name(), StandardCharsets.UTF_8);
        actionForm(
            ctx,
            body,
            path + (queue.paused() ? "/resume" : "/pause"),
            queue.paused() ? "Resume" : "Pause");
        body.raw("</td></tr>");
      }
      body.raw("</tbody></table>");
    }
    render(ctx, 200, "Queues", "queues", body);
  }

  private void nodes(Context ctx) {
    Html body = new Html().raw("<h1>Nodes</h1>");
    List<NodeInfo> nodes;
    try {
      nodes = errand.nodes();
    } catch (UnsupportedOperationException e) {
      body.raw("<p class=\"muted\">This store keeps no list of nodes.</p>");
      render(ctx, 200, "Nodes", "nodes", body);
      return;
    }
    // Running jobs by the node that holds their lease, read a page at a time up to a bound.
    Map<String, Long> running = new java.util.HashMap<>();
    boolean more =
        readJobs(
            JobQuery.all().withStates(JobState.RUNNING),
            RUNNING_COUNT_LIMIT,
            job -> running.merge(job.leaseOwner() == null ? "" : job.leaseOwner(), 1L, Long::sum));
    String atLeast = more ? "≥ " : "";
    if (nodes.isEmpty()) {
      body.raw("<p class=\"muted\">No node reports to this store now.</p>");
    } else {
      body.raw(
          "<table id=\"nodes\"><thead><tr><th>node</th><th>leads</th><th>queues (concurrency)</th>"
              + "<th class=\"num\">kinds</th><th class=\"num\">running jobs</th><th>started (UTC)</th>"
              + "<th>last seen (UTC)</th></tr></thead><tbody>");
      for (NodeInfo node : nodes) {
        StringBuilder queues = new StringBuilder();
        node.queues()
            .forEach(
                (queue, concurrency) ->
                    queues
                        .append(queues.isEmpty() ? "" : ", ")
                        .append(queue)
                        .append(" ×")
                        .append(concurrency));
        body.raw("<tr data-node=\"")
            .text(node.id())
            .raw("\"><td>")
            .text(node.id())
            .raw("</td><td class=\"leader\">")
            .text(node.leader() ? "leader" : "")
            .raw("</td><td>")
            .text(queues)
            .raw("</td><td class=\"num\">")
            .text(node.kinds().size())
            .raw("</td><td class=\"num\">")
            .text(atLeast + running.getOrDefault(node.id(), 0L))
            .raw("</td><td>")
            .text(utc(node.startedAt()))
            .raw("</td><td>")
            .text(utc(node.reportedAt()))
            .raw("</td></tr>");
      }
      body.raw("</tbody></table>");
    }
    render(ctx, 200, "Nodes", "nodes", body);
  }

  /**
   * The batches, oldest first, a page at a time by keyset: each batch's callback (the job that
   * carries {@link Batch#METADATA_KEY}), how many members ended and how (its dependency counts),
   * and the callback's state: pending while members run, then run like any job.
   */
  private void batches(Context ctx) {
    long after =
        optional(ctx, "after").map(a -> Exchanges.number("after", a, 0, Long.MAX_VALUE)).orElse(0L);
    JobPage page =
        errand
            .jobs()
            .list(
                JobQuery.all()
                    .withMetadata(Batch.METADATA_KEY, Batch.CALLBACK)
                    .withAfterId(after)
                    .withLimit(PAGE_SIZE));
    Html body = new Html().raw("<h1>Batches</h1>");
    if (page.jobs().isEmpty()) {
      body.raw("<p class=\"muted\" id=\"no-batches\">No batch")
          .raw(after == 0 ? " yet." : " after these.")
          .raw("</p>");
    } else {
      body.raw(
          "<table id=\"batches\"><thead><tr><th class=\"num\">callback</th><th>kind</th>"
              + "<th>queue</th><th>members ended</th><th class=\"num\">completed</th>"
              + "<th class=\"num\">discarded</th><th class=\"num\">cancelled</th>"
              + "<th class=\"num\">running or waiting</th><th>callback state</th>"
              + "<th>created (UTC)</th></tr></thead><tbody>");
      for (JobInfo callback : page.jobs()) {
        DependencyCounts counts = callback.dependencies();
        int ended = counts.completed() + counts.discarded() + counts.cancelled();
        int total = ended + counts.waiting();
        body.raw("<tr data-batch=\"")
            .text(callback.id())
            .raw("\"><td class=\"num\"><a href=\"")
            .text(base + "/jobs/" + callback.id())
            .raw("\">")
            .text(callback.id())
            .raw("</a></td><td>")
            .text(callback.kind())
            .raw("</td><td>")
            .text(callback.queue())
            .raw("</td><td><progress max=\"")
            .text(Math.max(total, 1))
            .raw("\" value=\"")
            .text(ended)
            .raw("\"></progress> ")
            .text(ended + " of " + total)
            .raw("</td><td class=\"num\">")
            .text(counts.completed())
            .raw("</td><td class=\"num\">")
            .text(counts.discarded())
            .raw("</td><td class=\"num\">")
            .text(counts.cancelled())
            .raw("</td><td class=\"num\">")
            .text(counts.waiting())
            .raw("</td>");
        stateCell(body, callback.state());
        body.raw("<td>").text(utc(callback.createdAt())).raw("</td></tr>");
      }
      body.raw("</tbody></table>");
    }
    if (page.hasNext()) {
      body.raw("<p><a rel=\"next\" href=\"")
          .text(base + "/batches?after=" + page.nextAfterId())
          .raw("\">Next ")
          .text(PAGE_SIZE)
          .raw(" →</a></p>");
    }
    render(ctx, 200, "Batches", "batches", body);
  }

  /** The last slots the cron page shows per periodic job. */
  private static final int LAST_SLOTS = 5;

  /** At most this many of a periodic job's slot jobs are read to find its last ones. */
  private static final int SLOT_SCAN_LIMIT = 10 * JobQuery.MAX_LIMIT;

  /**
   * The periodic jobs of every live node, as the nodes report them (the leader's report first: it
   * is the one that enqueues), each with its schedule as written and in words, its next slot, the
   * nodes that declare it, and its last slots with how they ended.
   */
  private void cron(Context ctx) {
    Html body = new Html().raw("<h1>Cron</h1>");
    List<NodeInfo> nodes;
    try {
      nodes = errand.nodes();
    } catch (UnsupportedOperationException e) {
      body.raw("<p class=\"muted\">This store keeps no list of nodes, which report their periodic")
          .raw(" jobs.</p>");
      render(ctx, 200, "Cron", "cron", body);
      return;
    }
    Map<String, PeriodicJobInfo> byName = new java.util.TreeMap<>();
    Map<String, List<String>> declaredBy = new java.util.HashMap<>();
    List<NodeInfo> leaderFirst = new java.util.ArrayList<>(nodes);
    leaderFirst.sort(java.util.Comparator.comparing(node -> !node.leader()));
    for (NodeInfo node : leaderFirst) {
      for (PeriodicJobInfo periodic : node.periodicJobs()) {
        byName.putIfAbsent(periodic.name(), periodic);
        declaredBy
            .computeIfAbsent(periodic.name(), name -> new java.util.ArrayList<>())
            .add(node.id());
      }
    }
    if (byName.isEmpty()) {
      body.raw("<p class=\"muted\" id=\"no-cron\">No live node has periodic jobs.</p>");
      render(ctx, 200, "Cron", "cron", body);
      return;
    }
    body.raw(
        "<table id=\"cron\"><thead><tr><th>name</th><th>schedule</th><th>kind</th><th>queue</th>"
            + "<th>next slot (UTC)</th><th>last slots</th><th>declared by</th></tr></thead><tbody>");
    for (PeriodicJobInfo periodic : byName.values()) {
      body.raw("<tr data-cron=\"")
          .text(periodic.name())
          .raw("\"><td>")
          .text(periodic.name())
          .raw("</td><td>")
          .text(dev.errand.Schedule.inWords(periodic.schedule()))
          .raw("<br><code>")
          .text(periodic.schedule())
          .raw("</code>")
          .raw(periodic.catchesUp() ? "<br><span class=\"muted\">catches up</span>" : "")
          .raw("</td><td>")
          .text(periodic.kind())
          .raw("</td><td>")
          .text(periodic.queue())
          .raw("</td><td>")
          .text(periodic.nextRunAt() == null ? "none" : utc(periodic.nextRunAt()))
          .raw("</td><td class=\"slots\">");
      List<JobInfo> last = lastSlots(periodic);
      if (last.isEmpty()) {
        body.raw("<span class=\"muted\">none yet</span>");
      }
      for (JobInfo slot : last) {
        body.raw("<a href=\"" + base + "/jobs/")
            .text(slot.id())
            .raw("\" class=\"state state-")
            .text(JobJson.state(slot.state()))
            .raw("\">")
            .text(utc(slot.scheduledAt()) + " " + JobJson.state(slot.state()))
            .raw("</a><br>");
      }
      body.raw("<a href=\"")
          .text(
              jobsUrl(
                  null,
                  Map.of(
                      "kind",
                      periodic.kind(),
                      "where",
                      "metadata." + PeriodicJob.METADATA_KEY + "=" + periodic.name()),
                  0))
          .raw("\">all its jobs</a></td><td>")
          .text(String.join(", ", declaredBy.get(periodic.name())))
          .raw("</td></tr>");
    }
    body.raw("</tbody></table>");
    render(ctx, 200, "Cron", "cron", body);
  }

  /** A periodic job's last slot jobs still stored, newest first. */
  private List<JobInfo> lastSlots(PeriodicJobInfo periodic) {
    java.util.ArrayDeque<JobInfo> last = new java.util.ArrayDeque<>();
    readJobs(
        JobQuery.all()
            .withKind(periodic.kind())
            .withMetadata(PeriodicJob.METADATA_KEY, periodic.name()),
        SLOT_SCAN_LIMIT,
        job -> {
          last.addFirst(job);
          if (last.size() > LAST_SLOTS) {
            last.removeLast();
          }
        });
    return List.copyOf(last);
  }

  /**
   * Hands {@code each} the jobs {@code query} matches, oldest id first, read a page of {@link
   * JobQuery#MAX_LIMIT} at a time, until none is left or {@code bound} were read. Returns whether
   * jobs remain past the bound.
   */
  private boolean readJobs(JobQuery query, int bound, java.util.function.Consumer<JobInfo> each) {
    long afterId = 0;
    int read = 0;
    while (true) {
      JobPage page = errand.jobs().list(query.withAfterId(afterId).withLimit(JobQuery.MAX_LIMIT));
      for (JobInfo job : page.jobs()) {
        if (read == bound) {
          return true;
        }
        each.accept(job);
        read++;
      }
      if (!page.hasNext()) {
        return false;
      }
      afterId = page.nextAfterId();
    }
  }

  /** A file whose path names its content or version: cached for good. */
  private static void asset(Context ctx, String type, byte[] content) {
    ctx.status(200)
        .contentType(type)
        .header("Cache-Control", "public, max-age=31536000, immutable")
        .header("X-Content-Type-Options", "nosniff")
        .result(content);
  }

  /**
   * The overview: per queue or for all, the attempts completed and failed per second, the age of
   * the oldest waiting job and the jobs running, as numbers now and as charts over the last hour,
   * refreshed every two seconds by its script (paused by a button, or while the tab is hidden).
   */
  private void overview(Context ctx) {
    history.open();
    Html body =
        new Html()
            .raw("<h1>Overview</h1><div id=\"overview\" data-source=\"")
            .text(base + "/overview/data")
            .raw("\"><div class=\"filters\"><label>queue<select id=\"overview-queue\">")
            .raw("<option value=\"\">all queues</option>");
    for (QueueInfo queue : errand.queues().list(COUNTS_EXACT_UP_TO)) {
      body.raw("<option value=\"")
          .text(queue.name())
          .raw("\">")
          .text(queue.name())
          .raw("</option>");
    }
    body.raw("</select></label>")
        .raw("<button type=\"button\" id=\"overview-pause\" aria-pressed=\"false\">Pause</button>")
        .raw(" <span class=\"muted\" id=\"overview-status\">loading…</span></div>")
        .raw("<dl class=\"numbers\">");
    for (String[] number :
        new String[][] {
          {"completed", "completed per second"},
          {"failed", "failed per second"},
          {"latency", "oldest waiting job, seconds"},
          {"running", "running"},
          {"available", "waiting"}
        }) {
      body.raw("<div><dt>")
          .text(number[1])
          .raw("</dt><dd id=\"now-")
          .text(number[0])
          .raw("\">—</dd></div>");
    }
    body.raw("</dl>");
    for (String[] chart :
        new String[][] {
          {"throughput", "Attempts completed and failed per second"},
          {"latency", "Age of the oldest waiting job"},
          {"running", "Jobs running and waiting"}
        }) {
      body.raw("<h2>").text(chart[1]).raw("</h2><div class=\"chart\" id=\"chart-").text(chart[0]);
      body.raw("\"></div>");
    }
    body.raw("<p class=\"muted\">")
        .text(
            "Sampled every "
                + DashboardHistory.STEP.toSeconds()
                + " s by this server since the dashboard was first opened (the last hour at"
                + " most); rates are the nodes' own totals of attempts, which each reports every"
                + " few seconds, over "
                + DashboardHistory.RATE_WINDOW.toSeconds()
                + " s; the age is that of the oldest run time among the first "
                + "100 waiting jobs.")
        .raw("</p></div>")
        .raw("<link rel=\"stylesheet\" href=\"")
        .text(base + UPLOT_CSS_FILE)
        .raw("\"><script src=\"")
        .text(base + UPLOT_JS_FILE)
        .raw("\" defer></script><script src=\"")
        .text(base + OVERVIEW_JS_FILE)
        .raw("\" defer></script>");
    render(ctx, 200, "Overview", "overview", body);
  }

  private void overviewData(Context ctx) {
    history.open();
    ctx.status(200)
        .contentType("application/json")
        .header("Cache-Control", "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .result(history.json().toString());
  }

  /** The version of a WebJar on the class path, from its Maven metadata. */
  private static String webjarVersion(String artifact) {
    java.util.Properties properties = new java.util.Properties();
    try (InputStream in =
        Dashboard.class.getResourceAsStream(
            "/META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the WebJar " + artifact + " is not on the class path");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("version");
  }

  private static void stateCell(Html body, JobState state) {
    body.raw("<td class=\"state state-")
        .text(JobJson.state(state))
        .raw("\">")
        .text(JobJson.state(state))
        .raw("</td>");
  }

  private static void field(Html body, String name, Object value) {
    body.raw("<dt>").text(name).raw("</dt><dd>").text(value == null ? "—" : value).raw("</dd>");
  }

  private void render(Context ctx, int status, String title, String nav, Html body) {
    Html page =
        new Html()
            .raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>")
            .text(title)
            .raw(" · Errand</title>")
            .raw("<link rel=\"stylesheet\" href=\"")
            .raw(cssPath)
            .raw("\"></head><body><header>")
            .raw("<strong>Errand</strong><nav>");
    for (String[] link :
        new String[][] {
          {"overview", base + "/overview", "Overview"},
          {"jobs", base + "/jobs", "Jobs"},
          {"queues", base + "/queues", "Queues"},
          {"cron", base + "/cron", "Cron"},
          {"batches", base + "/batches", "Batches"},
          {"nodes", base + "/nodes", "Nodes"}
        }) {
      page.raw("<a href=\"")
          .raw(link[1])
          .raw("\"")
          .raw(link[0].equals(nav) ? " aria-current=\"page\"" : "")
          .raw(">")
          .raw(link[2])
          .raw("</a>");
    }
    page.raw("</nav>");
    if (token != null && sessions.role(ctx.cookie(DashboardSessions.COOKIE)) != null) {
      form(page, base + "/logout", "Log out");
    }
    page.raw("</header><main>").raw(body.toString()).raw("</main></body></html>");
    ctx.status(status)
        .contentType("text/html; charset=utf-8")
        .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .header("X-Content-Type-Options", "nosniff")
        // Not no-referrer: under it a browser sends "Origin: null" with the pages' own forms, which
        // the
        // origin check refuses; same-origin sends nothing to other sites all the same.
        .header("Referrer-Policy", "same-origin")
        .header("Cache-Control", "no-store")
        .result(page.toString());
  }

  private static Optional<String> optional(Context ctx, String name) {
    return optional(ctx::queryParam, name);
  }

  private static Optional<String> optional(
      java.util.function.Function<String, String> params, String name) {
    String value = params.apply(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static String utc(Instant at) {
    return at == null ? null : JobsCommand.UTC.format(at);
  }

  private static String preview(String argsJson) {
    return argsJson.length() <= ARGS_PREVIEW_CHARS
        ? argsJson
        : argsJson.substring(0, ARGS_PREVIEW_CHARS - 1) + "…";
  }

  /** JSON indented for reading; text that is not JSON as it is. */
  private static String pretty(String json) {
    try {
      return Body.MAPPER
          .writerWithDefaultPrettyPrinter()
          .writeValueAsString(Body.MAPPER.readTree(json));
    } catch (JsonProcessingException e) {
      return json;
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = Dashboard.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
