"""Server-sent events: the next question streamed as the interviewer produces it.

The turn runs in a worker thread (the interviewer and the store are synchronous). Text
pieces reach the event loop through a queue. The stream sends ``text`` events, then one
``prompt`` event with the whole prompt, or one ``failed`` event with an error body, and
ends. (An event named "error" would be confused with EventSource connection errors.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette.sse import EventSourceResponse

from elicitor.errors import ElicitorError
from elicitor.web.context import WebContext
from elicitor.web.errors import error_body
from elicitor.web.participation import current_prompt
from elicitor.web.schemas import PromptPublic

log = logging.getLogger(__name__)

PING_SECONDS = 15


async def turn_events(context: WebContext, session_id: str) -> AsyncIterator[dict[str, str]]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(kind: str, value: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

    def run() -> None:
        try:
            put(
                "prompt",
                current_prompt(context, session_id, on_text=lambda text: put("text", text)),
            )
        except ElicitorError as exc:
            log.info("streamed turn for session %s ended with %s", session_id, exc.code)
            put("error", error_body(exc.code, str(exc)))
        except Exception:
            # Deliberately broad: any failure ends the stream with a failed event, and the
            # stored answer stays owed a turn that the next read runs again.
            log.exception("streamed turn for session %s failed", session_id)
            put("error", error_body("internal_error", "the next question could not be made"))

    worker = loop.run_in_executor(None, run)
    streamed = False
    try:
        while True:
            kind, value = await queue.get()
            if kind == "text":
                streamed = True
                yield {"event": "text", "data": json.dumps({"text": value})}
                continue
            if kind == "prompt":
                if not streamed:
                    yield {"event": "text", "data": json.dumps({"text": value.text})}
                yield {"event": "prompt", "data": PromptPublic.of(value).model_dump_json()}
            else:
                yield {"event": "failed", "data": json.dumps(value)}
            break
    finally:
        await asyncio.shield(worker)


def turn_stream(context: WebContext, session_id: str) -> EventSourceResponse:
    return EventSourceResponse(
        turn_events(context, session_id),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
