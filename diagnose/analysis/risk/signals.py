"""The per-row risk signals: text, timing, value and the dropdown conflict.

Each is registered with its maximum points; all numbers come from
`ctx.cfg` (`RiskConfig`). Group signals (buyer history, templates, shared
contacts, order share) are in `signals_group`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from diagnose import taxonomy
from diagnose.analysis.risk._util import (
    _blank,
    _col,
    _dt,
    _fixed,
    _ints,
    _join_parts,
    _num,
    _o,
    _put,
    _text,
    _yuan,
)
from diagnose.analysis.risk.registry import Context, Fired, Skipped, signal, weight_of

CUE_ZH = {"threat": "威胁差评/投诉", "compensation": "索要赔偿", "used": "用后/吃完再退",
          "rwr": "仅退款不退货"}
CUE_EN = {"threat": "threat of bad review/complaint", "compensation": "compensation demand",
          "used": "refund after use", "rwr": "refund without return"}


@signal("text_model", weight=40, zh="文本模型恶意概率", en="text model malicious probability", rank=10)
def text_model(ctx: Context) -> Fired | Skipped:
    """Classifier p_malicious above the floor, linear to full points; damped when a defect is named."""
    p = _num(_col(ctx.df, "p_malicious"))
    if p is None:
        return Skipped("文本模型恶意概率（缺少 p_malicious 列）", "text model probability (no p_malicious column)")
    cfg = ctx.cfg
    pv = p.fillna(0).to_numpy()
    pts = weight_of("text_model") * np.clip((pv - cfg.text_model_floor) / cfg.text_model_span, 0, 1)
    pts = np.where(ctx.defect, pts * cfg.text_model_defect_keep, pts)
    fired = pts >= cfg.fire_min_points
    zh, en = ctx.blank()
    ps = _fixed(pv[fired])
    _put(zh, fired, "文本模型判定恶意退款概率 " + ps)
    _put(en, fired, "text model: malicious-refund probability " + ps)
    return Fired(np.where(fired, pts, 0), zh, en)


@signal("text_cues", weight=40, zh="威胁/索赔/用后退/仅退款用语", en="threat / compensation / used / refund-only words",
        rank=20)
def text_cues(ctx: Context) -> Fired | Skipped:
    """Threat, conditional threat, compensation, used-then-refund and refund-without-return words."""
    if not ctx.has_text:
        return Skipped("说明文字用语（缺少买家说明列）", "text cue words (no buyer_text column)")
    tf, n, cfg = ctx.tf, ctx.n, ctx.cfg
    cp = cfg.cue_points()
    cond = tf["cue_cond_threat"]
    threat = tf["cue_threat"] | cond
    comp, used, rwr_words = (tf[f"cue_{k}"] for k in ("compensation", "used", "rwr"))
    # used/eaten + refund-only: nothing is coming back, the same pattern as 仅退款不退货
    used_ro = used & ctx.refund_only & ~rwr_words
    rwr = rwr_words | used_ro
    raw = (np.where(cond, cp["cond_threat"], np.where(threat, cp["threat"], 0))
           + comp * cp["compensation"] + used * cp["used"] + rwr * cp["rwr"])
    raw = np.minimum(raw, weight_of("text_cues")).astype(float)
    pts = np.where(ctx.defect, raw * cfg.defect_damping, raw)
    fired = raw > 0
    zh_bits, en_bits = [], []
    for key, flag in (("threat", threat), ("compensation", comp), ("used", used), ("rwr", rwr)):
        word = tf[f"word_{key}"]
        if key == "rwr":
            word = np.where(used_ro, "用后申请仅退款", word)
        z, e = _blank(n), _blank(n)
        _put(z, flag, CUE_ZH[key] + "（" + word[flag] + "）")
        _put(e, flag, CUE_EN[key] + " (" + word[flag] + ")")
        zh_bits.append(z)
        en_bits.append(e)
    zh = np.where(fired, "说明含", "").astype(object) + _join_parts(zh_bits, "、", n)
    en = np.where(fired, "text contains ", "").astype(object) + _join_parts(en_bits, ", ", n)
    damp = fired & ctx.defect
    dw = ctx.defect_word
    _put(zh, damp, zh[damp] + "，但同时描述了具体问题（" + dw[damp] + "），已降权")
    _put(en, damp, en[damp] + ", but also describes a concrete problem (" + dw[damp] + "), weighted down")
    return Fired(pts, zh, en)


def _timing(ctx: Context) -> tuple[np.ndarray | None, Skipped | None, Skipped | None]:
    """Minutes from sign-for to application, or the two skip reasons."""
    applied = _dt(_col(ctx.df, "applied_at"))
    signed = _dt(_col(ctx.df, "signed_at"))
    if applied is not None and signed is not None:
        return ((applied - signed).dt.total_seconds() / 60.0).to_numpy(), None, None
    miss = "签收时间 signed_at" if signed is None else "申请时间 applied_at"
    miss_en = "signed_at" if signed is None else "applied_at"
    return (None, Skipped(f"签收后秒退（缺少{miss}列）", f"return seconds after sign-for (no {miss_en} column)"),
            Skipped(f"签收很久后才退（缺少{miss}列）", f"return long after sign-for (no {miss_en} column)"))


@signal("fast_after_sign", weight=20, zh="签收后秒退", en="return seconds after sign-for", rank=50)
def fast_after_sign(ctx: Context) -> Fired | Skipped:
    """Applied within `fast_minutes` of sign-for (秒退); damped when a defect is named at the door."""
    minutes, skip, _ = _timing(ctx)
    if minutes is None:
        return skip
    cfg = ctx.cfg
    fast = ~np.isnan(minutes) & (minutes >= 0) & (minutes <= cfg.fast_minutes)
    pts = np.where(fast, weight_of("fast_after_sign") * np.where(ctx.defect, cfg.fast_defect_keep, 1.0), 0)
    zh, en = ctx.blank()
    secs = minutes[fast] * 60
    span_zh = np.where(secs < 60, _ints(secs) + " 秒", _ints(secs / 60) + " 分钟").astype(object)
    span_en = np.where(secs < 60, _ints(secs) + " s", _ints(secs / 60) + " min").astype(object)
    thr = f"{cfg.fast_minutes:g}"
    _put(zh, fast, "签收后 " + span_zh + f"即申请售后（秒退，阈值 {thr} 分钟）")
    _put(en, fast, "applied " + span_en + f" after sign-for (threshold {thr} min)")
    return Fired(pts, zh, en)


@signal("long_after_sign", weight=20, zh="签收很久后才退", en="return long after sign-for", rank=60)
def long_after_sign(ctx: Context) -> Fired | Skipped:
    """Applied more than `long_days` after sign-for, more when the text admits use."""
    minutes, _, skip = _timing(ctx)
    if minutes is None:
        return skip
    cfg = ctx.cfg
    days = minutes / 1440.0
    long_ = ~np.isnan(minutes) & (days > cfg.long_days)
    frac = np.clip((days - cfg.long_days) / max(cfg.very_long_days - cfg.long_days, 1e-9), 0, 1)
    used_words = ctx.tf["cue_used"]
    base = cfg.long_base + cfg.long_ramp * frac + np.where(used_words, cfg.long_used_bonus, 0)
    pts = np.where(long_, base * np.where(ctx.defect, cfg.long_defect_keep, 1.0), 0)
    zh, en = ctx.blank()
    thr = f"{cfg.long_days:g}"
    lu = long_ & used_words
    _put(zh, long_, "签收 " + _ints(np.floor(days[long_])) + f" 天后才申请售后（阈值 {thr} 天）")
    _put(en, long_, "applied " + _ints(np.floor(days[long_])) + f" days after sign-for (threshold {thr} days)")
    _put(zh, lu, zh[lu] + "，且说明承认已使用")
    _put(en, lu, en[lu] + ", and the text says it was used")
    return Fired(pts, zh, en)


def _value_refs(ctx: Context, a: np.ndarray):
    """Shop (or whole-data) quantile and median of amounts, and the SKU median per unit."""
    cfg, n, df = ctx.cfg, ctx.n, ctx.df
    shop_codes, _ = pd.factorize(_text(_col(df, "shop"), n))
    qty = _num(_col(df, "quantity"))
    unit = a / np.maximum(qty.fillna(1).to_numpy(), 1) if qty is not None else a
    gdf = pd.DataFrame({"shop": shop_codes, "sku": _text(_col(df, "sku"), n), "a": a, "u": unit})
    by_shop = gdf.groupby("shop")["a"]
    use_shop = by_shop.count().reindex(shop_codes).to_numpy() >= cfg.shop_min_rows
    ref_q = np.where(use_shop, by_shop.quantile(cfg.high_value_quantile).reindex(shop_codes).to_numpy(),
                     float(np.nanquantile(a, cfg.high_value_quantile)))
    ref_med = np.where(use_shop, by_shop.median().reindex(shop_codes).to_numpy(), float(np.nanmedian(a)))
    sku_key = gdf["sku"].where(gdf["sku"] != "", None)
    by_sku = gdf.groupby(sku_key)["u"]
    sk_n = by_sku.count().reindex(sku_key).to_numpy()
    sk_med = by_sku.median().reindex(sku_key).to_numpy()
    sk_ok = (np.nan_to_num(sk_n) >= cfg.sku_min_rows) & (np.nan_to_num(sk_med) > 0)
    return unit, use_shop, ref_q, ref_med, sk_med, sk_ok


@signal("high_value_refund_only", weight=20, zh="高金额仅退款", en="high-value refund-only", rank=70)
def high_value_refund_only(ctx: Context) -> Fired | Skipped:
    """Refund-only in the shop's top amounts, or far above the SKU's median refund per unit."""
    if ctx.rtype is None or ctx.amount is None:
        miss = "售后类型 return_type" if ctx.rtype is None else "金额 amount"
        return Skipped(f"高金额仅退款（缺少{miss}列）",
                       f"high-value refund-only (no {'return_type' if ctx.rtype is None else 'amount'} column)")
    cfg = ctx.cfg
    a = ctx.amount.to_numpy()
    unit, use_shop, ref_q, ref_med, sk_med, sk_ok = _value_refs(ctx, a)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_shop = (a >= ref_q) & (a > cfg.high_value_median_ratio * ref_med)
        ratio = np.where(sk_ok, unit / np.where(sk_ok, sk_med, 1), 0)
    by_sku = sk_ok & (ratio >= cfg.sku_ratio)
    fired = ctx.refund_only & (a > 0) & (by_shop | by_sku)
    pts = np.where(fired, weight_of("high_value_refund_only") * np.where(ctx.defect, cfg.high_value_defect_keep, 1.0), 0)
    zh, en = ctx.blank()
    fs = fired & by_shop
    scope_zh = np.where(use_shop[fs], "本店", "本数据").astype(object)
    scope_en = np.where(use_shop[fs], "this shop's", "the data's").astype(object)
    pq = int(round(cfg.high_value_quantile * 100))
    top = 100 - pq
    _put(zh, fs, "仅退款 " + _yuan(a[fs]) + "，位于" + scope_zh + f"退款金额的前 {top}%（P{pq} " + _yuan(ref_q[fs])
         + "，中位数 " + _yuan(ref_med[fs]) + "）")
    _put(en, fs, "refund-only " + _yuan(a[fs]) + f" is in the top {top}% of " + scope_en + f" refunds (P{pq} "
         + _yuan(ref_q[fs]) + ", median " + _yuan(ref_med[fs]) + ")")
    fk = fired & ~by_shop
    ratio_s = _fixed(ratio[fk], 1)
    _put(zh, fk, "仅退款每件 " + _yuan(unit[fk]) + "，为该商品每件退款中位数 " + _yuan(sk_med[fk]) + " 的 " + ratio_s + " 倍")
    _put(en, fk, "refund-only " + _yuan(unit[fk]) + " per unit is " + ratio_s + "x the SKU's median refund per unit "
         + _yuan(sk_med[fk]))
    return Fired(pts, zh, en)


@signal("dropdown_conflict", weight=15, zh="下拉原因与说明矛盾", en="dropdown reason contradicts the text", rank=80)
def dropdown_conflict(ctx: Context) -> Fired | Skipped:
    """A quality/description dropdown whose words give a buyer-side reason, no defect, or nothing."""
    if ctx.dropdown is None:
        return Skipped("下拉原因与说明矛盾（缺少下拉原因列）", "dropdown/text conflict (no dropdown reason column)")
    cfg, kind, n = ctx.cfg, ctx.conflict, ctx.n
    kind_pts = {"buyer_side": cfg.conflict_buyer_side, "no_defect": cfg.conflict_no_defect,
                "no_text": cfg.conflict_no_text, "vague": cfg.conflict_vague}
    pts = np.zeros(n)
    zh, en = ctx.blank()
    sel = kind != ""
    if sel.any():  # strings only for the rows that conflict
        pr = _o(_text(_col(ctx.df, "platform_reason"), n)[sel])
        names = ctx.dropdown[sel].map({k: taxonomy.label_name(k, "zh") for k in taxonomy.LABELS}).fillna("")
        pr = np.where(pr != "", pr, _o(names)).astype(object)
        ks = kind[sel]
        bw = ctx.tf["word_buyer_side"][sel]
        bw = np.where(bw != "", bw, "买家原因").astype(object)
        vw = ctx.tf["word_vague"][sel]
        vw_zh = np.where(vw != "", "（" + vw + "）", "").astype(object)
        vw_en = np.where(vw != "", " (" + vw + ")", "").astype(object)
        head_zh = "下拉原因为「" + pr + "」，"
        head_en = "dropdown says '" + pr + "' "
        texts = {
            "buyer_side": ("但说明为买家个人原因（" + bw + "），未描述缺陷",
                           "but the text gives a buyer-side reason (" + bw + ") and no defect"),
            "no_defect": ("但说明未描述任何具体缺陷", "but the text describes no defect"),
            "no_text": ("买家未填写说明", "and the buyer wrote nothing"),
            "vague": ("说明只笼统地称有问题" + vw_zh + "，未描述具体缺陷",
                      "and the text only claims a problem" + vw_en + " without naming it"),
        }
        zs, es = _blank(len(ks)), _blank(len(ks))
        for k, (tz, te) in texts.items():
            m = ks == k
            if m.any():
                zs[m] = head_zh[m] + (tz[m] if isinstance(tz, np.ndarray) else tz)
                es[m] = head_en[m] + (te[m] if isinstance(te, np.ndarray) else te)
        zh[sel] = zs
        en[sel] = es
        for k, v in kind_pts.items():
            pts[kind == k] = v
    return Fired(pts, zh, en)
