"""Summary checkpoints and the final review: corrections by number, 'back', and 'sign'."""

from __future__ import annotations

import pytest

from elicitor.artifact.build import content_hash
from elicitor.artifact.model import Artifact
from elicitor.artifact.render import to_json
from elicitor.briefing.loader import load_template
from elicitor.errors import Conflict
from elicitor.session.events import EventType
from elicitor.session.replies import parse_reply
from elicitor.session.service import Interviewer
from elicitor.session.trace import describe_events
from elicitor.store import Store

STATEMENTS = [
    "The export button doesn't work on my computer.",
    "It spins for a bit then nothing.",
    "About 30 seconds, then nothing, no error.",
    "Only the quarterly report fails. The monthly one works.",
    "I think the server times out.",
    "It happens on Windows 11 with version 2.3.1.",
    "I installed it from the website last month.",
    "The report has 8000 rows.",
    "The export writes a PDF file to the Downloads folder.",
]
MAX_ANSWERS = 60


# -- parsing a reply ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "action", "point", "value"),
    [
        ("2: only the quarterly report", "replace", 2, "only the quarterly report"),
        ("drop 3", "drop", 3, ""),
        ("3 is a guess", "relabel", 3, "assumption"),
        ("3 is an opinion", "relabel", 3, "judgment"),
        ("point 4 is a fact", "relabel", 4, "fact"),
    ],
)
def test_reply_correction_parsed(text, action, point, value):
    reply = parse_reply(text, point_count=5)

    assert [(c.action, c.point, c.value) for c in reply.corrections] == [(action, point, value)]
    assert reply.other == []


@pytest.mark.parametrize(("text", "flag"), [("ok", "confirm"), ("sign", "sign"), ("back", "back")])
def test_reply_command_parsed(text, flag):
    reply = parse_reply(text, point_count=5)

    assert getattr(reply, flag)
    assert reply.corrections == []


def test_reply_several_lines_parsed():
    reply = parse_reply("2: only the quarterly report\ndrop 3; 4 is a guess", point_count=5)

    assert [c.action for c in reply.corrections] == ["replace", "drop", "relabel"]


def test_reply_unknown_point_is_error():
    reply = parse_reply("drop 9", point_count=5)

    assert reply.corrections == []
    assert len(reply.errors) == 1
    assert "9" in reply.errors[0]


def test_reply_free_text_is_other():
    reply = parse_reply("The export also fails on Fridays.", point_count=5)

    assert reply.other == ["The export also fails on Fridays."]


# -- a summary checkpoint -------------------------------------------------------------------


class Interview:
    """A bug-triage session on a real SQLite file, with helpers to reach a checkpoint."""

    def __init__(self, sqlite_url: str) -> None:
        self.store = Store(sqlite_url)
        self.interviewer = Interviewer(self.store)
        record = self.store.save_briefing(load_template("bug-triage"))
        self.session_id, self.prompt = self.interviewer.start(record)

    def answer(self, text: str):
        self.prompt = self.interviewer.answer(self.session_id, text)
        return self.prompt

    def reach(self, kind: str, answers: list[str]) -> None:
        script = iter(answers)
        for _ in range(MAX_ANSWERS):
            if self.prompt.kind == kind:
                return
            default = "ok" if self.prompt.kind == "summary" else "I don't know"
            self.answer(next(script, default))
        raise AssertionError(f"no {kind} prompt after {MAX_ANSWERS} answers")

    def claim_at(self, point: int):
        claim_id = self.prompt.points[point - 1]["claim_id"]
        return self.state().claims[claim_id]

    def state(self):
        return self.interviewer.load(self.session_id).state

    def events(self, type_: EventType):
        return [e for e in self.store.load_events(self.session_id) if e.type == type_]

    def artifact(self) -> Artifact:
        return self.interviewer.artifact(self.session_id)

    def trace(self) -> list[str]:
        return list(describe_events(self.store.load_events(self.session_id)))


def artifact_claims(artifact: Artifact):
    return {c.id: c for t in artifact.topics for c in t.claims} | {
        c.id: c for c in artifact.other_claims
    }


@pytest.fixture
def checkpoint(sqlite_url) -> Interview:
    interview = Interview(sqlite_url)
    interview.reach("summary", STATEMENTS)
    assert len(interview.prompt.points) >= 4
    return interview


def test_correction_replaces_text(checkpoint):
    old = checkpoint.claim_at(2)

    checkpoint.answer("2: only the quarterly report")

    claim = checkpoint.state().claims[old.id]
    assert claim.text == "only the quarterly report"
    assert claim.status == "corrected"


def test_correction_is_event(checkpoint):
    old = checkpoint.claim_at(2)

    checkpoint.answer("2: only the quarterly report")

    events = checkpoint.events(EventType.CLAIM_CORRECTED)
    assert [(e.payload["claim_id"], e.payload["text"]) for e in events] == [
        (old.id, "only the quarterly report")
    ]


def test_correction_in_artifact(checkpoint):
    old = checkpoint.claim_at(2)

    checkpoint.answer("2: only the quarterly report")

    claim = artifact_claims(checkpoint.artifact())[old.id]
    assert claim.text == "only the quarterly report"
    assert claim.corrections == [old.text]


def test_correction_in_trace(checkpoint):
    old = checkpoint.claim_at(2)

    checkpoint.answer("2: only the quarterly report")

    lines = checkpoint.trace()
    assert any(old.id in line and "only the quarterly report" in line for line in lines)


def test_drop_rejects_claim(checkpoint):
    dropped = checkpoint.claim_at(3)

    checkpoint.answer("drop 3")

    artifact = checkpoint.artifact()
    assert checkpoint.state().claims[dropped.id].status == "rejected"
    assert [e.payload["claim_id"] for e in checkpoint.events(EventType.CLAIM_REJECTED)] == [
        dropped.id
    ]
    assert dropped.id in artifact.rejected_claims
    assert dropped.id not in artifact_claims(artifact)
    assert any(dropped.id in line and "REJECTED" in line for line in checkpoint.trace())


def test_guess_relabels_assumption(checkpoint):
    relabelled = checkpoint.claim_at(3)

    checkpoint.answer("3 is a guess")

    claim = artifact_claims(checkpoint.artifact())[relabelled.id]
    events = checkpoint.events(EventType.CLAIM_RELABELLED)
    assert [(e.payload["claim_id"], e.payload["kind"]) for e in events] == [
        (relabelled.id, "assumption")
    ]
    assert claim.kind == "assumption"
    assert claim.kind_source == "participant"
    assert any(relabelled.id in line and "assumption" in line for line in checkpoint.trace())


def test_ok_confirms_points(checkpoint):
    ids = [point["claim_id"] for point in checkpoint.prompt.points]

    checkpoint.answer("ok")

    claims = checkpoint.state().claims
    assert [claims[claim_id].status for claim_id in ids] == ["confirmed"] * len(ids)


def test_unknown_point_reported(checkpoint):
    # Far beyond the number of points, and unlike any number in the statements.
    missing = 97
    assert len(checkpoint.prompt.points) < missing

    checkpoint.answer(f"drop {missing}")

    shown = f"{checkpoint.prompt.text}\n{checkpoint.prompt.notice}"
    assert all(c.status != "rejected" for c in checkpoint.state().claims.values())
    assert str(missing) in shown, shown


# -- the final review -----------------------------------------------------------------------


@pytest.fixture
def review(sqlite_url) -> Interview:
    interview = Interview(sqlite_url)
    interview.reach("review", STATEMENTS[:5])
    return interview


def test_back_returns_to_interview(review):
    review.answer("back")

    assert review.prompt.kind == "question"
    assert review.state().status == "in_progress"
    assert len(review.events(EventType.REVIEW_REOPENED)) == 1


def test_back_then_new_claim(review):
    review.answer("back")

    review.answer("The export also fails for the yearly report.")

    texts = [c.text for c in review.state().claims.values()]
    assert "The export also fails for the yearly report." in texts


def test_back_then_review_again(review):
    review.answer("back")

    review.reach("review", ["The export also fails for the yearly report."])

    assert review.prompt.kind == "review"


def test_correction_at_review_shows_review(review):
    old = review.claim_at(1)

    review.answer("1: The export spins for 30 seconds and stops.")

    assert review.prompt.kind == "review"
    assert review.state().claims[old.id].text == "The export spins for 30 seconds and stops."


def test_sign_signs_off(review):
    review.answer("sign")

    signed = review.events(EventType.SIGNED_OFF)
    assert review.prompt.kind == "done"
    assert review.state().status == "signed_off"
    assert len(signed) == 1


def test_signed_hash_matches_artifact(review):
    review.answer("sign")

    artifact = review.artifact()
    signed = review.events(EventType.SIGNED_OFF)[0]
    assert artifact.sign_off is not None
    assert artifact.sign_off.content_hash == signed.payload["content_hash"]
    assert content_hash(artifact) == signed.payload["content_hash"]


def test_signed_json_export_hash_matches(review):
    review.answer("sign")

    exported = Artifact.model_validate_json(to_json(review.artifact()))

    assert content_hash(exported) == exported.sign_off.content_hash


def test_sign_confirms_every_claim(review):
    review.answer("sign")

    statuses = {c.status for c in review.state().claims.values()}

    assert "proposed" not in statuses


def test_signed_session_rejects_answers(review):
    review.answer("sign")

    with pytest.raises(Conflict):
        review.interviewer.answer(review.session_id, "One more thing.")


def test_signed_session_rejects_edits(review):
    claim_id = review.prompt.points[0]["claim_id"]
    review.answer("sign")

    with pytest.raises(Conflict):
        review.interviewer.edit_claim(review.session_id, claim_id, "reject")
