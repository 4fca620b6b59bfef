"""Which remedy a claim says ended the impact, for "different accounts" disagreements.

An incident usually ends through one remedy: a rollback, a kill switch, a failover, a
restore. When one participant says "we rolled the deploy back" and another "mitigation was
a global kill of the rulesets, after which traffic returned to normal", the two claims share
no words and never align, yet they are competing answers to one question. The rule here
reads the remedy each claim names and whether the claim says that remedy ended the impact.

A point is an account of the ending when one of its claims names a remedy together with an
ending ("after which", "resolved by", "back to normal"); the other claims of the point name
the same remedy in other words ("we rolled it back"). Remedies that were tried without
effect ("were rolled back; they turned out not to be the cause") are not accounts.
"""

from __future__ import annotations

from elicitor.engine import cues

# Remedy -> the words that name it. The remedy is what a disagreement shows.
REMEDIES: dict[str, tuple[str, ...]] = {
    "a rollback": (
        "rolled back",
        "rolled it back",
        "rolled the deploy back",
        "rolled the release back",
        "rolled the change back",
        "roll back",
        "rolling back",
        "rollback",
        "reverted",
        "revert",
        "reverting",
        "undid",
    ),
    "a kill switch or disabling": (
        "kill switch",
        "killed",
        "global kill",
        "disabled",
        "turned off",
        "switched off",
        "shut off",
    ),
    "a failover": ("failed over", "failover", "promoted the replica", "promoted the standby"),
    "a restore": ("restored", "restore used", "restore from", "restoring"),
    "a restart": ("restarted", "restarting", "rebooted", "rebooting", "bounced"),
    "more capacity": ("scaled up", "added capacity", "raised capacity", "more capacity"),
    "a fix": (
        "hotfix",
        "patched",
        "deployed a fix",
        "shipped a fix",
        "renewed",
        "rotated",
    ),
}
ENDING_CUES: tuple[str, ...] = (
    "after which",
    "returned to normal",
    "back to normal",
    "recovered",
    "resolved by",
    "resolved it",
    "resolved the",
    "mitigation was",
    "mitigated by",
    "mitigated it",
    "mitigated the",
    "fixed it",
    "that fixed",
    "which fixed",
    "solved it",
    "that solved",
    "stopped the impact",
    "ended the outage",
    "ended the incident",
    "ended the impact",
    "errors stopped",
    "brought it back",
    "brought the site back",
)
# A remedy tried without effect is not the account of how the impact ended.
NO_EFFECT_CUES: tuple[str, ...] = (
    "not the cause",
    "did not help",
    "didn't help",
    "did nothing",
    "no effect",
    "made no difference",
    "did not fix",
    "didn't fix",
    "did not work",
    "didn't work",
)


def remedies_named(text: str) -> frozenset[str]:
    """Return the remedies ``text`` names, or none when it reports that the remedy had no
    effect."""
    if cues.find(NO_EFFECT_CUES, text):
        return frozenset()
    return frozenset(name for name, words in REMEDIES.items() if cues.find(words, text))


def names_ending(text: str) -> bool:
    """Tell whether ``text`` reports that something ended or resolved the impact."""
    return bool(cues.find(ENDING_CUES, text))
