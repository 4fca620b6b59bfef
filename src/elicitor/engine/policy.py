"""The conversation policy: keeps the open angles and picks one move per turn.

The policy is plain deterministic code shared by every backend, so a trace means the same
thing whichever model read the answers. Each move carries the reason it was chosen and an
angle key; an angle is never asked twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from elicitor.briefing.model import Briefing, Topic
from elicitor.engine import cues
from elicitor.engine.embedding import default_embedder
from elicitor.session.state import Claim, SessionState

# After this many answers in a row that added no claim, and once every required topic has
# been opened, the pressure has run out and the interviewer wraps up.
STALL_LIMIT = 3
# Follow-ups on what was just said before the policy turns to the next probe or topic.
MAX_FOLLOW_UPS_IN_A_ROW = 2
# Probes asked on one visit to a topic before moving on to the next unopened topic.
PROBES_PER_VISIT = 2
# "I don't know" answers within one topic after which its remaining probes are dropped.
TOPIC_GIVE_UP = 2
# A summary checkpoint is proposed after this many new claims.
SUMMARY_EVERY_CLAIMS = 7
# A probe counts as already answered when a claim is this similar to it, and as already
# asked when an earlier question is this similar to it.
PROBE_ANSWERED_SIMILARITY = 0.8
ALREADY_ASKED_SIMILARITY = 0.8
DEFAULT_MAX_QUESTIONS = 40

# Moves that ask a topic's own question or probe. The opening counts when it is a topic's
# own question (its event then carries the topic id).
_TOPIC_OPENINGS = ("opening", "open_topic")
_TOPIC_MOVES = (*_TOPIC_OPENINGS, "probe")

FOLLOW_UP_MOVES = frozenset(
    {
        "pin_down",
        "ask_detail",
        "ask_rationale",
        "check_assumption",
        "ask_example",
        "ask_counterexample",
    }
)
_VAGUE_PRIORITY = ("failure", "duration", "speed", "frequency", "quality", "size", "amount", "time")


@dataclass(frozen=True)
class Move:
    name: str
    reason: str
    angle: str = ""
    topic_id: str | None = None
    claim_ids: tuple[str, ...] = ()
    term: str = ""
    contradiction_id: str = ""
    probe: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_question(self) -> bool:
        return self.name not in ("summarize", "wrap_up")


@dataclass(frozen=True)
class PolicyLimits:
    max_questions: int = DEFAULT_MAX_QUESTIONS
    summaries: bool = True


class Policy:
    """Chooses the next move from the briefing and the session state."""

    def __init__(self, limits: PolicyLimits | None = None) -> None:
        self.limits = limits or PolicyLimits()

    def next_move(self, briefing: Briefing, state: SessionState) -> Move:
        for step in (
            self._contradiction,
            self._stop_rules,
            self._summary,
            self._follow_up,
            self._probe_current_topic,
            self._open_topic,
            self._remaining_probes,
            self._older_follow_ups,
        ):
            move = step(briefing, state)
            if move is not None:
                return move
        return Move("wrap_up", "no open angles are left", angle="wrap_up")

    # -- steps, in priority order ----------------------------------------------------------

    def _contradiction(self, briefing: Briefing, state: SessionState) -> Move | None:
        for contradiction in reversed(list(state.contradictions.values())):
            if contradiction.status != "open":
                continue
            angle = f"contradiction:{contradiction.id}"
            if angle in state.angles_done:
                continue
            claim = state.claims.get(contradiction.claim_b)
            return Move(
                "raise_contradiction",
                f"two of your statements disagree ({contradiction.detail})",
                angle=angle,
                topic_id=claim.topic_id if claim else None,
                claim_ids=(contradiction.claim_a, contradiction.claim_b),
                contradiction_id=contradiction.id,
            )
        return None

    def _stop_rules(self, briefing: Briefing, state: SessionState) -> Move | None:
        if state.question_count() >= self.limits.max_questions:
            return Move(
                "wrap_up",
                f"the question limit of {self.limits.max_questions} is reached",
                angle="wrap_up",
            )
        visited = all(_visited(state, t) for t in briefing.topics if t.required)
        if state.answers_without_news >= STALL_LIMIT and visited:
            return Move(
                "wrap_up",
                f"the last {state.answers_without_news} answers brought nothing new and every "
                "required topic has been asked about",
                angle="wrap_up",
            )
        return None

    def _summary(self, briefing: Briefing, state: SessionState) -> Move | None:
        if not self.limits.summaries or state.claims_since_summary < SUMMARY_EVERY_CLAIMS:
            return None
        number = sum(1 for q in state.questions if q["kind"] == "summary") + 1
        return Move(
            "summarize",
            f"{state.claims_since_summary} new claims since the last checkpoint",
            angle=f"summary:{number}",
        )

    def _follow_up(self, briefing: Briefing, state: SessionState) -> Move | None:
        if not briefing.follow_ups or _follow_ups_in_a_row(state) >= MAX_FOLLOW_UPS_IN_A_ROW:
            return None
        last = state.last_answer()
        if last is None:
            return None
        fresh = [c for c in state.active_claims() if c.answer_seq == last["seq"]]
        if fresh:
            return _first_follow_up(briefing, state, fresh) or _elaborate(state, fresh)
        # The last answer gave nothing: invite more on the claims before it, once.
        return _elaborate(state, _recent_claims(state))

    def _probe_current_topic(self, briefing: Briefing, state: SessionState) -> Move | None:
        topic = _current_topic(briefing, state)
        if topic is None or _probes_this_visit(state, topic.id) >= PROBES_PER_VISIT:
            return None
        if topic.id not in _asked_topics(state):
            # A follow-up touched this topic; its own opening question comes first.
            return None
        if not briefing.follow_ups and _last_answer_unknown(state):
            # Without follow-ups the probes refine an answer ("What is that time based
            # on?"), which makes no sense after "I don't know".
            return None
        return _next_probe(state, topic)

    def _open_topic(self, briefing: Briefing, state: SessionState) -> Move | None:
        asked = _asked_topics(state)
        ordered = [t for t in briefing.topics if t.required] + [
            t for t in briefing.topics if not t.required
        ]
        for topic in ordered:
            if topic.id in asked:
                continue
            angle = f"topic:{topic.id}"
            if angle in state.angles_done:
                continue
            if _answered(state, topic.question) or _already_asked(
                state, topic.question, topic_id=topic.id
            ):
                continue
            required = "required" if topic.required else "optional"
            return Move(
                "open_topic",
                f"the {required} topic '{topic.title}' has not been asked about yet",
                angle=angle,
                topic_id=topic.id,
            )
        return None

    def _remaining_probes(self, briefing: Briefing, state: SessionState) -> Move | None:
        if not briefing.follow_ups:
            # Without follow-ups a probe only comes right after its topic's answer.
            return None
        for topic in sorted(briefing.topics, key=lambda t: not t.required):
            move = _next_probe(state, topic)
            if move is not None:
                return move
        return None

    def _older_follow_ups(self, briefing: Briefing, state: SessionState) -> Move | None:
        if not briefing.follow_ups:
            return None
        return _first_follow_up(briefing, state, state.active_claims())


def _first_follow_up(briefing: Briefing, state: SessionState, claims: list[Claim]) -> Move | None:
    claims = [c for c in claims if _quotable(c)]
    for finder in (
        _pin_down,
        _missing_number,
        _change_when,
        _change_why,
        _rationale,
        _assumption,
        _counterexample,
    ):
        for claim in claims:
            move = finder(briefing, state, claim)
            if move is not None and move.angle not in state.angles_done:
                return move
    return None


def _recent_claims(state: SessionState) -> list[Claim]:
    """Return the claims of the answer before the last one, when the last gave nothing."""
    informative = [
        a for a in state.answers if any(c.answer_seq == a["seq"] for c in state.claims.values())
    ]
    if not informative or len(state.answers) - state.answers.index(informative[-1]) > 2:
        return []
    seq = informative[-1]["seq"]
    return [c for c in state.active_claims() if c.answer_seq == seq]


# Elaborations ("What else can you tell me about that?") asked in a row before the policy
# turns to the topics. They pay off on a fresh thread, but repeated they read like a form.
MAX_ELABORATIONS_IN_A_ROW = 2


def _elaborations_in_a_row(state: SessionState) -> int:
    count = 0
    for question in reversed(_tail_questions(state)):
        if question["move"] != "elaborate":
            break
        count += 1
    return count


def _quotable(claim: Claim) -> bool:
    """Tell whether a claim can be quoted back; one recorded from a bare yes or no cannot."""
    return "?" not in claim.text


def _elaborate(state: SessionState, fresh: list[Claim]) -> Move | None:
    """Invite more on the newest substantial claim: the funnel's next step."""
    if _elaborations_in_a_row(state) >= MAX_ELABORATIONS_IN_A_ROW:
        return None
    for claim in reversed(fresh):
        angle = f"elaborate:{claim.id}"
        if angle in state.angles_done or len(claim.text.split()) < 4 or not _quotable(claim):
            continue
        return Move(
            "elaborate",
            "a new statement may lead to related details",
            angle=angle,
            topic_id=claim.topic_id,
            claim_ids=(claim.id,),
        )
    return None


def _pin_down(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    terms = sorted(claim.vague_terms, key=lambda t: _VAGUE_PRIORITY.index(t.split(":", 1)[0]))
    for term in terms:
        category, word = term.split(":", 1)
        angle = f"vague:{claim.id}:{word}"
        if angle in state.angles_done or f"vague-word:{word}" in state.angles_done:
            continue
        return Move(
            "pin_down",
            f'"{word}" is vague ({category})',
            angle=angle,
            topic_id=claim.topic_id,
            claim_ids=(claim.id,),
            term=term,
        )
    return None


def _missing_number(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    if claim.topic_id is None or claim.quantities:
        return None
    answer = state.answer(claim.answer_seq)
    question = state.question(answer["question_seq"]) if answer and answer["question_seq"] else None
    if question is None or question.get("move") not in _TOPIC_MOVES:
        return None
    if question.get("topic_id") != claim.topic_id:
        return None
    topic = _topic(briefing, claim.topic_id)
    if topic is None or not topic.needs_quantity:
        return None
    if any(c.quantities for c in state.active_claims() if c.topic_id == topic.id):
        return None
    return Move(
        "ask_detail",
        f"the topic '{topic.title}' needs a number and has none yet",
        angle=f"detail:{topic.id}",
        topic_id=topic.id,
        claim_ids=(claim.id,),
    )


_TIME_CUES = (
    "ago",
    "since",
    "yesterday",
    "today",
    "last week",
    "last month",
    "last year",
    "this morning",
    "tonight",
    "earlier",
    "before",
    "after",
    "when",
    "while",
    "during",
    "in 19",
    "in 20",
    "years",
    "months",
    "weeks",
    "days",
)


def _reports_event(claim: Claim) -> bool:
    """Tell whether a claim reports a change that happened, not a rule or a condition."""
    from elicitor.engine.analyst import _scoped, reports_change

    return reports_change(claim.text) and not _scoped(claim.text)


def _change_when(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    from elicitor.engine import cues

    if not _reports_event(claim) or claim.quantities or cues.find(_TIME_CUES, claim.text):
        return None
    return Move(
        "ask_when",
        "a change was mentioned without saying when",
        angle=f"when:{claim.id}",
        topic_id=claim.topic_id,
        claim_ids=(claim.id,),
    )


def _change_why(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    from elicitor.engine import cues

    if not _reports_event(claim) or cues.find(cues.RATIONALE_CUES, claim.text):
        return None
    return Move(
        "ask_why",
        "a change was mentioned without its reason",
        angle=f"why:{claim.id}",
        topic_id=claim.topic_id,
        claim_ids=(claim.id,),
    )


def _rationale(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    from elicitor.engine import cues

    if claim.kind != "judgment" or cues.find(cues.RATIONALE_CUES, claim.text):
        return None
    return Move(
        "ask_rationale",
        "a judgment was given without a reason",
        angle=f"rationale:{claim.id}",
        topic_id=claim.topic_id,
        claim_ids=(claim.id,),
    )


def _assumption(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    if claim.kind != "assumption" or claim.kind_source == "participant":
        return None
    return Move(
        "check_assumption",
        f"a statement is an assumption ({', '.join(claim.hedges) or 'hedged'})"
        " that has not been checked",
        angle=f"assumption:{claim.id}",
        topic_id=claim.topic_id,
        claim_ids=(claim.id,),
    )


def _counterexample(briefing: Briefing, state: SessionState, claim: Claim) -> Move | None:
    from elicitor.engine.analyst import denies_change

    general = claim.generalization or denies_change(claim.text)
    if not general or claim.is_example:
        return None
    return Move(
        "ask_counterexample",
        "a general statement has no counterexample yet",
        angle=f"counter:{claim.id}",
        topic_id=claim.topic_id,
        claim_ids=(claim.id,),
    )


def _next_probe(state: SessionState, topic: Topic) -> Move | None:
    if _dont_knows_in_topic(state, topic.id) >= TOPIC_GIVE_UP:
        return None
    for number, probe in enumerate(topic.probes, start=1):
        angle = f"probe:{topic.id}:{number}"
        if angle in state.angles_done or _answered(state, probe) or _already_asked(state, probe):
            continue
        if _denied_already(state, probe):
            continue
        return Move(
            "probe",
            f"detail {number} of '{topic.title}' is still missing",
            angle=angle,
            topic_id=topic.id,
            probe=probe,
        )
    return None


def _topic(briefing: Briefing, topic_id: str) -> Topic | None:
    for topic in briefing.topics:
        if topic.id == topic_id:
            return topic
    return None


def _visited(state: SessionState, topic: Topic) -> bool:
    """Tell whether a topic got its opening question and one visit's probes, or gave up."""
    asked = sum(
        1 for q in state.questions if q.get("topic_id") == topic.id and q["move"] in _TOPIC_MOVES
    )
    if asked >= 1 + min(PROBES_PER_VISIT, len(topic.probes)):
        return True
    return _dont_knows_in_topic(state, topic.id) >= TOPIC_GIVE_UP and asked >= 1


def topic_of_question(text: str, briefing: Briefing) -> str | None:
    """Return the topic whose own question or a probe asks nearly the same as ``text``.

    A follow-up such as "what exactly happens when you click the export button: an error,
    a spinner ...?" is the symptom topic's question in the participant's words, so its
    answer belongs there.
    """
    vector = _vector(core_question(text))
    best, best_id = ALREADY_ASKED_SIMILARITY, None
    for topic in briefing.topics:
        for candidate in (topic.question, *topic.probes):
            score = float(_vector(candidate) @ vector)
            if score >= best:
                best, best_id = score, topic.id
    return best_id


def _asked_topics(state: SessionState) -> set[str]:
    """Return the topics whose own question or probes were asked (follow-ups do not count)."""
    return {
        q["topic_id"]
        for q in state.questions
        if q.get("topic_id") and q["kind"] == "question" and q["move"] in _TOPIC_MOVES
    }


def _current_topic(briefing: Briefing, state: SessionState) -> Topic | None:
    """Return the topic being visited: the one the last topic question or probe was about.

    Follow-ups in between do not move the visit, even when their answer fits elsewhere.
    """
    for question in reversed(_tail_questions(state)):
        if question["move"] in _TOPIC_MOVES:
            return _topic(briefing, str(question["topic_id"])) if question.get("topic_id") else None
    return None


def _tail_questions(state: SessionState) -> list[dict[str, object]]:
    return [q for q in state.questions if q["kind"] == "question"]


def _follow_ups_in_a_row(state: SessionState) -> int:
    count = 0
    for question in reversed(_tail_questions(state)):
        if question["move"] not in FOLLOW_UP_MOVES:
            break
        count += 1
    return count


def _probes_this_visit(state: SessionState, topic_id: str) -> int:
    """Count the probes asked on the current visit to a topic, skipping follow-ups."""
    count = 0
    for question in reversed(_tail_questions(state)):
        if question["move"] not in _TOPIC_MOVES:
            continue
        if question.get("topic_id") != topic_id:
            break
        if question["move"] == "probe":
            count += 1
    return count


def _last_answer_unknown(state: SessionState) -> bool:
    last = state.last_answer()
    return last is not None and any(u.get("answer_seq") == last["seq"] for u in state.unknowns)


def _dont_knows_in_topic(state: SessionState, topic_id: str) -> int:
    """Count non-answers to the topic's own question and probes (not to follow-ups)."""
    count = 0
    for unknown in state.unknowns:
        if unknown.get("topic_id") != topic_id:
            continue
        question = state.question(unknown["question_seq"]) if unknown.get("question_seq") else None
        if question is not None and question["move"] in _TOPIC_MOVES:
            count += 1
    return count


@lru_cache(maxsize=2048)
def _vector(text: str) -> np.ndarray:
    return default_embedder().encode([text])[0]


def _answered(state: SessionState, question: str) -> bool:
    """Tell whether some claim already answers ``question`` closely enough to skip it.

    Quoted words are left out: a claim that repeats the quote answers nothing.
    """
    claims = state.active_claims()
    if not claims:
        return False
    probe = _vector(core_question(question))
    return any(float(_vector(c.text) @ probe) >= PROBE_ANSWERED_SIMILARITY for c in claims)


def _denied_already(state: SessionState, probe: str) -> bool:
    """Tell whether the participant already said there is none of what the probe asks about
    ("no error message" makes "what is the exact wording of the error message?" moot)."""
    wanted = cues.concepts(probe)
    return any(
        c.negated and len(cues.concepts(c.text) & wanted) >= 2 for c in state.active_claims()
    )


def _already_asked(state: SessionState, question: str, *, topic_id: str | None = None) -> bool:
    """Tell whether an earlier question asked nearly the same thing.

    Static embeddings weigh the frame of a question heavily ("At what time did you first
    get involved?" and "At what time did the problem begin?" score 0.85), so a close
    vector also needs most of the content words in common. For a topic's own question
    (``topic_id`` given), the own questions of other topics do not count: the briefing
    made them different topics, however alike they read (the second round's questions
    differ only in what they quote).
    """
    core = core_question(question)
    probe, words = _vector(core), cues.content_stems(core)
    for asked in state.questions:
        if asked["kind"] != "question":
            continue
        own_question = asked["move"] in _TOPIC_OPENINGS and asked.get("topic_id")
        if topic_id is not None and own_question and asked.get("topic_id") != topic_id:
            continue
        earlier = core_question(asked["text"])
        if float(_vector(earlier) @ probe) < ALREADY_ASKED_SIMILARITY:
            continue
        shared = cues.content_stems(earlier)
        smaller = min(len(words), len(shared))
        if not smaller or len(words & shared) * 2 >= smaller:
            return True
    return False


_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
_LEAD_IN = re.compile(
    r"^(?:about\s*:|(?:earlier\s+)?you said\s*[.,]|when you say(?: it)?\s*,)\s*", re.IGNORECASE
)


def core_question(text: str) -> str:
    """Strip quoted participant words and lead-ins, leaving what the question asks.

    Quotes dominate static embeddings, so two questions anchored on the same quote would
    otherwise look alike whatever they ask.
    """
    stripped = _QUOTED.sub(" ", text)
    stripped = _LEAD_IN.sub("", stripped.strip())
    return " ".join(stripped.split()) or text
