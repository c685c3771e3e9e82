"""`make bench` (`python -m benchmarks [NAME ...]`): each benchmark in turn, printing its
figures and ratios measured side by side in the same run."""

import importlib
import sys

BENCHMARKS = ("throughput", "workers", "indicators", "export", "downloads", "pacing",
              "anonymisation", "cli", "similar")


def main(names: list[str]) -> None:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(unknown)}; choose from "
                 f"{', '.join(BENCHMARKS)}")
    for name in names or BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
