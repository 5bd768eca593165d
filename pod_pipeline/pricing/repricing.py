"""Pricing many artworks at once against what the catalog already holds.

Every artwork's publishable variants join the rule table (variants × markets). The price of a
row depends only on its rule and, for the keep_profit / never_lower policies, on its previous
price and profit, so the Decimal work runs once per distinct (rule, previous price, previous
profit), a few dozen combinations however many artworks there are, and pandas joins the
results back. Old and new values are compared as canonical text, so "nothing changed" is exact
and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from pod_pipeline.catalog.prices import PRICE_KEY, PRICE_STORED
from pod_pipeline.catalog.rows import product_id_for
from pod_pipeline.pricing.money import COST_STEP, floor_cents, money_text, rate_text
from pod_pipeline.pricing.rules import RULE_KEY, price_for_profit, profit_of
from pod_pipeline.settings.pricing import RepricingPolicy, RoundingRule

ROW_KEY = PRICE_KEY
STORED = PRICE_STORED
_REASONS = ("new", "cost moved", "FX moved", "rule changed")


@dataclass(frozen=True)
class Repricing:
    rows: pd.DataFrame        # every priced row, with old_* columns, `changed` and `reason`
    removals: pd.DataFrame    # stored rows no longer priced (variant not sold there, template dropped)
    not_sold: pd.DataFrame    # variant × market pairs Gelato does not sell

    @property
    def changes(self) -> pd.DataFrame:
        return self.rows[self.rows["changed"]]


def _policy_price(rule_price: Decimal, old_price: str, old_profit: str, policy: RepricingPolicy,
                  cost: Decimal, fee_percent: Decimal, fee_fixed: Decimal, rounding: RoundingRule) -> Decimal:
    """The rule price is the floor (target margin and minimum profit); the policy decides above it."""
    if not old_price or policy == "keep_margin":
        return rule_price
    if policy == "never_lower":
        return max(rule_price, Decimal(old_price))
    return max(rule_price, price_for_profit(cost, fee_percent, fee_fixed, Decimal(old_profit), rounding))


def _price_combinations(combos: pd.DataFrame, policy: RepricingPolicy) -> pd.DataFrame:
    prices, profits, margins, deltas = [], [], [], []
    for row in combos.itertuples(index=False):
        rounding = RoundingRule(ending=row.ending, whole_units=row.whole_units)
        price = _policy_price(row.rule_price, row.ref_price, row.ref_profit, policy, row.cost_in_currency,
                              row.fee_percent, row.fee_fixed, rounding)
        profit = profit_of(price, row.cost_in_currency, row.fee_percent, row.fee_fixed)
        prices.append(money_text(price))
        profits.append(money_text(floor_cents(profit)))
        margins.append(str((profit / price).quantize(COST_STEP)))
        deltas.append(float(price - Decimal(row.ref_price)) if row.ref_price else 0.0)
    return combos.assign(price=prices, profit=profits, margin_kept=margins, price_delta=deltas)


def _reason(frame: pd.DataFrame) -> pd.Series:
    """Why a row changes, from which stored input differs (combined flags → one label each)."""
    new = frame["old_price"] == ""
    flags = pd.DataFrame({
        "new": new,
        "cost moved": ~new & (frame["old_cost"] != frame["cost"]),
        "FX moved": ~new & ((frame["old_fx_rate"] != frame["fx_rate"]) | (frame["old_fx_date"] != frame["fx_date"])),
        "rule changed": ~new & (frame["old_rule_id"] != frame["rule_id"]),
    })
    code = sum(flags[name].astype(int) * (1 << bit) for bit, name in enumerate(_REASONS))
    labels = {c: ", ".join(n for bit, n in enumerate(_REASONS) if c >> bit & 1) or "unchanged inputs"
              for c in range(1 << len(_REASONS))}
    return code.map(labels)


def reprice(wanted: pd.DataFrame, rules: pd.DataFrame, current: pd.DataFrame, policy: RepricingPolicy) -> Repricing:
    """`wanted`: artwork_id, template_id, template_variant_id of every publishable variant.
    `current`: the catalog's stored rows for those artworks (ROW_KEY + STORED, text)."""
    sold_rules = rules[rules["sold"]].copy()
    sold_rules["cost"] = sold_rules["cost"].map(str)  # already at COST_STEP
    sold_rules["fx_rate"] = sold_rules["fx_rate"].map(rate_text)
    sold_rules["fx_date"] = sold_rules["fx_date"].fillna("")
    pairs = ["template_id", "template_variant_id"]
    not_sold = wanted.merge(rules.loc[~rules["sold"], pairs + ["country", "currency", "basis"]], on=pairs)

    old = current.rename(columns={c: f"old_{c}" for c in STORED})
    frame = wanted.merge(sold_rules, on=pairs).merge(old, on=ROW_KEY, how="left")
    old_columns = [f"old_{c}" for c in STORED]
    frame[old_columns] = frame[old_columns].fillna("")

    # The policies' reference: the previous price and profit, unless they were in another
    # currency (the market's currency changed), where they mean nothing.
    same_currency = frame["old_currency"] == frame["currency"]
    frame["ref_price"] = frame["old_price"].where(same_currency, "")
    frame["ref_profit"] = frame["old_profit"].where(same_currency, "")
    combo_key = RULE_KEY + ["ref_price", "ref_profit"]
    combos = frame[combo_key].drop_duplicates().merge(
        sold_rules[RULE_KEY + ["rule_price", "cost_in_currency", "fee_percent", "fee_fixed", "ending", "whole_units"]],
        on=RULE_KEY)
    priced = _price_combinations(combos, policy)
    frame = frame.merge(priced[combo_key + ["price", "profit", "margin_kept", "price_delta"]], on=combo_key)
    frame["cost_in_currency"] = frame["cost_in_currency"].map(money_text)  # for the variant mirror only

    frame["changed"] = False
    for column in STORED:
        frame["changed"] |= frame[f"old_{column}"] != frame[column]
    frame["reason"] = _reason(frame)

    products = frame[["artwork_id", "template_id"]].drop_duplicates()
    products["product_id"] = [product_id_for(a, t) for a, t in zip(products["artwork_id"], products["template_id"])]
    frame = frame.merge(products, on=["artwork_id", "template_id"])

    kept = frame[ROW_KEY].assign(_kept=True)
    stale = current.merge(kept, on=ROW_KEY, how="left")
    removals = stale.loc[stale["_kept"].isna(), ROW_KEY].reset_index(drop=True)
    return Repricing(rows=frame, removals=removals, not_sold=not_sold)
