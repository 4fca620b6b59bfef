"""Run interviews between a real ``Interviewer`` and simulated participants.

Each interview gets its own SQLite file in a temporary folder and its own ``Store``, so one
run cannot see another's sessions. The interviewer under test is a ``Contender``: an engine
(any backend from ``load_engine``) and a policy (the shared ``Policy`` for engines, or a
baseline policy). The participant's replies go through ``Interviewer.answer`` exactly as a
person's would; the interviewer never sees the case's facts.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elicitor.bench.baselines import BASELINE_NAMES, baseline_engine, baseline_policy
from elicitor.bench.cases import CaseRun
from elicitor.bench.matching import CachedEncoder, shared_encoder
from elicitor.bench.participant import Reply, SimulatedParticipant
from elicitor.briefing.loader import load_template
from elicitor.engine.policy import Policy
from elicitor.engine.registry import Engine, load_engine
from elicitor.engine.voice import count_questions
from elicitor.session.service import Interviewer
from elicitor.session.state import Prompt
from elicitor.store.store import Store

log = logging.getLogger(__name__)

# Questions after the opening one; the harness stops an interviewer that asks more.
MAX_QUESTIONS = 40
# Reviews answered before the harness signs regardless: corrections make the review
# come back once, so a third round means the corrections did not apply.
MAX_REVIEW_ROUNDS = 3


@dataclass(frozen=True)
class Contender:
    """An interviewer under test: a row in the results table."""

    name: str
    engine: Engine
    policy: Policy | None = None
    baseline: bool = False


def engine_contender(spec: str) -> Contender:
    """Return the contender for an engine spec such as 'offline' or 'openai:gpt-4o-mini'."""
    return Contender(spec, load_engine(spec))


def baseline_contender(name: str) -> Contender:
    """Return the contender for a baseline, 'form' or 'prober'."""
    return Contender(name, baseline_engine(name), baseline_policy(name), baseline=True)


def default_contenders(engine_specs: list[str], *, baselines: bool = True) -> list[Contender]:
    contenders = [engine_contender(spec) for spec in engine_specs]
    if baselines:
        contenders.extend(baseline_contender(name) for name in BASELINE_NAMES)
    return contenders


@dataclass
class Turn:
    """One prompt and the participant's reply to it."""

    index: int
    kind: str
    question_number: int | None
    text: str
    move: str
    reason: str
    topic_id: str | None
    answer: str
    mode: str
    fact_id: str | None = None
    fact_kind: str | None = None
    similarity: float | None = None
    compound: bool = False
    dropped: list[int] = field(default_factory=list)

    @classmethod
    def from_reply(
        cls,
        prompt: Prompt,
        reply: Reply,
        *,
        index: int,
        question_number: int | None,
        fact_kind: str | None = None,
    ) -> Turn:
        """Record a prompt and the participant's reply; ``question_number`` is None for the
        opening question, checkpoints and the review."""
        return cls(
            index=index,
            kind=prompt.kind,
            question_number=question_number,
            text=prompt.text,
            move=prompt.move,
            reason=prompt.reason,
            topic_id=prompt.topic_id,
            answer=reply.text,
            mode=reply.mode,
            fact_id=reply.fact_id,
            fact_kind=fact_kind,
            similarity=None if reply.similarity is None else round(reply.similarity, 4),
            compound=prompt.kind == "question" and count_questions(prompt.text) > 1,
            dropped=list(reply.dropped),
        )

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ArtifactClaim:
    id: str
    text: str
    kind: str
    status: str


@dataclass
class RunRecord:
    """The full record of one interview, enough to score it and to write its transcript."""

    contender: str
    run: CaseRun
    turns: list[Turn]
    revealed: list[str]
    words: int
    claims: list[ArtifactClaim]
    rejected: list[str]
    signed: bool
    stop: str
    seconds: float
    session_id: str
    participant: SimulatedParticipant

    @property
    def label(self) -> str:
        return self.run.label

    def questions(self) -> list[Turn]:
        """Return the counted questions: kind 'question', without the opening one."""
        return [turn for turn in self.turns if turn.question_number is not None]


def run_interview(
    run: CaseRun,
    contender: Contender,
    *,
    workdir: Path,
    encoder: CachedEncoder | None = None,
    max_questions: int = MAX_QUESTIONS,
) -> RunRecord:
    """Interview one simulated participant until sign-off, or until a limit stops it."""
    started = time.perf_counter()
    slug = f"{contender.name}-{run.label}".replace("/", "-").replace(":", "-")
    store = Store(f"sqlite:///{workdir / slug}.db")
    try:
        record = store.save_briefing(load_template(run.case.template()))
        interviewer = Interviewer(store, policy=contender.policy, engine=contender.engine)
        participant = SimulatedParticipant(
            run.case, run.participant_id, encoder=encoder or shared_encoder()
        )
        session_id, prompt = interviewer.start(
            record, participant=run.label, engine=contender.engine.spec
        )
        turns, stop = _converse(interviewer, session_id, prompt, participant, max_questions)
        artifact = interviewer.artifact(session_id)
    finally:
        store.close()

    claims = [
        ArtifactClaim(claim.id, claim.text, claim.kind, claim.status)
        for topic in artifact.topics
        for claim in topic.claims
    ] + [ArtifactClaim(c.id, c.text, c.kind, c.status) for c in artifact.other_claims]
    return RunRecord(
        contender=contender.name,
        run=run,
        turns=turns,
        revealed=list(participant.revealed),
        words=participant.words_typed,
        claims=claims,
        rejected=list(artifact.rejected_claims),
        signed=artifact.sign_off is not None,
        stop=stop,
        seconds=round(time.perf_counter() - started, 3),
        session_id=session_id,
        participant=participant,
    )


def _converse(
    interviewer: Interviewer,
    session_id: str,
    prompt: Prompt,
    participant: SimulatedParticipant,
    max_questions: int,
) -> tuple[list[Turn], str]:
    turns: list[Turn] = []
    questions = 0
    reviews = 0
    opened = False
    kinds = {fact.id: fact.kind for fact in participant.facts}
    while prompt.kind != "done":
        number: int | None = None
        if prompt.kind == "question":
            if opened:
                questions += 1
                number = questions
            if questions > max_questions:
                return turns, f"stopped after {max_questions} questions without a review"
            opened = True
        if prompt.kind == "review":
            reviews += 1
            if reviews > MAX_REVIEW_ROUNDS:
                interviewer.sign_off(session_id, signer=participant.case.id)
                return turns, f"signed by the harness after {MAX_REVIEW_ROUNDS} review rounds"
        reply = participant.respond(prompt)
        kind = kinds.get(reply.fact_id) if reply.fact_id else None
        turns.append(
            Turn.from_reply(
                prompt, reply, index=len(turns) + 1, question_number=number, fact_kind=kind
            )
        )
        prompt = interviewer.answer(session_id, reply.text)
    return turns, "signed"


def run_all(
    runs: list[CaseRun],
    contenders: list[Contender],
    *,
    progress: Callable[[str], None] | None = None,
    encoder: CachedEncoder | None = None,
    max_questions: int = MAX_QUESTIONS,
) -> list[RunRecord]:
    """Run every case run with every contender; ``progress`` gets one line per case run."""
    records: list[RunRecord] = []
    with tempfile.TemporaryDirectory(prefix="elicitor-bench-") as folder:
        for position, run in enumerate(runs, start=1):
            started = time.perf_counter()
            parts: list[str] = []
            for contender in contenders:
                record = run_interview(
                    run,
                    contender,
                    workdir=Path(folder),
                    encoder=encoder,
                    max_questions=max_questions,
                )
                records.append(record)
                known = len(record.participant.facts)
                parts.append(
                    f"{contender.name} {len(record.revealed)}/{known} facts in "
                    f"{len(record.questions())} questions"
                )
            if progress is not None:
                elapsed = time.perf_counter() - started
                progress(
                    f"[{position}/{len(runs)}] {run.label}: {'; '.join(parts)} ({elapsed:.1f} s)"
                )
    return records
