"""The interview service: one turn at a time, on top of the store and the engine.

Every participant answer is committed as its own event before any analysis runs. The turn
that follows (claims, corrections, the next question) is committed in a second
transaction, guarded by the sequence number, so a crash between the two loses nothing:
``current`` notices an answer without a reply and runs that turn again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from elicitor.artifact.build import build_artifact, content_hash, format_points, summary_points
from elicitor.artifact.model import Artifact
from elicitor.briefing.model import Briefing
from elicitor.engine.analyst import OfflineAnalyst
from elicitor.engine.policy import FOLLOW_UP_MOVES, Move, Policy, topic_of_question
from elicitor.engine.quantities import find_quantities
from elicitor.engine.registry import Engine, load_engine
from elicitor.errors import Conflict, InvalidInput, TooLarge
from elicitor.session.events import EventType, PendingEvent, seal
from elicitor.session.replies import ParsedReply, parse_reply
from elicitor.session.state import Prompt, SessionState
from elicitor.settings import default_engine_spec
from elicitor.store.store import BriefingRecord, Store

log = logging.getLogger(__name__)

DEFAULT_MAX_ANSWER_CHARS = 8000
# A non-answer to these moves leaves a gap worth listing in the artifact; "I don't know" to
# "what else can you tell me?" only means there is nothing more.
LISTED_UNKNOWN_MOVES = frozenset(
    {
        "opening",
        "open_topic",
        "probe",
        "pin_down",
        "ask_detail",
        "ask_when",
        "ask_why",
        "check_assumption",
        "ask_rationale",
    }
)
REVIEW_HELP = (
    "Reply 'sign' to sign it off, correct points by number ('2: only the quarterly report', "
    "'drop 3', '3 is a guess'), or 'back' to keep going."
)
SUMMARY_HELP = (
    "Reply 'ok' if this is right, or correct points by number ('2: only the quarterly "
    "report', 'drop 3', '3 is a guess')."
)


TextSink = Callable[[str], None]


@dataclass
class Submitted:
    """A stored answer: its event number, and the earlier reply when it was a retry."""

    answer_seq: int
    replay: Prompt | None = None
    duplicate: bool = False


@dataclass
class Loaded:
    state: SessionState
    briefing: BriefingRecord
    notices: list[str] = field(default_factory=list)
    # Set when a checkpoint reply changed points, so the checkpoint is shown again.
    reshow_summary: bool = False


def _topic_asked_by(briefing: Briefing, text: str) -> str | None:
    """Return the topic whose own question is exactly ``text``."""
    return next((t.id for t in briefing.topics if t.question.strip() == text.strip()), None)


class Interviewer:
    """Runs interviews against one store. Safe to share between threads."""

    def __init__(
        self,
        store: Store,
        *,
        policy: Policy | None = None,
        max_answer_chars: int = DEFAULT_MAX_ANSWER_CHARS,
        engine: Engine | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or Policy()
        self.max_answer_chars = max_answer_chars
        self._engine = engine
        self._engines: dict[str, Engine] = {}

    # -- reading ---------------------------------------------------------------------------

    def load(self, session_id: str) -> Loaded:
        record = self.store.get_session(session_id)
        events = self.store.load_events(session_id)
        state = SessionState.from_events(session_id, events)
        return Loaded(state, self.store.get_briefing(record.briefing_pk))

    def engine_for(self, spec: str) -> Engine:
        if self._engine is not None:
            return self._engine
        if spec not in self._engines:
            self._engines[spec] = load_engine(spec)
        return self._engines[spec]

    def artifact(self, session_id: str) -> Artifact:
        loaded = self.load(session_id)
        return build_artifact(
            loaded.state, loaded.briefing.briefing, version=loaded.briefing.version
        )

    # -- starting and resuming -------------------------------------------------------------

    def start(
        self,
        briefing: BriefingRecord,
        *,
        participant: str = "",
        engine: str | None = None,
        link_id: str | None = None,
    ) -> tuple[str, Prompt]:
        """Create a session and ask the briefing's opening question."""
        # Model backends: the briefing's engine wins, then the server default (ELICITOR_ENGINE).
        spec = engine or briefing.briefing.engine or default_engine_spec()
        chosen = self.engine_for(spec)
        opening = PendingEvent(
            EventType.QUESTION_ASKED,
            {
                "kind": "question",
                "text": briefing.briefing.opening_question,
                "move": "opening",
                "reason": "every interview starts with the briefing's opening question",
                # A briefing may open with one topic's own question (the second round does).
                "topic_id": _topic_asked_by(briefing.briefing, briefing.briefing.opening_question),
                "angle": "opening",
                "engine": chosen.describe(),
            },
        )
        record, events = self.store.create_session(
            briefing, participant=participant, engine=spec, link_id=link_id, first_events=[opening]
        )
        log.info(
            "session %s started on briefing %s v%s", record.id, briefing.slug, briefing.version
        )
        state = SessionState.from_events(record.id, events)
        assert state.pending is not None
        return record.id, state.pending

    def current(self, session_id: str, *, on_text: TextSink | None = None) -> Prompt:
        """Return what the participant should see now, running a turn still owed first.

        ``on_text`` receives the next question's text as it is produced (in pieces when the
        voice streams); it is not called when the prompt already existed.
        """
        loaded = self.load(session_id)
        state = loaded.state
        if state.status == "signed_off":
            return self._done_prompt(state)
        if state.pending is not None:
            return state.pending
        last = state.last_answer()
        if last is None:
            raise Conflict(f"session {session_id} has no question to answer; start a new session")
        return self._run_turn(loaded, last, on_text=on_text)

    def pause(self, session_id: str) -> None:
        loaded = self.load(session_id)
        state = loaded.state
        if state.status in ("paused", "signed_off"):
            return
        self.store.append(
            session_id,
            [PendingEvent(EventType.PAUSED, {})],
            expected_seq=state.last_seq,
            prev_hash=state.last_hash,
            status="paused",
        )
        log.info("session %s paused", session_id)

    def resume(self, session_id: str) -> Prompt:
        """Resume a paused session; the prompt carries a greeting saying where we left off."""
        loaded = self.load(session_id)
        state = loaded.state
        if state.status == "signed_off":
            return self._done_prompt(state)
        if state.status == "paused":
            self.store.append(
                session_id,
                [PendingEvent(EventType.RESUMED, {})],
                expected_seq=state.last_seq,
                prev_hash=state.last_hash,
                status=_status_after_resume(state),
            )
            log.info("session %s resumed", session_id)
        prompt = self.current(session_id)
        prompt.greeting = self._greeting(self.load(session_id))
        return prompt

    # -- answering -------------------------------------------------------------------------

    def answer(
        self,
        session_id: str,
        text: str,
        *,
        message_id: str | None = None,
        expected_seq: int | None = None,
        on_text: TextSink | None = None,
    ) -> Prompt:
        """Store the answer, then run the turn and return the next prompt."""
        submitted = self.submit_answer(
            session_id, text, message_id=message_id, expected_seq=expected_seq
        )
        if submitted.replay is not None:
            return submitted.replay
        return self.current(session_id, on_text=on_text)

    def submit_answer(
        self,
        session_id: str,
        text: str,
        *,
        message_id: str | None = None,
        expected_seq: int | None = None,
    ) -> Submitted:
        """Validate and commit the answer as its own event; run nothing else.

        A retry with the same ``message_id`` stores nothing and returns the prompt that
        followed the first delivery (``replay``) once that turn has run.
        """
        cleaned = text.strip()
        if not cleaned:
            raise InvalidInput(
                "the answer is empty; type an answer, or 'skip' to skip the question"
            )
        if len(text) > self.max_answer_chars:
            raise TooLarge(
                f"the answer has {len(text)} characters; the limit is {self.max_answer_chars}. "
                "Split it into several answers."
            )
        loaded = self.load(session_id)
        state = loaded.state
        if message_id and message_id in state.message_ids:
            answer_seq = state.message_ids[message_id]
            replay = self._prompt_after(loaded, answer_seq) if state.pending else None
            return Submitted(answer_seq, replay=replay, duplicate=True)
        if expected_seq is not None and expected_seq != state.last_seq:
            raise Conflict(
                f"session {session_id} has moved on (event {state.last_seq}, you sent "
                f"{expected_seq}); reload to see the current question"
            )
        if state.status == "signed_off":
            raise Conflict(f"session {session_id} is already signed off; it cannot take answers")
        if state.pending is None:
            # An earlier turn was interrupted: finish it before taking a new answer.
            self.current(session_id)
            loaded = self.load(session_id)
            state = loaded.state
        pending: list[PendingEvent] = []
        if state.status == "paused":
            pending.append(PendingEvent(EventType.RESUMED, {}))
        question_seq = state.pending.seq if state.pending else None
        pending.append(
            PendingEvent(
                EventType.ANSWER_RECEIVED,
                {"text": cleaned, "question_seq": question_seq, "message_id": message_id},
            )
        )
        stored = self.store.append(
            session_id,
            pending,
            expected_seq=state.last_seq,
            prev_hash=state.last_hash,
            status="in_progress",
        )
        return Submitted(stored[-1].seq)

    # -- editing claims outside a checkpoint (the web side panel) --------------------------

    def edit_claim(self, session_id: str, claim_id: str, action: str, value: str = "") -> None:
        """Apply 'confirm', 'correct', 'relabel' or 'reject' to one claim."""
        loaded = self.load(session_id)
        state = loaded.state
        claim = state.claims.get(claim_id)
        if claim is None or not claim.active:
            raise InvalidInput(f"claim {claim_id!r} does not exist in session {session_id}")
        if state.status == "signed_off":
            raise Conflict(f"session {session_id} is signed off; its claims can no longer change")
        event = self._claim_event(claim_id, action, value)
        self.store.append(
            session_id, [event], expected_seq=state.last_seq, prev_hash=state.last_hash
        )

    @staticmethod
    def _claim_event(claim_id: str, action: str, value: str) -> PendingEvent:
        if action == "confirm":
            return PendingEvent(EventType.CLAIM_CONFIRMED, {"claim_id": claim_id})
        if action == "reject":
            return PendingEvent(EventType.CLAIM_REJECTED, {"claim_id": claim_id, "reason": value})
        if action == "relabel":
            if value not in ("fact", "judgment", "assumption"):
                raise InvalidInput(f"kind {value!r} is not valid; use fact, judgment or assumption")
            return PendingEvent(EventType.CLAIM_RELABELLED, {"claim_id": claim_id, "kind": value})
        if action == "correct":
            text = value.strip()
            if not text:
                raise InvalidInput("the corrected text is empty; type the claim as it should read")
            quantities = [q.to_dict() for q in find_quantities(text)]
            return PendingEvent(
                EventType.CLAIM_CORRECTED,
                {"claim_id": claim_id, "text": text, "quantities": quantities},
            )
        raise InvalidInput(
            f"action {action!r} is not valid; use confirm, correct, relabel or reject"
        )

    # -- the turn --------------------------------------------------------------------------

    def _run_turn(
        self, loaded: Loaded, answer: dict[str, object], *, on_text: TextSink | None = None
    ) -> Prompt:
        state = loaded.state
        briefing = loaded.briefing.briefing
        engine = self.engine_for(state.engine)
        question = state.question(answer["question_seq"]) if answer.get("question_seq") else None  # type: ignore[arg-type]
        kind = question["kind"] if question else "question"
        started = time.perf_counter()
        events: list[PendingEvent] = []
        if kind == "review":
            outcome = self._review_reply(loaded, answer, question or {})
            if outcome is not None:
                return outcome
            events.extend(self._reply_events(loaded, answer, question or {}))
        elif kind == "summary":
            events.extend(self._reply_events(loaded, answer, question or {}))
        else:
            events.extend(self._answer_events(loaded, answer, question, engine))
        preview = _preview(state, events)
        move = self.policy.next_move(briefing, preview)
        if loaded.reshow_summary and move.name != "raise_contradiction":
            move = Move(
                "summarize",
                "the participant corrected the checkpoint; it is shown again to confirm",
                angle=f"summary-again:{answer['seq']}",
            )
        events.extend(self._prompt_events(move, preview, briefing, engine, on_text=on_text))
        if loaded.notices:
            events[-1].payload["notice"] = " ".join(loaded.notices)
        elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
        events[-1].payload["engine_ms"] = elapsed_ms
        stored = self.store.append(
            state.session_id,
            events,
            expected_seq=state.last_seq,
            prev_hash=state.last_hash,
            status="awaiting_signoff" if move.name == "wrap_up" else "in_progress",
        )
        for event in stored:
            state.apply(event)
        assert state.pending is not None
        prompt = state.pending
        prompt.notice = " ".join(
            n for n in (prompt.notice, self._budget_notice(state, briefing)) if n
        )
        return prompt

    def _answer_events(
        self,
        loaded: Loaded,
        answer: dict[str, object],
        question: dict[str, object] | None,
        engine: Engine,
    ) -> list[PendingEvent]:
        state = loaded.state
        analysis = engine.analyst.analyze(
            str(answer["text"]),
            briefing=loaded.briefing.briefing,
            state=state,
            answer_seq=int(answer["seq"]),  # type: ignore[call-overload]
            question=question,  # type: ignore[arg-type]
        )
        # --- model backends: trace what the analyst call cost and whether it fell back ---
        analyst_meta = getattr(analysis, "meta", None)
        events: list[PendingEvent] = _fallback_events("analyst", analyst_meta)
        # --- end of model backends ---
        if analysis.non_answer:
            unknown = {
                "reason": analysis.non_answer,
                "topic_id": question.get("topic_id") if question else None,
                "question_seq": question.get("seq") if question else None,
                "question": question.get("text") if question else "",
                "answer_seq": answer["seq"],
                "listed": bool(question)
                and question.get("move") in LISTED_UNKNOWN_MOVES
                and analysis.non_answer != "nothing_more",
            }
            if analyst_meta is not None:
                unknown["meta"] = analyst_meta
            events.append(PendingEvent(EventType.UNKNOWN_RECORDED, unknown))
        else:
            payload = analysis.to_payload()
            payload["answer_seq"] = answer["seq"]
            payload["analyst"] = engine.analyst.name
            events.append(PendingEvent(EventType.CLAIMS_EXTRACTED, payload))
        if question and question.get("move") == "raise_contradiction" and not analysis.non_answer:
            contradiction_id = str(question.get("angle", "")).split(":", 1)[-1]
            if contradiction_id in state.contradictions:
                events.append(
                    PendingEvent(
                        EventType.CONTRADICTION_RESOLVED,
                        {
                            "id": contradiction_id,
                            "resolution": str(answer["text"])[:500],
                            "answer_seq": answer["seq"],
                        },
                    )
                )
        return events

    def _reply_events(
        self, loaded: Loaded, answer: dict[str, object], question: dict[str, object]
    ) -> list[PendingEvent]:
        """Turn a reply to a checkpoint or review into claim events."""
        points = list(question.get("points", []))  # type: ignore[call-overload]
        reply = parse_reply(str(answer["text"]), point_count=len(points))
        events = self._correction_events(reply, points)
        loaded.notices.extend(f"Not applied: {error}." for error in reply.errors)
        changed = bool(reply.corrections or reply.errors)
        loaded.reshow_summary = changed and not reply.confirm and question.get("kind") == "summary"
        if reply.other:
            extra = dict(answer)
            extra["text"] = " ".join(reply.other)
            events.extend(
                self._answer_events(loaded, extra, None, self.engine_for(loaded.state.engine))
            )
        touched = {points[c.point - 1]["claim_id"] for c in reply.corrections}
        if reply.confirm or reply.sign or (not reply.other and not reply.errors):
            confirmed = [p["claim_id"] for p in points if p["claim_id"] not in touched]
            events.append(PendingEvent(EventType.SUMMARY_CONFIRMED, {"claim_ids": confirmed}))
        return events

    @staticmethod
    def _correction_events(
        reply: ParsedReply, points: list[dict[str, object]]
    ) -> list[PendingEvent]:
        events = []
        for correction in reply.corrections:
            claim_id = str(points[correction.point - 1]["claim_id"])
            action = {"drop": "reject", "replace": "correct", "relabel": "relabel"}[
                correction.action
            ]
            events.append(Interviewer._claim_event(claim_id, action, correction.value))
        return events

    def _review_reply(
        self, loaded: Loaded, answer: dict[str, object], question: dict[str, object]
    ) -> Prompt | None:
        """Handle 'sign' and 'back' at the review; return None for corrections or new text."""
        state = loaded.state
        points = list(question.get("points", []))  # type: ignore[call-overload]
        reply = parse_reply(str(answer["text"]), point_count=len(points))
        if reply.corrections or reply.other or reply.errors:
            return None
        if reply.back:
            number = sum(1 for q in state.questions if q.get("move") == "invite_more") + 1
            events = [
                PendingEvent(EventType.REVIEW_REOPENED, {}),
                PendingEvent(
                    EventType.QUESTION_ASKED,
                    {
                        "kind": "question",
                        "text": "What would you like to add or change?",
                        "move": "invite_more",
                        "reason": "the participant chose to keep going",
                        "topic_id": None,
                        "angle": f"reopen:{number}",
                    },
                ),
            ]
            stored = self.store.append(
                state.session_id,
                events,
                expected_seq=state.last_seq,
                prev_hash=state.last_hash,
                status="in_progress",
            )
            for event in stored:
                state.apply(event)
            assert state.pending is not None
            return state.pending
        if reply.sign or reply.confirm:
            return self._sign(loaded, signer=state.participant or "participant")
        return None

    def sign_off(self, session_id: str, *, signer: str) -> Prompt:
        loaded = self.load(session_id)
        if loaded.state.status == "signed_off":
            raise Conflict(f"session {session_id} is already signed off")
        if loaded.state.status != "awaiting_signoff":
            raise Conflict(
                f"session {session_id} is not at the review yet; finish the interview first"
            )
        return self._sign(loaded, signer=signer)

    def _sign(self, loaded: Loaded, *, signer: str) -> Prompt:
        state = loaded.state
        confirm = PendingEvent(
            EventType.SUMMARY_CONFIRMED,
            {"claim_ids": [c.id for c in state.active_claims() if c.status == "proposed"]},
        )
        preview = _preview(state, [confirm])
        artifact = build_artifact(
            preview, loaded.briefing.briefing, version=loaded.briefing.version
        )
        digest = content_hash(artifact)
        signed = PendingEvent(EventType.SIGNED_OFF, {"signer": signer, "content_hash": digest})
        stored = self.store.append(
            state.session_id,
            [confirm, signed],
            expected_seq=state.last_seq,
            prev_hash=state.last_hash,
            status="signed_off",
        )
        for event in stored:
            state.apply(event)
        log.info("session %s signed off", state.session_id)
        return self._done_prompt(state)

    def _prompt_events(
        self,
        move: Move,
        state: SessionState,
        briefing: Briefing,
        engine: Engine,
        *,
        on_text: TextSink | None = None,
    ) -> list[PendingEvent]:
        base = {
            "move": move.name,
            "reason": move.reason,
            "topic_id": move.topic_id,
            "angle": move.angle,
            "claim_ids": list(move.claim_ids),
            "engine": engine.describe(),
        }
        if move.name in ("summarize", "wrap_up"):
            points = summary_points(state, briefing)
            listing = format_points(points, state, briefing)
            if move.name == "summarize":
                text = f"Here is what I have understood so far:\n{listing}\n{SUMMARY_HELP}"
                return [
                    PendingEvent(
                        EventType.SUMMARY_PROPOSED,
                        base | {"kind": "summary", "text": text, "points": points},
                    )
                ]
            text = f"Here is everything I recorded:\n{listing}\n{REVIEW_HELP}"
            return [
                PendingEvent(
                    EventType.REVIEW_PROPOSED,
                    base | {"kind": "review", "text": text, "points": points},
                )
            ]
        text = engine.voice.phrase(move, briefing=briefing, state=state, on_text=on_text)
        # --- model backends: a model voice returns a str carrying the call's meta ---
        voice_meta = getattr(text, "meta", None)
        events = _fallback_events("voice", voice_meta)
        question = base | {"kind": "question", "text": str(text)}
        if move.name in FOLLOW_UP_MOVES:
            question["topic_id"] = topic_of_question(str(text), briefing) or move.topic_id
        if voice_meta is not None:
            question["meta"] = voice_meta
        events.append(PendingEvent(EventType.QUESTION_ASKED, question))
        question_seq = state.last_seq + len(events)
        # --- end of model backends ---
        if move.contradiction_id:
            events.append(
                PendingEvent(
                    EventType.CONTRADICTION_RAISED,
                    {"id": move.contradiction_id, "question_seq": question_seq},
                )
            )
        return events

    # -- helpers ---------------------------------------------------------------------------

    def _prompt_after(self, loaded: Loaded, answer_seq: int) -> Prompt:
        for question in loaded.state.questions:
            if question["seq"] > answer_seq:
                return Prompt(
                    kind=question["kind"],
                    text=question["text"],
                    seq=question["seq"],
                    move=question["move"],
                    reason=question["reason"],
                    topic_id=question["topic_id"],
                    points=question["points"],
                )
        return self.current(loaded.state.session_id)

    def _done_prompt(self, state: SessionState) -> Prompt:
        when = state.signed_off["at"] if state.signed_off else ""
        return Prompt(kind="done", text=f"Signed off {when}. Thank you.", seq=state.last_seq)

    def _greeting(self, loaded: Loaded) -> str:
        state = loaded.state
        titles = {t.id: t.title for t in loaded.briefing.briefing.topics}
        covered = [titles[t] for t in titles if any(c.topic_id == t for c in state.active_claims())]
        done = ", ".join(covered) if covered else "nothing recorded yet"
        return (
            f"Welcome back. You have answered {len(state.answers)} questions so far and we "
            f"have covered: {done}. Here is where we stopped."
        )

    def _budget_notice(self, state: SessionState, briefing: Briefing) -> str:
        budget = briefing.time_budget_minutes * 60
        if state.participant_seconds < budget:
            return ""
        return (
            f"You have spent the {briefing.time_budget_minutes} minutes this interview was "
            "planned for. You can pause now and come back later, or keep going."
        )


def _preview(state: SessionState, events: list[PendingEvent]) -> SessionState:
    """Return a copy of ``state`` with ``events`` applied, for the policy to look at."""
    import copy

    preview = copy.deepcopy(state)
    prev = state.last_hash
    for offset, pending in enumerate(events, start=1):
        sealed = seal(
            PendingEvent(pending.type, dict(pending.payload)),
            seq=state.last_seq + offset,
            prev_hash=prev,
        )
        preview.apply(sealed)
        prev = sealed.hash
    return preview


# --- model backends ---------------------------------------------------------------------


def _fallback_events(stage: str, meta: dict[str, object] | None) -> list[PendingEvent]:
    """Return an engine_fallback event when a model call's meta says it fell back."""
    if not meta or not meta.get("fallback"):
        return []
    payload = {
        "stage": stage,
        "error": meta.get("error"),
        "backend": meta.get("backend"),
        "model": meta.get("model"),
    }
    return [PendingEvent(EventType.ENGINE_FALLBACK, payload)]


# --- end of model backends ---------------------------------------------------------------


def _status_after_resume(state: SessionState) -> str:
    if state.pending is not None and state.pending.kind == "review":
        return "awaiting_signoff"
    return "in_progress"


__all__ = ["Interviewer", "OfflineAnalyst"]
