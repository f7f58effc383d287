# Student containers must not reach the host's PostgreSQL, Redis, Docker API or Aula's own
# ports. Docker's bridge traffic to the host enters through INPUT on the bridge's interface, so a
# small chain there drops it: on aula-students, the network every student server joins (made by
# the worker with that fixed interface name; see packages/docker/src/student-network.ts), and on
# docker0, where servers started before that network existed may still run. A rule may name an
# interface that does not exist yet. Rules are only added, never sent packets; tests inspect them.

AULA_FW_CHAIN=AULA-STUDENTS
AULA_FW_BRIDGES=(docker0 aula-students)

install_firewall_rules() {
  command -v iptables >/dev/null 2>&1 || { warn "iptables is missing: student containers can reach host services (apt-get install iptables)"; return 0; }
  iptables -w -N "$AULA_FW_CHAIN" 2>/dev/null || iptables -w -F "$AULA_FW_CHAIN"
  local port
  for port in 5432 6379 2375 2376 "${AULA_PORT:-8000}" "${AULA_API_PORT:-8001}" "${AULA_WEB_PORT:-3000}"; do
    iptables -w -A "$AULA_FW_CHAIN" -p tcp --dport "$port" -j REJECT --reject-with tcp-reset
  done
  local bridge
  for bridge in "${AULA_FW_BRIDGES[@]}"; do
    iptables -w -C INPUT -i "$bridge" -j "$AULA_FW_CHAIN" 2>/dev/null || iptables -w -I INPUT -i "$bridge" -j "$AULA_FW_CHAIN"
  done
}
