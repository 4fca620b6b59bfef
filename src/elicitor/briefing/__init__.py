"""Briefings: what a requester wants to learn, as versioned YAML checked by a JSON Schema."""

from elicitor.briefing.loader import (
    load_briefing_file,
    load_template,
    parse_briefing,
    template_names,
)
from elicitor.briefing.model import Briefing, Topic

__all__ = [
    "Briefing",
    "Topic",
    "load_briefing_file",
    "load_template",
    "parse_briefing",
    "template_names",
]
