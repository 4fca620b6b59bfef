"""Entry point: the ``elicitor`` command group and its shared options."""

from __future__ import annotations

import importlib
import logging
import sys
from functools import cached_property
from typing import Any

import click

from elicitor import __version__
from elicitor.errors import ElicitorError
from elicitor.settings import Settings

# Modules that each add one command or group to the root group.
COMMAND_MODULES = (
    "elicitor.cli.interview",
    "elicitor.cli.briefings",
    "elicitor.cli.sessions",
    "elicitor.cli.analyze",
)
OPTIONAL_COMMAND_MODULES = (
    "elicitor.cli.bench",
    "elicitor.cli.serve",
    "elicitor.cli.keys",
    "elicitor.cli.synthesize",
    "elicitor.cli.cost",
)


class AppContext:
    """Lazily opened store and interviewer, shared by the commands of one invocation."""

    def __init__(self, db: str | None) -> None:
        self.db = db

    @cached_property
    def settings(self) -> Settings:
        return Settings.from_env(db=self.db)

    @cached_property
    def store(self) -> Any:
        from elicitor.store import Store

        return Store(self.settings.database_url)

    @cached_property
    def interviewer(self) -> Any:
        from elicitor.session.service import Interviewer

        return Interviewer(self.store, max_answer_chars=self.settings.max_answer_chars)


class _Root(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ElicitorError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Root)
@click.version_option(__version__, prog_name="elicitor")
@click.option(
    "--db",
    metavar="PATH_OR_URL",
    help="SQLite file or database URL. Default: ELICITOR_DATABASE_URL, else "
    "elicitor.db in the per-user data directory (~/.local/share/elicitor on Linux, "
    "ELICITOR_DATA_DIR overrides it).",
)
@click.option("-v", "--verbose", count=True, help="Log progress to stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, db: str | None, verbose: int) -> None:
    """Elicitor: an interviewer that draws out what people know, one question at a time."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Alembic reports every plugin it loads at INFO; keep that for -vv.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING if verbose < 2 else level))
    ctx.obj = AppContext(db)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(cli)
    for name in OPTIONAL_COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(cli)


_register()


def main() -> None:
    cli(prog_name="elicitor")


if __name__ == "__main__":
    main()
