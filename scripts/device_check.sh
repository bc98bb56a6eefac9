#!/usr/bin/env bash
# Ready for a GPU (issue 21): on one GPU, within 8 minutes, run the timing claims, the smoke
# profile and the plan of the full profile, and write everything under OUTDIR:
#   OUTDIR/timing/      the timing claims' report (latest.md, latest.json, runs/<id>/ with
#                       pytest-benchmark's benchmarks.json)
#   OUTDIR/baselines/   a copy of baselines/ with this GPU's timing baselines written into it
#                       (--update-baselines; copy them back to baselines/ and commit them)
#   OUTDIR/smoke/       the smoke profile's report (pytest suites -m full --smoke)
#   OUTDIR/plan.md, OUTDIR/plan.json   python -m harness plan -m full on this device
#   OUTDIR/<step>.log   each step's terminal output
# A step that fails or overruns its share of the 8 minutes is said in one line; the others
# still run, and the exit status is 1. Without a GPU it stops at once, unless --allow-cpu.
set -uo pipefail

usage="usage: scripts/device_check.sh [--allow-cpu] [-k EXPR] OUTDIR"
allow_cpu=0
select=()
outdir=""
while (($#)); do
    case "$1" in
        --allow-cpu) allow_cpu=1 ;;
        -k) [[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }; select=(-k "$2"); shift ;;
        -h|--help) echo "$usage"; exit 0 ;;
        -*) echo "device_check: unknown option $1; $usage" >&2; exit 2 ;;
        *) [[ -z "$outdir" ]] || { echo "$usage" >&2; exit 2; }; outdir="$1" ;;
    esac
    shift
done
[[ -n "$outdir" ]] || { echo "$usage" >&2; exit 2; }

cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}  # PYTHON: another interpreter with the harness installed
[[ -x "$python" ]] || { echo "device_check: no $python: run bash scripts/install.sh" \
    "(EXTRAS=cuda,dev,ray on a GPU machine)" >&2; exit 2; }

if ((!allow_cpu)); then
    gpus=$("$python" -c "from harness.devices import visible_gpu_count; print(visible_gpu_count())")
    if [[ "$gpus" == 0 ]]; then
        echo "device_check: no GPU visible (nvidia-smi lists none, or CUDA_VISIBLE_DEVICES" \
            "hides them); run it on a GPU machine, or pass --allow-cpu to run on this CPU" >&2
        exit 1
    fi
    seen=$(TF_CPP_MIN_LOG_LEVEL=3 "$python" -c "from harness.environment import \
current_environment as e; print(e().device_class)" 2>/dev/null)
    if [[ "$seen" != gpu-* ]]; then
        echo "device_check: $gpus GPU(s) visible but Keras's backend sees none (device" \
            "'${seen:-unknown}'): install its CUDA build: EXTRAS=cuda,dev,ray bash" \
            "scripts/install.sh" >&2
        exit 1
    fi
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -rf "$outdir/baselines"
cp -r baselines "$outdir/baselines"
failed=0

# step NAME SECONDS COMMAND...: run it with its output in OUTDIR/NAME.log, one line here
step() {
    local name=$1 budget=$2 started=$SECONDS status
    shift 2
    timeout --kill-after=10 "$budget" "$@" >"$outdir/$name.log" 2>&1
    status=$?
    local took=$((SECONDS - started))
    if ((status == 0)); then
        echo "device_check: $name ok in ${took} s"
    elif ((status == 124 || status == 137)); then
        echo "device_check: $name overran its ${budget} s (see $outdir/$name.log)"
        failed=1
    else
        echo "device_check: $name failed with status $status in ${took} s (see" \
            "$outdir/$name.log)"
        failed=1
    fi
}

reason="scripts/device_check.sh on $(hostname)"
step timing 120 "$python" -m pytest suites -m timing "${select[@]}" -p no:cacheprovider \
    --reports-dir "$outdir/timing" --baselines-dir "$outdir/baselines" --update-baselines \
    --baseline-reason "$reason" --no-train-cache
step smoke 210 "$python" -m pytest suites -m full --smoke "${select[@]}" -p no:cacheprovider \
    --reports-dir "$outdir/smoke" --baselines-dir "$outdir/baselines" --no-train-cache
step plan 120 "$python" -m harness plan -m full "${select[@]}" --json "$outdir/plan.json" \
    -o "$outdir/plan.md" --log "$outdir/plan-framework.log"

find "$outdir/baselines" -name '*.lock' -delete  # the baseline store's write locks
echo "device_check: reports in $outdir/timing/latest.md, $outdir/smoke/latest.md and" \
    "$outdir/plan.md; this device's timing baselines in $outdir/baselines/"
exit "$failed"
