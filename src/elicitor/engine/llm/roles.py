"""The model-backed analyst and voice, with one retry on bad output and offline fallback.

Both roles build a bounded prompt, call a ``ChatClient``, check the reply and, when it is
unusable, send it back once with the reason. When the retry fails too, or the endpoint is
unavailable, the turn is handled by the offline analyst or voice and the returned meta records
``fallback: true`` with the error; the interview service turns that into an
``engine_fallback`` event. The shared policy decides every move in both cases.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from elicitor.briefing.model import Briefing
from elicitor.engine.analyst import Analysis, OfflineAnalyst
from elicitor.engine.llm import prompts
from elicitor.engine.llm.base import (
    CallMeta,
    ChatClient,
    ChatRequest,
    ChatResult,
    PhrasedText,
    estimate_tokens,
)
from elicitor.engine.llm.schema import (
    analysis_schema,
    load_reply,
    schema_for_version,
    to_analysis,
    validate_reply,
)
from elicitor.engine.policy import Move
from elicitor.engine.voice import OfflineVoice, count_questions
from elicitor.errors import ModelError, ModelOutputInvalid
from elicitor.session.events import canonical_json
from elicitor.session.state import SessionState

log = logging.getLogger(__name__)
exchange_log = logging.getLogger("elicitor.engine.llm.exchanges")

# The analyst's reply budget grows with the answer: a base plus three reply tokens per
# answer token, capped. It also stops a small model that loops inside a JSON grammar.
ANALYST_BASE_TOKENS = 300
ANALYST_MAX_TOKENS = 1500
VOICE_MAX_TOKENS = 160
VOICE_TEMPERATURE = 0.3
MAX_QUESTION_CHARS = 400
# How much of a rejected reply is sent back with the retry.
REPLY_ECHO_CHARS = 4000
# A reply that repeats this many words in a row from the voice's instructions is treated
# as leaking them.
LEAK_WORDS = 8
_ROLE_MARKER = re.compile(
    r"(?:^|\n)\s*(?:user|assistant|participant|interviewer|system)\s*:", re.IGNORECASE
)
# Quotes or brackets that may follow a question's final question mark.
_CLOSING = "\"'”’)] "
_LABEL = re.compile(r"^\s*(?:question|interviewer|q)\s*[:.-]\s*", re.IGNORECASE)
_request_numbers = itertools.count(1)


def _request_id(stage: str) -> str:
    return f"{stage}-{next(_request_numbers)}"


def _log_exchange(request: ChatRequest, reply: str, *, enabled: bool) -> None:
    """Log prompt and reply, which contain participant text, only when the operator asked."""
    if not enabled:
        return
    exchange_log.info(
        "model call %s (session %s) prompt:\n%s\nreply:\n%s",
        request.request_id,
        request.session_id,
        request.prompt_text(),
        reply,
    )


class ModelAnalyst:
    """Analyses answers with a model; the offline analyst takes over when the model fails."""

    def __init__(
        self,
        client: ChatClient,
        *,
        fallback: OfflineAnalyst | None = None,
        limits: prompts.ContextLimits = prompts.DEFAULT_LIMITS,
        log_exchanges: bool = False,
    ) -> None:
        self.client = client
        self.fallback = fallback or OfflineAnalyst()
        self.limits = limits
        self.log_exchanges = log_exchanges
        self.name = f"{client.provider}:{client.model}"
        version_schema = canonical_json(schema_for_version())
        self.prompt_version = prompts.template("analyst", schema=version_schema).version

    def analyze(
        self,
        text: str,
        *,
        briefing: Briefing,
        state: SessionState,
        answer_seq: int,
        question: dict[str, Any] | None,
    ) -> Analysis:
        started = time.perf_counter()
        meta = CallMeta("analyst", self.client.provider, self.client.model, self.prompt_version)
        log.info("session %s answer %s: analyst call started", state.session_id, answer_seq)
        try:
            analysis = self._with_model(
                text,
                briefing=briefing,
                state=state,
                answer_seq=answer_seq,
                question=question,
                meta=meta,
            )
        except ModelError as exc:
            log.warning(
                "session %s answer %s: analyst falls back to offline: %s",
                state.session_id,
                answer_seq,
                exc,
            )
            meta.fail(str(exc), retries=exc.retries)
            analysis = self.fallback.analyze(
                text, briefing=briefing, state=state, answer_seq=answer_seq, question=question
            )
        meta.latency_ms = (time.perf_counter() - started) * 1000
        analysis.meta = meta.to_dict()
        return analysis

    def _with_model(
        self,
        text: str,
        *,
        briefing: Briefing,
        state: SessionState,
        answer_seq: int,
        question: dict[str, Any] | None,
        meta: CallMeta,
    ) -> Analysis:
        topic_id = question.get("topic_id") if question else None
        shown = prompts.select_claims(state, topic_id=topic_id, limits=self.limits)
        schema = analysis_schema([t.id for t in briefing.topics], [c.id for c in shown])
        max_tokens = min(ANALYST_MAX_TOKENS, ANALYST_BASE_TOKENS + 3 * estimate_tokens(text))
        messages, _ = prompts.analyst_messages(
            text,
            briefing=briefing,
            state=state,
            answer_seq=answer_seq,
            question=question,
            schema=schema,
            limits=self.limits,
        )
        hints = {
            "answer": text,
            "question_topic_id": question.get("topic_id") if question else None,
        }
        for attempt in (1, 2):
            request = ChatRequest(
                "analyst",
                messages,
                max_tokens,
                schema=schema,
                session_id=state.session_id,
                request_id=_request_id("analyst"),
                hints=hints,
            )
            result = self.client.complete_json(request)
            meta.add(result)
            _log_exchange(request, result.text, enabled=self.log_exchanges)
            try:
                return self._check(result, text, briefing, state, answer_seq, question)
            except ModelOutputInvalid as exc:
                if attempt == 2:
                    raise
                meta.retries += 1
                log.warning(
                    "session %s answer %s: analyst call %s returned invalid output (%s); "
                    "retrying once",
                    state.session_id,
                    answer_seq,
                    request.request_id,
                    exc,
                )
                feedback = f"{exc.feedback} Reply again with the JSON object only."
                messages = retry_messages(messages, result.text, feedback)
        raise AssertionError("unreachable: the second attempt returns or raises")

    @staticmethod
    def _check(
        result: ChatResult,
        text: str,
        briefing: Briefing,
        state: SessionState,
        answer_seq: int,
        question: dict[str, Any] | None,
    ) -> Analysis:
        if result.finish_reason in ("length", "max_tokens"):
            raise ModelOutputInvalid(
                "the reply was cut off at the token limit",
                feedback="Your reply was cut off. Return fewer, shorter claims.",
            )
        data = load_reply(result.text)
        validate_reply(data)
        return to_analysis(
            data,
            answer=text,
            briefing=briefing,
            state=state,
            answer_seq=answer_seq,
            question=question,
        )


def check_question(text: str, *, instructions: str) -> str:
    """Return the cleaned question, or raise ModelOutputInvalid when it breaks a voice rule:
    empty, more or fewer than one question, too long, role-play, or quoting the rules."""
    cleaned = _LABEL.sub("", text.strip()).strip()
    if len(cleaned) >= 2 and cleaned[0] in '"“' and cleaned[-1] in '"”':
        cleaned = cleaned[1:-1].strip()
    if not cleaned:
        raise ModelOutputInvalid(
            "the question is empty", feedback="Your reply was empty. Write one question."
        )
    if _ROLE_MARKER.search(cleaned):
        raise ModelOutputInvalid(
            "the reply speaks for more than the interviewer (it has role labels)",
            feedback="Write only the interviewer's one question, with no role labels.",
        )
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise ModelOutputInvalid(
            f"the question has {len(cleaned)} characters; the limit is {MAX_QUESTION_CHARS}",
            feedback="Your question was too long. Ask it in at most 40 words.",
        )
    if not cleaned.rstrip(_CLOSING).endswith("?"):
        raise ModelOutputInvalid(
            "the reply does not end with its question",
            feedback="End your reply with the question mark of your one question; add nothing "
            "after it.",
        )
    asked = count_questions(cleaned)
    if asked != 1:
        raise ModelOutputInvalid(
            f"the reply asks {asked} questions instead of one",
            feedback=f"Your reply asked {asked} questions. Ask exactly one question.",
        )
    if _repeats_instructions(cleaned, instructions):
        raise ModelOutputInvalid(
            "the reply repeats the interviewer's instructions",
            feedback="Do not repeat your instructions. Ask the planned question.",
        )
    return cleaned


def _repeats_instructions(text: str, instructions: str) -> bool:
    words = re.findall(r"[a-z']+", instructions.lower())
    spans = {" ".join(words[i : i + LEAK_WORDS]) for i in range(len(words) - LEAK_WORDS + 1)}
    said = re.findall(r"[a-z']+", text.lower())
    return any(
        " ".join(said[i : i + LEAK_WORDS]) in spans for i in range(len(said) - LEAK_WORDS + 1)
    )


class ModelVoice:
    """Phrases moves with a model; the offline voice's text is used when the model fails.

    The reply is streamed from the endpoint, checked, and only then passed to ``on_text``
    in the pieces it arrived in, so a participant never sees a question that failed the
    one-question rule.
    """

    def __init__(
        self,
        client: ChatClient,
        *,
        fallback: OfflineVoice | None = None,
        limits: prompts.ContextLimits = prompts.DEFAULT_LIMITS,
        log_exchanges: bool = False,
    ) -> None:
        self.client = client
        self.fallback = fallback or OfflineVoice()
        self.limits = limits
        self.log_exchanges = log_exchanges
        self.name = f"{client.provider}:{client.model}"
        self.prompt_version = prompts.template("voice").version

    def phrase(
        self,
        move: Move,
        *,
        briefing: Briefing,
        state: SessionState,
        on_text: Callable[[str], None] | None = None,
    ) -> str:
        started = time.perf_counter()
        meta = CallMeta("voice", self.client.provider, self.client.model, self.prompt_version)
        draft = self._draft(move, briefing, state)
        log.info("session %s: voice call started for move %s", state.session_id, move.name)
        try:
            text, pieces = self._with_model(move, briefing, state, draft, meta)
        except ModelError as exc:
            log.warning(
                "session %s: voice falls back to offline for move %s: %s",
                state.session_id,
                move.name,
                exc,
            )
            meta.fail(str(exc), retries=exc.retries)
            text = draft or self.fallback.phrase(move, briefing=briefing, state=state)
            pieces = [text]
        if on_text is not None:
            for piece in pieces:
                on_text(piece)
        meta.latency_ms = (time.perf_counter() - started) * 1000
        return PhrasedText(text, meta.to_dict())

    def _draft(self, move: Move, briefing: Briefing, state: SessionState) -> str:
        try:
            return self.fallback.phrase(move, briefing=briefing, state=state)
        except ValueError:
            # The offline voice has no pattern for this move; the model phrases it alone.
            return ""

    def _with_model(
        self, move: Move, briefing: Briefing, state: SessionState, draft: str, meta: CallMeta
    ) -> tuple[str, list[str]]:
        messages, _ = prompts.voice_messages(
            move, briefing=briefing, state=state, draft=draft, limits=self.limits
        )
        instructions = messages[0]["content"]
        for attempt in (1, 2):
            request = ChatRequest(
                "voice",
                messages,
                VOICE_MAX_TOKENS,
                temperature=VOICE_TEMPERATURE,
                session_id=state.session_id,
                request_id=_request_id("voice"),
                hints={"draft": draft, "move": move.name},
            )
            pieces: list[str] = []
            try:
                result = self.client.stream_text(request, pieces.append)
                meta.add(result)
                _log_exchange(request, result.text, enabled=self.log_exchanges)
                text = check_question(result.text, instructions=instructions)
                return text, _replay_pieces(pieces, text)
            except ModelOutputInvalid as exc:
                if attempt == 2:
                    raise
                meta.retries += 1
                log.warning(
                    "session %s: voice call %s returned an unusable question (%s); retrying once",
                    state.session_id,
                    request.request_id,
                    exc,
                )
                messages = retry_messages(messages, "".join(pieces), exc.feedback)
        raise AssertionError("unreachable: the second attempt returns or raises")


def retry_messages(
    messages: list[dict[str, str]], reply: str, feedback: str
) -> list[dict[str, str]]:
    """Return the first prompt followed by the rejected reply and the reason it failed."""
    return [
        *messages[:2],
        {"role": "assistant", "content": reply[:REPLY_ECHO_CHARS]},
        {"role": "user", "content": feedback},
    ]


def _replay_pieces(pieces: list[str], text: str) -> list[str]:
    """Return the streamed pieces without outer whitespace when they spell the cleaned
    text (up to whitespace), else the text as one piece."""
    if " ".join("".join(pieces).split()) != text:
        return [text]
    kept: list[str] = []
    for piece in pieces:
        if not kept:
            piece = piece.lstrip()
            if not piece:
                continue
        kept.append(piece)
    while kept and not kept[-1].strip():
        kept.pop()
    if not kept:
        return [text]
    kept[-1] = kept[-1].rstrip()
    return kept
