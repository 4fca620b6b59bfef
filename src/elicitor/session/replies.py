"""Parse a participant's reply to a summary checkpoint or to the final review.

Accepted forms, one per line or separated by ';': ``ok``; ``2: only the quarterly report``
(replace point 2); ``drop 3``; ``3 is a guess`` / ``3 is an opinion`` / ``3 is a fact``
(relabel); and at the review ``sign`` or ``back``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_CONFIRM = re.compile(
    r"^(?:ok(?:ay)?|yes|yep|yeah|y|correct|right|fine|looks (?:good|right|fine)|all good|"
    r"confirm(?:ed)?|that's right|thats right|agreed?|good|lgtm|sure|all correct)[.! ]*$",
    re.IGNORECASE,
)
_SIGN = re.compile(
    r"^(?:sign(?:[ -]?off)?(?: it)?|i sign|approve|approved|done|finish)[.! ]*$", re.IGNORECASE
)
_BACK = re.compile(
    r"^(?:back|go back|continue|keep going|more|not yet|add more)[.! ]*$", re.IGNORECASE
)
_DROP = re.compile(
    r"^(?:drop|remove|delete|reject|strike)\s+(?:point\s+)?(\d+)[.! ]*$|"
    r"^(?:point\s+)?(\d+)\s+is\s+(?:wrong|false|not true|incorrect)[.! ]*$",
    re.IGNORECASE,
)
_RELABEL = re.compile(
    r"^(?:point\s+)?(\d+)\s+(?:is|was)\s+(?:just\s+|only\s+|really\s+)?(?:a|an)?\s*"
    r"(guess|assumption|hunch|belief|opinion|judg(?:e)?ment|view|fact)[.! ]*$",
    re.IGNORECASE,
)
_REPLACE = re.compile(r"^(?:point\s+)?(\d+)\s*[:=\-–]\s*(.+)$", re.IGNORECASE)
_KINDS = {
    "guess": "assumption",
    "assumption": "assumption",
    "hunch": "assumption",
    "belief": "assumption",
    "opinion": "judgment",
    "judgment": "judgment",
    "judgement": "judgment",
    "view": "judgment",
    "fact": "fact",
}


@dataclass
class Correction:
    point: int
    action: str  # "replace", "drop" or "relabel"
    value: str = ""


@dataclass
class ParsedReply:
    confirm: bool = False
    sign: bool = False
    back: bool = False
    corrections: list[Correction] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_COMMAND_START = re.compile(
    r"^\s*(?:drop|remove|delete|reject|strike|point)?\s*\d+\b", re.IGNORECASE
)


def _command_lines(text: str) -> list[str]:
    """Split on new lines and ';', and on commas when every part starts like a command
    ("drop 18, drop 19" or "2 is a guess, 3 is a fact")."""
    lines: list[str] = []
    for line in re.split(r"[\n;]+", text):
        parts = line.split(",")
        if len(parts) > 1 and all(_COMMAND_START.match(part) for part in parts):
            lines.extend(parts)
        else:
            lines.append(line)
    return lines


def parse_reply(text: str, *, point_count: int) -> ParsedReply:
    """Split ``text`` into commands; unparsed lines land in ``other`` as new information."""
    reply = ParsedReply()
    for raw in _command_lines(text):
        line = raw.strip()
        if not line:
            continue
        if _CONFIRM.match(line):
            reply.confirm = True
        elif _SIGN.match(line):
            reply.sign = True
        elif _BACK.match(line):
            reply.back = True
        elif match := _DROP.match(line):
            _add(reply, Correction(int(match.group(1) or match.group(2)), "drop"), point_count)
        elif match := _RELABEL.match(line):
            kind = _KINDS[match.group(2).lower()]
            _add(reply, Correction(int(match.group(1)), "relabel", kind), point_count)
        elif match := _REPLACE.match(line):
            _add(
                reply,
                Correction(int(match.group(1)), "replace", match.group(2).strip()),
                point_count,
            )
        else:
            reply.other.append(line)
    return reply


def _add(reply: ParsedReply, correction: Correction, point_count: int) -> None:
    if not 1 <= correction.point <= point_count:
        reply.errors.append(
            f"there is no point {correction.point}; points run from 1 to {point_count}"
        )
        return
    reply.corrections.append(correction)
