"""Run Attend's benchmarks and print their figures: `python -m bench [NAME ...]`, or one with its
options: `python -m bench import_extract --rows 200000`."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import django


def available() -> list[str]:
    import bench

    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    split = _first_option(argv)
    names, options = argv[:split] or available(), argv[split:]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Available: {', '.join(available())}", file=sys.stderr)
        return 2
    if options and len(names) != 1:
        print("Options (e.g. --rows 200000) go to one benchmark: python -m bench NAME --option …", file=sys.stderr)
        return 2
    for name in names:
        print(f"== {name} ==", flush=True)
        importlib.import_module(f"bench.{name}").main(options)
    return 0


def _first_option(argv: list[str]) -> int:
    return next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
