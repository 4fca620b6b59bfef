"""``elicitor interview``: a reciprocal interview in the terminal, or scripted from lines."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

import click

from elicitor.errors import Conflict, ElicitorError, InvalidInput
from elicitor.session.state import Prompt

log = logging.getLogger(__name__)

PAUSE_WORDS = ("pause", "/pause", ":pause")


def program() -> str:
    """Return the command as the user typed it (".venv/bin/elicitor"), for next-step hints."""
    invoked = sys.argv[0] if sys.argv else ""
    if os.sep in invoked and os.path.basename(invoked) == "elicitor":
        return invoked
    return "elicitor"


def _answers_from(answers: str | None) -> Iterator[str] | None:
    """Return scripted answers (a file, or standard input when it is not a terminal)."""
    if answers:
        with open(answers, encoding="utf-8") as handle:
            lines = [line.rstrip("\n") for line in handle]
        return iter(line for line in lines if line.strip())
    if not sys.stdin.isatty():
        return iter(line.rstrip("\n") for line in sys.stdin if line.strip())
    return None


def _show(prompt: Prompt, *, number: int) -> None:
    if prompt.greeting:
        click.secho(prompt.greeting, fg="cyan")
    if prompt.notice:
        click.secho(prompt.notice, fg="yellow")
    if prompt.kind == "question":
        click.echo()
        click.secho(f"Q{number}. ", bold=True, nl=False)
        click.echo(prompt.text)
    elif prompt.kind in ("summary", "review"):
        click.echo()
        title = "Summary so far" if prompt.kind == "summary" else "Final review"
        click.secho(f"— {title} —", bold=True)
        click.echo(prompt.text)
    else:
        click.secho(prompt.text, fg="green")


def _read(scripted: Iterator[str] | None) -> str | None:
    if scripted is not None:
        line = next(scripted, None)
        if line is not None:
            click.echo(f"> {line}")
        return line
    try:
        return click.prompt(
            click.style(">", fg="blue"), prompt_suffix=" ", default="", show_default=False
        )
    except click.Abort:
        raise KeyboardInterrupt from None


@click.command("interview")
@click.option(
    "--template",
    "template",
    metavar="NAME",
    help="Built-in briefing (see `elicitor briefings templates`).",
)
@click.option(
    "--briefing", "briefing_file", type=click.Path(dir_okay=False), help="Briefing YAML file."
)
@click.option("--resume", "resume_id", metavar="SESSION_ID", help="Continue a paused session.")
@click.option(
    "--answers",
    type=click.Path(dir_okay=False, exists=True),
    help="Read answers from this file, one per line, instead of the keyboard.",
)
@click.option("--participant", default="", help="Name recorded with the sign-off.")
@click.option(
    "--engine",
    default=None,
    help="Backend as provider:model: offline, openai:MODEL (any OpenAI-compatible server via "
    "ELICITOR_OPENAI_BASE_URL) or anthropic:MODEL. Default: the briefing's, else "
    "ELICITOR_ENGINE, else offline.",
)
@click.pass_obj
def interview(
    app: Any,
    template: str | None,
    briefing_file: str | None,
    resume_id: str | None,
    answers: str | None,
    participant: str,
    engine: str | None,
) -> None:
    """Run an interview: one question at a time, checkpoints, review and sign-off.

    Type 'pause' or press Ctrl-C to stop; nothing typed is lost, and
    `elicitor interview --resume SESSION_ID` continues later.
    """
    chosen = [x for x in (template, briefing_file, resume_id) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --template, --briefing or --resume")
    interviewer = app.interviewer
    if resume_id:
        session_id = resume_id
        prompt = interviewer.resume(session_id)
    else:
        from elicitor.briefing.loader import load_briefing_file, load_template

        briefing = load_template(template) if template else load_briefing_file(briefing_file or "")
        record = app.store.save_briefing(briefing)
        session_id, prompt = interviewer.start(record, participant=participant, engine=engine)
        click.secho(f"{briefing.title} — session {session_id}", bold=True)
        click.echo(
            "Answer in your own words. Type 'skip' or 'I don't know' whenever you like, "
            "and 'pause' to stop and come back later."
        )
    _loop(app, session_id, prompt, _answers_from(answers))


def _loop(app: Any, session_id: str, prompt: Prompt, scripted: Iterator[str] | None) -> None:
    interviewer = app.interviewer
    number = interviewer.load(session_id).state.question_count()
    while prompt.kind != "done":
        _show(prompt, number=number)
        try:
            text = _read(scripted)
        except KeyboardInterrupt:
            text = None
            click.echo()
        if text is None or text.strip().lower() in PAUSE_WORDS:
            interviewer.pause(session_id)
            click.secho(
                f"Paused. Continue with: {program()} interview --resume {session_id}", fg="yellow"
            )
            return
        if not text.strip():
            click.secho("Type an answer, 'skip', or 'pause'.", fg="yellow")
            continue
        try:
            prompt = interviewer.answer(session_id, text)
        except (InvalidInput, Conflict) as error:
            # Nothing was stored for an invalid answer; let the participant try again.
            click.secho(str(error), fg="yellow", err=True)
            continue
        except ElicitorError:
            raise
        except Exception as error:
            log.exception("session %s: the turn failed after the answer was stored", session_id)
            raise click.ClickException(
                f"the interviewer failed after your answer was saved ({type(error).__name__}). "
                f"Nothing is lost: continue with `{program()} interview --resume {session_id}`."
            ) from error
        except KeyboardInterrupt:
            interviewer.pause(session_id)
            click.secho(
                f"Paused; your answer was saved. Continue with: {program()} interview "
                f"--resume {session_id}",
                fg="yellow",
            )
            return
        if prompt.kind == "question":
            number += 1
    _show(prompt, number=number)
    click.echo(f"Export it with: {program()} sessions export {session_id} --format md")


def register(root: click.Group) -> None:
    root.add_command(interview)
