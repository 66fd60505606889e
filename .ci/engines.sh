#!/usr/bin/env bash
# Throwaway SPARQL engines on loopback for the contract suite (tests/test_contract.py).
#
#   bash .ci/engines.sh start DIR    # install if needed, start Virtuoso + Oxigraph server, write DIR/env
#   bash .ci/engines.sh stop  DIR    # stop both, by the PIDs recorded at start
#   bash .ci/engines.sh status DIR   # say which are up
#
# then `. DIR/env` exports MEDFUSE_TEST_VIRTUOSO and MEDFUSE_TEST_OXIGRAPH for pytest.
#
# Ports (all bound to 127.0.0.1): VIRT_HTTP_PORT (18890), VIRT_SQL_PORT (11111), OX_PORT (7879).
# Works as root without sudo (CI) and is idempotent: `start` on running engines only rewrites
# DIR/env; `start` after a crash or `stop` creates fresh databases; `stop` on stopped engines is a
# no-op. Virtuoso's dba password stays `dba`: the database is throwaway and listens on loopback
# only. Adapted from shared/notes/engines/virtuoso_ci.sh (verified on Debian's 7.2.5 package).
set -euo pipefail

cmd=${1:?usage: engines.sh start|stop|status DIR}
dir=${2:?usage: engines.sh start|stop|status DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
virt_http=${VIRT_HTTP_PORT:-18890}
virt_sql=${VIRT_SQL_PORT:-11111}
ox_port=${OX_PORT:-7879}
buffers=${VIRT_BUFFERS:-85000}   # 8 KiB pages, ~0.7 GiB: plenty for the medfuse graph

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# alive PIDFILE: the recorded process runs and is ours (its command line names $dir, so a
# recycled PID of an unrelated process is never waited for or killed).
alive() {
  [[ -f "$1" ]] || return 1
  local pid; pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$dir"
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# http_ok PORT PATH: a GET answers 200 (bash's /dev/tcp: a clean CI machine may have no curl).
http_ok() {
  local status
  status=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3
    head -c 12 <&3' "$1" "$2" 2>/dev/null) || return 1
  [[ $status == HTTP/1.?" 200" ]]
}
virt_up() { http_ok "$virt_http" '/sparql?query=ASK%7B%7D'; }
ox_up() { http_ok "$ox_port" '/query?query=ASK%7B%7D'; }
isql() { isql-vt "127.0.0.1:${virt_sql}" dba dba "exec=$1" >>"$dir/virt/isql.log" 2>&1; }

wait_for() {  # wait_for NAME CHECK PIDFILE LOG T0
  for _ in $(seq 1 240); do
    if "$2"; then echo "$1 up (pid $(cat "$3")) in $(since "$5") s"; return 0; fi
    # kill -0, not alive(): the PID is one this script just started, and while it execs its
    # /proc/PID/cmdline reads empty for a moment, which alive() would take for an exit.
    kill -0 "$(cat "$3")" 2>/dev/null || {
      echo "$1 exited during start-up; see $4" >&2; tail -20 "$4" >&2 || true; return 1; }
    sleep 0.25
  done
  echo "$1 did not answer within 60 s; see $4" >&2
  return 1
}

install() {
  if ! command -v virtuoso-t >/dev/null 2>&1; then
    local t0; t0=$(now)
    # Binary package only: no system service, no debconf prompt.
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      virtuoso-opensource-7-bin >/dev/null
    echo "installed virtuoso-opensource-7-bin in $(since "$t0") s"
  fi
  if ! oxigraph --version 2>/dev/null | grep -q '^oxigraph 0\.5\.'; then
    # Normally present: the `test` extra of pyproject.toml pins the same range.
    python -m pip install --quiet 'oxigraph>=0.5,<0.6'
  fi
}

start_virtuoso() {
  local v="$dir/virt"
  if alive "$v/virtuoso.pid"; then  # running, or still starting: wait for it
    wait_for "virtuoso (already started)" virt_up "$v/virtuoso.pid" "$v/virtuoso.log" "$(now)"
    return
  fi
  if port_busy "$virt_http" || port_busy "$virt_sql"; then
    echo "port ${virt_http} or ${virt_sql} is taken by another process; set VIRT_HTTP_PORT/VIRT_SQL_PORT" >&2
    return 1
  fi
  rm -rf "$v" && mkdir -p "$v/vsp"
  cat >"$v/virtuoso.ini" <<EOF
[Database]
DatabaseFile       = $v/virtuoso.db
ErrorLogFile       = $v/virtuoso.log
LockFile           = $v/virtuoso.lck
TransactionFile    = $v/virtuoso.trx
xa_persistent_file = $v/virtuoso.pxa

[TempDatabase]
DatabaseFile    = $v/virtuoso-temp.db
TransactionFile = $v/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:${virt_sql}
DisableUnixSocket = 1
DirsAllowed       = ., $v
NumberOfBuffers   = ${buffers}
MaxDirtyBuffers   = $((buffers * 3 / 4))

[HTTPServer]
ServerPort    = 127.0.0.1:${virt_http}
ServerRoot    = $v/vsp
ServerThreads = 10

[SPARQL]
; The Debian ini ships 10000 rows, which silently truncates larger answers.
ResultSetMaxRows      = 1000000
MaxQueryExecutionTime = 120
EOF
  local t0; t0=$(now)
  (cd "$v" && exec virtuoso-t +foreground +configfile "$v/virtuoso.ini" >"$v/stdout.log" 2>&1 </dev/null) &
  echo $! >"$v/virtuoso.pid"
  # No grant needed: on a fresh 7.2.5 database dba may already write through
  # /sparql-graph-crud-auth (GSP PUT -> 201) and /sparql-auth (update -> 200) with digest auth.
  wait_for virtuoso virt_up "$v/virtuoso.pid" "$v/virtuoso.log" "$t0"
}

start_oxigraph() {
  local o="$dir/ox"
  if alive "$o.pid"; then
    wait_for "oxigraph (already started)" ox_up "$o.pid" "$dir/ox.log" "$(now)"
    return
  fi
  if port_busy "$ox_port"; then
    echo "port ${ox_port} is taken by another process; set OX_PORT" >&2
    return 1
  fi
  rm -rf "$o" && mkdir -p "$o"
  local t0; t0=$(now)
  # Read-write (`serve`, not `serve-read-only`) so `medfuse build --store URL` can PUT graphs.
  oxigraph serve --location "$o" --bind "127.0.0.1:${ox_port}" --union-default-graph \
    >"$dir/ox.log" 2>&1 </dev/null &
  echo $! >"$o.pid"
  wait_for oxigraph ox_up "$o.pid" "$dir/ox.log" "$t0"
}

stop_one() {  # stop_one NAME PIDFILE
  if ! alive "$2"; then rm -f "$2"; echo "$1 not running"; return 0; fi
  local pid; pid=$(cat "$2")
  if [[ $1 == virtuoso ]]; then isql 'shutdown;' || kill "$pid"; else kill "$pid"; fi
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$2"; echo "$1 stopped"; return 0; }
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$2"
  echo "$1 killed after 30 s"
}

case "$cmd" in
start)
  install
  start_virtuoso
  start_oxigraph
  cat >"$dir/env" <<EOF
export MEDFUSE_TEST_VIRTUOSO=http://127.0.0.1:${virt_http}/sparql
export MEDFUSE_TEST_OXIGRAPH=http://127.0.0.1:${ox_port}
EOF
  echo "wrote $dir/env"
  ;;
stop)
  mkdir -p "$dir/virt"
  stop_one virtuoso "$dir/virt/virtuoso.pid"
  stop_one oxigraph "$dir/ox.pid"
  ;;
status)
  if alive "$dir/virt/virtuoso.pid" && virt_up; then echo "virtuoso up"; else echo "virtuoso down"; fi
  if alive "$dir/ox.pid" && ox_up; then echo "oxigraph up"; else echo "oxigraph down"; fi
  ;;
*)
  echo "unknown command $cmd (start|stop|status)" >&2
  exit 2
  ;;
esac
