"""Run Attend's benchmarks and print their figures: `python -m bench [NAME ...]`, or one with its
options: `python -m bench import_extract --rows 200000`. Without names, every benchmark but those
in ONLY_BY_NAME (hours long at their default size) runs."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import django

ONLY_BY_NAME = {"scale"}


def available() -> list[str]:
    import bench

    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    django.setup()
    problem = _database_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    split = _first_option(argv)
    names, options = argv[:split] or [name for name in available() if name not in ONLY_BY_NAME], argv[split:]
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


def _database_problem() -> str:
    """Why the benchmarks cannot run here, or "" once the database is reachable and migrated."""
    from django.core.management import call_command
    from django.db import OperationalError, connection

    if connection.vendor != "postgresql":
        return "The benchmarks measure PostgreSQL: set DATABASE_URL=postgres://… (see README, Benchmarks)."
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        return f"Cannot reach the benchmark database ({exc}). Create it first, e.g. createdb attend_bench."
    call_command("migrate", verbosity=0)
    return ""


def _first_option(argv: list[str]) -> int:
    return next((i for i, arg in enumerate(argv) if arg.startswith("-")), len(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
