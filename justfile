# solieu recipes: each stage is a thin call of the CLI; `just run` is the whole job.
# Every recipe takes an optional pipeline file (default pipelines/default.toml).

set shell := ["bash", "-euo", "pipefail", "-c"]

pipeline := "pipelines/default.toml"

# List the recipes.
default:
    @just --list

# Build the release binary (the one profile tests, runs and CI share).
build:
    cargo build --release

# Stage 1: read inputs and find mentions (writes <out>.stage/ingest/).
ingest p=pipeline *args="":
    cargo run --release -- ingest {{p}} {{args}}

# Stage 2: normalise mentions into SPEC tables (writes <out>.stage/transform/).
transform p=pipeline *args="":
    cargo run --release -- transform {{p}} {{args}}

# Stage 3: write the dataset (Parquet + CSV + manifest).
sink p=pipeline *args="":
    cargo run --release -- sink {{p}} {{args}}

# The whole job in one pass.
run p=pipeline *args="":
    cargo run --release -- run {{p}} {{args}}

# Check a pipeline file, its lexicon and inputs.
validate p=pipeline:
    cargo run --release -- validate {{p}}

# Unit, end-to-end and Parquet-type tests.
test:
    cargo test --release --workspace

# Score the dev corpus against its gold answers (needs ../shared).
eval:
    cargo run --release -- run pipelines/default.toml --input ../shared/corpus/dev --input-format txt --out data/out/dev --quiet
    python3 ../shared/eval/score.py data/out/dev ../shared/corpus/dev/gold.jsonl

# A synthetic corpus with gold answers, run and scored: `just gen 1000` (needs ../shared).
gen docs="1000" seed="1":
    rm -rf data/out/gen
    cargo run --release -- gen --docs {{docs}} --seed {{seed}} --out data/out/gen/txt --gold data/out/gen/gold.jsonl
    cargo run --release -- run --input data/out/gen/txt --input-format txt --out data/out/gen/out --quiet
    python3 ../shared/eval/score.py data/out/gen/out data/out/gen/gold.jsonl

# One document's figures and rows, for an audit: `just explain data/samples/txt/ca-mau-2024.txt`.
explain file *args="":
    cargo run --release -- explain {{file}} {{args}}

# Side by side on the same 100 MB JSONL file (generated, and the dev corpus repeated with its
# digits perturbed): solieu with 1 and 2 threads (and 1 pinned to one core) and its unchanged rerun, a bare regex
# baseline, ripgrep; the same corpora as .txt folders. `SIZE=10MB TXT=0 just bench` for a quick look.
bench:
    tests/bench.sh

# The criterion benches of ingest's hot paths.
bench-hot:
    cargo bench -p solieu-ingest --bench hot_paths

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --release --workspace --all-targets -- -D warnings
