"""Synthesis benchmark on the bundled multi-participant post-mortem cases.

Each participant of a case is interviewed alone by the offline engine through the
benchmark harness, the sessions are signed off, and the synthesis is scored against the
case's planted contradictions:

- eligible: pairs in ``contradictions`` whose two facts were recorded (an active claim in
  a signed artifact) by two different participants;
- found: eligible pairs that some disagreement connects (its statements include claims of
  both facts, from two different participants);
- false: disagreements that connect no listed contradiction pair;
- shared facts aligned: facts recorded by two or more participants whose claims meet in
  one point.

Two participant modes run. ``harness`` is the simulated participant of the elicitation
benchmark, so the score includes what the interviewer failed to draw out. ``disclosed``
answers every question with the participant's next unrevealed fact, so every fact is said
and the score isolates the synthesis. Claims are traced to facts through the turn that
revealed them; claims from other turns (the opening, review additions) take the known fact
they match best (MiniLM, the benchmark's match threshold), if any.
"""

from __future__ import annotations

import logging
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from elicitor.bench.cases import Case, load_cases
from elicitor.bench.harness import MAX_QUESTIONS, _converse
from elicitor.bench.matching import MATCH_THRESHOLD, CachedEncoder, shared_encoder
from elicitor.bench.participant import DONT_KNOW, Reply, SimulatedParticipant
from elicitor.briefing.loader import load_template
from elicitor.engine.registry import load_engine
from elicitor.session.service import Interviewer
from elicitor.session.state import Prompt
from elicitor.store.store import BriefingRecord, Store
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.model import Disagreement, Synthesis
from elicitor.synthesis.service import synthesize_briefing

log = logging.getLogger(__name__)

BENCH_CASES = ("pm-01", "pm-03", "pm-05")
# Accounts for the speed run: each participant states 12 of these with random values.
SPEED_SENTENCES = (
    "The primary went down at {time}.",
    "We rolled back the release at {time}.",
    "The alert fired at {time}.",
    "We restarted the web servers at {time}.",
    "The failover to the replica took {number} seconds.",
    "The disk filled up at {time}.",
    "We restored the backup at {time}.",
    "The site was back online at {time}.",
    "About {number} customers were affected.",
    "The on-call engineer joined at {time}.",
    "The failover to the replica worked.",
    "The failover to the replica did not work.",
    "We paused the deploy pipeline at {time}.",
    "Replication lag reached {number} seconds.",
    "The runbook was out of date.",
    "Nobody had access to the cloud console.",
    "The incident channel was opened at {time}.",
    "The cache cluster ran out of memory at {time}.",
    "We drained traffic from the east region at {time}.",
    "The status page was updated at {time}.",
)
SPEED_CLAIMS_PER_PARTICIPANT = 12
SPEED_SIZES = (10, 40, 100)
# Replies after the scripted account before the harness gives up waiting for the review.
SPEED_MAX_TURNS = 80
MODES = ("harness", "disclosed")
REPORT_VERSION = 1

Progress = Callable[[str], None]


class DisclosingParticipant(SimulatedParticipant):
    """Answers each question after the opening with its next unrevealed fact, in case order."""

    def respond(self, prompt: Prompt) -> Reply:
        if prompt.kind != "question" or not self.replies:
            return super().respond(prompt)
        fact = next((f for f in self.facts if f.id not in self.revealed), None)
        if fact is None:
            reply = Reply(DONT_KNOW, "dont_know")
        else:
            self.revealed.append(fact.id)
            reply = Reply(self.fact_text(fact.id), "answer", fact_id=fact.id)
        reply.asked = prompt.text
        self.words_typed += reply.words
        self.replies.append(reply)
        return reply


@dataclass
class CaseRun:
    """One synthesised case: the synthesis and the fact behind each (session, claim)."""

    case: Case
    synthesis: Synthesis
    facts: dict[tuple[str, str], str]


def bench_cases() -> list[Case]:
    cases = [c for c in load_cases() if c.id.startswith(BENCH_CASES) and c.participants]
    return sorted(cases, key=lambda case: case.id)


def run_case(case: Case, mode: str, workdir: Path, encoder: CachedEncoder) -> CaseRun:
    """Interview every participant of ``case`` in one store, then synthesise."""
    store = Store(f"sqlite:///{workdir / f'{mode}-{case.id}'}.db")
    try:
        record = store.save_briefing(load_template(case.template()))
        interviewer = Interviewer(store, engine=load_engine("offline"))
        kind = DisclosingParticipant if mode == "disclosed" else SimulatedParticipant
        facts: dict[tuple[str, str], str] = {}
        for person in case.participants:
            participant = kind(case, person.id, encoder=encoder)
            session_id, prompt = interviewer.start(record, participant=person.id)
            turns, _stop = _converse(interviewer, session_id, prompt, participant, MAX_QUESTIONS)
            state = interviewer.load(session_id).state
            by_answer = {
                answer["seq"]: turn.fact_id
                for answer, turn in zip(state.answers, turns, strict=False)
            }
            for claim in state.claims.values():
                fact = by_answer.get(claim.answer_seq) or _best_fact(
                    participant, claim.text, encoder
                )
                if fact:
                    facts[(session_id, claim.id)] = fact
        synthesis = synthesize_briefing(
            store, record.slug, options=SynthesisOptions(names=True), engine="offline"
        )
    finally:
        store.close()
    return CaseRun(case, synthesis, facts)


def _best_fact(participant: SimulatedParticipant, text: str, encoder: CachedEncoder) -> str | None:
    texts, owners = participant.matching_texts()
    scores = encoder.similarities(text, texts)
    if scores.size == 0 or float(scores.max()) < MATCH_THRESHOLD:
        return None
    return owners[int(scores.argmax())]


def score_case(run: CaseRun) -> dict[str, Any]:
    """Return the counts for one case (see the module docstring)."""
    synthesis, facts = run.synthesis, run.facts
    label = {p.key: p.label for p in synthesis.participants}
    recorded = _recorded_facts(synthesis, facts, label)

    pairs = [(c.a, c.b) for c in run.case.contradictions]
    eligible = [pair for pair in pairs if _cross_recorded(pair, recorded)]
    connected = {d.id: _connected_pairs(d, facts) for d in synthesis.disagreements}
    found = [
        pair
        for pair in eligible
        if any(_same_pair(pair, c) for pairs_of_d in connected.values() for c in pairs_of_d)
    ]
    false = [
        d.id
        for d in synthesis.disagreements
        if not any(_same_pair(pair, c) for pair in pairs for c in connected[d.id])
    ]

    shared, aligned = _shared_facts(synthesis, facts, recorded, label)
    return {
        "case": run.case.id,
        "participants": len(synthesis.participants),
        "points": len(synthesis.points),
        "agreements": len(synthesis.agreements),
        "disagreements": [
            {"id": d.id, "kind": d.kind, "detail": d.detail, "matches": d.id not in false}
            for d in synthesis.disagreements
        ],
        "eligible_pairs": [list(pair) for pair in eligible],
        "found_pairs": [list(pair) for pair in found],
        "false_disagreements": false,
        "shared_facts": sorted(shared),
        "shared_facts_aligned": sorted(aligned),
    }


def _recorded_facts(
    synthesis: Synthesis, facts: dict[tuple[str, str], str], label: dict[str, str]
) -> dict[str, set[str]]:
    """Return, per participant label, the facts behind their claims in the synthesis."""
    recorded: dict[str, set[str]] = {}
    for point in synthesis.points:
        for s in point.statements:
            fact = facts.get((s.session_id, s.claim_id))
            if fact:
                recorded.setdefault(label[s.participant], set()).add(fact)
    return recorded


def _cross_recorded(pair: tuple[str, str], recorded: dict[str, set[str]]) -> bool:
    a, b = pair
    holders_a = {who for who, known in recorded.items() if a in known}
    holders_b = {who for who, known in recorded.items() if b in known}
    return any(x != y for x in holders_a for y in holders_b)


def _connected_pairs(
    disagreement: Disagreement, facts: dict[tuple[str, str], str]
) -> list[tuple[str, str]]:
    """Return the fact pairs a disagreement connects across two participants."""
    traced = [
        (s.participant, facts.get((s.session_id, s.claim_id)))
        for position in disagreement.positions
        for s in position.statements
    ]
    return [
        (fa, fb) for pa, fa in traced for pb, fb in traced if pa != pb and fa and fb and fa != fb
    ]


def _same_pair(pair: tuple[str, str], other: tuple[str, str]) -> bool:
    return set(pair) == set(other)


def _shared_facts(
    synthesis: Synthesis,
    facts: dict[tuple[str, str], str],
    recorded: dict[str, set[str]],
    label: dict[str, str],
) -> tuple[set[str], set[str]]:
    holders: dict[str, set[str]] = {}
    for who, known in recorded.items():
        for fact in known:
            holders.setdefault(fact, set()).add(who)
    shared = {fact for fact, who in holders.items() if len(who) > 1}
    aligned: set[str] = set()
    for point in synthesis.points:
        people_by_fact: dict[str, set[str]] = {}
        for s in point.statements:
            fact = facts.get((s.session_id, s.claim_id))
            if fact in shared:
                people_by_fact.setdefault(fact, set()).add(label[s.participant])
        aligned.update(fact for fact, people in people_by_fact.items() if len(people) > 1)
    return shared, aligned


def _totals(scores: list[dict[str, Any]]) -> dict[str, Any]:
    eligible = sum(len(s["eligible_pairs"]) for s in scores)
    found = sum(len(s["found_pairs"]) for s in scores)
    shared = sum(len(s["shared_facts"]) for s in scores)
    aligned = sum(len(s["shared_facts_aligned"]) for s in scores)
    return {
        "eligible_pairs": eligible,
        "found_pairs": found,
        "found_rate": round(found / eligible, 3) if eligible else None,
        "disagreements": sum(len(s["disagreements"]) for s in scores),
        "false_disagreements": sum(len(s["false_disagreements"]) for s in scores),
        "shared_facts": shared,
        "shared_facts_aligned": aligned,
        "aligned_rate": round(aligned / shared, 3) if shared else None,
    }


def run_synthesis_bench(
    *, modes: tuple[str, ...] = MODES, progress: Progress | None = None
) -> dict[str, Any]:
    """Run every mode on the bundled post-mortem cases and return the JSON report."""
    encoder = shared_encoder()
    report: dict[str, Any] = {"version": REPORT_VERSION, "engine": "offline", "modes": {}}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="elicitor-synthesis-bench-") as folder:
        for mode in modes:
            scores = []
            for case in bench_cases():
                case_started = time.perf_counter()
                scores.append(score_case(run_case(case, mode, Path(folder), encoder)))
                if progress is not None:
                    progress(f"{mode} {case.id}: {time.perf_counter() - case_started:.1f} s")
            report["modes"][mode] = {"cases": scores, "totals": _totals(scores)}
    report["seconds"] = round(time.perf_counter() - started, 1)
    return report


def _speed_account(rng: random.Random) -> str:
    chosen = rng.sample(SPEED_SENTENCES, SPEED_CLAIMS_PER_PARTICIPANT)
    parts = []
    for sentence in chosen:
        time_of_day = f"{rng.choice((22, 23))}:{rng.randrange(0, 60, 5):02d}"
        parts.append(sentence.format(time=time_of_day, number=rng.choice((30, 60, 90, 500))))
    return " ".join(parts)


def _scripted_interview(interviewer: Interviewer, record: BriefingRecord, account: str) -> None:
    """Give the account as the first answer, then "I don't know" until the review; sign."""
    session_id, prompt = interviewer.start(record, participant="speed")
    replies = [account]
    for _ in range(SPEED_MAX_TURNS):
        if prompt.kind == "review":
            interviewer.sign_off(session_id, signer="speed")
            return
        if prompt.kind == "summary":
            reply = "ok"
        elif replies:
            reply = replies.pop()
        else:
            reply = DONT_KNOW
        prompt = interviewer.answer(session_id, reply)
    raise RuntimeError(f"speed session {session_id} reached no review in {SPEED_MAX_TURNS} turns")


def run_speed(
    sizes: tuple[int, ...] = SPEED_SIZES, *, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Time the synthesis of 10, 40 and 100 signed sessions of scripted incident accounts.

    The interviews are not timed, only ``synthesize_briefing`` (loading included).
    """
    rng = random.Random(7)
    rows = []
    with tempfile.TemporaryDirectory(prefix="elicitor-synthesis-speed-") as folder:
        for size in sizes:
            store = Store(f"sqlite:///{Path(folder) / f'speed-{size}'}.db")
            try:
                record = store.save_briefing(load_template("incident"))
                interviewer = Interviewer(store, engine=load_engine("offline"))
                for _ in range(size):
                    _scripted_interview(interviewer, record, _speed_account(rng))
                started = time.perf_counter()
                synthesis = synthesize_briefing(store, record.slug, engine="offline")
                seconds = time.perf_counter() - started
            finally:
                store.close()
            claims = sum(p.statements for p in synthesis.participants)
            rows.append(
                {
                    "participants": size,
                    "claims": claims,
                    "points": len(synthesis.points),
                    "seconds": round(seconds, 3),
                }
            )
            if progress is not None:
                progress(f"speed: {size} participants, {claims} claims, {seconds:.2f} s")
    return rows


def bench_table(report: dict[str, Any]) -> str:
    """Return the report's totals as a plain-text table."""
    header = (
        f"{'mode':10} {'eligible':>8} {'found':>6} {'rate':>6} {'disagr.':>8} {'false':>6} "
        f"{'shared':>7} {'aligned':>8}"
    )
    lines = [header]
    for mode, block in report["modes"].items():
        t = block["totals"]
        rate = "–" if t["found_rate"] is None else f"{t['found_rate']:.2f}"
        lines.append(
            f"{mode:10} {t['eligible_pairs']:>8} {t['found_pairs']:>6} {rate:>6} "
            f"{t['disagreements']:>8} {t['false_disagreements']:>6} {t['shared_facts']:>7} "
            f"{t['shared_facts_aligned']:>8}"
        )
    for row in report.get("speed", []):
        lines.append(
            f"speed: {row['participants']} participants, {row['claims']} claims, "
            f"{row['points']} points in {row['seconds']:.2f} s"
        )
    return "\n".join(lines)
