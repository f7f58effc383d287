# Shared functions behind ./aula. Sourced, never run. Everything here is idempotent: running
# `./aula up` or `./aula test` twice must be safe.

AULA_STATE="${AULA_STATE:-$ROOT/.aula}"
AULA_ENV_FILE="$AULA_STATE/env"

say()  { printf '\033[1m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[33mwarning:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" = 0 ] || die "this step installs system packages and starts services; run it as root (sudo ./aula $*)."
}

# --- system packages -------------------------------------------------------------------------

# Maps a command to the Debian package that provides it.
declare -A AULA_PKG_FOR=(
  [pg_ctlcluster]=postgresql [redis-server]=redis-server [dockerd]=docker.io
  [debootstrap]=debootstrap [iptables]=iptables [curl]=curl
)

ensure_packages() { # ensure_packages cmd... (+ chromium when AULA_WITH_BROWSER=1)
  local missing=() cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${AULA_PKG_FOR[$cmd]:-$cmd}")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    need_root
    say "installing ${missing[*]} (apt-get)"
    if [ ! -f "$AULA_STATE/.apt-updated" ] || [ -n "$(find "$AULA_STATE/.apt-updated" -mmin +720 2>/dev/null)" ]; then
      apt-get update -qq
      mkdir -p "$AULA_STATE" && touch "$AULA_STATE/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_node_toolchain() {
  command -v node >/dev/null 2>&1 || die "Node.js 20.19+ is required and not installed. Install it (e.g. from nodejs.org or NodeSource) and run again."
  local major minor
  IFS=. read -r major minor _ <<<"$(node -p 'process.versions.node')"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node.js $(node -v) is too old; Aula needs 20.19 or newer."
  fi
  if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version | cut -d. -f1)" != 10 ]; then
    say "installing pnpm 10 (npm i -g pnpm@10)"
    # pnpm 11 crashes on Node 20 and corepack cannot download here.
    npm i -g pnpm@10 >/dev/null 2>&1 || die "could not install pnpm 10 with npm"
  fi
}

# --- services --------------------------------------------------------------------------------

pg_version() { pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}'; }

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  local v; v=$(pg_version)
  if [ -z "$v" ]; then
    v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$v" ] || die "PostgreSQL is not installed (apt-get install postgresql)."
    say "creating PostgreSQL $v cluster"
    pg_createcluster "$v" main >/dev/null
  fi
  say "starting PostgreSQL $v"
  pg_ctlcluster "$v" main start || die "PostgreSQL did not start; see /var/log/postgresql/postgresql-$v-main.log"
  local i; for i in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.2; done
  die "PostgreSQL did not accept connections on 127.0.0.1:5432 within 10 s"
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  say "starting Redis"
  mkdir -p /var/lib/redis
  # appendonly: an accepted spawn job must survive a Redis restart. noeviction: BullMQ needs it.
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir /var/lib/redis \
    --appendonly yes --maxmemory-policy noeviction --logfile /var/log/aula-redis.log \
    || die "Redis did not start; see /var/log/aula-redis.log"
  local i; for i in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "Redis did not answer on 127.0.0.1:6379 within 10 s"
}

start_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  command -v dockerd >/dev/null 2>&1 || die "Docker Engine is not installed (apt-get install docker.io)."
  say "starting dockerd"
  # No systemd on these machines; setsid detaches it from this shell.
  setsid dockerd --host unix:///var/run/docker.sock >/var/log/aula-dockerd.log 2>&1 < /dev/null &
  local i; for i in $(seq 1 150); do docker info >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "dockerd did not answer within 30 s; see /var/log/aula-dockerd.log"
}

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Generated once and kept in .aula/env (mode 0600). Sourced by every later command.
ensure_env_file() {
  mkdir -p "$AULA_STATE"
  chmod 700 "$AULA_STATE"
  if [ ! -f "$AULA_ENV_FILE" ]; then
    local pw; pw=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)
    umask 077
    cat >"$AULA_ENV_FILE" <<ENV
# Written by ./aula on $(date -u +%F). Secrets: keep this file private.
AULA_DB_PASSWORD=$pw
DATABASE_URL=postgresql://aula:$pw@127.0.0.1:5432/aula
REDIS_URL=redis://127.0.0.1:6379
AULA_PORT=8000
AULA_API_PORT=8001
AULA_WEB_PORT=3000
AULA_PUBLIC_URL=http://127.0.0.1:8000
AULA_DATA_DIR=$AULA_STATE/data
ENV
    umask 022
  fi
  set -a; . "$AULA_ENV_FILE"; set +a
}

ensure_database() {
  # The role gets CREATEDB so the test suite can clone its own databases from a template.
  psql_admin -d postgres -c "DO \$\$BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'aula') THEN
      CREATE ROLE aula LOGIN CREATEDB PASSWORD '$AULA_DB_PASSWORD';
    ELSE
      ALTER ROLE aula LOGIN CREATEDB PASSWORD '$AULA_DB_PASSWORD';
    END IF;
  END\$\$;" >/dev/null
  local db
  for db in "$@"; do
    if ! psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      psql_admin -d postgres -c "CREATE DATABASE \"$db\" OWNER aula" >/dev/null
    fi
  done
}

ensure_dependencies_installed() {
  cd "$ROOT"
  local stamp="$AULA_STATE/.deps-installed"
  if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ]; then
    say "installing JavaScript dependencies (pnpm install)"
    pnpm install --frozen-lockfile --reporter=silent || die "pnpm install failed"
    touch "$stamp"
  fi
  pnpm --silent --filter @aula/db generate >/dev/null || die "prisma generate failed"
}

# Runs the Node CLI (infra/cli) with the env loaded.
aula_cli() { (cd "$ROOT" && node --import tsx infra/cli/src/main.ts "$@"); }

# For commands that only read state: load .aula/env if it exists, else explain.
ensure_env_file_quiet() {
  if [ -f "$AULA_ENV_FILE" ]; then set -a; . "$AULA_ENV_FILE"; set +a; return 0; fi
  die "no $AULA_ENV_FILE yet: run ./aula up first."
}

# Every service the platform and its tests need, installed and running.
ensure_services() {
  ensure_packages pg_ctlcluster redis-server dockerd debootstrap iptables curl
  ensure_node_toolchain
  start_postgres
  start_redis
  start_dockerd
  ensure_env_file
}
