"""Find disagreements between participants inside aligned points.

Three kinds are found here: different values for one quantity (clock times compared within
five minutes with the 12-hour ambiguity handled, units normalised), opposite polarity (of
whole claims in one point, or of their main clauses across points), and different
accounts of the remedy that ended the impact (see ``remedies.py``). Disagreements
about order come from the timeline (see ``timeline.py``). Claims of one participant never
disagree with each other here: the interview already raised those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from elicitor.engine.quantities import same_value
from elicitor.synthesis.features import (
    CLAUSE_BREAK,
    ClaimFeatures,
    claim_polarity,
    format_value,
    states_outcome,
    subject_words,
)

# Masked wordings must be this close for opposite polarity to count as a disagreement:
# "the failover worked" / "the failover did not work" score 0.88, while two claims that
# only share a subject word ("the snapshot was taken", "snapshots were not enabled")
# score about 0.5.
POLARITY_MIN_SIMILARITY = 0.6
POLARITY_MIN_OVERLAP = 0.5


@dataclass
class Found:
    """A disagreement before ids, statuses and follow-ups are attached."""

    kind: str
    points: list[int]
    detail: str
    positions: list[tuple[str, list[ClaimFeatures]]]
    # The compared quantity's dimension, for time and number disagreements.
    dimension: str | None = None

    @property
    def participants(self) -> list[str]:
        seen: list[str] = []
        for _, members in self.positions:
            for item in members:
                if item.participant not in seen:
                    seen.append(item.participant)
        return seen

    def statements_of(self, participant: str) -> list[ClaimFeatures]:
        return [
            item
            for _, members in self.positions
            for item in members
            if item.participant == participant
        ]


Similarity = Callable[[ClaimFeatures, ClaimFeatures], float]


def value_label(item: ClaimFeatures, dimension: str) -> str:
    return ", ".join(format_value(q) for q in item.values(dimension))


def _agree(a: ClaimFeatures, b: ClaimFeatures, dimension: str) -> bool:
    """Tell whether every value of the claim with fewer values matches one of the other's."""
    values_a, values_b = a.values(dimension), b.values(dimension)
    fewer, more = sorted((values_a, values_b), key=len)
    return all(any(same_value(x, y) for y in more) for x in fewer)


def _group_by_agreement(carriers: list[ClaimFeatures], dimension: str) -> list[list[ClaimFeatures]]:
    groups: list[list[ClaimFeatures]] = []
    for item in carriers:
        for group in groups:
            if all(_agree(item, other, dimension) for other in group):
                group.append(item)
                break
        else:
            groups.append([item])
    return groups


def _crosses_participants(groups: list[list[ClaimFeatures]]) -> bool:
    """Tell whether two different groups hold claims of two different participants."""
    for position, group in enumerate(groups):
        for other in groups[position + 1 :]:
            if any(a.participant != b.participant for a in group for b in other):
                return True
    return False


def value_disagreements(point: int, members: Sequence[ClaimFeatures]) -> list[Found]:
    """Return one disagreement per dimension on which participants give different values."""
    found: list[Found] = []
    dimensions = sorted({q.dimension for item in members for q in item.quantities})
    for dimension in dimensions:
        carriers = [item for item in members if item.values(dimension)]
        if len({item.participant for item in carriers}) < 2:
            continue
        groups = _group_by_agreement(carriers, dimension)
        if not _crosses_participants(groups):
            continue
        positions = [(value_label(group[0], dimension), group) for group in groups]
        detail = " vs ".join(
            f"{label} ({', '.join(sorted({m.participant for m in group}))})"
            for label, group in positions
        )
        kind = "time" if dimension == "time_of_day" else "number"
        found.append(Found(kind, [point], detail, positions, dimension))
    return found


def polarity_disagreement(
    point: int, members: Sequence[ClaimFeatures], similarity: Similarity
) -> Found | None:
    """Return a disagreement when one participant affirms what another denies.

    Both claims must judge an outcome ("the failover worked" / "did not work") or neither
    may ("the snapshot was taken" / "was not taken"): a report that something happened
    does not contradict a claim that it failed.
    """
    carriers = [item for item in members if not item.scoped]
    affirm = [item for item in carriers if item.polarity > 0]
    deny = [item for item in carriers if item.polarity < 0]
    pairs = [
        (a, b)
        for a in affirm
        for b in deny
        if a.participant != b.participant
        and not (a.personal or b.personal)
        and a.outcome == b.outcome
        and not _values_agree(a, b)
        and _tight(a, b, similarity)
    ]
    if not pairs:
        return None
    affirming = sorted({a.index for a, _ in pairs})
    denying = sorted({b.index for _, b in pairs})
    by_index = {item.index: item for item in members}
    positions = [
        ("affirms", [by_index[i] for i in affirming]),
        ("denies", [by_index[i] for i in denying]),
    ]
    first_a, first_b = pairs[0]
    detail = (
        f"{first_a.participant} affirms what {first_b.participant} denies"
        if len(pairs) == 1
        else "participants affirm and deny the same statement"
    )
    return Found("polarity", [point], detail, positions)


def _values_agree(a: ClaimFeatures, b: ClaimFeatures) -> bool:
    """Tell whether the two claims give matching values for a quantity both state.

    Matching numbers mean both describe the same measurement, so a negation or failure word
    in one of them is about something else ("failing over took a minute and a half").
    """
    shared = {q.dimension for q in a.quantities} & {q.dimension for q in b.quantities}
    return any(_agree(a, b, dimension) for dimension in shared)


def _tight(a: ClaimFeatures, b: ClaimFeatures, similarity: Similarity) -> bool:
    """Tell whether two claims say the same thing apart from polarity.

    Their subject words must mostly coincide (Jaccard index at least ``POLARITY_MIN_OVERLAP``):
    a long claim that merely contains a short one often negates some other detail.
    """
    shared = a.subjects.keys() & b.subjects.keys()
    union = a.subjects.keys() | b.subjects.keys()
    if not shared or len(shared) < POLARITY_MIN_OVERLAP * len(union):
        return False
    return similarity(a, b) >= POLARITY_MIN_SIMILARITY


def point_disagreements(
    point: int, members: Sequence[ClaimFeatures], similarity: Similarity
) -> list[Found]:
    """Return the value and polarity disagreements inside one point."""
    if len({item.participant for item in members}) < 2:
        return []
    found = value_disagreements(point, members)
    if found:
        return found
    polar = polarity_disagreement(point, members, similarity)
    return [polar] if polar else []


def account_disagreement(members: Sequence[Sequence[ClaimFeatures]]) -> Found | None:
    """Return a disagreement when participants name different remedies as the one that
    ended the impact.

    A point takes part when one of its claims names a remedy and an ending. Every claim of
    such a point that names a remedy is an account, even when two accounts share a point: a
    model aligner may put "we rolled it back" and "we killed the rules" together. So is a
    claim elsewhere in which the same participant names only remedies of their accounts
    ("we rolled the deploy back"), but not "the rollback worked; the failover did not".
    Accounts naming a common remedy form one side. Two sides disagree when each has a
    participant the other lacks.
    """
    accounts: list[tuple[int, ClaimFeatures]] = []
    for point, group in enumerate(members):
        if any(item.remedies and item.ends_impact for item in group):
            accounts.extend((point, item) for item in group if item.remedies)
    named: dict[str, set[str]] = {}
    for _, item in accounts:
        named.setdefault(item.participant, set()).update(item.remedies)
    counted = {id(item) for _, item in accounts}
    for point, group in enumerate(members):
        for item in group:
            own = named.get(item.participant, set())
            if id(item) not in counted and item.remedies and item.remedies <= own:
                accounts.append((point, item))
    sides: list[tuple[set[str], list[ClaimFeatures], set[int]]] = []
    for point, item in accounts:
        joined = [side for side in sides if side[0] & item.remedies]
        remedies, carriers, points = set(item.remedies), [item], {point}
        for side in joined:
            remedies |= side[0]
            carriers = side[1] + carriers
            points |= side[2]
            sides.remove(side)
        sides.append((remedies, carriers, points))
    people = [{item.participant for item in carriers} for _, carriers, _ in sides]
    rivals = {
        index
        for index, mine in enumerate(people)
        for other, theirs in enumerate(people)
        if index != other and mine - theirs and theirs - mine
    }
    if not rivals:
        return None
    chosen = [side for index, side in enumerate(sides) if index in rivals]
    chosen.sort(key=lambda side: min(side[2]))
    positions = [(" and ".join(sorted(remedies)), carriers) for remedies, carriers, _ in chosen]
    detail = " vs ".join(
        f"{label} ({', '.join(sorted({m.participant for m in group}))})"
        for label, group in positions
    )
    points = sorted(set().union(*(side[2] for side in chosen)))
    return Found("account", points, detail, positions)


HEAD_MIN_SIMILARITY = 0.6


@dataclass
class _Head:
    item: ClaimFeatures
    point: int
    subjects: frozenset[str]
    polarity: int
    text: str


def head_polarity_disagreements(
    members: Sequence[Sequence[ClaimFeatures]],
    similarity: Callable[[str, str], float],
    done: set[int],
) -> list[Found]:
    """Return disagreements where one participant's main clause affirms what another's
    denies: "The failover worked and traffic moved" against "The failover did not work
    because ...". Long claims rarely align whole, but their main clauses do.

    Only main clauses that judge an outcome (worked, failed) take part. Their subject
    words must mostly coincide and their wordings be close. Points in ``done`` already
    have a polarity disagreement.
    """
    heads = [
        head
        for point, group in enumerate(members)
        for item in group
        if (head := _head(item, point)) is not None
    ]
    found: list[Found] = []
    seen: set[tuple[int, int]] = set()
    for first, a in enumerate(heads):
        for b in heads[first + 1 :]:
            if a.item.participant == b.item.participant or a.polarity == b.polarity:
                continue
            if a.item.personal or b.item.personal:
                # "I was paged" and "I did not get a page" are both true of two people.
                continue
            if a.point == b.point and a.point in done:
                continue
            union = a.subjects | b.subjects
            if len(a.subjects & b.subjects) < POLARITY_MIN_OVERLAP * len(union):
                continue
            pair = (min(a.point, b.point), max(a.point, b.point))
            if pair in seen or similarity(a.text, b.text) < HEAD_MIN_SIMILARITY:
                continue
            seen.add(pair)
            affirm, deny = (a, b) if a.polarity > 0 else (b, a)
            positions = [("affirms", [affirm.item]), ("denies", [deny.item])]
            detail = f"{affirm.item.participant} affirms what {deny.item.participant} denies"
            found.append(Found("polarity", sorted(set(pair)), detail, positions))
    return found


def _head(item: ClaimFeatures, point: int) -> _Head | None:
    # The main clause ends where a reason, a consequence or a second clause starts.
    text = CLAUSE_BREAK.split(item.text, maxsplit=1)[0].strip()
    if not text or item.scoped or not states_outcome(text):
        return None
    subjects = frozenset(subject_words(text))
    if not subjects:
        return None
    return _Head(item, point, subjects, claim_polarity(text), text)
