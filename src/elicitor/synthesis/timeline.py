"""The merged timeline: clock times read from aligned points, in one order for everyone.

Claims carry clock times without dates. Two choices make them comparable:

- A 12-hour reading without am/pm ("ten past eleven") takes the half of the day closest to
  an unambiguous time of the same point, else to any unambiguous time in the synthesis.
  With no unambiguous time anywhere it stays ambiguous.
- The day is cut at the largest gap between all reported times, so an incident that runs
  from 22:00 to 00:30 orders 00:30 last.

NOTE: an account spanning more than 24 hours cannot be ordered from clock times alone,
because claims carry no dates; such entries may sort on the wrong day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from elicitor.session.state import Quantity
from elicitor.synthesis.conflicts import Found
from elicitor.synthesis.features import ClaimFeatures, shorten

MINUTES_PER_DAY = 1440
HALF_DAY = 720
# Two readings this close (in minutes) are one moment, as in the quantity comparison;
# two approximate readings get twice the margin.
SAME_MOMENT_MINUTES = 5
# Texts quoted in an order disagreement's label are cut to this many characters.
LABEL_CHARS = 60


@dataclass(frozen=True)
class Reading:
    claim: ClaimFeatures
    quantity: Quantity
    minute: int
    ambiguous: bool


@dataclass(frozen=True)
class Clock:
    """Start of the merged day, in minutes after midnight."""

    start: int = 0

    def position(self, minute: int) -> int:
        return (minute - self.start) % MINUTES_PER_DAY


@dataclass
class EntryDraft:
    point: int
    minute: int
    approximate: bool
    ambiguous: bool
    reports: list[Reading]
    # A claim giving the chosen time, so the entry's words match its time.
    claim: ClaimFeatures


def circular_gap(a: int, b: int) -> int:
    gap = abs(a - b) % MINUTES_PER_DAY
    return min(gap, MINUTES_PER_DAY - gap)


def _same_moment(a: Reading, b: Reading) -> bool:
    margin = SAME_MOMENT_MINUTES * (2 if a.quantity.approximate and b.quantity.approximate else 1)
    return circular_gap(a.minute, b.minute) <= margin


def _resolve(quantity: Quantity, local: list[int], everywhere: list[int]) -> tuple[int, bool]:
    """Return the reading in minutes after midnight and whether its half-day is unknown."""
    if quantity.unit != "h12":
        return int(round(quantity.base_value)) % MINUTES_PER_DAY, False
    base = int(round(quantity.base_value)) % HALF_DAY
    references = local or everywhere
    if not references:
        return base, True
    candidates = (base, base + HALF_DAY)
    best = min(candidates, key=lambda c: min(circular_gap(c, r) for r in references))
    return best, False


def read_clock(points: Sequence[Sequence[ClaimFeatures]]) -> tuple[dict[int, list[Reading]], Clock]:
    """Return each claim's clock readings (by claim index) and the day's starting point."""

    def fixed(members: Sequence[ClaimFeatures]) -> list[int]:
        return [
            int(round(q.base_value)) % MINUTES_PER_DAY
            for item in members
            for q in item.values("time_of_day")
            if q.unit != "h12"
        ]

    everywhere = [minute for members in points for minute in fixed(members)]
    readings: dict[int, list[Reading]] = {}
    for members in points:
        local = fixed(members)
        for item in members:
            for quantity in item.values("time_of_day"):
                minute, ambiguous = _resolve(quantity, local, everywhere)
                readings.setdefault(item.index, []).append(
                    Reading(item, quantity, minute, ambiguous)
                )
    minutes = sorted({r.minute for found in readings.values() for r in found})
    return readings, Clock(_day_start(minutes))


def _day_start(minutes: list[int]) -> int:
    """Return the first minute after the largest gap between the reported times."""
    if len(minutes) < 2:
        return minutes[0] if minutes else 0
    best_gap, start = -1, minutes[0]
    for position, minute in enumerate(minutes):
        following = minutes[(position + 1) % len(minutes)]
        gap = (following - minute) % MINUTES_PER_DAY
        if gap > best_gap:
            best_gap, start = gap, following
    return start


def timeline_drafts(
    points: Sequence[Sequence[ClaimFeatures]], readings: dict[int, list[Reading]], clock: Clock
) -> list[EntryDraft]:
    """Return one entry per point with a clock time, in timeline order."""
    drafts: list[EntryDraft] = []
    for position, members in enumerate(points):
        reports = [readings[item.index][0] for item in members if item.index in readings]
        if not reports:
            continue
        chosen = _majority_moment(reports, clock)
        drafts.append(
            EntryDraft(
                point=position,
                minute=chosen[0].minute,
                approximate=all(r.quantity.approximate for r in chosen),
                ambiguous=all(r.ambiguous for r in chosen),
                reports=reports,
                claim=chosen[0].claim,
            )
        )
    drafts.sort(key=lambda draft: (clock.position(draft.minute), draft.point))
    return drafts


def _majority_moment(reports: list[Reading], clock: Clock) -> list[Reading]:
    """Return the readings of the moment most participants gave; the earliest wins ties."""
    clusters: list[list[Reading]] = []
    for report in reports:
        for cluster in clusters:
            if _same_moment(report, cluster[0]):
                cluster.append(report)
                break
        else:
            clusters.append([report])

    def rank(cluster: list[Reading]) -> tuple[int, int]:
        people = len({r.claim.participant for r in cluster})
        return (-people, clock.position(cluster[0].minute))

    return min(clusters, key=rank)


def sequence_disagreements(
    drafts: list[EntryDraft], clock: Clock, time_disputed: set[int]
) -> list[Found]:
    """Return pairs of points that two participants put in opposite order by their times.

    A pair whose two points both already have a time disagreement is skipped: the order
    follows from those and adds nothing.
    """
    found: list[Found] = []
    for first, second in combinations(drafts, 2):
        if first.point in time_disputed and second.point in time_disputed:
            continue
        before, after = _orders(first, second, clock)
        if not before or not after:
            continue
        found.append(_sequence_found(first, second, before, after))
    return found


def _orders(
    first: EntryDraft, second: EntryDraft, clock: Clock
) -> tuple[dict[str, list[Reading]], dict[str, list[Reading]]]:
    """Split participants by whether their times put ``first`` before or after ``second``."""
    own_first = {r.claim.participant: r for r in reversed(first.reports)}
    own_second = {r.claim.participant: r for r in reversed(second.reports)}
    before: dict[str, list[Reading]] = {}
    after: dict[str, list[Reading]] = {}
    for participant in own_first.keys() & own_second.keys():
        a, b = own_first[participant], own_second[participant]
        if _same_moment(a, b):
            continue
        target = before if clock.position(a.minute) < clock.position(b.minute) else after
        target[participant] = [a, b]
    return before, after


def _short(text: str) -> str:
    return shorten(text, LABEL_CHARS)


def _sequence_found(
    first: EntryDraft,
    second: EntryDraft,
    before: dict[str, list[Reading]],
    after: dict[str, list[Reading]],
) -> Found:
    text_first = _short(first.reports[0].claim.text)
    text_second = _short(second.reports[0].claim.text)
    forward = f'"{text_first}" before "{text_second}"'
    backward = f'"{text_second}" before "{text_first}"'
    positions = [
        (forward, [r.claim for readings in before.values() for r in readings]),
        (backward, [r.claim for readings in after.values() for r in readings]),
    ]
    detail = (
        f"{', '.join(sorted(before))} put the two events in one order, "
        f"{', '.join(sorted(after))} in the other"
    )
    return Found("sequence", [first.point, second.point], detail, positions)
