"""Run every benchmark module and print its figures (`make bench`)."""

import importlib
import pkgutil
import sys
import time

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    for name in names:
        if only and name not in only:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"   ({name}: {time.perf_counter() - started:.1f} s in all)\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
