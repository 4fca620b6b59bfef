"""Helpers for the model backend tests: a scripted HTTP server on 127.0.0.1 and reply builders.

``MisbehavingServer`` is a plain asyncio server, so a test controls every byte: status,
headers, a streamed body, and a connection cut in the middle of a stream. It sends the
queued replies in order and records each request it received.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from elicitor.briefing.model import Briefing, Topic

REQUEST_LIMIT = 200


@dataclass
class Reply:
    """One scripted HTTP reply. ``events`` makes it a server-sent event stream; with
    ``cut_after`` the connection closes after that many events, mid-body."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[str] | None = None
    cut_after: int | None = None


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class MisbehavingServer:
    """A scripted HTTP/1.1 server on 127.0.0.1 running in its own thread."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Received] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> MisbehavingServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the scripted server did not start within 10 s")
        return self

    def stop(self) -> None:
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def open_server() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(open_server())
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            body = json.loads(raw) if raw else None
            if len(self.requests) >= REQUEST_LIMIT:
                raise RuntimeError("the scripted server received too many requests")
            self.requests.append(Received(method, path, headers, body))
            reply = self.replies.popleft() if self.replies else Reply(500, {"error": "no reply"})
            await self._send(writer, reply)
        finally:
            writer.close()

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, reply: Reply) -> None:
        headers = dict(reply.headers)
        if reply.events is None:
            payload = (
                json.dumps(reply.body).encode() if not isinstance(reply.body, bytes) else reply.body
            )
            headers.setdefault("content-type", "application/json")
            headers["content-length"] = str(len(payload))
        else:
            headers["content-type"] = "text/event-stream"
            headers["transfer-encoding"] = "chunked"
        head = f"HTTP/1.1 {reply.status} X\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()
        )
        writer.write((head + "connection: close\r\n\r\n").encode())
        if reply.events is None:
            writer.write(payload)
            await writer.drain()
            return
        for number, event in enumerate(reply.events):
            if reply.cut_after is not None and number >= reply.cut_after:
                await writer.drain()
                return  # closing now leaves the chunked body unfinished
            data = (event + "\n\n").encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()


# --- reply builders -----------------------------------------------------------------------


def chat_json(content: str, *, prompt_tokens: int = 120, completion_tokens: int = 30) -> Reply:
    """An OpenAI chat completion whose message content is ``content``."""
    return Reply(
        body={
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": "test-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def chat_stream(text: str, *, cut_after: int | None = None) -> Reply:
    """An OpenAI streamed chat completion of ``text``, one chunk per word."""
    words = text.split(" ")
    pieces = [w + " " for w in words[:-1]] + [words[-1]]
    events = []
    for piece in pieces:
        chunk = {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
        }
        events.append("data: " + json.dumps(chunk))
    last = {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    usage = {
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {"prompt_tokens": 90, "completion_tokens": len(pieces)},
    }
    events += ["data: " + json.dumps(last), "data: " + json.dumps(usage), "data: [DONE]"]
    return Reply(events=events, cut_after=cut_after)


def analysis_json(
    *claims: dict[str, Any], contradictions: list[dict[str, Any]] | None = None
) -> str:
    body: dict[str, Any] = {"non_answer": None, "claims": list(claims), "covered_topics": []}
    if contradictions is not None:
        body["contradictions"] = contradictions
    return json.dumps(body)


def claim(text: str, kind: str = "fact", topic_id: str | None = None) -> dict[str, Any]:
    return {
        "text": text,
        "kind": kind,
        "topic_id": topic_id,
        "quantities": [],
        "vague_terms": [],
        "hedges": [],
        "is_example": False,
        "negated": False,
        "generalization": False,
    }


def small_briefing(**changes: Any) -> Briefing:
    """A two-topic briefing that keeps interviews short."""
    values: dict[str, Any] = {
        "id": "export-bug",
        "title": "Export bug",
        "goal": "Learn what happens when the export fails and how to reproduce it.",
        "audience": "A user who reported the problem.",
        "opening_question": "What went wrong with the export?",
        "private_notes": "Requester only: probably the same sync bug as last week.",
        "topics": [
            Topic(
                id="symptom",
                title="Symptom",
                description="What the person saw.",
                question="What exactly did you see when it failed?",
                keywords=["error", "spinner"],
            ),
            Topic(
                id="environment",
                title="Environment",
                description="Operating system and version.",
                question="Which version and operating system do you use?",
                required=False,
                keywords=["windows", "version"],
            ),
        ],
    }
    values.update(changes)
    return Briefing(**values)
