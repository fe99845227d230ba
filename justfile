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

# Format and lint as CI does.
lint:
    cargo fmt --all -- --check
    cargo clippy --release --all-targets -- -D warnings
