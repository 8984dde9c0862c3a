"""Platform metrics counted the way the platforms count them.

An order line (子订单) is the unit: its first after-sale decides whether it
counts, its sign-for (or payment) time places it in the 30-day window, and the
exclusions (gift, lucky bag, low price, abnormal, 秒退) take it out of both
numerator and denominator. Without an order export the denominator is unknown
and only counts are given — never a made-up rate.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diagnose.analysis.metrics import rules
from diagnose.analysis.metrics.orders import finish_order_facts
from diagnose.analysis.metrics.rules import DEFAULT_METRIC_CONFIG, Metric, MetricConfig
from diagnose.errors import InputError

OUTPUT_COLUMNS = ("scope", "key", "metric", "numerator", "denominator", "rate", "window_start", "window_end",
                  "excluded", "note")
EXTRA_COLUMNS = ("metric_zh", "contribution", "appeal_candidates", "rate_if_appeals_won", "estimate", "note_en",
                 "excluded_en", "metric_en")
SUB_ORDER_COLUMNS = ("sub_order_id", "商品单号", "子订单编号", "子订单号")
SHOP_KEY = "全店"


@dataclass
class MetricsResult:
    """The metric table (one row per shop/SKU and metric), the returns counted, and plain notes."""

    table: pd.DataFrame
    counted: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)


def _s(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip() \
        .replace({"nan": "", "<NA>": "", "None": "", "-": ""})


def _t(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    out = pd.to_datetime(frame[col], errors="coerce", format="mixed")
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_convert(None)
    return out


def window(as_of: _dt.date, days: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end): the `days` calendar days ending on `as_of` (both whole days included)."""
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    return end - pd.Timedelta(days=days), end


def _line_keys(orders: pd.DataFrame) -> pd.Series:
    sub = _s(orders, "sub_order_id")
    fallback = _s(orders, "order_id") + "#" + _s(orders, "sku")
    return sub.where(sub != "", fallback)


def _match_returns(returns: pd.DataFrame, orders: pd.DataFrame, line_key: pd.Series) -> pd.Series:
    """Each return's order line key ('' when the order file has no such line).

    By sub-order id where both files have one, else by order id + SKU, else
    by order id when that order has exactly one line.
    """
    out = pd.Series([""] * len(returns), index=returns.index, dtype=object)
    keys = set(line_key)
    for col in SUB_ORDER_COLUMNS:
        if col in returns.columns:
            sub = _s(returns, col)
            hit = sub.isin(keys) & (sub != "")
            out[hit] = sub[hit]
            break
    pair = pd.Series(line_key.to_numpy(), index=(_s(orders, "order_id") + "#" + _s(orders, "sku")).to_numpy())
    pair = pair[~pair.index.duplicated()]
    rkey = _s(returns, "order_id") + "#" + _s(returns, "sku")
    todo = out == ""
    out[todo] = rkey[todo].map(pair).fillna("")
    oid = _s(orders, "order_id")
    single = line_key.groupby(oid.to_numpy()).agg(["first", "size"])
    single = single.loc[single["size"] == 1, "first"]
    todo = out == ""
    out[todo] = _s(returns, "order_id")[todo].map(single).fillna("")
    return out


def first_returns(returns: pd.DataFrame, line: pd.Series) -> pd.DataFrame:
    """One row per order line: its first after-sale (earliest application; file order breaks ties)."""
    df = returns.assign(_line=line.to_numpy(), _applied=_t(returns, "applied_at").to_numpy(),
                        _pos=np.arange(len(returns)))
    df = df[df["_line"] != ""].sort_values(["_line", "_applied", "_pos"], na_position="last", kind="stable")
    return df.drop_duplicates("_line", keep="first").set_index("_line")


def _reason_text(frame: pd.DataFrame) -> pd.Series:
    reason = _s(frame, "platform_reason")
    tag = _s(frame, "售后原因标签")
    return reason + np.where(tag.str.contains("品质", regex=False), "（商品品质原因）", "")


def _exclusions(lines: pd.DataFrame, first: pd.DataFrame, cfg: MetricConfig) -> pd.Series:
    """Per order line: '' or the first exclusion kind that applies."""
    title = _s(lines, "product_title")
    qty = pd.to_numeric(lines.get("quantity"), errors="coerce").fillna(1).clip(lower=1)
    unit = lines["unit_price"].where(lines["unit_price"].notna(), lines["line_amount"] / qty)
    applied = _t(first, "applied_at").reindex(lines["_line"]).to_numpy()
    signed_ret = _t(first, "signed_at").reindex(lines["_line"]).to_numpy()
    limit = np.timedelta64(int(cfg.fast_refund_minutes * 60), "s")
    fast = np.zeros(len(lines), dtype=bool)
    for ref in (lines["paid_at"].to_numpy(), lines["signed_at"].to_numpy(), signed_ret):
        gap = applied - ref
        ok = ~pd.isna(gap)
        fast |= ok & (gap >= np.timedelta64(0, "s")) & (gap <= limit)
    checks = {
        "gift": lines["gift"].to_numpy() | title.str.contains("赠品", regex=False).to_numpy(),
        "lucky_bag": lines["lucky_bag"].to_numpy() | title.str.contains("福袋", regex=False).to_numpy(),
        "low_price": (unit < cfg.low_price_yuan).fillna(False).to_numpy(),
        "abnormal": lines["abnormal"].to_numpy(),
        "fast_refund": fast,
    }
    kind = np.full(len(lines), "", dtype=object)
    for k in reversed(rules.EXCLUSION_KINDS):  # the first kind in the list wins
        kind[checks[k]] = k
    return pd.Series(kind, index=lines.index)


def _sign_times(lines: pd.DataFrame, first: pd.DataFrame) -> tuple[pd.Series, str, str]:
    """The time that places a line in a signed-for window, and notes on where it came from."""
    signed = lines["signed_at"]
    from_returns = _t(first, "signed_at").reindex(lines["_line"]).set_axis(lines.index)
    if signed.notna().any():
        return signed.fillna(from_returns), "", ""
    if lines["completed_at"].notna().any():
        return (lines["completed_at"],
                "订单导出没有签收时间列：以订单完成时间代替签收时间（估算）",
                "the order export has no sign-for time: 订单完成时间 (completion) used instead (estimate)")
    paid = lines["paid_at"].fillna(lines["ordered_at"]) if "ordered_at" in lines else lines["paid_at"]
    return (paid, "订单导出没有签收或完成时间：窗口按付款/下单时间（估算）",
            "the order export has no sign-for or completion time: window by payment/order time (estimate)")


def _ratings_low(lines: pd.DataFrame, ratings: pd.DataFrame | None, cfg: MetricConfig) -> np.ndarray:
    if ratings is None:
        return np.zeros(len(lines), dtype=bool)
    low = ratings.loc[pd.to_numeric(ratings["score"], errors="coerce") <= cfg.low_rating_max, "order_id"]
    low = set(low.astype(str).str.strip())
    return _s(lines, "order_id").isin(low).to_numpy() | _s(lines, "sub_order_id").isin(low).to_numpy()


def _excluded_text(kinds: pd.Series, cfg: MetricConfig, lang: str) -> str:
    counts = kinds.value_counts()
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{rules.exclusion_label(k, cfg, lang)}:{int(counts.get(k, 0))}" for k in rules.EXCLUSION_KINDS)


def _excluded(kinds: pd.Series, cfg: MetricConfig) -> tuple[str, str]:
    """The exclusion counts in Chinese and in English (the ``excluded`` / ``excluded_en`` columns)."""
    return _excluded_text(kinds, cfg, "zh"), _excluded_text(kinds, cfg, "en")


def platform_metrics(
    returns: pd.DataFrame,
    orders: pd.DataFrame | None,
    *,
    platform: str,
    as_of: _dt.date,
    config: MetricConfig | None = None,
    ratings: pd.DataFrame | None = None,
    appeal_ids: set[str] | None = None,
) -> MetricsResult:
    """Every metric of `platform`, for the shop and per SKU, as of `as_of`.

    `returns` is the read (or tagged) return table; `orders` an order table
    (`read_order_facts`) or None; `ratings` a table of order_id and score
    (Taobao 描述相符 stars); `appeal_ids` the return ids an appeal screener
    holds to be misjudgements (they give the what-if rate).
    """
    if platform not in rules.METRICS:
        raise InputError(f"unknown platform {platform!r}", hint="use one of " + ", ".join(rules.PLATFORMS),
                         code="unknown_platform",
                         params={"platform": str(platform), "choices": ", ".join(rules.PLATFORMS)})
    if "platform_reason" not in returns.columns or not (_s(returns, "platform_reason") != "").any():
        raise InputError("the return export has no after-sale reason (售后原因) values",
                         hint="the metric counts returns by their first after-sale reason; "
                              "use --map platform_reason=<header> if the column has another name",
                         code="metrics_no_reason")
    cfg = config or DEFAULT_METRIC_CONFIG
    start, end = window(as_of, cfg.window_days)
    appeal_ids = appeal_ids or set()
    if orders is None:
        return _counts_only(returns, platform, start, end, cfg, appeal_ids)
    lines = finish_order_facts(orders).reset_index(drop=True)
    lines["_line"] = _line_keys(lines).to_numpy()
    lines = lines.drop_duplicates("_line", keep="first").reset_index(drop=True)
    rline = _match_returns(returns, lines, lines["_line"])
    first = first_returns(returns, rline)
    reason = _reason_text(first).reindex(lines["_line"]).fillna("").to_numpy()
    excl = _exclusions(lines, first, cfg)
    signed, note_zh, note_en = _sign_times(lines, first)
    paid = lines["paid_at"].fillna(lines["ordered_at"])
    low_rating = _ratings_low(lines, ratings, cfg)
    rid = _s(first, "return_id").reindex(lines["_line"]).fillna("").to_numpy()
    rows, counted = [], []
    for m in rules.METRICS[platform]:
        when = signed if m.window_on == "signed" else paid
        in_window = (when >= start) & (when < end)
        hit = np.array([rules.is_quality_reason(r) if m.reason == "quality" else rules.is_damage_reason(r)
                        for r in reason], dtype=bool)
        if m.uses_ratings:
            hit = hit | low_rating
        frame = pd.DataFrame({"sku": _s(lines, "sku").to_numpy(), "valid": (in_window & (excl == "")).to_numpy(),
                              "hit": hit, "appeal": np.isin(rid, list(appeal_ids)) & (rid != ""),
                              "excl": excl.where(in_window, "").to_numpy()})
        rows += _metric_rows(frame, m, cfg, start, end, note_zh, note_en, ratings is not None)
        sel = frame["valid"].to_numpy() & hit
        counted.append(_counted(first, lines[sel], m, when[sel], frame["appeal"].to_numpy()[sel]))
    unmatched = int((rline == "").sum())
    notes, notes_en = _notes(unmatched, note_zh, note_en)
    table = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS + EXTRA_COLUMNS))
    return MetricsResult(table, pd.concat(counted, ignore_index=True), notes, notes_en)


def _notes(unmatched: int, note_zh: str, note_en: str) -> tuple[list[str], list[str]]:
    zh, en = [], []
    if note_zh:
        zh.append(note_zh)
        en.append(note_en)
    if unmatched:
        zh.append(f"{unmatched} 条售后在订单导出中找不到对应订单行，未计入（订单可能早于订单导出的时间范围）")
        en.append(f"{unmatched} after-sales have no matching order line in the order export and are not counted "
                  "(their orders may be older than the export)")
    return zh, en


def _rate_row(scope: str, key: str, m: Metric, num: int, den: int | None, start, end, excluded: tuple[str, str],
              note: str, note_en: str, shop_den: int | None = None, appeals: int = 0) -> dict:
    rate = (num / den) if den else np.nan
    contribution = (num / shop_den) if shop_den else np.nan
    won = ((num - appeals) / den) if den else np.nan
    return {"scope": scope, "key": key, "metric": m.key, "numerator": num,
            "denominator": den if den is not None else np.nan, "rate": rate,
            "window_start": start.date().isoformat(), "window_end": (end - pd.Timedelta(days=1)).date().isoformat(),
            "excluded": excluded[0], "note": note, "metric_zh": m.zh, "contribution": contribution,
            "appeal_candidates": appeals, "rate_if_appeals_won": won, "estimate": m.estimate, "note_en": note_en,
            "excluded_en": excluded[1], "metric_en": m.en}


def _metric_rows(frame: pd.DataFrame, m: Metric, cfg: MetricConfig, start, end, note_zh: str, note_en: str,
                 has_ratings: bool) -> list[dict]:
    valid = frame[frame["valid"]]
    den = len(valid)
    num = int(valid["hit"].sum())
    zh = [note_zh] if note_zh else []
    en = [note_en] if note_en else []
    if m.estimate:
        zh.append("估算：平台未公开公式或导出无法复现平台判定")
        en.append("estimate: the platform's formula is not public or its rulings are not in the export")
    if m.uses_ratings and not has_ratings:
        zh.append("未提供评价文件：只含退款部分，不含 1-2 星描述相符评价")
        en.append("no ratings file: refund part only, without 1-2 star as-described ratings")
    if den < cfg.min_valid_orders:
        zh.append(f"有效订单 {den} 单，少于 {cfg.min_valid_orders} 单：店铺处于成长期（平台按固定分计）")
        en.append(f"{den} valid orders, fewer than {cfg.min_valid_orders}: the shop is in the growth stage")
    appeals = int((valid["hit"] & valid["appeal"]).sum())
    excluded = _excluded(frame.loc[frame["excl"] != "", "excl"], cfg)
    rows = [_rate_row("shop", SHOP_KEY, m, num, den, start, end, excluded, "；".join(zh), "; ".join(en),
                      den, appeals)]
    per = frame.groupby("sku", sort=True)
    for sku, g in per:
        v = g[g["valid"]]
        if not len(v) and not (g["excl"] != "").any():
            continue
        n_hit = int(v["hit"].sum())
        rows.append(_rate_row("sku", sku or "（无商家编码）", m, n_hit, len(v), start, end,
                              _excluded(g.loc[g["excl"] != "", "excl"], cfg), "", "", den,
                              int((v["hit"] & v["appeal"]).sum())))
    shop, skus = rows[0], rows[1:]
    skus.sort(key=lambda r: (-r["numerator"], str(r["key"])))
    return [shop] + skus


COUNTED_COLUMNS = ("metric", "return_id", "order_id", "sub_order_id", "sku", "product_title", "first_reason",
                   "applied_at", "window_time", "appeal_candidate", "deadline", "arbitration")


def _counted(first: pd.DataFrame, lines: pd.DataFrame, m: Metric, when: pd.Series, appeal) -> pd.DataFrame:
    f = first.reindex(lines["_line"])
    return pd.DataFrame({
        "metric": m.key,
        "return_id": _s(f, "return_id").to_numpy(),
        "order_id": _s(lines, "order_id").to_numpy(),
        "sub_order_id": _s(lines, "sub_order_id").to_numpy(),
        "sku": _s(lines, "sku").to_numpy(),
        "product_title": _s(lines, "product_title").to_numpy(),
        "first_reason": _reason_text(f).to_numpy() if len(f) else np.array([], dtype=object),
        "applied_at": _t(f, "applied_at").to_numpy(),
        "window_time": when.to_numpy(),
        "appeal_candidate": np.asarray(appeal, dtype=bool),
        "deadline": _s(f, "自动处理截止时间").to_numpy(),
        "arbitration": _s(f, "仲裁状态").to_numpy(),
    }, columns=list(COUNTED_COLUMNS))


def _counts_only(returns: pd.DataFrame, platform: str, start, end, cfg: MetricConfig,
                 appeal_ids: set[str]) -> MetricsResult:
    """No order export: the returns that would count, by SKU, and no rate."""
    line = _s(returns, "order_id") + "#" + _s(returns, "sku")
    line = line.where(_s(returns, "order_id") != "", "row" + pd.Series(np.arange(len(returns)), index=returns.index).astype(str))
    first = first_returns(returns, line)
    when = _t(first, "signed_at").fillna(_t(first, "applied_at"))
    in_window = (when >= start) & (when < end)
    reason = _reason_text(first)
    rid = _s(first, "return_id")
    note = "没有订单导出：分母（窗口内签收订单数）未知，只给出计数，不给比率"
    note_en = "no order export: the denominator (orders signed for in the window) is unknown; counts only, no rate"
    rows, counted = [], []
    for m in rules.METRICS[platform]:
        hit = reason.map(rules.is_quality_reason if m.reason == "quality" else rules.is_damage_reason).astype(bool)
        sel = (in_window & hit).to_numpy()
        sub = first[sel]
        appeal = rid[sel].isin(appeal_ids).to_numpy()
        rows.append(_rate_row("shop", SHOP_KEY, m, int(sel.sum()), None, start, end, ("", ""), note, note_en,
                              None, int(appeal.sum())))
        for sku, g in pd.DataFrame({"sku": _s(sub, "sku"), "a": appeal}).groupby("sku", sort=True):
            rows.append(_rate_row("sku", sku or "（无商家编码）", m, len(g), None, start, end, ("", ""), "", "", None,
                                  int(g["a"].sum())))
        lines = pd.DataFrame({"_line": sub.index, "order_id": _s(sub, "order_id").to_numpy(),
                              "sub_order_id": "", "sku": _s(sub, "sku").to_numpy(),
                              "product_title": _s(sub, "product_title").to_numpy()})
        counted.append(_counted(first, lines, m, when[sel], appeal))
    table = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS + EXTRA_COLUMNS))
    return MetricsResult(table, pd.concat(counted, ignore_index=True), [note], [note_en])
