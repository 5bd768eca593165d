"""Rollouts: an artwork's bucket is fixed by its identity, widening keeps everyone already in,
flags choose independently, and a held-back target says why."""

from collections import Counter

from pod_pipeline.settings.model import SellerSettings
from pod_pipeline.settings.rollout import NEW_PROMPT_FLAG, bucket, is_held_back, rollout_for

ARTWORKS = [f"artwork-{n}" for n in range(2000)]


def seller(store_rollout=100, template_rollout=100, prompt=100) -> SellerSettings:
    return SellerSettings.model_validate({
        "templates": [{"id": "poster"}, {"id": "mug", "rollout": template_rollout}],
        "stores": [{"name": "etsy", "gelato_store_id": "g-1", "marketplace": "etsy"},
                   {"name": "shop", "gelato_store_id": "g-2", "marketplace": "shopify", "rollout": store_rollout}],
        "copywriter": {"new_prompt_percent": prompt}})


def made(settings: SellerSettings, artwork: str) -> set[tuple[str, str]]:
    return {(t.store.name, t.template.id) for t in rollout_for(settings, artwork).targets if t.held_back is None}


def test_the_bucket_is_the_artworks_own_and_about_uniform():
    assert bucket("store:shop", "a") == bucket("store:shop", "a")
    counts = Counter(bucket("store:shop", a) // 10 for a in ARTWORKS)
    assert set(counts) == set(range(10)) and max(counts.values()) < 2.0 * min(counts.values())


def test_a_percentage_takes_about_that_share_and_widening_keeps_everyone_in():
    in_at = {p: {a for a in ARTWORKS if ("shop", "poster") in made(seller(store_rollout=p), a)} for p in (0, 10, 50, 100)}
    assert not in_at[0] and in_at[100] == set(ARTWORKS)
    assert 0.07 < len(in_at[10]) / len(ARTWORKS) < 0.13 and 0.45 < len(in_at[50]) / len(ARTWORKS) < 0.55
    assert in_at[10] <= in_at[50] <= in_at[100]


def test_flags_pick_different_artworks():
    stores = {a for a in ARTWORKS if bucket("store:shop", a) < 50}
    templates = {a for a in ARTWORKS if bucket("template:mug", a) < 50}
    assert 0.35 < len(stores & templates) / len(stores) < 0.65


def test_a_held_back_target_is_listed_with_its_reason_and_full_rollouts_leave_no_trace():
    full = rollout_for(seller(), "a")
    assert full.decisions == [] and full.newest_prompt and all(t.held_back is None for t in full.targets)
    out = next(a for a in ARTWORKS if bucket("store:shop", a) >= 30)
    partial = rollout_for(seller(store_rollout=30), out)
    held = [t for t in partial.targets if t.held_back is not None]
    assert {(t.store.name, t.template.id) for t in held} == {("shop", "poster"), ("shop", "mug")}
    assert is_held_back(held[0].held_back.reason()) and "30%" in held[0].held_back.reason()
    assert partial.rows() == [{"flag": "store:shop", "percent": 30, "bucket": bucket("store:shop", out),
                               "included": False}]


def test_the_newest_prompt_goes_to_its_share():
    share = sum(rollout_for(seller(prompt=25), a).newest_prompt for a in ARTWORKS) / len(ARTWORKS)
    assert 0.2 < share < 0.3
    assert rollout_for(seller(prompt=0), "a").rows()[0]["flag"] == NEW_PROMPT_FLAG


def test_an_artwork_names_each_refused_template_once_with_its_stores_and_ignores_held_back_ones():
    from pod_pipeline.catalog.rows import ProductRow
    from pod_pipeline.publishing.product_status import artwork_outcome

    def row(store, template, status, reason=None):
        return ProductRow(id=f"{store}-{template}", artwork_id="a", template_id=template, user_id="u", store=store,
                          status=status, reason=reason)

    products = [row("etsy", "mug", "active"), row("shop", "mug", "active"),
                row("etsy", "poster", "skipped", "too small"), row("shop", "poster", "skipped", "too small"),
                row("etsy", "tee", "skipped", "rollout: template:tee is at 10%; this artwork's bucket is 50 (not yet)")]
    status, reason = artwork_outcome(products, {"mug": "Mug", "poster": "Poster", "tee": "T-shirt"})
    assert (status, reason) == ("partial", "Poster in etsy, shop: too small")
    assert artwork_outcome(products[:2] + products[4:]) == ("published", None)
    assert artwork_outcome(products[4:])[0] == "partial"
