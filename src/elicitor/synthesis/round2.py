"""The second round: ask each participant only about the disagreements that involve them.

For every participant with open disagreements, a derived briefing is stored under the id
``<id>-round2``. Each participant's briefing is one version of that id, holding one topic
per disagreement whose question is the seeded question ("Another participant recalls …;
you said … Which is right, or were these different events?"). The first question is also
the opening question, so the participant sees it as soon as the link opens. Links pin
that version like any other link.

A topic's id is ``k-`` plus the follow-up key: a hash of the disagreement's kind and the
participant's own claims, so a later synthesis finds the answers again even when other
participants join. The briefing's private notes name the first-round session in a
``round2-source-session:`` line; private notes are never shown to participants.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from elicitor.briefing.model import Briefing, Topic
from elicitor.engine import cues
from elicitor.engine.quantities import find_quantities, same_value
from elicitor.session.state import Quantity, SessionState
from elicitor.store.store import BriefingRecord, Store
from elicitor.synthesis.features import shorten
from elicitor.synthesis.model import Disagreement, FollowUp, Position, StatementRef

ROUND2_SUFFIX = "-round2"
SOURCE_MARKER = "round2-source-session:"
TOPIC_PREFIX = "k-"
# Moves that ask a topic's own questions (see ``_topic_answers``).
OWN_MOVES = ("opening", "open_topic", "probe")
_WORDS = re.compile(r"[a-z0-9:']+")
# A briefing has at most 40 topics, so a participant is asked about 40 disagreements
# at most; the rest wait for a later round.
MAX_QUESTIONS_PER_PARTICIPANT = 40
QUOTE_CHARS = 110
# Topic questions are limited to 400 characters by the briefing schema.
MAX_QUESTION_CHARS = 400
NAME_CHARS = 40
MAX_SLUG_CHARS = 64
# The subject of each kind of difference, for the second round's topic titles.
TOPIC_WORDS = {
    "time": "a time",
    "number": "a value",
    "polarity": "what happened",
    "sequence": "the order of events",
    "account": "what ended the impact",
}
TIME_PROBE = "What is that time based on: a log, a chat message, a page, or memory?"
NUMBER_PROBE = "What is that number based on: a log, a dashboard, a message, or memory?"

DIFFERENT_EVENTS_CUES: tuple[str, ...] = (
    "different event",
    "different events",
    "two different",
    "two separate",
    "separate event",
    "separate events",
    "not the same",
    "different thing",
    "different things",
    "both happened",
    "both are right",
    "both right",
    "both correct",
    "different moment",
    "different moments",
    "something else",
)
CONCEDE_CUES: tuple[str, ...] = (
    "they are right",
    "they're right",
    "the other is right",
    "the other one is right",
    "other participant is right",
    "i was wrong",
    "i'm wrong",
    "i am wrong",
    "i misremembered",
    "my mistake",
    "i stand corrected",
    "theirs is right",
    "i got it wrong",
    "i mixed up",
    "i mixed it up",
    "i confused",
    "i must have been wrong",
)
MAINTAIN_CUES: tuple[str, ...] = (
    "i'm sure",
    "i am sure",
    "i'm certain",
    "i am certain",
    "definitely",
    "i stand by",
    "mine is right",
    "i'm right",
    "i am right",
    "i'm confident",
    "i am confident",
    "the log shows",
    "the logs show",
    "according to the log",
    "my account is right",
)


def round2_slug(slug: str) -> str:
    """Return the id of the derived briefing, cut so that it stays a valid slug."""
    return slug[: MAX_SLUG_CHARS - len(ROUND2_SUFFIX)] + ROUND2_SUFFIX


def followup_key(kind: str, refs: Iterable[tuple[str, str]]) -> str:
    """Return the stable key of one participant's side of a disagreement."""
    parts = sorted(f"{session}:{claim}" for session, claim in refs)
    digest = hashlib.sha256(f"{kind}|{','.join(parts)}".encode()).hexdigest()
    return digest[:12]


# -- reading second-round answers ----------------------------------------------------------------


@dataclass(frozen=True)
class RawAnswer:
    """An answer given in a second-round session to one disagreement's questions."""

    session_id: str
    answer_seq: int
    text: str
    signed: bool


@dataclass
class FollowUpIndex:
    """Second-round answers by follow-up key, and second-round sessions by source session."""

    by_key: dict[str, list[RawAnswer]] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)


def source_session(briefing: Briefing) -> str | None:
    """Return the first-round session a derived briefing follows up, from its notes."""
    match = re.search(re.escape(SOURCE_MARKER) + r"\s*(\S+)", briefing.private_notes)
    return match.group(1) if match else None


def read_followups(store: Store, slug: str, *, include_unsigned: bool) -> FollowUpIndex:
    """Collect second-round answers for the briefing ``slug`` (signed sessions only by
    default)."""
    index = FollowUpIndex()
    derived = round2_slug(slug)
    records = [r for r in store.list_briefings() if r.slug == derived]
    for record in sorted(records, key=lambda r: r.version):
        source = source_session(record.briefing)
        if source is None:
            continue
        for session in store.list_sessions(briefing_pk=record.pk):
            index.sessions[source] = session.id
            signed = session.status == "signed_off"
            if not signed and not include_unsigned:
                continue
            state = SessionState.from_events(session.id, store.load_events(session.id))
            _collect_answers(index, record, state, signed)
    return index


def _collect_answers(
    index: FollowUpIndex, record: BriefingRecord, state: SessionState, signed: bool
) -> None:
    for topic in record.briefing.topics:
        if not topic.id.startswith(TOPIC_PREFIX):
            continue
        key = topic.id[len(TOPIC_PREFIX) :]
        for answer in _topic_answers(state, topic):
            index.by_key.setdefault(key, []).append(
                RawAnswer(state.session_id, int(answer["seq"]), str(answer["text"]), signed)
            )


def _topic_answers(state: SessionState, topic: Topic) -> list[dict[str, object]]:
    """Return the answers to the topic's own questions, withdrawn ones left out.

    The topic's own questions are its seeded question (also the opening question for the
    first topic) and its probes. Answers to follow-ups are left out because the analyst may
    file a follow-up under another topic. An answer whose claims the participant all
    rejected at review is withdrawn. An answer to the seeded question that gave no claim
    ("I don't know") is kept, so the synthesis shows it.
    """
    seeded = {
        q["seq"]
        for q in state.questions
        if q["kind"] == "question" and q["text"].strip() == topic.question.strip()
    }
    asked = {
        q["seq"]
        for q in state.questions
        if q["kind"] == "question"
        and (
            q["text"].strip() == topic.question.strip()
            or (q.get("topic_id") == topic.id and q.get("move") in OWN_MOVES)
        )
    }
    kept_seqs = {claim.answer_seq for claim in state.active_claims()}
    claimed_seqs = {claim.answer_seq for claim in state.claims.values()}
    return [
        a
        for a in state.answers
        if a["question_seq"] in asked
        and (
            a["seq"] in kept_seqs or (a["question_seq"] in seeded and a["seq"] not in claimed_seqs)
        )
    ]


def classify_answer(
    text: str, kind: str, dimension: str | None, mine: list[Quantity], others: list[Quantity]
) -> str:
    """Return what a second-round answer says about the participant's own account."""
    if cues.find(DIFFERENT_EVENTS_CUES, text):
        return "different_events"
    if kind in ("time", "number") and dimension:
        stated = [q for q in find_quantities(text) if q.dimension == dimension]
        if stated:
            matches_mine = any(same_value(a, b) for a in stated for b in mine)
            matches_other = any(same_value(a, b) for a in stated for b in others)
            if matches_other and not matches_mine:
                return "concedes"
            if matches_mine and not matches_other:
                return "maintains"
            if not matches_mine and not matches_other:
                return "revised"
    if cues.find(CONCEDE_CUES, text):
        return "concedes"
    if cues.find(MAINTAIN_CUES, text):
        return "maintains"
    return "unclear"


def judge_followups(
    followups: list[FollowUp],
    involved: Iterable[str] = (),
    sides: Iterable[Iterable[str]] = (),
) -> tuple[str, str | None]:
    """Return a disagreement's status and resolution from its second-round answers.

    "Different events" resolves it. A concession resolves it when everyone left on the
    other sides of ``sides`` (participants per position) agrees: a participant who joined
    a conceded side later keeps it open. It is confirmed only when every participant in
    ``involved`` stands by their account; until then it stays open.
    """
    if not followups:
        return "open", None
    by_outcome: dict[str, list[str]] = {}
    for item in followups:
        people = by_outcome.setdefault(item.outcome, [])
        if item.participant not in people:
            people.append(item.participant)
    if "different_events" in by_outcome:
        return "resolved", f"{_names(by_outcome['different_events'])}: these were different events"
    if "concedes" in by_outcome:
        return _after_concession(by_outcome, sides)
    if "maintains" in by_outcome:
        return _after_maintaining(by_outcome, involved)
    if "revised" in by_outcome:
        return "open", f"{_names(by_outcome['revised'])}: new value given; read the answer"
    return "open", "the second-round answer did not settle it; read the answer"


def _after_concession(
    by_outcome: dict[str, list[str]], sides: Iterable[Iterable[str]]
) -> tuple[str, str]:
    who = by_outcome["concedes"]
    verb = "agrees" if len(who) == 1 else "agree"
    conceded = f"{_names(who)} now {verb} with the other account"
    holding = [set(side) - set(who) for side in sides]
    holding = [side for side in holding if side]
    if len(holding) <= 1:
        return "resolved", conceded
    others = sorted(set().union(*holding))
    if not set(others) - set(by_outcome.get("maintains", [])):
        return "confirmed", f"{conceded}; {_names(others)} stand by their accounts"
    return "open", f"{conceded}; {_names(others)} still disagree"


def _after_maintaining(
    by_outcome: dict[str, list[str]], involved: Iterable[str]
) -> tuple[str, str]:
    who = by_outcome["maintains"]
    stand = "stands by their account" if len(who) == 1 else "stand by their accounts"
    unsettled = sorted(
        set(by_outcome.get("unclear", []) + by_outcome.get("revised", [])) - set(who)
    )
    waiting = sorted(set(involved) - set(who) - set(unsettled))
    if not unsettled and not waiting:
        return "confirmed", f"{_names(who)} {stand}"
    parts = [f"{_names(who)} {stand}"]
    if unsettled:
        parts.append(f"{_names(unsettled)}: the answer did not settle it, read it")
    if waiting:
        parts.append(f"waiting for {_names(waiting)}")
    return "open", "; ".join(parts)


def _names(keys: list[str]) -> str:
    return " and ".join(sorted(keys))


# -- writing second-round briefings ------------------------------------------------------------


def _quote(text: str, limit: int) -> str:
    return f'"{shorten(text.rstrip("."), limit)}"'


def seeded_question(
    disagreement: Disagreement, me: str, names: dict[str, str] | None
) -> tuple[str, str]:
    """Return the question put to participant ``me`` about one disagreement, and the
    participant's own claim it quotes.

    ``names`` maps participant keys to names the requester allows to show; without it the
    others are "another participant". The text fits a topic question (400 characters):
    quotes are shortened until it does.
    """
    mine = [p for p in disagreement.positions if me in p.participants]
    theirs = [p for p in disagreement.positions if me not in p.participants] or [
        p for p in disagreement.positions if p not in mine
    ]
    other = next(s for p in theirs for s in p.statements if s.participant != me)
    own = _closest([s for p in mine for s in p.statements if s.participant == me], other.text)
    who = _who(theirs, me, names)
    if disagreement.kind == "sequence":
        return _sequence_question(disagreement, me, who), own.text
    text = ""
    for limit in (QUOTE_CHARS, 70, 40):
        quoted_other, quoted_own = _quote(other.text, limit), _quote(own.text, limit)
        text = _phrase(
            disagreement.kind, who, theirs[0].value, mine[0].value, quoted_other, quoted_own
        )
        if len(text) <= MAX_QUESTION_CHARS:
            break
    return text[:MAX_QUESTION_CHARS], own.text


def _closest(statements: list[StatementRef], text: str) -> StatementRef:
    """Return the statement sharing the most words with ``text`` (the first on ties)."""
    words = set(_WORDS.findall(text.lower()))

    def overlap(statement: StatementRef) -> float:
        own = set(_WORDS.findall(statement.text.lower()))
        return len(own & words) / max(1, len(own | words))

    return max(statements, key=overlap)


def _phrase(
    kind: str, who: tuple[str, bool], their_value: str, my_value: str, other: str, own: str
) -> str:
    name, plural = who
    if kind in ("time", "number"):
        recall = "recall" if plural else "recalls"
        return (
            f"{name} {recall} {their_value}: {other}. You said {my_value}: {own}. "
            "Which is right, or were these different events?"
        )
    if kind == "account":
        say = "say" if plural else "says"
        return (
            f"{name} {say} the impact ended with {their_value}: {other}. You said {own}. "
            "Which is right, or did both happen?"
        )
    return f"{name} said {other}. You said {own}. Which is right, or did it change over time?"


def _sequence_question(disagreement: Disagreement, me: str, who: tuple[str, bool]) -> str:
    """Return the order question, each side's order in that side's own words.

    A sequence disagreement's first position contains the participants whose times put
    its first point first. Each participant's two statements are stored in point order.
    """
    name, plural = who
    put = "put" if plural else "puts"
    sides = []
    for index, position in enumerate(disagreement.positions[:2]):
        mine = [s for s in position.statements if s.participant == me]
        if mine:
            chosen = mine
        else:
            other = position.statements[0].participant
            chosen = [s for s in position.statements if s.participant == other]
        pair = chosen[:2] if index == 0 else chosen[1::-1]
        sides.append((bool(mine), pair))
    text = ""
    for limit in (QUOTE_CHARS, 70, 40):
        parts = {}
        for is_mine, (first, second) in sides:
            parts[is_mine] = f"{_quote(first.text, limit)} before {_quote(second.text, limit)}"
        text = (
            f"{name} {put} {parts[False]}. Your times put {parts[True]}. "
            "Which order is right, or were these different events?"
        )
        if len(text) <= MAX_QUESTION_CHARS:
            break
    return text[:MAX_QUESTION_CHARS]


def _who(theirs: list[Position], me: str, names: dict[str, str] | None) -> tuple[str, bool]:
    """Return how the question names the other side, and whether that name is plural."""
    others = sorted({s.participant for p in theirs for s in p.statements if s.participant != me})
    plural = len(others) > 1
    if names:
        text = " and ".join(
            (names.get(key) or "another participant")[:NAME_CHARS] for key in others
        )
        return text[0].upper() + text[1:], plural
    return ("Other participants" if plural else "Another participant"), plural


@dataclass(frozen=True)
class SeededQuestion:
    key: str
    kind: str
    text: str
    own_text: str


def round2_briefing(
    source: Briefing, *, source_slug: str, session_id: str, questions: list[SeededQuestion]
) -> Briefing:
    """Return the derived briefing that asks one participant about their disagreements."""
    if not questions:
        raise ValueError("a second-round briefing needs at least one question")
    chosen = questions[:MAX_QUESTIONS_PER_PARTICIPANT]
    topics = [_topic(number, question) for number, question in enumerate(chosen, start=1)]
    notes = (
        f"Second round of '{source_slug}', generated by elicitor synthesize. "
        "Each topic is one point where this participant's account differs from another "
        f"participant's.\n{SOURCE_MARKER} {session_id}"
    )
    return Briefing(
        id=round2_slug(source_slug),
        title=f"Follow-up: {source.title}"[:200],
        goal=(
            f"A few points in your account of '{source.title}' differ from what another "
            "participant remembers. This short follow-up asks only about those points: which "
            "version is right, or whether they were different events."
        )[:2000],
        audience="A participant of the first round whose account differs on a few points.",
        requester=source.requester,
        opening_question=chosen[0].text[:500],
        topics=topics,
        time_budget_minutes=min(source.time_budget_minutes, 10),
        tone=source.tone,
        language=source.language,
        private_notes=notes,
        engine=source.engine,
        follow_ups=False,
    )


def _topic(number: int, question: SeededQuestion) -> Topic:
    probes = {"time": [TIME_PROBE], "number": [NUMBER_PROBE]}.get(question.kind, [])
    about = TOPIC_WORDS.get(question.kind, "your account")
    title = shorten(f"Difference {number}, {about}: {question.own_text}", 120)
    return Topic(
        id=f"{TOPIC_PREFIX}{question.key}",
        title=title,
        description="A point where this participant's account differs from another one.",
        required=True,
        question=question.text[:MAX_QUESTION_CHARS],
        covered_when="The participant says which account is right, or that these were "
        "different events.",
        probes=probes,
        needs_quantity=question.kind in ("time", "number"),
    )
