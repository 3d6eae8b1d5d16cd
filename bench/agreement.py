"""Benchmark: Quorum's consensus engine side by side with krippendorff, NLTK and crowd-kit.

Run with `uv run --group bench python bench/agreement.py` (add `--quick` for a smoke run at
1/20 size, `--only NAME` for one workload). Every contender runs in its own subprocess with its
address space capped (RLIMIT_AS), so one that runs out of memory is reported instead of taking
the machine down. Times are medians over repeats of the call alone (data preparation excluded).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
from agreement_contenders import SAMPLED, WORKLOADS

MEMORY_LIMIT_GIB = 8
DEFAULT_TIMEOUT_S = 300


def say(line: str) -> None:
    """Write one line of the report to stdout."""
    sys.stdout.write(line + "\n")


def _rss_mib() -> float:
    # ru_maxrss is the peak resident set of this process so far, in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(workload: str, contender: str, size: int, repeats: int) -> dict:
    """Run one contender in this process and describe times and memory as JSON."""
    call, summarise = WORKLOADS[workload].contenders[contender](size)
    before = _rss_mib()
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return {
        "times": times,
        "rss_before_mib": before,
        "rss_peak_mib": _rss_mib(),
        "summary": summarise(result),
    }


def _limit_memory() -> None:
    limit = MEMORY_LIMIT_GIB * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_contender(workload: str, contender: str, size: int, repeats: int, timeout: int) -> dict:
    """Run one contender in a memory-capped subprocess; failures come back as an error."""
    command = [sys.executable, __file__, "--child", workload, contender, str(size), str(repeats)]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, preexec_fn=_limit_memory
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        if "MemoryError" in done.stderr or "Unable to allocate" in done.stderr:
            cap = f"address space capped at {MEMORY_LIMIT_GIB} GiB"
            return {"error": f"ran out of memory ({cap}): {tail}"}
        return {"error": f"failed (exit {done.returncode}): {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def describe_machine() -> str:
    """Python, numpy and CPU, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
        model = next((line.split(":", 1)[1].strip() for line in lines if "Model name" in line), cpu)
    except OSError:
        model = cpu
    python = platform.python_version()
    return f"{model}, {os.cpu_count()} CPUs; Python {python}, numpy {np.__version__}"


def main() -> None:
    """Run the workloads and print medians and ratios against Quorum."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run at 1/20 of the full sizes")
    parser.add_argument("--only", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        workload, contender, size, repeats = args.child
        say(json.dumps(child(workload, contender, int(size), int(repeats))))
        return
    say(f"machine: {describe_machine()}")
    for name in args.only or list(WORKLOADS):
        report(name, quick=args.quick)


def report(name: str, *, quick: bool) -> None:
    """Run and print one workload."""
    workload = WORKLOADS[name]
    size = workload.size // 20 if quick else workload.size
    say(f"\n== {name}: {workload.title.format(size=size)}")
    medians = {}
    for contender in workload.contenders:
        repeats = workload.repeats.get(contender, 3)
        timeout = workload.timeout.get(contender, DEFAULT_TIMEOUT_S)
        outcome = run_contender(name, contender, size, repeats, timeout)
        if "error" in outcome:
            say(f"  {contender:<16} {outcome['error']}")
            continue
        median = statistics.median(outcome["times"])
        if contender.endswith("per-item") and name in SAMPLED:
            median *= size / min(size, SAMPLED[name])
        medians[contender] = median
        used = outcome["rss_peak_mib"] - outcome["rss_before_mib"]
        say(
            f"  {contender:<16} median {median:9.3f} s  (n={len(outcome['times'])})  "
            f"peak RSS {outcome['rss_peak_mib']:7.0f} MiB (+{used:.0f} MiB in the call)  "
            f"{outcome['summary']}"
        )
    if workload.note:
        say(f"  note: {workload.note}")
    base = medians.get("quorum")
    for contender, median in medians.items():
        if contender != "quorum" and base:
            say(f"  ratio {contender}/quorum: {median / base:,.1f}x")


if __name__ == "__main__":
    main()
