#!/usr/bin/env bash
# The register CSV reader's first read and its floor in instructions (register-csv-count.ts):
# each mode in its own process under callgrind, V8 single-threaded so that collection and
# compiles count, the baseline (generating the file) taken off both.
set -euo pipefail
cd "$(dirname "$0")/../.."
npx tsc -p tsconfig.bench.json
out=$(mktemp -d)
node dist/ops/bench/register-csv-count.js write "$out/register.csv"
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/$1.out" node --single-threaded --expose-gc dist/ops/bench/register-csv-count.js "$1" "$out/register.csv" 2>"$out/$1.log" >/dev/null
  grep -o 'Collected : [0-9]*' "$out/$1.log" | grep -o '[0-9]*$'
}
# The three processes side by side: instruction counts do not depend on the machine's load.
count none >"$out/none.n" & count floor >"$out/floor.n" & count read >"$out/read.n" & wait
none=$(cat "$out/none.n"); floor=$(cat "$out/floor.n"); read=$(cat "$out/read.n")
node -e "
const [none, floor, read] = process.argv.slice(1).map(Number);
const f = floor - none, r = read - none;
console.log('floor ' + (f / 1e9).toFixed(3) + ' billion instructions, first read ' + (r / 1e9).toFixed(3) + ' billion: ' + (f / r).toFixed(3) + ' of the floor');
" "$none" "$floor" "$read"
echo "callgrind files in $out (callgrind_annotate $out/read.out)"
