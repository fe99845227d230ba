#!/usr/bin/env bash
# End-to-end benchmark: solieu on generated corpora of each size and input format, with 1 and
# 2 threads, against `cat` and ripgrep reading the same bytes. Prints one Markdown table row
# per run (paste into BENCHMARKS.md) and writes them to $BENCH_DIR/results.md.
#
#   tests/bench.sh                  100MB and 1GB, formats jsonl txt parquet, threads 1 and 2
#   SIZES=100MB FORMATS=jsonl tests/bench.sh
#
# Corpora are generated once into $BENCH_DIR (default data/out/bench, ignored by git) and
# reused; outputs (Parquet and CSV) are written there too, so the times include the sink.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"100MB 1GB"}
FORMATS=${FORMATS:-"jsonl txt parquet"}
THREADS=${THREADS:-"1 2"}
BENCH_DIR=${BENCH_DIR:-data/out/bench}
SEED=${SEED:-7}
mkdir -p "$BENCH_DIR"

if ! command -v rg >/dev/null; then
  echo "ripgrep is missing: installing it (apt-get, else cargo install)" >&2
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y -qq ripgrep >/dev/null || cargo install --quiet ripgrep
  else
    cargo install --quiet ripgrep
  fi
fi
if [ ! -x /usr/bin/time ]; then
  echo "GNU time (/usr/bin/time) is needed for peak memory: apt-get install time" >&2
  exit 2
fi

cargo build --release --quiet
bin=target/release/solieu

# Wall seconds of a command, to the millisecond (GNU time rounds to 10 ms).
seconds() {
  python3 -c 'import subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=False)
print(f"{time.perf_counter() - t:.4f}")' "$@"
}

# seconds and peak RSS (KiB) of a command, from GNU time.
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -f "%e %M" -o "$log" "$@" >/dev/null
  cat "$log"
  rm -f "$log"
}

corpus_path() { # size format
  case $2 in
    txt) echo "$BENCH_DIR/corpus-$1-txt" ;;
    jsonl) echo "$BENCH_DIR/corpus-$1.jsonl" ;;
    parquet) echo "$BENCH_DIR/corpus-$1.parquet" ;;
  esac
}

# One results row: its label for the format column, from the variables the loop has set.
row() {
  python3 - "$size" "$1" "$t" "$mb" "$text_mb" "$docs" "$secs" "$rss" "$cat_s" "$rg_s" <<'EOF' | tee -a "$results"
import sys
size, fmt, t, mb, text_mb, docs, secs, rss, cat_s, rg_s = sys.argv[1:]
text_mb, docs, secs, rss = float(text_mb), int(docs), max(float(secs), 1e-3), int(rss)
cat_s, rg_s = max(float(cat_s), 1e-4), max(float(rg_s), 1e-4)
print(f"| {size} | {fmt} | {t} | {mb} | {docs} | {secs:.1f} | {text_mb / secs:.1f} | {docs / secs:.0f} "
      f"| {rss / 1024:.0f} | {secs / cat_s:.0f} | {secs / rg_s:.0f} |")
EOF
}

results="$BENCH_DIR/results.md"
header="| corpus | format | threads | file MB | documents | seconds | text MB/s | docs/s | peak RSS MB | × cat | × rg |"
echo "$header" | tee "$results"
echo "|---|---|---|---|---|---|---|---|---|---|---|" | tee -a "$results"

for size in $SIZES; do
  for format in $FORMATS; do
    path=$(corpus_path "$size" "$format")
    if [ ! -e "$path" ]; then
      echo "generating $path" >&2
      "$bin" gen --size "$size" --format "$format" --out "$path" --seed "$SEED" --quiet
    fi
    bytes=$(du -sb "$path" | cut -f1)
    mb=$(python3 -c "print(round($bytes / 1e6, 1))")
    # Throughput is over the text itself (what --size asked for), whatever the file format.
    text_mb=$(python3 -c "
s = '$size'.upper()
for unit, f in (('GIB', 1073741824), ('MIB', 1048576), ('KIB', 1024), ('GB', 1e9), ('MB', 1e6), ('KB', 1e3)):
    if s.endswith(unit):
        print(float(s[:-len(unit)]) * f / 1e6); break
else:
    print(float(s) / 1e6)")
    # Warm the page cache, then time the readers: the ratio is against reading, not disk.
    seconds sh -c "find '$path' -type f -exec cat {} + > /dev/null" >/dev/null
    cat_s=$(seconds sh -c "find '$path' -type f -exec cat {} + > /dev/null")
    rg_s=$(seconds rg -c '[0-9]' "$path")
    for t in $THREADS; do
      out="$BENCH_DIR/out-$size-$format-$t"
      # --full-refresh: a dataset left by an earlier bench would make this an incremental run.
      read -r secs rss < <(measure "$bin" run -i "$path" --input-format "$format" -o "$out" --threads "$t" --quiet --full-refresh)
      docs=$(python3 -c "import json; print(json.load(open('$out/manifest.json'))['rows']['documents'])")
      row "$format"
    done
    # The nightly case: the same corpus again, nothing changed, the last run's state reused.
    read -r secs rss < <(measure "$bin" run -i "$path" --input-format "$format" -o "$out" --threads "$t" --quiet)
    row "$format, unchanged rerun"
  done
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), $(date -u +%F)" | tee -a "$results"
