"""Plain references for the follow-up tables: one full-table mask per SKU, as first written.

`diagnose.analysis.followup` narrows the table to the columns it reads and
groups the rows of each SKU once; these are the straightforward loops it
replaced (a boolean mask over every row and every column per SKU), kept so
tests/test_perf_equivalence.py can check that the fast versions give the same
tables. They share the smaller helpers (describing a spike, the advice text)
with the library.
"""
from __future__ import annotations

import pandas as pd

from diagnose.analysis.followup import spikes as S
from diagnose.analysis.followup import timeline
from diagnose.analysis.followup.config import DEFAULTS, FollowupSettings
from diagnose.analysis.followup.sizing import direction_of, parse_sizes, spec_column, _advice
from diagnose.store import redact_contacts


def _flag_weeks_plain(counts: pd.Series, orders: pd.Series | None, s: FollowupSettings) -> list[tuple]:
    flagged: list[tuple] = []
    clean: list[pd.Timestamp] = []
    for week, c in counts.items():
        history = clean[-s.baseline_weeks:]
        c = int(c)
        if len(history) >= s.min_baseline_weeks and c >= s.min_spike_returns:
            seen = float(counts.loc[history].sum())
            if orders is not None:
                exposure, base = float(orders.get(week, 0.0)), float(orders.reindex(history).fillna(0).sum())
            else:
                exposure, base = 1.0, float(len(history))
            if exposure > 0 and base > 0:
                expected = max(seen, s.baseline_floor) * exposure / base
                p = S._test(c, seen, exposure / (exposure + base))
                if c >= s.spike_ratio * expected and p < s.spike_alpha:
                    flagged.append((week, c, expected, p))
                    continue
        clean.append(week)
    return flagged


def quality_spikes_plain(tagged: pd.DataFrame, orders: pd.DataFrame | None = None,
                         suppliers: pd.DataFrame | None = None, settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    if len(tagged) == 0 or "sku" not in tagged.columns:
        return pd.DataFrame(columns=list(S.SPIKE_COLUMNS))
    tagged, cols = S._with_supplier(tagged, suppliers)
    applied = S._week(timeline.applied_days(tagged))
    ordered = S._week(timeline.order_dates(tagged, orders).dt.normalize())
    matched = timeline.in_orders(tagged, orders).to_numpy(bool)
    is_quality = (tagged["reason"].astype("string") == "quality").fillna(False).to_numpy(bool)
    order_weeks = None
    if orders is not None and len(orders) and "ordered_at" in orders.columns and "sku" in orders.columns:
        ow = S._week(timeline._parse(orders["ordered_at"]).dt.normalize())
        order_weeks = ow.groupby([orders["sku"].astype("string"), ow]).size()
    skus = tagged["sku"].astype("string")
    out = []
    for sku in sorted(skus[is_quality].dropna().unique()):
        of_sku = (skus == sku).fillna(False).to_numpy(bool) & is_quality
        has_orders = order_weeks is not None and sku in order_weeks.index.get_level_values(0)
        if has_orders and (of_sku & matched).any():
            keep = of_sku & matched
            weeks, span = ordered[keep], S._span(ordered[matched])
            per_order = order_weeks.loc[sku].reindex(span, fill_value=0).astype(float)
        else:
            keep = of_sku & applied.notna().to_numpy(bool)
            weeks, span, per_order = applied[keep], S._span(applied), None
        rows = tagged[keep]
        for run in S._runs(_flag_weeks_plain(S._series(weeks, span), per_order, settings)):
            out.append(S._describe(sku, run, rows, weeks, cols))
    frame = pd.DataFrame(out, columns=list(S.SPIKE_COLUMNS))
    return frame.sort_values(["amount", "sku"], ascending=[False, True]).reset_index(drop=True)


def _one_sku_plain(rows: pd.DataFrame, spec: str | None, s: FollowupSettings) -> dict:
    from collections import Counter

    texts = rows["buyer_text"].astype("string").fillna("") if "buyer_text" in rows.columns else \
        pd.Series("", index=rows.index, dtype="string")
    subs = rows["sub_reason"] if "sub_reason" in rows.columns else pd.Series("", index=rows.index)
    dirs = [direction_of(sb, tx) for sb, tx in zip(subs, texts)]
    counts = Counter(dirs)
    total = len(rows)
    top, n = max((("small", counts["small"]), ("large", counts["large"])), key=lambda kv: kv[1])
    direction = top if total and n / total >= s.direction_share else "mixed"
    way = [i for i, d in enumerate(dirs) if d == direction] if direction != "mixed" else list(range(total))
    source_sizes: Counter = Counter()
    source = "buyer text"
    if spec is not None:
        for i in way:
            source_sizes.update(parse_sizes(rows[spec].iloc[i]).sizes[:1])
        source = "spec column"
    if not source_sizes:
        source = "buyer text"
        for i in way:
            source_sizes.update(parse_sizes(texts.iloc[i]).sizes)
    named = [size for size, _ in source_sizes.most_common(2)]
    zh, en = _advice(n if direction != "mixed" else total, total, direction, named, s)
    examples = [redact_contacts(str(texts.iloc[i])) for i in way if str(texts.iloc[i]).strip()]
    return {
        "sizing_returns": total, "direction": direction, "direction_returns": n if direction != "mixed" else 0,
        "direction_share": (n / total) if total else 0.0, "small": counts["small"], "large": counts["large"],
        "fit": counts["fit"], "sizes": ", ".join(f"{k} ×{v}" for k, v in source_sizes.most_common(4)),
        "size_source": source if source_sizes else "", "advice_zh": zh, "advice_en": en,
        "examples": "\n".join(list(dict.fromkeys(examples))[:3]),
    }


def size_advice_plain(tagged: pd.DataFrame, settings: FollowupSettings = DEFAULTS) -> pd.DataFrame:
    cols = ["sku", "product_title", "sizing_returns", "direction", "direction_returns", "direction_share",
            "small", "large", "fit", "sizes", "size_source", "advice_zh", "advice_en", "examples"]
    if len(tagged) == 0 or "sku" not in tagged.columns:
        return pd.DataFrame(columns=cols)
    sizing = tagged[(tagged["reason"].astype("string") == "sizing").fillna(False).to_numpy(bool)]
    spec = spec_column(tagged)
    out = []
    for sku, rows in sizing.groupby(sizing["sku"].astype("string"), sort=True):
        if len(rows) < settings.min_sizing_returns:
            continue
        title = rows["product_title"].dropna().astype(str) if "product_title" in rows.columns else pd.Series([])
        rec = {"sku": sku, "product_title": title.mode().iloc[0] if len(title) else ""}
        rec.update(_one_sku_plain(rows, spec, settings))
        out.append(rec)
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values(["sizing_returns", "sku"], ascending=[False, True]).reset_index(drop=True)
