# Sourced by ./errand and ./bench: runs a module's main class from this source checkout, on a JDK
# 21+ found by scripts/find-jdk.sh, building the module first when it is missing or older than
# any source or pom.
#
# run_module NAME MODULE MAIN_CLASS [ARGS...]

run_module() {
  local name=$1 module=$2 main_class=$3
  shift 3
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local classes=$root/$module/target/classes
  local classpath_file=$root/$module/target/classpath.txt

  . "$root/scripts/find-jdk.sh"
  find_jdk

  local reason
  reason=$(_build_reason "$root" "$classes/${main_class//.//}.class" "$classpath_file")
  if [ -n "$reason" ]; then
    echo "$name: $reason" >&2
    local log
    log=$(mktemp "${TMPDIR:-/tmp}/errand-build.XXXXXX")
    # Quiet unless it fails: then the whole Maven output explains why. `package`, not `install`:
    # the classpath then names this checkout's own jars (errand-core/target/…), not the SNAPSHOT
    # jars of the shared ~/.m2, which any other checkout on the machine may overwrite mid-run.
    if ! (cd "$root" && ./mvnw -B -q -ntp -DskipTests -Dspotless.check.skip=true \
      package -pl "$module" -am) >"$log" 2>&1; then
      cat "$log" >&2
      rm -f "$log"
      echo "$name: the build failed; see the Maven output above" >&2
      exit 1
    fi
    rm -f "$log"
  fi

  # UTF-8 output whatever the locale: tables and progress lines use non-ASCII marks. Native
  # access for the SQLite store's JNI library, which JDK 24+ otherwise warns about.
  exec "$JAVA_HOME/bin/java" -Dstdout.encoding=UTF-8 -Dstderr.encoding=UTF-8 \
    --enable-native-access=ALL-UNNAMED \
    -cp "$classes:$(<"$classpath_file")" "$main_class" "$@"
}

# Prints why a build is needed, or nothing when the last build is current.
_build_reason() {
  local root=$1 main_class_file=$2 classpath_file=$3
  if [ ! -f "$classpath_file" ] || [ ! -f "$main_class_file" ]; then
    echo "building (first run only)…"
    return
  fi
  local newer
  newer=$(find "$root"/*/src "$root"/pom.xml "$root"/*/pom.xml -newer "$classpath_file" -type f \
    -print -quit)
  if [ -n "$newer" ]; then
    echo "sources changed since the last build; building…"
    return
  fi
  if grep -q "/dev/errand/" "$classpath_file"; then
    echo "the classpath names Errand jars outside this checkout; building…"
    return
  fi
  # A `mvn clean` in another module removes jars the classpath names.
  local IFS=: entry
  for entry in $(<"$classpath_file"); do
    if [ ! -e "$entry" ]; then
      echo "the classpath names a missing $entry; building…"
      return
    fi
  done
}
