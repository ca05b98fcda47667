#!/usr/bin/env bash
# Runs Rspamd 3.4 for the end-to-end benchmark; never part of npm test.
#   bench/rspamd/rspamd.sh start DIR PORT DNS HTTP TCP_PORT REDIS PREFIX callback|coro   → prints the pid
#   bench/rspamd/rspamd.sh stop DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

case "${1:-}" in
  start)
    dir=$2 port=$3 dns=$4 http=$5 tcp_port=$6 redis=$7 prefix=$8 form=$9
    if ! command -v rspamd >/dev/null 2>&1; then
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rspamd >&2
    fi
    mkdir -p "$dir"
    loglevel=${RSPAMD_LOG_LEVEL:-warning}
    workers=${RSPAMD_WORKERS:-1}
    subst() { sed -e "s|@LOGLEVEL@|$loglevel|g" -e "s|@WORKERS@|$workers|g" -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@DNS@|$dns|g" -e "s|@HTTP@|$http|g" \
                  -e "s|@TCP_PORT@|$tcp_port|g" -e "s|@REDIS@|$redis|g" -e "s|@PREFIX@|$prefix|g" "$1"; }
    subst "$here/rspamd.conf.in" > "$dir/rspamd.conf"
    subst "$here/rules-$form.lua.in" > "$dir/rules.lua"
    rspamd -f -u root -g root -c "$dir/rspamd.conf" > "$dir/stdout.log" 2>&1 &
    echo $! > "$dir/pid"
    echo $!
    ;;
  stop)
    dir=$2
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/pid"
    fi
    ;;
  *)
    echo "usage: $0 start DIR PORT DNS HTTP TCP_PORT REDIS PREFIX callback|coro | stop DIR" >&2
    exit 2
    ;;
esac
