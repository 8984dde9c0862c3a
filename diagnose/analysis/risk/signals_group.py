"""Risk signals computed over groups of rows: buyer history, templates, shared contacts, order share.

Counts are bincounts over dense integer codes (no Python loop over rows).
A buyer's history points are multiplied by the share of their returns that
do *not* describe a concrete problem, so a regular customer whose returns
all name real defects gets none.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from diagnose.analysis.risk._util import _col, _ints, _ints_between, _put, _text, _yuan
from diagnose.analysis.risk.cues import (
    _MH_BANDS,
    _OWN_COLUMNS,
    _distinct_per_code,
    _distinct_per_group,
    defect_claim_dropdown,
    minhash_bands,
)
from diagnose.analysis.risk.registry import Context, Fired, Skipped, signal, weight_of

_CONTACT_RE = re.compile(
    r"电话|手机|联系方式|phone|mobile|tel\b|地址|address|收货人|收件人|联系人|consignee|recipient",
    re.IGNORECASE,
)
_NOT_BUYER_CONTACT_RE = re.compile(
    r"商家|卖家|店铺|门店|仓|退货|寄回|merchant|seller|shop|store|warehouse|return",
    re.IGNORECASE,
)


def _no_buyer(key: str, zh: str, en: str) -> Skipped:
    return Skipped(zh + "（缺少买家ID列）", en + " (no buyer_id column)")


@signal("buyer_returns", weight=25, zh="买家退货次数", en="buyer's number of returns", rank=30)
def buyer_returns(ctx: Context) -> Fired | Skipped:
    """The buyer has at least `buyer_min_returns` returns in the data."""
    b = ctx.buyer
    if b is None:
        return _no_buyer("buyer_returns", "买家退货次数", "buyer's number of returns")
    cfg = ctx.cfg
    pts = np.minimum(weight_of("buyer_returns"),
                     cfg.buyer_points_per_return * (b.returns - (cfg.buyer_min_returns - 1))) * b.keep
    fired = (b.returns >= cfg.buyer_min_returns) & (pts >= cfg.fire_min_points)
    zh, en = ctx.blank()
    money = "，共 " + _yuan(b.total[fired]) if ctx.amount is not None else ""
    money_en = ", " + _yuan(b.total[fired]) + " in total" if ctx.amount is not None else ""
    _put(zh, fired, "该买家在本数据中共 " + _ints(b.returns[fired]) + " 次退货" + money + b.note_zh[fired])
    _put(en, fired, "this buyer has " + _ints(b.returns[fired]) + " returns in the data" + money_en + b.note_en[fired])
    return Fired(np.where(fired, pts, 0), zh, en)


@signal("buyer_refund_only", weight=25, zh="买家仅退款次数与占比", en="buyer's refund-only count and share", rank=40)
def buyer_refund_only(ctx: Context) -> Fired | Skipped:
    """At least `refund_only_min` refund-only requests making up at least half the buyer's returns."""
    b = ctx.buyer
    if b is None:
        return _no_buyer("buyer_refund_only", "买家仅退款次数与占比", "buyer's refund-only count and share")
    if ctx.rtype is None:
        return Skipped("买家仅退款占比（缺少售后类型 return_type 列）", "buyer's refund-only share (no return_type column)")
    cfg = ctx.cfg
    share = np.where(b.returns > 0, b.refund_only / np.maximum(b.returns, 1), 0)
    pts = np.minimum(weight_of("buyer_refund_only"), cfg.refund_only_points_each * b.refund_only) * share * b.keep
    fired = (b.refund_only >= cfg.refund_only_min) & (share >= cfg.refund_only_min_share) & (pts >= cfg.fire_min_points)
    zh, en = ctx.blank()
    pct = _ints(share[fired] * 100)
    money = "，共 " + _yuan(b.refund_only_total[fired]) if ctx.amount is not None else ""
    money_en = ", " + _yuan(b.refund_only_total[fired]) + " in total" if ctx.amount is not None else ""
    _put(zh, fired, "该买家在本数据中 " + _ints(b.refund_only[fired]) + " 次仅退款（占其退货 " + pct + "%）" + money)
    _put(en, fired, "this buyer filed " + _ints(b.refund_only[fired]) + " refund-only requests (" + pct
         + "% of their returns)" + money_en)
    return Fired(np.where(fired, pts, 0), zh, en)


def _writers(ctx: Context) -> tuple[np.ndarray, str, str]:
    """Who wrote each text: the buyer id; rows without one count as their own order."""
    n = ctx.n
    ostr = _text(_col(ctx.df, "order_id"), n)
    ocodes, _ = pd.factorize(ostr.where(ostr != "", None))
    ocodes = np.where(ocodes >= 0, ocodes, np.arange(n) + n)
    if ctx.buyer is not None:
        return np.where(ctx.buyer.codes >= 0, ctx.buyer.codes, ocodes + n), "个不同买家", "different buyers"
    return ocodes, "个不同订单（无买家ID列，按订单计）", "different orders (no buyer_id column, counted by order)"


def _template_counts(ctx: Context, who: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct writers of the same normalised text, and of a MinHash near-duplicate."""
    cfg, n, tf = ctx.cfg, ctx.n, ctx.tf
    tl = tf["text_len"]
    eligible = tl >= cfg.template_min_chars
    kcode, kuniq = tf.key_codes()
    k_exact = _distinct_per_group(kcode, who, eligible)
    near_ok = tl >= cfg.near_dup_min_chars
    k_near = np.zeros(n, dtype="int64")
    if near_ok.any():  # MinHash once per distinct normalised text that is long enough
        long_keys = np.unique(kcode[near_ok])
        bands_u = minhash_bands(np.asarray(kuniq, dtype=object)[long_keys])
        slot = np.full(len(kuniq), -1, dtype=np.int64)
        slot[long_keys] = np.arange(len(long_keys))
        near_slot = slot[kcode][near_ok]
        for band in range(_MH_BANDS):  # band values numbered per distinct text, not per row
            band_codes, band_values = pd.factorize(bands_u[:, band], sort=False)
            k_near = np.maximum(k_near, _distinct_per_code(band_codes[near_slot], len(band_values), who, near_ok))
    return eligible, k_exact, k_near


@signal("template_text", weight=30, zh="不同买家相同/近似说明", en="same / near-same text from different buyers", rank=90)
def template_text(ctx: Context) -> Fired | Skipped:
    """The same or a near-same text from several different buyers, weighted by length and by the claim."""
    if not ctx.has_text:
        return Skipped("相同说明（缺少买家说明列）", "template texts (no buyer_text column)")
    cfg, tl = ctx.cfg, ctx.tf["text_len"]
    who, who_zh, who_en = _writers(ctx)
    eligible, k_exact, k_near = _template_counts(ctx, who)
    use_near = k_near > k_exact
    k = np.where(use_near, k_near, k_exact)
    lf = np.select([tl >= cfg.template_full_chars, tl >= cfg.near_dup_min_chars],
                   [1.0, cfg.template_mid_factor], cfg.template_short_factor)
    base = (np.minimum(weight_of("template_text"), cfg.template_base + cfg.template_per_buyer * (k - 1)) * lf
            * np.where(use_near, cfg.template_near_factor, 1.0))
    # A copied text matters when it claims money: refund-only or a quality dropdown.
    # The same concrete defect from many buyers is more often a bad batch.
    claims = ctx.refund_only | (ctx.conflict != "") | defect_claim_dropdown(ctx.dropdown, ctx.n)
    base = (base * np.where(claims, 1.0, cfg.template_no_claim_keep)
            * np.where(ctx.defect, cfg.template_defect_keep, 1.0))
    fired = (k >= 2) & eligible
    zh, en = ctx.blank()
    fe, fn = fired & ~use_near, fired & use_near
    _put(zh, fe, _ints_between("相同说明文字（去标点/数字后一致）出现在 ", k[fe], " " + who_zh + "的退货中"))
    _put(en, fe, _ints_between("the same text (after removing punctuation/digits) appears in returns from ", k[fe],
                               " " + who_en))
    _put(zh, fn, _ints_between("近似说明文字（字符二元组 MinHash 近重复）出现在 ", k[fn], " " + who_zh + "的退货中"))
    _put(en, fn, _ints_between("near-identical text (character-bigram MinHash) appears in returns from ", k[fn],
                               " " + who_en))
    return Fired(np.where(fired, base, 0), zh, en)


def contact_columns(df: pd.DataFrame) -> list[str]:
    """Carried columns holding a buyer's phone/address hash (never the merchant's own)."""
    return [c for c in df.columns if c not in _OWN_COLUMNS and _CONTACT_RE.search(str(c))
            and not _NOT_BUYER_CONTACT_RE.search(str(c)) and _col(df, c) is not None]


@signal("shared_contact", weight=25, zh="不同买家共用电话/地址", en="phone/address shared by different buyers", rank=100)
def shared_contact(ctx: Context) -> Fired | Skipped:
    """A phone/address hash used by several buyer ids (placeholders and masked values ignored)."""
    if ctx.buyer is None:
        return _no_buyer("shared_contact", "不同买家共用电话/地址", "phone/address shared by different buyers")
    cols = contact_columns(ctx.df)
    if not cols:
        return Skipped("共用电话/地址（导出中没有买家电话/地址列）",
                       "shared phone/address (the export has no buyer phone/address column)")
    cfg, n, bk = ctx.cfg, ctx.n, ctx.buyer.codes
    best = np.zeros(n, dtype="int64")
    best_col = np.full(n, "", dtype=object)
    for c in cols:
        v = _text(ctx.df[c], n).str.strip()
        usable = ((v != "") & ~v.str.contains("*", regex=False) & ~v.isin(["0", "无", "none", "null"])).to_numpy()
        usable = usable & (bk >= 0)
        vcodes, _ = pd.factorize(v)
        kk = _distinct_per_group(vcodes, bk, usable)
        kk = np.where(kk > cfg.contact_max_buyers, 0, kk)
        better = kk > best
        best = np.where(better, kk, best)
        best_col = np.where(better, str(c), best_col)
    fired = best >= 2
    pts = np.where(fired, np.select([best >= 5, best >= 3], [cfg.contact_points_five, cfg.contact_points_three],
                                    cfg.contact_points_two), 0)
    zh, en = ctx.blank()
    cname = best_col[fired].astype(object)
    others = _ints(best[fired] - 1)
    _put(zh, fired, "「" + cname + "」与另外 " + others + " 个买家ID相同（仅比对哈希值）")
    _put(en, fired, "'" + cname + "' is shared with " + others + " other buyer ids (hashes compared)")
    return Fired(pts, zh, en)


def _orders_and_returns_per_buyer(ctx: Context, ob: pd.Series, oo: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the buyer's orders in the order file and how many of them they returned."""
    orders, n, b = ctx.orders, ctx.n, ctx.buyer
    ob_s, oo_s = _text(ob, len(orders)), _text(oo, len(orders))
    ro_s = _text(_col(ctx.df, "order_id"), n)
    ob_code = pd.Index(b.uniques).get_indexer(ob_s)
    all_o, _ = pd.factorize(pd.concat([oo_s, ro_s], ignore_index=True))
    oo_code, ro_code = all_o[:len(orders)], all_o[len(orders):]
    ok_o = (ob_code >= 0) & (oo_s != "").to_numpy()
    nbuy_all = len(b.uniques)
    width = int(all_o.max()) + 1 if len(all_o) else 1
    pairs_o = np.unique(ob_code[ok_o].astype(np.int64) * width + oo_code[ok_o])
    orders_per_buyer = np.bincount(pairs_o // width, minlength=nbuy_all)
    in_orders = np.zeros(width, dtype=bool)
    in_orders[oo_code[ok_o]] = True
    ok_r = (b.codes >= 0) & (ro_s != "").to_numpy() & in_orders[ro_code]
    pairs_r = np.unique(b.codes[ok_r].astype(np.int64) * width + ro_code[ok_r])
    returned_per_buyer = np.bincount(pairs_r // width, minlength=nbuy_all)
    safe_b = np.maximum(b.codes, 0)
    no = np.where(b.codes >= 0, orders_per_buyer[safe_b] if nbuy_all else 0, 0).astype(float)
    nr = np.where(b.codes >= 0, returned_per_buyer[safe_b] if nbuy_all else 0, 0).astype(float)
    return no, nr


@signal("order_share", weight=20, zh="买家订单退货占比", en="share of the buyer's orders returned", rank=110)
def order_share(ctx: Context) -> Fired | Skipped:
    """In the order file, the buyer returned at least half of at least `order_min_orders` orders."""
    if ctx.buyer is None:
        return _no_buyer("order_share", "买家订单退货占比", "share of the buyer's orders returned")
    if ctx.orders is None:
        return Skipped("买家订单退货占比（未提供订单文件）", "share of the buyer's orders returned (no order file given)")
    ob, oo = _col(ctx.orders, "buyer_id"), _col(ctx.orders, "order_id")
    if ob is None or oo is None:
        return Skipped("买家订单退货占比（订单文件缺少买家ID或订单号列）",
                       "share of the buyer's orders returned (order file lacks buyer_id or order_id)")
    cfg = ctx.cfg
    no, nr = _orders_and_returns_per_buyer(ctx, ob, oo)
    share = np.where(no > 0, np.minimum(nr / np.maximum(no, 1), 1), 0)
    fired = (no >= cfg.order_min_orders) & (share >= cfg.order_share_min)
    ramp = cfg.order_share_ramp * (share - cfg.order_share_min)
    pts = np.where(fired, (cfg.order_share_base + ramp) * ctx.buyer.keep, 0)
    fired &= pts >= cfg.fire_min_points
    zh, en = ctx.blank()
    pct = _ints(share[fired] * 100)
    _put(zh, fired, "该买家在订单文件中共 " + _ints(no[fired]) + " 单，退了 " + _ints(nr[fired]) + " 单（" + pct + "%）")
    _put(en, fired, "this buyer has " + _ints(no[fired]) + " orders in the order file and returned "
         + _ints(nr[fired]) + " (" + pct + "%)")
    return Fired(np.where(fired, pts, 0), zh, en)
