"""Run every benchmark module and print its figures (`make bench`).

`python -m bench` runs each module in a process of its own, as the tool runs (a page in a worker, `records verify`
as a command): a module's figures are then not slowed by what the modules before it left in memory, which every
garbage collection would scan again. `python -m bench NAME` runs one module in this process.
"""

import importlib
import os
import pkgutil
import subprocess
import sys
import time

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))
    only = set(sys.argv[1:])
    chosen = [name for name in names if not only or name in only]
    if len(chosen) > 1:
        failed = 0
        for name in chosen:
            sys.stdout.flush()
            failed |= subprocess.call([sys.executable, "-m", "bench", name], env=os.environ.copy()) != 0
        return int(failed)
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        module.main()
        print(f"   ({name}: {time.perf_counter() - started:.1f} s in all)\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
