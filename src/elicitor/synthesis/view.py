"""A synthesis arranged for reading: the who-says-what matrix and the disagreement heat map.

Shared by the Markdown and HTML exports and the requester's web page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from elicitor.synthesis.model import (
    Disagreement,
    Participant,
    Point,
    Statement,
    Synthesis,
    TopicRef,
)

OTHER_TOPIC = TopicRef(id="other", title="Other")
# Heat map cells are coloured by disagreement count: 0, 1, 2, 3 or more.
HEAT_LEVELS = 3
KIND_WORDS = {
    "time": "different times",
    "number": "different values",
    "polarity": "affirmed and denied",
    "sequence": "opposite order",
    "account": "different remedies",
}


@dataclass
class MatrixRow:
    point: Point
    cells: list[list[Statement]]
    disagreements: list[str]


@dataclass
class TopicBlock:
    topic: TopicRef
    rows: list[MatrixRow] = field(default_factory=list)


@dataclass
class HeatRow:
    participant: Participant
    counts: list[int]

    def level(self, count: int) -> int:
        return min(count, HEAT_LEVELS)


@dataclass
class SynthesisView:
    synthesis: Synthesis
    labels: dict[str, str]
    blocks: list[TopicBlock]
    heat_topics: list[TopicRef]
    heat_rows: list[HeatRow]
    counts: dict[str, int]

    @property
    def participants(self) -> list[Participant]:
        return self.synthesis.participants

    @property
    def disagreements(self) -> list[Disagreement]:
        return self.synthesis.disagreements

    def topic_title(self, topic_id: str | None) -> str:
        for block in self.blocks:
            if block.topic.id == topic_id:
                return block.topic.title
        for topic in self.synthesis.topics:
            if topic.id == topic_id:
                return topic.title
        return OTHER_TOPIC.title


def build_view(synthesis: Synthesis) -> SynthesisView:
    """Arrange a synthesis into topic blocks, heat map rows and summary counts."""
    keys = [p.key for p in synthesis.participants]
    by_point: dict[str, list[str]] = {}
    for disagreement in synthesis.disagreements:
        for point_id in disagreement.points:
            by_point.setdefault(point_id, []).append(disagreement.id)
    topics = {t.id: t for t in synthesis.topics}
    blocks: dict[str, TopicBlock] = {}
    for point in synthesis.points:
        topic = topics.get(point.topic_id or "", OTHER_TOPIC)
        block = blocks.setdefault(topic.id, TopicBlock(topic))
        cells = [[s for s in point.statements if s.participant == key] for key in keys]
        block.rows.append(MatrixRow(point, cells, by_point.get(point.id, [])))
    heat_topics = [t for t in synthesis.topics if t.id in blocks]
    if OTHER_TOPIC.id in blocks:
        heat_topics.append(OTHER_TOPIC)
    return SynthesisView(
        synthesis=synthesis,
        labels={p.key: p.label for p in synthesis.participants},
        blocks=list(blocks.values()),
        heat_topics=heat_topics,
        heat_rows=_heat_rows(synthesis, heat_topics),
        counts=_counts(synthesis),
    )


def _heat_rows(synthesis: Synthesis, topics: list[TopicRef]) -> list[HeatRow]:
    known = {t.id for t in synthesis.topics}
    rows = []
    for participant in synthesis.participants:
        counts = []
        for topic in topics:
            count = 0
            for disagreement in synthesis.disagreements:
                topic_id = disagreement.topic_id if disagreement.topic_id in known else "other"
                if disagreement.status == "resolved":
                    continue
                if topic_id == topic.id and participant.key in disagreement.participants:
                    count += 1
            counts.append(count)
        rows.append(HeatRow(participant, counts))
    return rows


def _counts(synthesis: Synthesis) -> dict[str, int]:
    points = synthesis.points
    return {
        "points": len(points),
        "all": sum(1 for p in points if p.coverage == "all"),
        "some": sum(1 for p in points if p.coverage == "some"),
        # Agreed, disputed and single-person points partition all points.
        "one": sum(1 for p in points if p.coverage == "one" and not p.disputed),
        "disputed": sum(1 for p in points if p.disputed),
        "agreements": len(synthesis.agreements),
        "disagreements": len(synthesis.disagreements),
        "open": sum(1 for d in synthesis.disagreements if d.status == "open"),
        "confirmed": sum(1 for d in synthesis.disagreements if d.status == "confirmed"),
        "resolved": sum(1 for d in synthesis.disagreements if d.status == "resolved"),
    }
