#!/usr/bin/env bash
# What a stop costs the next run: a clean JOBDIR resume (SIGTERM) against a start-over (SIGKILL).
#
#   DATABASE_ADMIN=postgresql://postgres@127.0.0.1:5432/postgres bench/resume_cost.sh
#
# Crawls a 1,500-number replica gallery with -s JOBDIR, stops it once 700 posts are
# stored (SIGTERM, then again with SIGKILL), runs it again with the same JOBDIR, and
# prints each run's exit code and requests, and the posts stored at the end. The
# README's "Stopping and resuming" quotes the figures (dccrawl/jobdir.py says why a
# killed job starts over).
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN=${DATABASE_ADMIN:-postgresql://postgres@127.0.0.1:5432/postgres}
SERVER=${ADMIN%/*}
WORK=$(mktemp -d)
.venv/bin/python -m testbed.replica serve --port 0 --gallery rm:major:1500 > "$WORK/replica.out" &
replica=$!
trap 'kill $replica 2>/dev/null; rm -rf "$WORK"' EXIT
until grep -q "listening on" "$WORK/replica.out"; do sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$WORK/replica.out")
count() { psql -qAt "$SERVER/$1" -c 'select count(*) from posts' 2>/dev/null || echo 0; }
requests() { grep -o "'downloader/request_count': [0-9]*" "$1" | grep -o "[0-9]*$" || echo "-"; }
for sig in TERM KILL; do
  db=resume_cost_${sig,,}
  psql -q "$ADMIN" -c "drop database if exists $db" -c "create database $db"
  args=(-a gallery=rm -a kind=major -s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=0
        -s CONCURRENT_REQUESTS=16 -s CONCURRENT_REQUESTS_PER_DOMAIN=16
        -s DCCRAWL_BASE_URL="$base" -s DATABASE_URL="$SERVER/$db" -s JOBDIR="$WORK/job-$sig"
        -s DCCRAWL_DB_BATCH_SIZE=50 -s DCCRAWL_DB_BATCH_SECONDS=0.2)
  .venv/bin/scrapy crawl gallery "${args[@]}" > "$WORK/first.log" 2>&1 &
  crawl=$!
  while [ "$(count $db)" -lt 700 ] && kill -0 $crawl 2>/dev/null; do sleep 0.2; done
  kill -$sig $crawl
  first=0; wait $crawl || first=$?
  stored=$(count $db)
  started=$(date +%s.%N)
  second=0; .venv/bin/scrapy crawl gallery "${args[@]}" > "$WORK/second.log" 2>&1 || second=$?
  seconds=$(echo "$(date +%s.%N) - $started" | bc)
  echo "SIG$sig: stopped run exit $first, requests $(requests "$WORK/first.log"), posts stored" \
       "$stored; next run exit $second, requests $(requests "$WORK/second.log"), ${seconds}s," \
       "posts at the end $(count $db)"
  psql -q "$ADMIN" -c "drop database $db"
done
