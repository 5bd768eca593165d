"""Gradual rollout: which of the seller's stores, templates and copy prompt a new artwork gets.

Each flag (a store, a template, the newest copy prompt) has a percentage in the settings. An
artwork is in when its bucket for that flag, a number 0-99 drawn from a hash of the flag's name
and the artwork's id, is below the percentage. So the choice is the same on every run and every
machine, widening a rollout keeps every artwork already in, and different flags pick different
artworks (the hash includes the flag). Artworks already published are not touched when a
percentage changes: the decision is taken when an artwork is published, and recorded with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from pod_pipeline.settings.model import SellerSettings, TemplateChoice
from pod_pipeline.settings.stores import StoreSettings

NEW_PROMPT_FLAG = "copy-prompt:newest"
HELD_BACK = "rollout: "


def is_held_back(reason: str | None) -> bool:
    """The reason a product was not made is a rollout that has not reached its artwork."""
    return bool(reason) and reason.startswith(HELD_BACK)


def bucket(flag: str, artwork_id: str) -> int:
    """0-99, uniform, fixed for a flag and an artwork."""
    digest = hashlib.sha256(f"{flag}\0{artwork_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


@dataclass(frozen=True)
class Decision:
    flag: str
    percent: int
    bucket: int

    @property
    def included(self) -> bool:
        return self.bucket < self.percent

    def reason(self) -> str:
        return (f"{HELD_BACK}{self.flag} is at {self.percent}%; this artwork's bucket is {self.bucket}"
                f" ({'in' if self.included else 'not yet'})")


@dataclass(frozen=True)
class Target:
    """One product the artwork becomes: a template in a store (or why it does not, yet)."""

    store: StoreSettings
    template: TemplateChoice
    held_back: Decision | None = None  # the rollout that keeps it out, if one does


@dataclass(frozen=True)
class Rollout:
    artwork_id: str
    targets: list[Target]
    newest_prompt: bool
    decisions: list[Decision] = field(default_factory=list)

    def rows(self) -> list[dict]:
        """For the UI and the catalog: each partial rollout this artwork met, and its outcome."""
        return [{"flag": d.flag, "percent": d.percent, "bucket": d.bucket, "included": d.included}
                for d in self.decisions]


def store_flag(store: StoreSettings) -> str:
    return f"store:{store.name}"


def template_flag(template: TemplateChoice) -> str:
    return f"template:{template.id}"


def rollout_for(seller: SellerSettings, artwork_id: str) -> Rollout:
    """Every store × template the artwork is sold as, with the rollouts it met (only flags below
    100% are decided, so a full rollout leaves no trace)."""
    decisions: dict[str, Decision] = {}

    def decide(flag: str, percent: int) -> Decision | None:
        if percent >= 100:
            return None
        if flag not in decisions:
            decisions[flag] = Decision(flag, percent, bucket(flag, artwork_id))
        return decisions[flag]

    targets = []
    for store in seller.all_stores():
        for template in seller.templates:
            if not store.sells(template.id):
                continue
            gates = [decide(store_flag(store), store.rollout), decide(template_flag(template), template.rollout)]
            held = next((g for g in gates if g is not None and not g.included), None)
            targets.append(Target(store, template, held))
    prompt = decide(NEW_PROMPT_FLAG, seller.copywriter.new_prompt_percent)
    return Rollout(artwork_id, targets, newest_prompt=prompt is None or prompt.included,
                   decisions=list(decisions.values()))
