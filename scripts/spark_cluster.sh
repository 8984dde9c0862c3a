#!/usr/bin/env bash
# A Spark standalone cluster on this machine: one master and two workers bound
# to 127.0.0.1, started from the pyspark wheel's own jars (no separate Spark
# download), and stopped again. Used to run `spark-classify` under
# spark-submit against a real cluster master (docs/SPARK.md).
#
#   scripts/spark_cluster.sh start     # master spark://127.0.0.1:7077 (UI :8080), workers (UI :8081, :8082)
#   scripts/spark_cluster.sh status    # what is running, and the workers the master has registered
#   scripts/spark_cluster.sh submit INPUT_GLOB OUT_DIR [spark.py options]
#                                      # spark-submit diagnose/batch/spark.py to the cluster
#   scripts/spark_cluster.sh stop      # stop the three processes this script started (by their pids)
#
# Environment: PYTHON (default: .venv/bin/python of this checkout), SPARK_CLUSTER_DIR (pids, logs,
# work dirs; default /tmp/diagnose-spark-cluster), WORKER_CORES (1), WORKER_MEMORY (1g).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
STATE="${SPARK_CLUSTER_DIR:-/tmp/diagnose-spark-cluster}"
HOST=127.0.0.1
MASTER_PORT=7077
MASTER_UI=8080
WORKER_CORES="${WORKER_CORES:-1}"
WORKER_MEMORY="${WORKER_MEMORY:-1g}"
MASTER_URL="spark://$HOST:$MASTER_PORT"

spark_home() {
  "$PYTHON" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'
}

running() {  # running NAME: true if the pid recorded for NAME is alive
  local pidfile="$STATE/$1.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds
  local seconds="$1" what="$2"
  shift 2
  for _ in $(seq 1 $((seconds * 2))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "spark_cluster: timed out after ${seconds}s waiting for $what (logs: $STATE/*.log)" >&2
  return 1
}

port_open() {
  "$PYTHON" - "$1" <<'PY'
import socket, sys
with socket.socket() as s:
    s.settimeout(0.5)
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

alive_workers() {  # the master's count of registered live workers
  "$PYTHON" - "$MASTER_UI" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/json/", timeout=2) as r:
    print(json.load(r).get("aliveworkers", 0))
PY
}

two_workers() { [[ "$(alive_workers 2>/dev/null)" == "2" ]]; }

launch() {  # launch NAME ARGS...: start spark-class ARGS in the background, record its pid
  local name="$1"
  shift
  local home
  home="$(spark_home)"
  SPARK_HOME="$home" SPARK_LOCAL_IP="$HOST" SPARK_LOG_DIR="$STATE" SPARK_WORKER_DIR="$STATE/work" \
    nohup "$home/bin/spark-class" "$@" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

start() {
  mkdir -p "$STATE/work"
  for name in master worker1 worker2; do
    if running "$name"; then
      echo "spark_cluster: $name is already running (pid $(cat "$STATE/$name.pid")); stop it first" >&2
      exit 1
    fi
  done
  if port_open "$MASTER_PORT" || port_open "$MASTER_UI"; then
    echo "spark_cluster: port $MASTER_PORT or $MASTER_UI is taken by another program" >&2
    exit 1
  fi
  launch master org.apache.spark.deploy.master.Master --host "$HOST" --port "$MASTER_PORT" \
    --webui-port "$MASTER_UI"
  wait_for 60 "the master on $MASTER_URL" port_open "$MASTER_PORT"
  local i
  for i in 1 2; do
    mkdir -p "$STATE/work/worker$i"
    launch "worker$i" org.apache.spark.deploy.worker.Worker "$MASTER_URL" --host "$HOST" \
      --cores "$WORKER_CORES" --memory "$WORKER_MEMORY" --webui-port $((MASTER_UI + i)) \
      --work-dir "$STATE/work/worker$i"
  done
  wait_for 90 "two workers to register with the master" two_workers
  echo "spark_cluster: master $MASTER_URL (UI http://$HOST:$MASTER_UI), 2 workers x $WORKER_CORES core(s), $WORKER_MEMORY"
}

status() {
  local name
  for name in master worker1 worker2; do
    if running "$name"; then echo "$name: running, pid $(cat "$STATE/$name.pid")"; else echo "$name: not running"; fi
  done
  if running master; then echo "workers registered: $(alive_workers 2>/dev/null || echo '?')"; fi
}

stop() {
  local name pid
  for name in worker2 worker1 master; do
    [[ -f "$STATE/$name.pid" ]] || continue
    pid="$(cat "$STATE/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
      echo "spark_cluster: stopped $name (pid $pid)"
    fi
    rm -f "$STATE/$name.pid"
  done
}

submit() {  # submit INPUT_GLOB OUT_DIR [options]: the job on this cluster, executors importing this checkout
  local home
  home="$(spark_home)"
  # The driver (client mode, here) and the executors' Python workers both run
  # this checkout's interpreter and import `diagnose` from the checkout itself,
  # as the job arranges on its own for local masters (diagnose/batch/spark.py).
  cd "$ROOT"
  PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" PYSPARK_PYTHON="$PYTHON" PYSPARK_DRIVER_PYTHON="$PYTHON" \
    SPARK_HOME="$home" SPARK_LOCAL_IP="$HOST" \
    "$home/bin/spark-submit" --master "$MASTER_URL" --deploy-mode client \
    --conf spark.executorEnv.PYTHONPATH="$ROOT" \
    --conf spark.pyspark.python="$PYTHON" \
    --conf spark.executor.memory=768m \
    --conf spark.ui.showConsoleProgress=false \
    diagnose/batch/spark.py "$@"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  submit) shift; submit "$@" ;;
  *) echo "usage: $0 start|status|submit INPUT_GLOB OUT_DIR [options]|stop" >&2; exit 2 ;;
esac
