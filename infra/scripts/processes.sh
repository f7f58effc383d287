# Starting and stopping Aula's own processes. Each runs detached with its PID in
# .aula/run/<app>.pid and its output in .aula/logs/<app>.log; only those PIDs are ever signalled.

AULA_RUN="$AULA_STATE/run"
AULA_LOGS="$AULA_STATE/logs"
AULA_APPS=(api web gateway worker)

app_command() {
  case "$1" in
    api)     echo "node $ROOT/apps/api/dist/server.js" ;;
    gateway) echo "node $ROOT/apps/gateway/dist/server.js" ;;
    worker)  echo "node $ROOT/apps/worker/dist/main.js" ;;
    web)     echo "$ROOT/apps/web/node_modules/.bin/next start $ROOT/apps/web -H 127.0.0.1 -p ${AULA_WEB_PORT:-3000}" ;;
  esac
}

app_pid() { # prints the PID if the app is running
  local f="$AULA_RUN/$1.pid" pid
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  rm -f "$f"; return 1
}

start_app() {
  local app=$1 pid
  mkdir -p "$AULA_RUN" "$AULA_LOGS"
  if pid=$(app_pid "$app"); then say "$app already running (pid $pid)"; return 0; fi
  # nohup execs the app in place, so $! is the app's own PID (setsid may fork, and then the PID
  # file would name a process that already exited while the app ran on, unstoppable by `down`).
  ( cd "$ROOT" || exit 1
    NODE_ENV=production nohup $(app_command "$app") >>"$AULA_LOGS/$app.log" 2>&1 < /dev/null &
    echo $! >"$AULA_RUN/$app.pid" )
  sleep 0.2
  pid=$(cat "$AULA_RUN/$app.pid")
  kill -0 "$pid" 2>/dev/null || die "$app exited at once; see $AULA_LOGS/$app.log"
  say "started $app (pid $pid)"
}

stop_app() {
  local app=$1 pid i
  pid=$(app_pid "$app") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then warn "$app (pid $pid) ignored SIGTERM for 10 s; sending SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$AULA_RUN/$app.pid"
  say "stopped $app"
}

stop_all() {
  local app
  # Gateway first so no new request reaches an app that is going away; worker last so its
  # jobs drain. Student containers keep running: they are reattached by `up`.
  for app in gateway web api worker; do stop_app "$app"; done
}

wait_for_health() {
  local url="http://127.0.0.1:${AULA_PORT:-8000}/api/v1/health" i
  for i in $(seq 1 120); do
    if curl -fsS -m 2 "$url" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "Aula did not answer $url within 60 s; see ./aula logs"
}

show_status() {
  local app pid
  printf '%-10s %s\n' APP STATE
  for app in "${AULA_APPS[@]}"; do
    if pid=$(app_pid "$app"); then printf '%-10s running (pid %s)\n' "$app" "$pid"; else printf '%-10s stopped\n' "$app"; fi
  done
  printf '%-10s %s\n' postgres "$(pg_isready -h 127.0.0.1 -q && echo up || echo down)"
  printf '%-10s %s\n' redis "$(redis-cli -h 127.0.0.1 ping 2>/dev/null | grep -q PONG && echo up || echo down)"
  printf '%-10s %s\n' docker "$(docker info >/dev/null 2>&1 && echo up || echo down)"
  if curl -fsS -m 2 "http://127.0.0.1:${AULA_PORT:-8000}/api/v1/health" >/dev/null 2>&1; then
    echo "portal     ${AULA_PUBLIC_URL:-http://127.0.0.1:8000}"
  fi
}

follow_logs() {
  local app=${1:-}
  mkdir -p "$AULA_LOGS"
  if [ -n "$app" ]; then
    [ -f "$AULA_LOGS/$app.log" ] || die "no log for '$app' yet (apps: ${AULA_APPS[*]})"
    exec tail -n 100 -F "$AULA_LOGS/$app.log"
  fi
  exec tail -n 30 -F "$AULA_LOGS"/*.log
}
