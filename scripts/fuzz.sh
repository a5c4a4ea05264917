#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each one from its committed seed corpus (FUZZING.md).
#
#   scripts/fuzz.sh [--runs N] [--seconds S] [--build-only] [TARGET ...]
#
# --runs N      executions per target (default 1000000); --seconds S stops a target after S seconds. With both, a
#               target stops at whichever comes first.
# --build-only  build the targets into .fuzz-build/bin and stop (to replay an input: .fuzz-build/bin/TARGET FILE).
# TARGET        bgmax, bundle, amqp-table, amqp-properties, messages, identifiers, calendar-date or
#               query-parameters; all by default.
#
# Each target runs on a scratch copy of Fuzz/Corpus/TARGET (the repository stays clean) with nice, after a build
# that holds the machine's build lock (/tmp/kvitt-build.lock); the run itself does not. A crashing input is written
# to .fuzz-build/artifacts/TARGET/. Exits non-zero when any target crashed, timed out or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1000000
seconds=""
build_only=false
selected=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --build-only) build_only=true; shift ;;
        -h | --help) sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) selected+=("$1"); shift ;;
    esac
done

# name | target file | extra sources compiled into the target | libraries | -max_len
targets=(
    "bgmax|BgMaxFuzzTarget.swift||contracts|65536"
    "bundle|BundleFuzzTarget.swift|Shared/KvittMessaging/Runtime/BundledDelivery.swift|contracts amqp-values|16384"
    "amqp-table|AMQPTableFuzzTarget.swift|AMQP_SOURCES|rabbitmq|16384"
    "amqp-properties|AMQPPropertiesFuzzTarget.swift|AMQP_SOURCES|rabbitmq|16384"
    "messages|MessageFuzzTarget.swift||contracts|16384"
    "identifiers|IdentifierFuzzTarget.swift||contracts|256"
    "calendar-date|CalendarDateFuzzTarget.swift|Services/DebtCollection/Domain/CalendarDate+Collections.swift|contracts|256"
    "query-parameters|QueryParametersFuzzTarget.swift||contracts|1024"
)
# The part of KvittAMQP that converts tables and properties: Foundation and rabbitmq-c only, no logging.
amqp_sources="Shared/KvittAMQP/AMQPValue.swift Shared/KvittAMQP/AMQPProperties.swift
Shared/KvittAMQP/AMQPMemoryPool.swift Shared/KvittAMQP/AMQPTableConversion.swift
Shared/KvittAMQP/AMQPPropertiesConversion.swift Fuzz/Support/AMQPFuzzing.swift"

chosen=()
for entry in "${targets[@]}"; do
    IFS='|' read -r name _ <<<"$entry"
    if [ ${#selected[@]} -eq 0 ] || [[ " ${selected[*]} " == *" $name "* ]]; then chosen+=("$entry"); fi
done
for name in "${selected[@]}"; do
    printf '%s\n' "${targets[@]}" | grep -q "^$name|" || { echo "unknown target $name" >&2; exit 2; }
done

build=.fuzz-build
swift_flags=(-parse-as-library -swift-version 6 -O -g -sanitize=fuzzer,address)

[ -x scripts/install-deps.sh ] && scripts/install-deps.sh
command -v swiftc >/dev/null || { echo "swiftc not found (the Swift toolchain is /opt/swift/usr/bin)" >&2; exit 1; }
mkdir -p "$build/bin" "$build/lib" "$build/modules" "$build/logs"

# Whether $1 is missing or older than any of the other files (or this script).
stale() {
    local output="$1"
    shift
    [ -e "$output" ] || return 0
    local input
    for input in "$@" "$0"; do [ "$input" -nt "$output" ] && return 0; done
    return 1
}

# Compiles under the machine's build lock: only one Swift build at a time.
compile() {
    flock /tmp/kvitt-build.lock swiftc "${swift_flags[@]}" "$@"
}

# KvittContracts once, instrumented, as a library every target that needs it links.
contracts_sources=$(find Shared/KvittContracts -name '*.swift' | sort)
build_contracts() {
    # shellcheck disable=SC2086
    stale "$build/lib/libKvittContracts.a" $contracts_sources || return 0
    echo "== building KvittContracts (instrumented)"
    # shellcheck disable=SC2086
    compile -module-name KvittContracts -emit-module -emit-module-path "$build/modules/KvittContracts.swiftmodule" \
        -emit-library -static -o "$build/lib/libKvittContracts.a" $contracts_sources
}

# AMQPValue and AMQPProperties as a module named KvittAMQP, for runtime code that imports it (BundledDelivery).
amqp_value_sources="Shared/KvittAMQP/AMQPValue.swift Shared/KvittAMQP/AMQPProperties.swift"
build_amqp_values() {
    # shellcheck disable=SC2086
    stale "$build/lib/libKvittAMQP.a" $amqp_value_sources || return 0
    echo "== building AMQPValue and AMQPProperties as KvittAMQP (instrumented)"
    # shellcheck disable=SC2086
    compile -module-name KvittAMQP -emit-module -emit-module-path "$build/modules/KvittAMQP.swiftmodule" \
        -emit-library -static -o "$build/lib/libKvittAMQP.a" $amqp_value_sources
}

build_target() {
    local name="$1" file="$2" extra="$3" libraries="$4"
    [ "$extra" = AMQP_SOURCES ] && extra="$amqp_sources"
    local sources="Fuzz/Support/FuzzInput.swift $extra Fuzz/$file"
    local flags=(-I "$build/modules" -L "$build/lib")
    local inputs=()
    for library in $libraries; do
        case "$library" in
            contracts) flags+=(-lKvittContracts); inputs+=("$build/lib/libKvittContracts.a") ;;
            amqp-values) flags+=(-lKvittAMQP); inputs+=("$build/lib/libKvittAMQP.a") ;;
            rabbitmq) flags+=(-I Shared/CRabbitMQ -lrabbitmq) ;;
        esac
    done
    # shellcheck disable=SC2086
    stale "$build/bin/$name" $sources "${inputs[@]}" || return 0
    echo "== building $name"
    local module
    module="$(echo "$name" | sed -E 's/(^|-)([a-z])/\U\2/g')Fuzz"
    # shellcheck disable=SC2086
    compile -module-name "$module" -warnings-as-errors -use-ld=lld "${flags[@]}" $sources -o "$build/bin/$name"
}

needs() { printf '%s\n' "${chosen[@]}" | cut -d'|' -f4 | grep -qw "$1"; }
needs contracts && build_contracts
needs amqp-values && build_amqp_values
for entry in "${chosen[@]}"; do
    IFS='|' read -r name file extra libraries _ <<<"$entry"
    build_target "$name" "$file" "$extra" "$libraries"
done
$build_only && exit 0

limits=(-runs="$runs")
[ -n "$seconds" ] && limits+=(-max_total_time="$seconds")
summary=()
failed=0
for entry in "${chosen[@]}"; do
    IFS='|' read -r name _ _ _ max_len <<<"$entry"
    corpus="$build/corpus/$name"
    artifacts="$build/artifacts/$name"
    log="$build/logs/$name.log"
    rm -rf "$corpus"
    mkdir -p "$corpus" "$artifacts"
    [ -d "Fuzz/Corpus/$name" ] && cp Fuzz/Corpus/"$name"/* "$corpus"/
    seeds=$(find "$corpus" -type f | wc -l)
    options=("${limits[@]}" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 -detect_leaks=0 -print_final_stats=1
        -artifact_prefix="$artifacts/")
    [ -f "Fuzz/Dictionaries/$name.dict" ] && options+=(-dict="Fuzz/Dictionaries/$name.dict")
    echo "== fuzzing $name (${options[*]})"
    start=$(date +%s)
    status=0
    # Swift's own crash backtracer reads memory ASan guards and buries the report; libFuzzer's is enough. Leak
    # checking is off: Swift keeps tag bits in the pointers of enum payloads, so LeakSanitizer takes a global such as
    # AMQPTableConversion.nestedTooDeep for a leak. Memory growth still stops a run at -rss_limit_mb.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 nice -n 10 "$build/bin/$name" "${options[@]}" "$corpus" \
        >"$log" 2>&1 || status=$?
    elapsed=$(($(date +%s) - start))
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    [ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    corpus_size=$(find "$corpus" -type f | wc -l)
    if [ "$status" -eq 0 ]; then
        result="ok"
    else
        failed=1
        artifact=$(grep -oE "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')
        result="FAILED (exit $status) ${artifact:-see $log}"
        echo "-- $name failed; the end of $log:"
        tail -40 "$log"
    fi
    summary+=("$(printf '%-18s %12s %8ss %7s → %-7s %s' "$name" "${executions:-?}" "$elapsed" "$seeds" "$corpus_size" "$result")")
done

echo
printf '%-18s %12s %9s %17s %s\n' target executions time "corpus seeds→end" result
printf '%s\n' "${summary[@]}"
exit $failed
