"""Performance benchmarks. `python -m bench` runs them all; `python -m bench NAME` runs one.

Each module here exposes `main(argv: list[str]) -> None` that prints its figures. They run
against the database DATABASE_URL names (PostgreSQL for the published figures).
"""
