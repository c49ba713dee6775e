# Sourced by ./run-tests: makes sure the services the integration tests need are there, and says
# what it did. A server that is installed but stopped is started; one that is missing is not
# installed here: the PostgreSQL tests then start an embedded server from Maven Central instead.

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exec 3>&- 3<&-
}

ensure_postgres() {
  if [ -n "${ERRAND_TEST_PG_URL:-}" ]; then
    echo "run-tests: PostgreSQL: using ERRAND_TEST_PG_URL"
    return 0
  fi
  if port_open 5432; then
    echo "run-tests: PostgreSQL: found a server on 127.0.0.1:5432"
    return 0
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "run-tests: PostgreSQL: starting the installed cluster $version/main"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do
      port_open 5432 && return 0
      sleep 1
    done
    echo "run-tests: PostgreSQL: the local cluster did not come up; the tests will start an embedded server"
    return 0
  fi
  echo "run-tests: PostgreSQL: none installed; the tests will start an embedded server (binaries from Maven Central)"
}

# Redis: the Redis store's tests need a server. One on 127.0.0.1:6379 is used as it is; a stopped
# one is started (no persistence: the tests that need an append-only file start their own); a
# missing one is installed from Debian when this runs as root. Without any, the run stops here with
# the reason, rather than skipping the Redis suites.
ensure_redis() {
  if [ -n "${ERRAND_TEST_REDIS_URL:-}" ]; then
    echo "run-tests: Redis: using ERRAND_TEST_REDIS_URL"
    return 0
  fi
  if port_open 6379; then
    echo "run-tests: Redis: found a server on 127.0.0.1:6379"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "run-tests: Redis: none installed; installing Debian's redis-server"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null
    else
      echo "run-tests: Redis: no server on 127.0.0.1:6379 and redis-server is not installed;" \
        "install it (apt-get install redis-server) or set ERRAND_TEST_REDIS_URL" >&2
      return 1
    fi
  fi
  echo "run-tests: Redis: starting redis-server on 127.0.0.1:6379 (in the background, no persistence)"
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
    --logfile /tmp/errand-test-redis.log
  for _ in $(seq 1 30); do
    port_open 6379 && return 0
    sleep 1
  done
  echo "run-tests: Redis: redis-server did not come up; see /tmp/errand-test-redis.log" >&2
  return 1
}

# Ruby's Sidekiq: errand-redis's SidekiqInteropTest runs Ruby's Sidekiq 6.4 client, API and
# `sidekiq` processes against the Redis store's keys (under a key prefix, through redis-namespace).
# Missing ones are installed from Debian when this runs as root; otherwise this says which tests
# will fail and why (they fail rather than skip; the test also tries to install as a fallback).
ensure_sidekiq() {
  local packages="ruby-sidekiq ruby-redis-namespace"
  if ruby -e 'require "sidekiq"; require "redis/namespace"' >/dev/null 2>&1; then
    echo "run-tests: Sidekiq: found Ruby's Sidekiq $(ruby -e 'require "sidekiq"; print Sidekiq::VERSION')" \
      "with redis-namespace"
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run-tests: Sidekiq: Ruby's Sidekiq or redis-namespace is missing;" \
      "INSTALLING Debian's $packages with apt-get"
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q $packages >/tmp/errand-apt-sidekiq.log 2>&1 &&
      ruby -e 'require "sidekiq"; require "redis/namespace"' >/dev/null 2>&1; then
      echo "run-tests: Sidekiq: installed $packages" \
        "(Sidekiq $(ruby -e 'require "sidekiq"; print Sidekiq::VERSION'))"
      return 0
    fi
    echo "run-tests: Sidekiq: apt-get could not install $packages; see /tmp/errand-apt-sidekiq.log" >&2
  fi
  echo "run-tests: Sidekiq: WARNING: Ruby's Sidekiq with redis-namespace is not available" \
    "(apt-get install $packages, as root). Every test of errand-redis's SidekiqInteropTest" \
    "will FAIL: each needs a real Sidekiq client and sidekiq process; the rest of the suite runs." >&2
  return 0
}

# Debian's chromium and chromedriver, for the dashboard's browser tests (DashboardBrowserTest).
ensure_chromium() {
  local packages="chromium chromium-driver"
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "run-tests: browser: found $(/usr/bin/chromium --version 2>/dev/null | head -1)" \
      "and its chromedriver"
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "run-tests: browser: chromium or chromedriver is missing;" \
      "INSTALLING Debian's $packages with apt-get"
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q $packages >/tmp/errand-apt-chromium.log 2>&1 &&
      [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
      echo "run-tests: browser: installed $packages ($(/usr/bin/chromium --version 2>/dev/null | head -1))"
      return 0
    fi
    echo "run-tests: browser: apt-get could not install $packages; see /tmp/errand-apt-chromium.log" >&2
  fi
  echo "run-tests: browser: WARNING: Debian's chromium and chromium-driver are not available" \
    "(apt-get install $packages, as root). errand-server's DashboardBrowserTest will FAIL:" \
    "it needs a real browser; the rest of the suite runs." >&2
  return 0
}
