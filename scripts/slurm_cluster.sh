#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for tests and trying vgs-slurm: munged, slurmctld and
# slurmd (Debian bookworm's munge and slurm-wlm), run as root with every file under DIR.
#
# Usage: scripts/slurm_cluster.sh start|stop|status DIR
#   start   writes DIR/munge/munge.key, DIR/slurm.conf and DIR/env.sh, starts the daemons in the
#           background and waits until the node is idle (SLURM_CLUSTER_TIMEOUT seconds, default 60;
#           on a timeout it prints the daemons' logs and exits 1)
#   stop    cancels the cluster's jobs and stops its daemons
#   status  says which daemons run and prints sinfo
# Then `source DIR/env.sh` (SLURM_CONF) and use sbatch, srun, squeue, scontrol as usual.
#
# Several clusters may run at once (one per DIR): each has its own munged socket, state, spool and
# logs, and its own ports (SlurmctldPort and SlurmdPort, picked free in 40000-49999, away from the
# MASTER_PORT range 20000-39999 of vgs-slurm's jobs). Exit status: 0 done, 1 a daemon failed (the
# message and logs say which), 2 a bad command line or missing programs.
set -euo pipefail

TIMEOUT="${SLURM_CLUSTER_TIMEOUT:-60}"

die() { echo "slurm_cluster.sh: error: $1" >&2; exit "${2:-1}"; }
usage() { echo "usage: scripts/slurm_cluster.sh start|stop|status DIR" >&2; exit 2; }

[ $# -eq 2 ] || usage
ACTION="$1"
mkdir -p "$2"
DIR="$(cd "$2" && pwd)"
CONF="$DIR/slurm.conf"
SOCKET="$DIR/munge/munged.sock"
export SLURM_CONF="$CONF"

check_programs() {
  local p missing=()
  for p in munged slurmctld slurmd sinfo scontrol scancel squeue; do
    command -v "$p" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: install munge and slurm-wlm (scripts/setup.sh does)" 2
  [ "$(id -u)" -eq 0 ] || die "the daemons run as root here (SlurmUser=root); run this as root" 2
}

# A process id from a pid file, when that process still runs.
live_pid() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# A port some process listens on accepts a connection (bash's /dev/tcp: no iproute2 needed).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Two consecutive free TCP ports in 40000-49999, starting from a spot that depends on DIR and the
# process, so that clusters started at the same moment rarely try the same pair.
pick_ports() {
  local tries base
  base=$(( ( $(echo "$DIR" | cksum | cut -d' ' -f1) + $$ + RANDOM ) % 5000 * 2 + 40000 ))
  for tries in $(seq 0 499); do
    local p=$(( (base - 40000 + 2 * tries) % 10000 + 40000 ))
    if ! port_in_use "$p" && ! port_in_use "$((p + 1))"; then echo "$p"; return 0; fi
  done
  die "no two free TCP ports in 40000-49999"
}

start_munge() {
  mkdir -p "$DIR/munge"
  chmod 0755 "$DIR/munge"  # the key is 0400; the socket must be reachable by every local user
  if [ ! -s "$DIR/munge/munge.key" ]; then
    # mungekey is new in munge 0.5.14; 1 KiB from the kernel's generator is what it writes too.
    dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    chmod 0400 "$DIR/munge/munge.key"
  fi
  munged --force --socket="$SOCKET" --key-file="$DIR/munge/munge.key" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" \
    || { cat "$DIR/munge/munged.log" >&2 2>/dev/null; die "munged did not start (log above: $DIR/munge/munged.log)"; }
}

# slurmd -C reports what slurmd itself will find (CPUs, sockets, cores, threads, memory); a node
# declared with more than that would be drained at once.
node_line() {
  local line
  line="$(slurmd -C 2>/dev/null | head -n 1)"
  [[ "$line" == NodeName=* ]] || line="NodeName=$(hostname -s) CPUs=$(nproc) RealMemory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))"
  echo "$line State=UNKNOWN"
}

write_conf() {
  local port="$1" host
  host="$(hostname -s)"
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
  cat > "$CONF.tmp" <<EOF
# A one-node test cluster written by scripts/slurm_cluster.sh; everything lives under $DIR.
ClusterName=vgs$(( port % 10000 ))
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
# Job ids (and so the MASTER_PORT vgs-slurm derives from them) differ between clusters running side
# by side (ctest -j): two jobs numbered 1 on one host would both listen on port 20001.
FirstJobId=$(( (RANDOM * 32768 + RANDOM) % 900000 + 1 ))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# cred_expire: how long a requeued job waits before it starts again (Slurm's default, 120 s, keeps a
# restart from meeting the last start's revoked credential); 5 s is its minimum.
AuthInfo=socket=$SOCKET,cred_expire=5
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups: the processes of a job are found through /proc, and tasks are not bound to cores.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# A job stopped by USR1 asks for its own requeue (vgs-slurm's script); a node back from a failure
# serves again without an administrator.
JobRequeue=1
ReturnToService=2
# Short waits, so that tests do not linger: seconds between SIGTERM and SIGKILL, and how long a
# finished job stays visible to scontrol show job.
KillWait=5
MinJobAge=600
InactiveLimit=0
MailProg=/bin/true
$(node_line)
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
  printf 'export SLURM_CONF=%q\n' "$CONF" > "$DIR/env.sh"
}

print_logs() {
  local f
  for f in "$DIR/munge/munged.log" "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
    echo "----- $f (last 30 lines)" >&2
    tail -n 30 "$f" >&2 2>/dev/null || echo "(none)" >&2
  done
}

# Waits for the node to be idle; on failure returns 1 with the reason in FAILURE.
FAILURE=""
wait_idle() {
  local host state="" waited=0
  host="$(hostname -s)"
  while [ "$waited" -lt "$TIMEOUT" ]; do
    state="$(sinfo -h -n "$host" -o %T 2>/dev/null | head -n 1 || true)"
    [ "$state" = "idle" ] && return 0
    if [ "$waited" -ge 5 ]; then
      live_pid "$DIR/run/slurmctld.pid" >/dev/null || { FAILURE="slurmctld is not running"; return 1; }
      live_pid "$DIR/run/slurmd.pid" >/dev/null || { FAILURE="slurmd is not running"; return 1; }
    fi
    sleep 1
    waited=$((waited + 1))
  done
  FAILURE="the node $host is not idle after ${TIMEOUT}s (state: '${state:-no answer}')"
  return 1
}

# Starts slurmctld and slurmd on `port` and `port`+1 and waits for the idle node. Returns 1 when
# a port was taken in the meantime (another cluster starting at the same moment); dies otherwise.
start_daemons() {
  local port="$1"
  write_conf "$port"
  rm -rf "$DIR/state"/* "$DIR/spool"/* "$DIR/log"/*
  FAILURE="slurmctld did not start"
  if slurmctld -c -f "$CONF" && { FAILURE="slurmd did not start"; slurmd -c -f "$CONF"; } && wait_idle; then
    return 0
  fi
  if grep -qs 'Address already in use' "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; then
    stop_daemons "$DIR/run/slurmd.pid" "$DIR/run/slurmctld.pid"
    return 1
  fi
  print_logs
  die "$FAILURE; the daemons' logs are above"
}

start() {
  check_programs
  if live_pid "$DIR/run/slurmctld.pid" >/dev/null; then die "a cluster already runs in $DIR (stop it first)"; fi
  local port attempt
  start_munge
  for attempt in 1 2 3; do
    port="$(pick_ports)"
    if start_daemons "$port"; then
      echo "slurm cluster up in $DIR (slurmctld port $port); use it with: source $DIR/env.sh"
      return 0
    fi
    echo "slurm_cluster.sh: port $port or $((port + 1)) was taken meanwhile; trying others" >&2
  done
  print_logs
  die "three pairs of ports were taken while the daemons started; the daemons' logs are above"
}

# Waits up to `seconds` for the daemon of a pid file to end; with a signal, sends it first.
stop_pid() {
  local file="$1" signal="$2" seconds="$3" pid i
  pid="$(live_pid "$file")" || return 0
  [ -z "$signal" ] || kill "-$signal" "$pid" 2>/dev/null || true
  for i in $(seq 1 $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Cancels every job and waits for them to leave the node, so no job step outlives its slurmd.
cancel_jobs() {
  local jobs i
  jobs="$(squeue -h -o %i 2>/dev/null || true)"
  [ -n "$jobs" ] || return 0
  # shellcheck disable=SC2086
  scancel $jobs 2>/dev/null || true
  for i in $(seq 1 30); do
    [ -z "$(squeue -h -t running,completing -o %i 2>/dev/null || true)" ] && return 0
    sleep 1
  done
  echo "slurm_cluster.sh: jobs still running after 30 s; stopping the daemons anyway" >&2
}

# Stops the daemons of these pid files, all at once: each takes a second or two to save its state.
stop_daemons() {
  local f
  for f in "$@"; do stop_pid "$f" TERM 0 || true; done
  for f in "$@"; do
    stop_pid "$f" "" 10 || stop_pid "$f" KILL 5 || die "the process of $f does not end"
  done
}

stop() {
  if live_pid "$DIR/run/slurmctld.pid" >/dev/null; then cancel_jobs; fi
  stop_daemons "$DIR/run/slurmd.pid" "$DIR/run/slurmctld.pid" "$DIR/munge/munged.pid"
  echo "slurm cluster in $DIR stopped"
}

status() {
  local name file pid rc=0
  for name in munged slurmctld slurmd; do
    case "$name" in
      munged) file="$DIR/munge/munged.pid" ;;
      *) file="$DIR/run/$name.pid" ;;
    esac
    if pid="$(live_pid "$file")"; then echo "$name: running (pid $pid)"; else echo "$name: not running"; rc=1; fi
  done
  [ "$rc" -eq 0 ] && sinfo
  return "$rc"
}

case "$ACTION" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
