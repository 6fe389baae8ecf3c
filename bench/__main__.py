"""``python -m bench``: run every benchmark in turn and print its figures."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench.bench_runtime",
    "bench.bench_chatkeys",
    "bench.bench_companion",
    "bench.bench_web",
    "bench.bench_feed",
    "bench.bench_relay",
    "bench.bench_webhook",
]


def main() -> int:
    """Run the benchmarks named on the command line, or all of them."""
    wanted = sys.argv[1:] or BENCHMARKS
    for name in wanted:
        module = importlib.import_module(name if name.startswith("bench.") else f"bench.{name}")
        print(f"== {module.__name__}", flush=True)
        module.main()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
