# Sourced by ./mvnw: make sure Maven runs on a JDK 25 or newer.
# Keeps JAVA_HOME when it already points at one; otherwise looks in the usual places
# (Debian's /usr/lib/jvm, SDKMAN, macOS java_home) and stops with the fix when none is found.
pith_java_feature() { # prints the feature release of the JDK at $1, or nothing
  [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}
pith_select_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    v=$(pith_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then return 0; fi
  fi
  set +f # mvnw runs with globbing off; the search below needs it
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* "$HOME"/.sdkman/candidates/java/25* \
      "$(/usr/libexec/java_home -v 25+ 2>/dev/null || true)"; do
    [ -d "$candidate" ] || continue
    v=$(pith_java_feature "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      JAVA_HOME=$candidate
      export JAVA_HOME
      set -f
      return 0
    fi
  done
  echo "Pith needs a JDK 25 or newer to build, and none was found." >&2
  echo "JAVA_HOME is '${JAVA_HOME-}'. Install one (Debian: a Temurin 25 package under /usr/lib/jvm)" >&2
  echo "or point JAVA_HOME at it: export JAVA_HOME=/path/to/jdk-25" >&2
  exit 1
}
pith_select_jdk
