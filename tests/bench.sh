#!/usr/bin/env bash
# End-to-end benchmark, side by side on the same file: solieu (`run --full-refresh`, Parquet
# and CSV written, state kept) with 1 and 2 threads and its unchanged rerun, a bare Rust regex
# baseline (crates/pipeline/examples/bare_regex.rs: JSON parsed, NFC checked, "number + unit
# word" found, CSV written) with 1 and 2 threads, and `rg -c '[0-9]'`. Two corpora of one
# JSONL file each:
#
#   generated  `solieu gen --size $SIZE --seed $SEED` (dense in figures)
#   real       the dev corpus (../shared/corpus/dev, or $DEV_CORPUS) repeated to $SIZE, the
#              digits after the first of each number drawn at random each time (real-like)
#
# A 1-thread run is also timed pinned to one core (`taskset -c 0`, when the machine has more
# than one and util-linux's taskset is there): its reader and writer threads then share the
# worker's core, which shows how much of the 1-thread speed the other cores give.
#
# And, with TXT=1 (the default), each corpus as a folder of .txt files (one per record): a full
# run, its unchanged rerun, and a rerun with one file added (the others' rows reused). Prints
# a Markdown table (paste into BENCHMARKS.md) and writes it to $BENCH_DIR/results.md.
#
#   tests/bench.sh                               100MB, both corpora, with the .txt folders
#   SIZE=10MB CORPORA=real TXT=0 tests/bench.sh  a quick look
#   REPEAT=5 tests/bench.sh                      each full run and the regex 5 times, 1 and 2
#                                                threads taking turns: seconds as a range
#   BIN=path/to/solieu tests/bench.sh            another build (say, main's) on the same files
#   BASE=path/to/solieu REPEAT=3 tests/bench.sh  this build's full runs and another's taking
#                                                turns, each run followed by the other's:
#                                                before and after under the same load
#
# On a machine other work shares, one run says little: repeat, and compare the ranges.
#
# Everything is built into $BENCH_DIR (default data/out/bench, ignored by git) and reused by
# the next bench; the dev corpus's text never leaves it.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=${SIZE:-100MB}
CORPORA=${CORPORA:-"generated real"}
TXT=${TXT:-1}
REPEAT=${REPEAT:-1}
BASE=${BASE:-}
BENCH_DIR=${BENCH_DIR:-data/out/bench}
DEV_CORPUS=${DEV_CORPUS:-../shared/corpus/dev}
SEED=${SEED:-7}
mkdir -p "$BENCH_DIR"
# A document whose ingest panics becomes a reject; with backtraces on, each such panic is
# also symbolised, which the real-like corpus (a few hundred of them) would pay in time.
unset RUST_BACKTRACE RUST_LIB_BACKTRACE

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
cargo build --release --quiet -p solieu-pipeline --example bare_regex
bin=${BIN:-target/release/solieu}
bare=target/release/examples/bare_regex

# Bytes of $SIZE (10MB, 1GB, 512MiB...).
size_bytes() {
  python3 - "$1" <<'EOF'
import sys
s = sys.argv[1].upper()
for unit, f in (("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
    if s.endswith(unit):
        print(int(float(s[: -len(unit)]) * f)); break
else:
    print(int(s))
EOF
}

# The dev corpus repeated to $2 bytes as JSONL at $1, digits perturbed so no two copies are
# alike (the first digit of a number is kept: magnitudes and years stay plausible).
real_like() {
  python3 - "$1" "$2" "$DEV_CORPUS" "$SEED" <<'EOF'
import json, pathlib, random, re, sys
out, target, dev, seed = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3]), int(sys.argv[4])
texts = [(p.stem, p.read_text(encoding="utf-8", errors="replace")) for p in sorted(dev.glob("*.txt"))]
if not texts:
    sys.exit(f"no .txt files in {dev}")
rng = random.Random(seed)
def perturb(m):
    d = m.group(0)
    return d[0] + "".join(str(rng.randrange(10)) for _ in d[1:])
written, rep = 0, 0
with open(out, "w", encoding="utf-8") as f:
    while written < target:
        for stem, text in texts:
            line = json.dumps({"id": f"r{rep}-{stem}", "text": re.sub(r"\d+", perturb, text)}, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
            if written >= target:
                break
        rep += 1
EOF
}

# A JSONL corpus as a folder of .txt files, one per record, named by id.
jsonl_to_txt() {
  python3 - "$1" "$2" <<'EOF'
import json, pathlib, sys
src, dest = sys.argv[1], pathlib.Path(sys.argv[2])
dest.mkdir(parents=True)
with open(src, encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        (dest / f"{r['id']}.txt").write_text(r["text"], encoding="utf-8")
EOF
}

# Wall seconds (to the millisecond; GNU time rounds to 10 ms, and an unchanged rerun takes
# less), peak RSS in KiB and CPU seconds (user + system, from GNU time) of a command.
measure() {
  python3 - "$@" <<'EOF'
import os, subprocess, sys, tempfile, time
fd, log = tempfile.mkstemp()
os.close(fd)
t = time.perf_counter()
done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", log, *sys.argv[1:]],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
secs = time.perf_counter() - t
if done.returncode != 0:
    # A run that refused to finish (say, a dataset that would shrink) is not a measurement.
    print(f"bench: `{' '.join(sys.argv[1:])}` exited with {done.returncode}", file=sys.stderr)
rss, user, system = open(log).read().split()[-3:]
os.remove(log)
print(f"{secs:.4f} {rss} {float(user) + float(system):.2f}")
EOF
}

# Wall seconds of a command.
seconds() { measure "$@" | cut -d' ' -f1; }

results="$BENCH_DIR/results.md"
echo "| corpus | program | threads | file MB | documents | seconds | MB/s | × bare regex (1 thread) | CPU s | peak RSS MB |" | tee "$results"
echo "|---|---|---|---|---|---|---|---|---|---|" | tee -a "$results"

# One row; $base is the bare regex's 1-thread seconds on the same file. `secs`, `rss_kib` and
# `cpu` may list several runs (space-separated): seconds and CPU seconds are shown as ranges,
# the speed and ratio are the fastest run's, the memory the largest. CPU seconds more than
# the wall seconds mean other cores worked too (solieu's reader and writer threads).
row() { # corpus program threads bytes docs secs rss_kib [cpu]
  python3 - "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${8:--}" "${base:-0}" <<'EOF' | tee -a "$results"
import sys
corpus, program, threads, nbytes, docs, secs, rss, cpu, base = sys.argv[1:]
def spread(values, digits):
    lo, hi = min(values), max(values)
    return f"{lo:.{digits}g}" if len(values) == 1 or f"{lo:.{digits}g}" == f"{hi:.{digits}g}" else f"{lo:.{digits}g}–{hi:.{digits}g}"
runs = [max(float(x), 1e-4) for x in secs.split()]
secs, mb, base = min(runs), int(nbytes) / 1e6, float(base)
shown = f"{secs:.3g}" if len(runs) == 1 else f"{secs:.3g}–{max(runs):.3g}"
ratio = (f"{secs / base:.1f}" if secs >= base else f"{secs / base:.2f}") if base > 0 else ""
cpu = spread([float(c) for c in cpu.split()], 3) if cpu != "-" else ""
rss = f"{max(int(r) for r in rss.split()) / 1024:.0f}" if rss != "-" else ""
print(f"| {corpus} | {program} | {threads} | {mb:.1f} | {docs} | {shown} | {mb / secs:.{1 if mb / secs < 100 else 0}f} | {ratio} | {cpu} | {rss} |")
EOF
}

# Runs "$@" $REPEAT times for 1 and 2 threads in turn (`{T}` in the arguments is the thread
# count), so both see the same spells of other work; sets secs1 rss1 cpu1 secs2 rss2 cpu2
# (lists). With `against` set (another build's path), each run is followed by the same run of
# that build in place of the first argument, and base_secs1 ... base_cpu2 are set too; `{B}`
# in the arguments is "" for this build and "-base" for that one (its own output folder).
repeated() {
  secs1= rss1= cpu1= secs2= rss2= cpu2=
  base_secs1= base_rss1= base_cpu1= base_secs2= base_rss2= base_cpu2=
  local r t secs rss cpu
  for r in $(seq "$REPEAT"); do
    for t in 1 2; do
      local args=("${@//\{T\}/$t}")
      read -r secs rss cpu < <(measure "${args[@]//\{B\}/}")
      if [ "$t" = 1 ]; then
        secs1+="$secs " rss1+="$rss " cpu1+="$cpu "
      else
        secs2+="$secs " rss2+="$rss " cpu2+="$cpu "
      fi
      [ -n "${against:-}" ] || continue
      args=("${args[@]:1}")
      read -r secs rss cpu < <(measure "$against" "${args[@]//\{B\}/-base}")
      if [ "$t" = 1 ]; then
        base_secs1+="$secs " base_rss1+="$rss " base_cpu1+="$cpu "
      else
        base_secs2+="$secs " base_rss2+="$rss " base_cpu2+="$cpu "
      fi
    done
  done
}

documents() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['rows']['documents'])" "$1/manifest.json"; }

target=$(size_bytes "$SIZE")
for corpus in $CORPORA; do
  path="$BENCH_DIR/$corpus-$SIZE.jsonl"
  if [ ! -e "$path" ]; then
    echo "building $path" >&2
    case $corpus in
      generated) "$bin" gen --size "$SIZE" --format jsonl --out "$path" --seed "$SEED" --quiet ;;
      real) real_like "$path" "$target" ;;
      *) echo "unknown corpus $corpus (generated, real)" >&2; exit 2 ;;
    esac
  fi
  touch -d '1 minute ago' "$path" # see the .txt folders below
  bytes=$(stat -c %s "$path")
  cat "$path" >/dev/null # a warm page cache: every program reads from memory

  base=
  repeated "$bare" "$path" "$BENCH_DIR/bare-$corpus.csv" --threads "{T}"
  base=$(tr ' ' '\n' <<<"$secs1" | grep . | sort -g | head -1)
  row "$corpus" "bare regex" 1 "$bytes" "" "$secs1" "$rss1" "$cpu1"
  row "$corpus" "bare regex" 2 "$bytes" "" "$secs2" "$rss2" "$cpu2"
  row "$corpus" "rg -c '[0-9]'" 1 "$bytes" "" "$(seconds rg -c '[0-9]' "$path")" -
  out="$BENCH_DIR/out-$corpus-$SIZE"
  against=$BASE repeated "$bin" run -i "$path" --input-format jsonl -o "$out{B}" --threads "{T}" --quiet --full-refresh
  if [ -n "$BASE" ]; then
    row "$corpus" "solieu run, BASE build" 1 "$bytes" "$(documents "$out")" "$base_secs1" "$base_rss1" "$base_cpu1"
    row "$corpus" "solieu run, BASE build" 2 "$bytes" "$(documents "$out")" "$base_secs2" "$base_rss2" "$base_cpu2"
  fi
  row "$corpus" "solieu run" 1 "$bytes" "$(documents "$out")" "$secs1" "$rss1" "$cpu1"
  row "$corpus" "solieu run" 2 "$bytes" "$(documents "$out")" "$secs2" "$rss2" "$cpu2"
  if [ "$(nproc)" -gt 1 ] && command -v taskset >/dev/null; then
    pinned= pinned_rss= pinned_cpu=
    for _ in $(seq "$REPEAT"); do
      read -r secs rss cpu < <(measure taskset -c 0 "$bin" run -i "$path" --input-format jsonl -o "$out" --threads 1 --quiet --full-refresh)
      pinned+="$secs " pinned_rss+="$rss " pinned_cpu+="$cpu "
    done
    row "$corpus" "solieu run, pinned to one core" 1 "$bytes" "$(documents "$out")" "$pinned" "$pinned_rss" "$pinned_cpu"
  fi
  read -r secs rss cpu < <(measure "$bin" run -i "$path" --input-format jsonl -o "$out" --threads 2 --quiet)
  row "$corpus" "solieu run, unchanged rerun" 2 "$bytes" "$(documents "$out")" "$secs" "$rss" "$cpu"

  if [ "$TXT" = 1 ]; then
    folder="$BENCH_DIR/$corpus-$SIZE-txt"
    [ -d "$folder" ] || jsonl_to_txt "$path" "$folder"
    # The time of a file written a moment ago is not trusted (solieu hashes it again).
    find "$folder" -name '*.txt' -exec touch -d '1 minute ago' {} +
    folder_bytes=$(find "$folder" -name '*.txt' -printf '%s\n' | awk '{s += $1} END {print s}')
    find "$folder" -name '*.txt' -exec cat {} + >/dev/null
    out="$BENCH_DIR/out-$corpus-$SIZE-txt"
    read -r secs rss cpu < <(measure "$bin" run -i "$folder" --input-format txt -o "$out" --threads 2 --quiet --full-refresh)
    row "$corpus" "solieu run, .txt folder" 2 "$folder_bytes" "$(documents "$out")" "$secs" "$rss" "$cpu"
    read -r secs rss cpu < <(measure "$bin" run -i "$folder" --input-format txt -o "$out" --threads 2 --quiet)
    row "$corpus" "solieu run, .txt folder, unchanged rerun" 2 "$folder_bytes" "$(documents "$out")" "$secs" "$rss" "$cpu"
    # A night's new report: one file added, every other input's rows reused from the state.
    added="$folder/zz-bench-added.txt"
    cp "$(find "$folder" -name '*.txt' | sort | head -1)" "$added"
    touch -d '1 minute ago' "$added"
    read -r secs rss cpu < <(measure "$bin" run -i "$folder" --input-format txt -o "$out" --threads 2 --quiet)
    row "$corpus" "solieu run, .txt folder, one file added" 2 "$folder_bytes" "$(documents "$out")" "$secs" "$rss" "$cpu"
    rm -f "$added"
  fi
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)" | tee -a "$results"
