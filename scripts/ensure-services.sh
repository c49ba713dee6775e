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
