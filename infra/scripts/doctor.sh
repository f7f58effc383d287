# ./aula doctor: checks each dependency, says what is wrong and how to fix it. Changes nothing.
problems=0
ok()   { printf '  \033[32mok\033[0m    %-22s %s\n' "$1" "$2"; }
bad()  { printf '  \033[31mfix\033[0m   %-22s %s\n' "$1" "$2"; problems=$((problems + 1)); }
note() { printf '  \033[33mnote\033[0m  %-22s %s\n' "$1" "$2"; }

echo "Aula doctor"
[ "$(id -u)" = 0 ] && ok "user" "root" || note "user" "not root: ./aula up needs root to install packages and start services"

if command -v node >/dev/null 2>&1; then
  v=$(node -p 'process.versions.node')
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
    && ok "node" "$v" || bad "node" "$v is too old: install Node.js 20.19 or newer"
else bad "node" "missing: install Node.js 20.19 or newer"; fi
command -v pnpm >/dev/null 2>&1 && ok "pnpm" "$(pnpm --version)" || bad "pnpm" "missing: npm i -g pnpm@10"

if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_isready -q -h 127.0.0.1 && ok "postgresql" "accepting connections on 127.0.0.1:5432" \
    || bad "postgresql" "installed but not running: pg_ctlcluster $(pg_version) main start (or ./aula up)"
else bad "postgresql" "missing: apt-get install postgresql (or ./aula up)"; fi

if command -v redis-server >/dev/null 2>&1; then
  redis-cli -h 127.0.0.1 ping 2>/dev/null | grep -q PONG && ok "redis" "answering on 127.0.0.1:6379" \
    || bad "redis" "installed but not running: ./aula up starts it"
else bad "redis" "missing: apt-get install redis-server"; fi

if command -v dockerd >/dev/null 2>&1; then
  if docker info >/dev/null 2>&1; then
    ok "docker" "engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
  else bad "docker" "installed but not running: ./aula up starts dockerd (log: /var/log/aula-dockerd.log)"; fi
else bad "docker" "missing: apt-get install docker.io"; fi

command -v debootstrap >/dev/null 2>&1 && ok "debootstrap" "present (offline base images)" || bad "debootstrap" "missing: apt-get install debootstrap"
command -v chromium >/dev/null 2>&1 && ok "chromium" "present (browser tests)" || note "chromium" "missing: only ./aula test needs it (apt-get install chromium)"
command -v iptables >/dev/null 2>&1 && ok "iptables" "present (student network rules)" || bad "iptables" "missing: apt-get install iptables"

if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  ok "gpus" "$(nvidia-smi -L | wc -l) NVIDIA device(s)"
else
  note "gpus" "no NVIDIA driver: GPU environments run with a simulated inventory when AULA_GPUS is set (e.g. sim:4xH100-80GB)"
fi

free_kb=$(df -Pk "${ROOT}" | awk 'NR==2{print $4}')
[ "${free_kb:-0}" -gt $((20 * 1024 * 1024)) ] && ok "disk" "$((free_kb / 1024 / 1024)) GiB free" \
  || bad "disk" "only $((free_kb / 1024 / 1024)) GiB free: environment images need about 20 GiB"

if [ -f "$AULA_ENV_FILE" ] && [ -d "$ROOT/node_modules" ]; then
  set -a; . "$AULA_ENV_FILE"; set +a
  aula_cli doctor || problems=$((problems + 1))
else
  note "setup" "not set up yet: ./aula up"
fi

echo
if [ "$problems" = 0 ]; then echo "No problems found."; else echo "$problems problem(s) found."; exit 1; fi
