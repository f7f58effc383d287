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
if docker info >/dev/null 2>&1; then
  if icc=$(docker network inspect aula-students --format '{{index .Options "com.docker.network.bridge.enable_icc"}}' 2>/dev/null); then
    [ "$icc" = false ] && ok "student network" "aula-students, inter-container traffic off" \
      || bad "student network" "aula-students lets containers talk to each other: docker network rm aula-students once no container uses it (the worker makes it again)"
  else note "student network" "aula-students not made yet: the worker makes it at start"; fi
fi

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
  # Unset: ./aula up picks disk where it can, so check what disk mode needs, but only as a note.
  if [ "${AULA_VOLUME_MODE:-}" = "" ] && { [ ! -e /dev/loop-control ] || ! command -v mkfs.ext4 >/dev/null 2>&1; }; then
    note "student disks" "no loop devices or e2fsprogs: ./aula up falls back to Docker volumes without a size limit"
  elif [ "${AULA_VOLUME_MODE:-disk}" = disk ]; then
    missing=""
    for t in mkfs.ext4 e2fsck resize2fs losetup flock; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
    if [ -n "$missing" ]; then bad "student disks" "missing:$missing (apt-get install e2fsprogs util-linux)"
    elif [ ! -e /dev/loop-control ]; then bad "student disks" "no /dev/loop-control: modprobe loop"
    else ok "student disks" "AULA_VOLUME_MODE=disk, ${AULA_STUDENT_DISK_MB:-10240} MB a student unless the course says otherwise"; fi
  else
    note "student disks" "AULA_VOLUME_MODE=docker: students' volumes have no size limit (AULA_VOLUME_MODE=disk in $AULA_ENV_FILE)"
  fi
  aula_cli doctor || problems=$((problems + 1))
else
  note "setup" "not set up yet: ./aula up"
fi

echo
if [ "$problems" = 0 ]; then echo "No problems found."; else echo "$problems problem(s) found."; exit 1; fi
