"""The second round: derived briefings, seeded questions, and answers flowing back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from elicitor.session.service import Interviewer
from elicitor.store.store import BriefingRecord, Store
from elicitor.store.web_store import WebStore
from elicitor.synthesis.build import SynthesisOptions
from elicitor.synthesis.model import Disagreement
from elicitor.synthesis.round2 import source_session
from elicitor.synthesis.service import Invite, create_round2, synthesize_briefing
from test_synthesis_support import DONT_KNOW, interview, save

ANN = "We rolled back the release at 23:40."
BOB = "We rolled back the release at 23:10."
CY = "The primary went down at 23:05."
ROLLED_BACK = "We rolled the deploy back, after which errors stopped."
KILLED = "A global kill of the rules ended the outage."


@pytest.fixture
def store(sqlite_url: str) -> Iterator[Store]:
    opened = Store(sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
def interviewer(store: Store) -> Interviewer:
    return Interviewer(store)


@pytest.fixture
def sessions(store: Store, interviewer: Interviewer) -> dict[str, str]:
    """Three signed interviews: Ann and Bob disagree on the rollback, Cy agrees with both."""
    record = save(store)
    return {
        "Ann": interview(interviewer, record, "Ann", [f"{CY} {ANN}"]),
        "Bob": interview(interviewer, record, "Bob", [f"{CY} {BOB}"]),
        "Cy": interview(interviewer, record, "Cy", [CY]),
    }


def briefing_of(store: Store, invite: Invite) -> BriefingRecord:
    return store.get_briefing(invite.briefing_pk)


def answer_round2(interviewer: Interviewer, record: BriefingRecord, name: str, answer: str) -> str:
    return interview(interviewer, record, name, [answer])


def only_disagreement(store: Store) -> Disagreement:
    synthesis = synthesize_briefing(store, "incident-review")
    assert len(synthesis.disagreements) == 1
    return synthesis.disagreements[0]


def test_only_involved_invited(store: Store, sessions: dict[str, str]) -> None:
    invites = create_round2(store, "incident-review")
    assert [i.label for i in invites] == ["Ann", "Bob"]
    assert [i.questions for i in invites] == [1, 1]
    assert all(i.token for i in invites)


def test_derived_briefing_pinned(store: Store, sessions: dict[str, str]) -> None:
    ann, bob = create_round2(store, "incident-review")
    ann_briefing = briefing_of(store, ann)
    bob_briefing = briefing_of(store, bob)
    assert ann_briefing.slug == "incident-review-round2"
    assert bob_briefing.slug == "incident-review-round2"
    assert (ann_briefing.version, bob_briefing.version) == (1, 2)
    assert source_session(ann_briefing.briefing) == sessions["Ann"]
    links = WebStore(store).list_links(briefing_pks=[ann.briefing_pk])
    assert [link.id for link in links] == [ann.link_id]


def test_seeded_question_text(store: Store, sessions: dict[str, str]) -> None:
    ann, _bob = create_round2(store, "incident-review")
    briefing = briefing_of(store, ann).briefing
    assert briefing.opening_question == (
        'Another participant recalls 23:10: "We rolled back the release at 23:10". '
        'You said 23:40: "We rolled back the release at 23:40". '
        "Which is right, or were these different events?"
    )
    assert [t.question for t in briefing.topics] == [briefing.opening_question]
    assert "Bob" not in briefing.opening_question


def test_names_when_allowed(store: Store, sessions: dict[str, str]) -> None:
    ann, _bob = create_round2(store, "incident-review", names=True)
    question = briefing_of(store, ann).briefing.opening_question
    assert question.startswith("Bob recalls 23:10:")


def test_second_call_keeps_links(store: Store, sessions: dict[str, str]) -> None:
    first = create_round2(store, "incident-review")
    second = create_round2(store, "incident-review")
    assert [i.status for i in second] == ["existing", "existing"]
    assert [i.link_id for i in second] == [i.link_id for i in first]
    assert [i.token for i in second] == [None, None]


def test_round2_starts_with_conflict(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    record = briefing_of(store, ann)
    _session_id, prompt = interviewer.start(record, participant="Ann")
    assert prompt.kind == "question"
    assert prompt.text == record.briefing.opening_question


def test_one_side_maintaining_stays_open(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    round2 = answer_round2(
        interviewer, briefing_of(store, ann), "Ann", "I'm sure it was 23:40, the chat log shows it."
    )
    disagreement = only_disagreement(store)
    assert disagreement.status == "open"
    assert [f.outcome for f in disagreement.followups] == ["maintains"]
    assert disagreement.followups[0].session_id == round2
    assert disagreement.resolution == "P1 stands by their account; waiting for P2"


def test_both_sides_maintaining_confirms(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, bob = create_round2(store, "incident-review")
    answer_round2(interviewer, briefing_of(store, ann), "Ann", "I'm sure it was 23:40.")
    answer_round2(interviewer, briefing_of(store, bob), "Bob", "I'm sure it was 23:10.")
    disagreement = only_disagreement(store)
    assert disagreement.status == "confirmed"
    assert disagreement.resolution == "P1 and P2 stand by their accounts"


def test_conceding_answer_resolves(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    _ann, bob = create_round2(store, "incident-review")
    answer_round2(interviewer, briefing_of(store, bob), "Bob", "It was 23:40, I mixed it up.")
    disagreement = only_disagreement(store)
    assert disagreement.status == "resolved"
    assert [f.outcome for f in disagreement.followups] == ["concedes"]


def test_different_events_resolves(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    answer_round2(
        interviewer,
        briefing_of(store, ann),
        "Ann",
        "Those were two different events: the first rollback failed and we ran it again.",
    )
    disagreement = only_disagreement(store)
    assert disagreement.status == "resolved"
    assert disagreement.resolution == "P1: these were different events"


def test_unsigned_round2_ignored(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    interview(interviewer, briefing_of(store, ann), "Ann", ["It was 23:40."], sign=False)
    assert only_disagreement(store).status == "open"
    included = synthesize_briefing(
        store, "incident-review", options=SynthesisOptions(include_unsigned=True)
    )
    assert included.disagreements[0].followups[0].signed is False


def test_dont_know_leaves_open(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    answer_round2(interviewer, briefing_of(store, ann), "Ann", DONT_KNOW)
    disagreement = only_disagreement(store)
    assert disagreement.status == "open"
    assert [(f.participant, f.answer, f.outcome) for f in disagreement.followups] == [
        ("P1", DONT_KNOW, "unclear")
    ]
    assert "did not settle" in (disagreement.resolution or "")


def test_answered_participant_not_asked_again(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    answer_round2(interviewer, briefing_of(store, ann), "Ann", "I'm sure it was 23:40.")
    again = create_round2(store, "incident-review")
    assert [i.participant for i in again] == ["P2"]
    # Ann has nothing left to answer, so her link (never used here) is revoked.
    assert WebStore(store).get_link(ann.link_id).status() == "revoked"


def test_followup_session_listed(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    ann, _bob = create_round2(store, "incident-review")
    round2 = answer_round2(interviewer, briefing_of(store, ann), "Ann", "It was 23:40.")
    participants = synthesize_briefing(store, "incident-review").participants
    assert [p.followup_session_id for p in participants] == [round2, None, None]


def test_no_disagreement_no_links(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [CY])
    interview(interviewer, record, "Bob", [CY])
    assert create_round2(store, record.slug) == []


def test_two_others_named_plural(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ANN])
    interview(interviewer, record, "Bob", [BOB])
    interview(interviewer, record, "Cy", [BOB])
    ann = create_round2(store, record.slug)[0]
    question = briefing_of(store, ann).briefing.opening_question
    assert question.startswith("Other participants recall 23:10:")


def test_account_question_text(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [ROLLED_BACK])
    interview(interviewer, record, "Bob", [KILLED])
    ann, _bob = create_round2(store, "incident-review")
    assert briefing_of(store, ann).briefing.opening_question == (
        "Another participant says the impact ended with a kill switch or disabling: "
        '"A global kill of the rules ended the outage". '
        'You said "We rolled the deploy back, after which errors stopped". '
        "Which is right, or did both happen?"
    )


def test_round2_asks_every_difference(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(interviewer, record, "Ann", [f"{ANN} The outage lasted 45 minutes. {ROLLED_BACK}"])
    interview(interviewer, record, "Bob", [f"{BOB} The outage lasted 90 minutes. {KILLED}"])
    _ann, bob = create_round2(store, "incident-review")
    derived = briefing_of(store, bob)
    session_id, prompt = interviewer.start(derived, participant="Bob")
    asked = []
    moves = set()
    for _ in range(30):
        if prompt.kind == "review":
            break
        moves.add(prompt.move)
        if prompt.move in ("opening", "open_topic"):
            asked.append(prompt.text)
            reply = f"I am sure about answer {len(asked)}."
        else:
            reply = DONT_KNOW
        prompt = interviewer.answer(session_id, reply)
    topics = [t.question for t in derived.briefing.topics]
    assert len(topics) == 3
    assert asked == topics
    assert moves <= {"opening", "open_topic", "probe"}
    state = interviewer.load(session_id).state
    by_topic = {c.text: c.topic_id for c in state.active_claims()}
    for number, topic in enumerate(derived.briefing.topics, start=1):
        assert by_topic[f"I am sure about answer {number}."] == topic.id


def test_order_question_quotes_own_words(store: Store, interviewer: Interviewer) -> None:
    record = save(store)
    interview(
        interviewer, record, "Ann", ["The disk filled up at 23:05. The primary went down at 23:15."]
    )
    interview(
        interviewer, record, "Bob", ["The primary went down at 23:13. The disk filled up at 23:30."]
    )
    ann, bob = create_round2(store, "incident-review")
    topics = briefing_of(store, ann).briefing.topics
    assert [t.title.split(":")[0] for t in topics] == [
        "Difference 1, the order of events",
        "Difference 2, a time",
    ]
    ann_question = topics[0].question
    bob_question = briefing_of(store, bob).briefing.topics[0].question
    assert ann_question.startswith(
        'Another participant puts "The primary went down at 23:13" before "The disk filled up '
        'at 23:30". Your times put "The disk filled up at 23:05" before "The primary went down '
        'at 23:15".'
    )
    assert bob_question.startswith(
        'Another participant puts "The disk filled up at 23:05" before "The primary went down '
        'at 23:15". Your times put "The primary went down at 23:13" before "The disk filled up '
        'at 23:30".'
    )


def test_shorten_cuts_at_word() -> None:
    from elicitor.synthesis.features import shorten

    assert shorten("The disk on the primary filled up", 20) == "The disk on the…"
    assert shorten("short", 20) == "short"


def test_changed_questions_revoke_old_link(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    first_ann, _bob = create_round2(store, "incident-review")
    # A new disagreement changes Ann's questions: her first link must stop working.
    record = store.list_briefings()[0]
    interview(interviewer, record, "Dee", ["The primary went down at 23:50."])
    second = {i.participant: i for i in create_round2(store, "incident-review")}
    web = WebStore(store)
    assert second["P1"].status == "created"
    assert second["P1"].replaced_links == 1
    assert web.get_link(first_ann.link_id).status() == "revoked"
    assert web.get_link(second["P1"].link_id).status() == "active"


def test_signed_old_link_not_revoked(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    first_ann, _bob = create_round2(store, "incident-review")
    derived = briefing_of(store, first_ann)
    signed = answer_round2(interviewer, derived, "Ann", "I'm sure it was 23:40.")
    assert WebStore(store).attach_session(first_ann.link_id, signed)
    record = store.list_briefings()[0]
    interview(interviewer, record, "Dee", ["The primary went down at 23:50."])
    second = {i.participant: i for i in create_round2(store, "incident-review")}
    assert second["P1"].replaced_links == 0
    assert WebStore(store).get_link(first_ann.link_id).status() == "active"


def test_concession_reopened_by_new_participant(
    store: Store, interviewer: Interviewer, sessions: dict[str, str]
) -> None:
    _ann, bob = create_round2(store, "incident-review")
    answer_round2(interviewer, briefing_of(store, bob), "Bob", "It was 23:40, I mixed it up.")
    assert only_disagreement(store).status == "resolved"
    # Dee joins with Bob's old time: the disagreement is open again.
    interview(interviewer, store.list_briefings()[0], "Dee", [BOB])
    disagreement = only_disagreement(store)
    assert disagreement.status == "open"
    assert (
        disagreement.resolution == "P2 now agrees with the other account; P1 and P4 still disagree"
    )
