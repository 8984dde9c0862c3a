"""Risk scoring, quality-return appeal list, appeal packs and the risk CLI.

Unit tests carry `p_malicious` explicitly, so they never depend on the model
file; the CLI and sample-data tests use the model only when it is present.
"""
from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnose.analysis import risk
from diagnose.cli import main as cli_main
from diagnose.errors import InputError

T0 = pd.Timestamp("2024-05-06 10:00:00")

# Ordinary returns the test rows sit among (amount distribution, templates).
_BG_TEXTS = ["偏小", "开线了", "拉链坏了", "颜色和图片差别很大", "尺码不准", "有异味", "发错颜色了", "偏大",
             "鞋底开胶", "充不进电"]


def _row(i: int, **kw) -> dict:
    base = dict(
        return_id=f"R{i:05d}", order_id=f"O{i:05d}", sku="S1", product_title="测试商品",
        platform_reason="七天无理由退换货", buyer_text="偏小", return_type="return_refund", amount=99.0,
        applied_at=T0 + pd.Timedelta(days=2, hours=i % 7), signed_at=T0 + pd.Timedelta(hours=i % 7),
        buyer_id=f"buyer{i:05d}", status="退款成功", quantity=1.0, shop="店",
        reason="sizing", confidence=0.95, p_malicious=0.02,
    )
    after = kw.pop("after", None)
    base.update(kw)
    if after is not None:
        base["applied_at"] = base["signed_at"] + pd.Timedelta(after)
    return base


def make(rows: list[dict], background: int = 40) -> tuple[pd.DataFrame, list[int]]:
    """Background + the given rows (dicts of overrides). Returns frame and row positions."""
    recs = []
    for i in range(background):
        recs.append(_row(i, buyer_text=_BG_TEXTS[i % len(_BG_TEXTS)], amount=float(60 + (i * 7) % 90),
                         sku=f"S{i % 4}"))
    idx = []
    for j, kw in enumerate(rows):
        idx.append(len(recs))
        recs.append(_row(10000 + j, **kw))
    return pd.DataFrame(recs), idx


def score(rows, background=40, orders=None, drop=()):
    df, idx = make(rows, background)
    df = df.drop(columns=list(drop))
    out = risk.score_risk(df, orders)
    return out, idx


def _sig(out, i):
    return list(out["risk_signals"].iloc[i])


# ---------------------------------------------------------------------------
# Each signal fires on its case
# ---------------------------------------------------------------------------
def test_text_model_probability_is_evidence():
    out, [i] = score([dict(buyer_text="快点退钱", p_malicious=0.95, reason="malicious")])
    assert "text_model" in _sig(out, i)
    assert "0.95" in out["risk_evidence_zh"].iloc[i]
    assert "0.95" in out["risk_evidence_en"].iloc[i]


@pytest.mark.parametrize("text, zh_word", [
    ("不退款就给差评，你们看着办", "威胁差评/投诉"),
    ("要求三倍赔偿", "索要赔偿"),
    ("已经吃完了，口感一般，要退款", "用后/吃完再退"),
    ("只退款不退货，东西不寄回", "仅退款不退货"),
])
def test_cue_words_fire(text, zh_word):
    out, [i] = score([dict(buyer_text=text, platform_reason="质量问题", reason="malicious", p_malicious=0.0)])
    assert "text_cues" in _sig(out, i)
    assert zh_word in out["risk_evidence_zh"].iloc[i]


def test_buyer_history_counts_refund_only_with_money():
    rows = [dict(buyer_id="serial", return_type="refund_only", buyer_text=t, amount=340.0,
                 platform_reason="质量问题", reason="changed_mind", order_id=f"SO{k}")
            for k, t in enumerate(["", "不想要了", "", "退款", "", "拍错了", ""])]
    out, idx = score(rows)
    i = idx[0]
    sig = _sig(out, i)
    assert "buyer_returns" in sig and "buyer_refund_only" in sig
    ev = out["risk_evidence_zh"].iloc[i]
    assert "7 次仅退款" in ev and "¥2,380" in ev
    assert "7 refund-only requests" in out["risk_evidence_en"].iloc[i]
    assert (out["risk_level"].iloc[idx] != "low").all()


def test_fast_after_sign_fires_with_minutes():
    out, [i] = score([dict(after="2min", return_type="refund_only", platform_reason="质量问题", buyer_text="")])
    assert "fast_after_sign" in _sig(out, i)
    assert "签收后 2 分钟" in out["risk_evidence_zh"].iloc[i]


def test_fast_after_sign_seconds():
    out, [i] = score([dict(after="45s", buyer_text="")])
    assert "45 秒" in out["risk_evidence_zh"].iloc[i]


def test_long_after_sign_fires():
    out, [i] = score([dict(after="21D", buyer_text="穿了一次，不想要了", platform_reason="质量问题",
                           reason="changed_mind")])
    assert "long_after_sign" in _sig(out, i)
    assert "签收 21 天后" in out["risk_evidence_zh"].iloc[i]
    assert "承认已使用" in out["risk_evidence_zh"].iloc[i]


def test_application_before_sign_for_is_not_timing_evidence():
    out, [i] = score([dict(after="-5h", buyer_text="还没发货，不要了")])
    assert "fast_after_sign" not in _sig(out, i)


def test_high_value_refund_only_relative_to_shop():
    out, idx = score([dict(amount=2000.0, return_type="refund_only", buyer_text=""),
                      dict(amount=2000.0, return_type="return_refund", buyer_text="")])
    assert "high_value_refund_only" in _sig(out, idx[0])
    assert "前 10%" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "high_value_refund_only" not in _sig(out, idx[1])


def test_high_value_refund_only_relative_to_sku_per_unit():
    same_sku = [dict(sku="CHEAP", amount=20.0, buyer_text="偏小") for _ in range(6)]
    rows = same_sku + [dict(sku="CHEAP", amount=60.0, return_type="refund_only", buyer_text=""),
                       dict(sku="CHEAP", amount=60.0, quantity=3.0, return_type="refund_only", buyer_text="")]
    out, idx = score(rows)
    assert "high_value_refund_only" in _sig(out, idx[-2])
    assert "3.0 倍" in out["risk_evidence_zh"].iloc[idx[-2]]
    # three units at the usual unit price are not a high-value item
    assert "high_value_refund_only" not in _sig(out, idx[-1])


def test_dropdown_conflict_buyer_side_vs_real_defect():
    out, idx = score([dict(platform_reason="质量问题", buyer_text="拍错了，不想要了", reason="changed_mind"),
                      dict(platform_reason="质量问题", buyer_text="袖口开线了", reason="quality"),
                      dict(platform_reason="七天无理由退换货", buyer_text="不想要了", reason="changed_mind")])
    assert "dropdown_conflict" in _sig(out, idx[0])
    assert "买家个人原因" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "dropdown_conflict" not in _sig(out, idx[1])
    assert "dropdown_conflict" not in _sig(out, idx[2])


def test_dropdown_label_derived_when_column_missing():
    out, [i] = score([dict(platform_reason="质量问题", buyer_text="不想要了")], drop=["reason"])
    assert "dropdown_conflict" in _sig(out, i)


def test_template_text_from_different_buyers():
    text = "收到货发现质量有问题，要求仅退款，东西不退回了"
    out, idx = score([dict(buyer_text=text, buyer_id=f"g{k}", return_type="refund_only", platform_reason="质量问题")
                      for k in range(4)])
    assert all("template_text" in _sig(out, i) for i in idx)
    assert "4 个不同买家" in out["risk_evidence_zh"].iloc[idx[0]]


def test_template_text_ignores_punctuation_and_digits():
    out, idx = score([dict(buyer_text="收到货发现质量有问题，要求仅退款！！订单123", buyer_id="a"),
                      dict(buyer_text="收到货发现质量有问题 要求仅退款。订单456", buyer_id="b"),
                      dict(buyer_text="收到货发现质量有问题,要求仅退款~订单789", buyer_id="c")])
    assert "3 个不同买家" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "去标点/数字后一致" in out["risk_evidence_zh"].iloc[idx[0]]


def test_near_duplicate_template_texts():
    texts = ["亲，收到的商品质量很差，申请仅退款，不退货了，谢谢",
             "亲，收到的商品质量很差，申请仅退款不退货，谢谢亲",
             "亲收到的商品质量很差，我申请仅退款，不退货了，谢谢",
             "亲，收到的商品质量很差，申请仅退款，不退货了谢谢你"]
    out, idx = score([dict(buyer_text=t, buyer_id=f"n{k}", return_type="refund_only") for k, t in enumerate(texts)])
    ev = " ".join(out["risk_evidence_zh"].iloc[idx])
    assert "MinHash" in ev
    assert all("template_text" in _sig(out, i) for i in idx)


def test_same_text_from_one_buyer_is_not_a_template():
    text = "三个杯子都有裂纹，倒水就漏，麻烦处理"
    out, idx = score([dict(buyer_text=text, buyer_id="one") for _ in range(3)])
    assert all("template_text" not in _sig(out, i) for i in idx)


def test_minhash_bands_similar_texts_collide_and_different_do_not():
    a = "商品与描述严重不符质量太次了我要求仅退款处理"
    b = "商品与描述严重不符质量太次了我要求仅退款处理吧"
    c = "快递太慢了等了一个星期还没到真的很着急"
    bands = risk.minhash_bands(np.array([a, a, b, c], dtype=object))
    assert (bands[0] == bands[1]).all()
    assert (bands[0] == bands[2]).any()
    assert not (bands[0] == bands[3]).any()


def test_shared_phone_hash_across_buyers():
    rows = [dict(buyer_id=f"p{k}", **{"收货人手机": "a1b2c3d4e5f60718", "商家退货联系人电话": "ffff000011112222"})
            for k in range(3)]
    df, idx = make(rows)
    df["商家退货联系人电话"] = "ffff000011112222"  # the merchant's own phone on every row
    df["收货人手机"] = df["收货人手机"].fillna("").astype(str)
    out = risk.score_risk(df)
    assert "shared_contact" in _sig(out, idx[0])
    assert "收货人手机" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "另外 2 个买家" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "商家退货联系人电话" not in " ".join(out["risk_evidence_zh"])
    assert "shared_contact" not in _sig(out, 0)


def test_masked_phone_values_are_not_compared():
    rows = [dict(buyer_id=f"m{k}", **{"收货人手机": "138****1234"}) for k in range(3)]
    df, idx = make(rows)
    df["收货人手机"] = df["收货人手机"].fillna("").astype(str)
    out = risk.score_risk(df)
    assert "shared_contact" not in _sig(out, idx[0])


def test_order_share_with_buyer_ids_in_order_file():
    rows = [dict(buyer_id="heavy", order_id=f"H{k}", return_type="refund_only", buyer_text="") for k in range(4)]
    df, idx = make(rows)
    orders = pd.DataFrame({"order_id": [f"H{k}" for k in range(4)] + ["X1", "X2", "X3"],
                           "buyer_id": ["heavy"] * 4 + ["other"] * 3, "quantity": 1.0})
    out = risk.score_risk(df, orders)
    assert "order_share" in _sig(out, idx[0])
    assert "共 4 单，退了 4 单（100%）" in out["risk_evidence_zh"].iloc[idx[0]]


def test_order_share_skipped_when_orders_lack_buyer():
    df, idx = make([dict(buyer_text="")])
    orders = pd.DataFrame({"order_id": ["O1"], "sku": ["S1"], "quantity": [1.0]})
    out = risk.score_risk(df, orders)
    assert "order_share" in out["skipped_signals"].iloc[0]
    assert "订单文件缺少买家ID" in out["risk_evidence_zh"].iloc[idx[0]]


# ---------------------------------------------------------------------------
# Strong combinations rank high; innocent look-alikes stay low
# ---------------------------------------------------------------------------
def test_extortion_without_defect_ranks_high():
    out, [i] = score([dict(buyer_text="不给我退款就去12315投诉你们，还要三倍赔偿", platform_reason="质量问题",
                           return_type="refund_only", p_malicious=0.92, reason="malicious")])
    assert out["risk_level"].iloc[i] == "high"


def test_gang_template_ranks_high():
    text = "收到货发现质量有问题，要求仅退款，东西不退回了"
    out, idx = score([dict(buyer_text=text, buyer_id=f"g{k}", return_type="refund_only", amount=1299.0,
                           platform_reason="质量问题", p_malicious=0.55, reason="malicious") for k in range(5)])
    assert (out["risk_level"].iloc[idx] == "high").all()


INNOCENT = {
    "angry_real_defect": [dict(buyer_text="什么垃圾质量！！穿了一次就开线了，袖子还破了个洞，必须给差评！！",
                               platform_reason="质量问题", p_malicious=0.45, reason="quality")],
    "single_return_no_text": [dict(buyer_text="", platform_reason="质量问题", reason="quality")],
    "clear_defect_refund_only_dear": [dict(buyer_text="开机三分钟就黑屏，充电口松动，换了充电器也充不进电",
                                           platform_reason="质量问题", return_type="refund_only", amount=1999.0,
                                           reason="quality", p_malicious=0.1)],
    "repeat_buyer_real_defects": [dict(buyer_id="fruit", buyer_text=t, platform_reason="质量问题",
                                       return_type="refund_only", reason="quality", order_id=f"F{k}")
                                  for k, t in enumerate(["橙子有三个烂了", "这次有两个发霉", "果子不新鲜，表皮都蔫了",
                                                         "又有四个烂果", "坚果受潮发软"])],
    "short_text_repeated": [dict(buyer_text="不想要了", buyer_id=f"s{k}", reason="changed_mind") for k in range(30)],
    "fast_damage_on_open": [dict(buyer_text="快递箱子压扁了，里面的杯子碎了两个", after="4min",
                                 platform_reason="商品少件/破损/污迹", reason="logistics")],
    "batch_defect_same_words": [dict(buyer_text="收到就是坏的，开不了机", buyer_id=f"d{k}", return_type="refund_only",
                                     platform_reason="质量问题", reason="quality") for k in range(8)],
    "late_battery_failure": [dict(buyer_text="用了一个月电池就鼓包了，充不进电", after="35D",
                                  platform_reason="质量问题", reason="quality", p_malicious=0.2)],
    "logistics_threat": [dict(buyer_text="快递半个月还没到，再不处理就投诉到12315", platform_reason="快递一直未到",
                              return_type="refund_only", signed_at=pd.NaT, reason="logistics", p_malicious=0.45)],
}


@pytest.mark.parametrize("name", list(INNOCENT))
def test_innocent_look_alikes_stay_low(name):
    out, idx = score(INNOCENT[name])
    assert (out["risk_level"].iloc[idx] == "low").all(), out[["risk_score", "risk_evidence_zh"]].iloc[idx].to_string()


def test_repeat_buyer_with_real_defects_gets_no_history_points():
    out, idx = score(INNOCENT["repeat_buyer_real_defects"])
    assert all("buyer_returns" not in _sig(out, i) and "buyer_refund_only" not in _sig(out, i) for i in idx)


def test_short_generic_text_is_not_a_template():
    out, idx = score(INNOCENT["short_text_repeated"])
    assert all("template_text" not in _sig(out, i) for i in idx)
    assert (out["risk_score"].iloc[idx] == 0).all()


# ---------------------------------------------------------------------------
# Missing columns: skipped, and the evidence says so
# ---------------------------------------------------------------------------
def test_missing_signed_at_skips_timing():
    out, [i] = score([dict(after="1min", buyer_text="")], drop=["signed_at"])
    skipped = list(out["skipped_signals"].iloc[i])
    assert "fast_after_sign" in skipped and "long_after_sign" in skipped
    assert "fast_after_sign" not in _sig(out, i)
    assert "缺少签收时间" in out["risk_evidence_zh"].iloc[i]
    assert "no signed_at column" in out["risk_evidence_en"].iloc[i]


def test_all_empty_signed_at_counts_as_missing():
    df, [i] = make([dict(buyer_text="")])
    df["signed_at"] = pd.NaT
    out = risk.score_risk(df)
    assert "fast_after_sign" in out["skipped_signals"].iloc[i]


def test_missing_buyer_id_skips_buyer_signals_and_counts_templates_by_order():
    text = "收到货发现质量有问题，要求仅退款，东西不退回了"
    out, idx = score([dict(buyer_text=text, return_type="refund_only") for _ in range(3)], drop=["buyer_id"])
    skipped = list(out["skipped_signals"].iloc[idx[0]])
    assert {"buyer_returns", "buyer_refund_only", "shared_contact", "order_share"} <= set(skipped)
    assert "缺少买家ID" in out["risk_evidence_zh"].iloc[idx[0]]
    assert "按订单计" in out["risk_evidence_zh"].iloc[idx[0]]


def test_missing_return_type_skips_refund_only_signals():
    out, [i] = score([dict(amount=5000.0, buyer_text="")], drop=["return_type"])
    skipped = list(out["skipped_signals"].iloc[i])
    assert "high_value_refund_only" in skipped and "buyer_refund_only" in skipped
    assert "缺少售后类型" in out["risk_evidence_zh"].iloc[i]


def test_missing_p_malicious_skips_text_model_but_keeps_cues():
    out, [i] = score([dict(buyer_text="不退款就给差评", platform_reason="质量问题")], drop=["p_malicious"])
    assert "text_model" in out["skipped_signals"].iloc[i]
    assert "text_cues" in _sig(out, i)


def test_minimal_table_still_scores():
    df = pd.DataFrame({"buyer_text": ["不退款就差评", "偏小"]})
    out = risk.score_risk(df)
    assert list(out["risk_score"]) == list(out["risk_score"].astype(int))
    assert "dropdown_conflict" in out["skipped_signals"].iloc[0]


def test_empty_table():
    df, _ = make([], background=0)
    out = risk.score_risk(df.iloc[0:0])
    assert len(out) == 0 and "risk_score" in out.columns


# ---------------------------------------------------------------------------
# Output contract
# ---------------------------------------------------------------------------
def test_output_columns_levels_and_input_untouched():
    df, idx = make([dict(buyer_text="不退款就差评", p_malicious=0.9)])
    df.index = df.index + 1000
    before = df.copy()
    out = risk.score_risk(df, lang="en")
    pd.testing.assert_frame_equal(df, before)
    assert out.index.equals(df.index)
    for c in ("risk_score", "risk_level", "risk_evidence_zh", "risk_evidence_en", "risk_evidence",
              "risk_signals", "skipped_signals"):
        assert c in out.columns
    assert out["risk_score"].between(0, 100).all()
    lvl = np.select([out["risk_score"] >= risk.HIGH, out["risk_score"] >= risk.MEDIUM], ["high", "medium"], "low")
    assert (out["risk_level"].to_numpy() == lvl).all()
    assert (out["risk_evidence"] == out["risk_evidence_en"]).all()
    with pytest.raises(InputError):
        risk.score_risk(df, lang="fr")


def test_weights_cover_every_signal_and_sum_is_capped():
    rows = [dict(buyer_id="x", buyer_text="东西吃完了，不退款就曝光，赔我三倍，只退款不退货", p_malicious=0.99,
                 return_type="refund_only", amount=9999.0, after="30s", platform_reason="质量问题",
                 order_id=f"X{k}", reason="malicious") for k in range(6)]
    out, idx = score(rows)
    assert (out["risk_score"].iloc[idx] == 100).all()


def test_scoring_is_vectorised_enough():
    df, _ = make([], background=0)
    rng = np.random.default_rng(0)
    n = 60000
    texts = np.array(["不想要了", "偏小一码", "收到就是坏的开不了机", "质量问题", "", "不退款就差评"], dtype=object)
    big = pd.DataFrame({
        "return_id": [f"R{i}" for i in range(n)], "order_id": [f"O{i}" for i in range(n)],
        "buyer_text": texts[rng.integers(0, len(texts), n)] + pd.Series(rng.integers(0, 5000, n)).astype(str).to_numpy(),
        "buyer_id": pd.Series(rng.integers(0, 20000, n)).astype(str).to_numpy(),
        "platform_reason": "质量问题", "return_type": np.where(rng.random(n) < .3, "refund_only", "return_refund"),
        "amount": rng.uniform(10, 500, n), "applied_at": T0 + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
        "signed_at": T0, "p_malicious": rng.random(n), "sku": "S",
    })
    t = time.perf_counter()
    out = risk.score_risk(big)
    assert len(out) == n
    assert time.perf_counter() - t < 30


# ---------------------------------------------------------------------------
# Quality-return appeal list
# ---------------------------------------------------------------------------
def _appeal_frame():
    rows = [
        dict(return_id="A1", platform_reason="质量问题", buyer_text="拍错了，不想要了", reason="changed_mind",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A2", platform_reason="质量问题（商品品质原因）", buyer_text="", reason="quality",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A3", platform_reason="质量问题", buyer_text="袖口开线了", reason="quality",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A4", platform_reason="质量问题", buyer_text="不想要了", reason="changed_mind",
             **{"是否已上传退款凭证": "是"}),
        dict(return_id="A5", platform_reason="质量问题", buyer_text="质量有问题", reason="quality",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A6", platform_reason="七天无理由退换货", buyer_text="不想要了", reason="changed_mind",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A7", platform_reason="颜色/款式/图案与描述不符", buyer_text="不退款就给差评",
             reason="malicious", **{"是否已上传退款凭证": "否"}),
        dict(return_id="A8", platform_reason="质量问题", buyer_text="偏小一码", reason="sizing",
             **{"是否已上传退款凭证": "否"}),
        dict(return_id="A9", platform_reason="质量问题", buyer_text="鞋底穿两天就磨平了", reason="quality",
             confidence=0.99, **{"是否已上传退款凭证": "否"}),
    ]
    return pd.DataFrame([_row(k, **r) for k, r in enumerate(rows)])


def test_quality_appeal_list_selects_the_right_rows():
    lst, stats = risk.quality_appeal_list(_appeal_frame())
    assert set(lst["return_id"]) == {"A1", "A2", "A7"}
    basis = dict(zip(lst["return_id"], lst["appeal_basis"]))
    assert basis == {"A1": "buyer_side", "A2": "no_text", "A7": "no_defect"}
    assert stats["quality_returns"] == 8
    assert stats["appealable"] == 3
    assert stats["total_returns"] == 9
    assert stats["current_quality_rate"] == pytest.approx(8 / 9)
    assert stats["rate_if_won"] == pytest.approx(5 / 9)
    assert stats["photo_column"] == "是否已上传退款凭证"


def test_appeal_text_is_factual_and_names_the_return():
    lst, _ = risk.quality_appeal_list(_appeal_frame())
    a1 = lst.set_index("return_id").loc["A1", "appeal_text_zh"]
    assert "A1" in a1 and "拍错了，不想要了" in a1 and "未上传任何退款凭证" in a1 and "品质退货率" in a1
    a2 = lst.set_index("return_id").loc["A2", "appeal_text_zh"]
    assert "未填写任何问题描述" in a2
    assert "buyer_id" not in lst.columns
    assert lst["buyer"].str.startswith("买家#").all()


def test_quality_appeal_list_without_photo_column_and_with_orders():
    df = _appeal_frame().drop(columns=["是否已上传退款凭证"])
    orders = pd.DataFrame({"order_id": [f"O{i}" for i in range(90)], "quantity": 1.0})
    lst, stats = risk.quality_appeal_list(df, orders=orders)
    assert "A4" in set(lst["return_id"])  # no photo column: photos cannot exclude it
    assert stats["photo_column"] is None
    assert stats["sold_units"] == 90
    assert stats["current_quality_rate_sold"] == pytest.approx(8 / 90)
    assert stats["rate_if_won_sold"] == pytest.approx((8 - stats["appealable"]) / 90)


def test_quality_appeal_list_explicit_photo_column():
    df = _appeal_frame().rename(columns={"是否已上传退款凭证": "有图"})
    lst, stats = risk.quality_appeal_list(df, photo_column="有图")
    assert "A4" not in set(lst["return_id"]) and stats["photo_column"] == "有图"
    with pytest.raises(InputError):
        risk.quality_appeal_list(df, photo_column="不存在的列")


def test_quality_appeal_list_needs_a_dropdown():
    with pytest.raises(InputError):
        risk.quality_appeal_list(pd.DataFrame({"buyer_text": ["不想要了"]}))


# ---------------------------------------------------------------------------
# Appeal pack
# ---------------------------------------------------------------------------
def _pack_frame():
    rows = [
        dict(return_id="P1", buyer_id="raw-buyer-777", buyer_text="<script>alert(1)</script>不退款就差评 | 管道",
             platform_reason="质量问题", return_type="refund_only", p_malicious=0.9, reason="malicious",
             order_id="OP1", after="3min", **{"商家退款时间": "2024-05-09 12:00:00"}),
        dict(return_id="P2", buyer_id="raw-buyer-777", buyer_text="=1+1 不想要了", platform_reason="质量问题",
             return_type="refund_only", order_id="OP2"),
        dict(return_id="P3", buyer_id="raw-buyer-777", buyer_text="", return_type="refund_only", order_id="OP3"),
    ]
    df, _ = make(rows, background=10)
    return risk.score_risk(df)


def test_appeal_pack_markdown():
    md = risk.appeal_pack(_pack_frame(), "P1", "md").decode("utf-8")
    assert "售后单 P1" in md and "时间线" in md and "证据" in md
    assert "买家签收" in md and "买家申请售后" in md and "商家退款时间" in md and "3 分钟" in md
    assert "P2" in md and "P3" in md  # the buyer's other returns
    assert "raw-buyer-777" not in md and risk.mask_id("raw-buyer-777") in md
    assert "<script>" not in md and "\\|" in md
    assert "共 3 次退货" in md


def test_appeal_pack_html_escapes_buyer_text():
    page = risk.appeal_pack(_pack_frame(), "P1", "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "raw-buyer-777" not in page
    assert "@page { size: A4" in page


def test_appeal_pack_xlsx():
    data = risk.appeal_pack(_pack_frame(), "P1", "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert {"申诉摘要", "时间线", "买家历史", "工具判读"} <= set(wb.sheetnames)
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    joined = "\n".join(cells)
    assert "raw-buyer-777" not in joined
    assert any("P2" in c for c in cells)
    # a formula-looking buyer text is stored as text, not a formula
    assert not any(c.startswith("=") for c in cells)


def test_appeal_pack_scores_when_needed_and_rejects_unknown_input():
    df, _ = make([dict(return_id="Q1", buyer_text="不想要了")], background=5)
    md = risk.appeal_pack(df, "Q1", "md").decode()
    assert "风险分" in md
    with pytest.raises(InputError):
        risk.appeal_pack(df, "NOPE", "md")
    with pytest.raises(InputError):
        risk.appeal_pack(df, "Q1", "pdf")


def test_appeal_pack_uses_the_order_line_of_this_return():
    df, _ = make([dict(return_id="Z1", order_id="OZ", sku="B", buyer_text="")], background=3)
    orders = pd.DataFrame({"order_id": ["OZ", "OZ"], "sku": ["A", "B"],
                           "ordered_at": pd.to_datetime(["2024-06-01 10:00", "2024-05-01 09:30"])})
    md = risk.appeal_pack(df, "Z1", "md", orders=orders).decode()
    assert "2024-05-01 09:30:00" in md and "2024-06-01" not in md


# ---------------------------------------------------------------------------
# Masking
# ---------------------------------------------------------------------------
def test_mask_id_hides_the_id():
    m = risk.mask_id("a1b2c3d4e5f60718")
    assert m.startswith("买家#") and m.endswith("…")
    assert "a1b2" not in m
    assert m == risk.mask_id("a1b2c3d4e5f60718")
    assert m != risk.mask_id("a1b2c3d4e5f60719")
    assert risk.mask_id(None) == risk.mask_id(float("nan")) == risk.mask_id("") == "买家#—"
    assert risk.mask_id(pd.NA) == "买家#—"


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
CSV_HEADER = "售后单号,订单号,商家编码,商品名称,售后原因,问题描述,售后类型,退款金额,申请时间,签收时间,买家ID,售后状态\n"


def _write_csv(path: Path) -> Path:
    lines = [CSV_HEADER]
    for k in range(20):
        lines.append(f"N{k},ON{k},S1,测试商品,七天无理由退换货,偏小,退货退款,89,2024-05-03 10:00:00,"
                     f"2024-05-01 10:00:00,b{k},退款成功\n")
    for k in range(4):
        lines.append(f"T{k},OT{k},S1,测试商品,质量问题,\"收到货发现质量有问题，要求仅退款，东西不退回了\",仅退款,899,"
                     f"2024-05-01 10:01:00,2024-05-01 10:00:00,gang{k},退款成功\n")
    lines.append("X1,OX1,S1,测试商品,质量问题,<script>不退款就差评</script>,仅退款,89,2024-05-01 10:01:00,"
                 "2024-05-01 10:00:00,bx,待商家处理\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_cli_risk_writes_scores(tmp_path, capsys):
    src = _write_csv(tmp_path / "returns.csv")
    out = tmp_path / "risk.csv"
    argv = (["risk", str(src), "-o", str(out)])
    assert cli_main(argv) == 0
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert list(got.columns[:5]) == ["risk_score", "risk_level", "risk_evidence", "risk_signals", "skipped_signals"]
    assert len(got) == 25
    scores = got["risk_score"].astype(int).tolist()
    assert scores == sorted(scores, reverse=True)
    gang = got[got["return_id"].str.startswith("T")]
    assert gang["risk_signals"].str.contains("template_text").all()


def test_cli_risk_min_level_and_xlsx(tmp_path):
    src = _write_csv(tmp_path / "returns.csv")
    out = tmp_path / "risk.xlsx"
    argv = (["risk", str(src), "-o", str(out), "--min-level", "medium", "--lang", "en"])
    assert cli_main(argv) == 0
    got = pd.read_excel(out, dtype=str, engine="openpyxl")
    assert len(got) >= 1 and set(got["risk_level"]) <= {"medium", "high"}


def test_cli_appeal_pack(tmp_path):
    src = _write_csv(tmp_path / "returns.csv")
    for suffix in ("md", "html", "xlsx"):
        out = tmp_path / f"pack.{suffix}"
        argv = (["appeal", str(src), "--return-id", "X1", "-o", str(out)])
        assert cli_main(argv) == 0
        assert out.stat().st_size > 0
    assert "&lt;script&gt;" in (tmp_path / "pack.html").read_text(encoding="utf-8")


def test_cli_errors_are_one_line(tmp_path, capsys):
    src = _write_csv(tmp_path / "returns.csv")
    argv = (["appeal", str(src), "--return-id", "NOPE", "-o", str(tmp_path / "p.md")])
    assert cli_main(argv) == 2
    err = capsys.readouterr().err
    assert "NOPE" in err and "Traceback" not in err
    argv = (["risk", str(src), "-o", str(tmp_path / "out.txt")])
    assert cli_main(argv) == 2
    argv = (["appeal", str(src), "--return-id", "X1", "-o", str(tmp_path / "p.pdf")])
    assert cli_main(argv) == 2


def test_cli_risk_min_level_high_keeps_only_high(tmp_path):
    src = _write_csv(tmp_path / "returns.csv")
    out = tmp_path / "r.csv"
    assert cli_main(["risk", str(src), "-o", str(out), "--min-level", "high"]) == 0
    got = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert set(got["risk_level"]) <= {"high"}


# ---------------------------------------------------------------------------
# Sample exports (designed abuse and look-alikes)
# ---------------------------------------------------------------------------
def test_sample_douyin_export(sample_dir):
    from diagnose.io.ingest import read_exports

    frame = read_exports([sample_dir / "douyin_aftersales.csv"]).frame
    from diagnose.model.classify import classify_frame
    from diagnose.model.reason_model import load_model

    frame = classify_frame(frame, load_model())
    out = risk.score_risk(frame)
    template = out["buyer_text"].fillna("").str.contains("商品存在质量问题，申请仅退款，请商家尽快处理")
    assert template.any() and (out.loc[template, "risk_level"] != "low").all()
    share_high = (out["risk_level"] == "high").mean()
    assert 0 < share_high < 0.15
    lst, stats = risk.quality_appeal_list(frame)
    assert 0 < stats["appealable"] < stats["quality_returns"]
    assert stats["rate_if_won"] < stats["current_quality_rate"]


# ---------------------------------------------------------------------------
# Misjudgement appeals: bases, deadlines, the pack's facts, the browser
# ---------------------------------------------------------------------------
NOW = pd.Timestamp("2024-05-08 12:00:00")


def _misjudged_frame():
    rows = [
        dict(return_id="M1", platform_reason="质量问题", buyer_text="拍错了，不想要了", reason="changed_mind",
             **{"自动处理截止时间": "2024-05-08 20:00:00", "仲裁状态": "-", "协商记录": "买家：拍错了 商家：好的"}),
        dict(return_id="M2", platform_reason="质量问题（商品品质原因）", buyer_text="快递把箱子压坏了，杯子碎了",
             reason="logistics", **{"自动处理截止时间": "2024-05-12 10:00:00", "仲裁状态": "仲裁中"}),
        dict(return_id="M3", platform_reason="质量问题", buyer_text="不想要了", reason="changed_mind",
             **{"自动处理截止时间": "2024-05-07 10:00:00", "仲裁状态": "-"}),
        dict(return_id="M4", platform_reason="质量问题", buyer_text="开线了，线头很多", reason="quality",
             **{"自动处理截止时间": "2024-05-12 10:00:00", "仲裁状态": "-"}),
        dict(return_id="M5", platform_reason="质量问题", buyer_text="七天无理由", reason="changed_mind",
             **{"自动处理截止时间": "2024-05-20 10:00:00", "仲裁状态": "仲裁完成"}),
    ]
    df, _ = make(rows, background=10)
    return df


def test_appeal_list_only_misjudgements_with_bases_and_urgency():
    appeals, _ = risk.quality_appeal_list(_misjudged_frame(), now=NOW)
    by_id = appeals.set_index("return_id")
    assert "M4" not in by_id.index  # a real defect is never an appeal candidate
    assert by_id.loc["M1", "appeal_basis"] == "buyer_side"
    assert by_id.loc["M2", "appeal_basis"] == "courier" and "运输途中" in by_id.loc["M2", "appeal_text_zh"]
    assert by_id.loc["M1", "urgency"] == "closing" and "8 小时" in by_id.loc["M1", "deadline_note"]
    assert by_id.loc["M2", "urgency"] == "closing" and "仲裁期内" in by_id.loc["M2", "deadline_note"]
    assert by_id.loc["M3", "urgency"] == "closed" and by_id.loc["M5", "urgency"] == "closed"
    assert "不再接受新的证据" in by_id.loc["M5", "deadline_note"]
    order = list(appeals["return_id"])
    assert order.index("M1") < order.index("M2") < order.index("M3")  # closing by deadline, closed last
    for text in appeals["appeal_text_zh"]:
        assert "修改" not in text and "联系买家" not in text  # never suggests working on the buyer


def test_appeal_pack_facts_timeline_and_marked_words():
    df = _misjudged_frame()
    df.loc[df["return_id"] == "M1", "applied_at"] = df.loc[df["return_id"] == "M1", "signed_at"] + pd.Timedelta("3min")
    df.loc[df["return_id"] == "M1", "order_id"] = "OM1"
    orders = pd.DataFrame({"order_id": ["OM1"], "sku": ["S1"], "quantity": [2.0], "unit_price": [49.5],
                           "paid_at": [pd.Timestamp("2024-05-01 09:00")], "shipped_at": [pd.Timestamp("2024-05-02 09:00")]})
    scored = risk.score_risk(df)
    page = risk.appeal_pack(scored, "M1", "html", orders=orders, now=NOW).decode("utf-8")
    for fact in ("数量</th><td>2", "¥49.50", "买家付款", "商家发货", "买家签收", "秒退", "<mark>拍错</mark>",
                 "买家：拍错了", "申诉说明", "距自动处理截止时间", "工具判读（仅供商家参考，不作为证据提交）"):
        assert fact in page, fact
    assert "refund_only" not in page and "return_refund" not in page and "changed_mind" not in page
    assert page.index("买家付款") < page.index("商家发货") < page.index("买家签收") < page.index("买家申请售后")
    md = risk.appeal_pack(scored, "M4", "md", now=NOW).decode("utf-8")
    assert "不是品质误判申诉候选" in md and "数量 | 1" in md  # quantity as the table gives it, never invented
    no_qty = risk.appeal_pack(scored.drop(columns=["quantity"]), "M1", "md", now=NOW).decode("utf-8")
    assert "| 数量 | 导出未提供 |" in no_qty and "| 单价 | 导出未提供 |" in no_qty


def test_appeal_index_xlsx_has_chinese_headers_only():
    from diagnose.analysis.risk.pack import appeal_index_xlsx

    appeals, _ = risk.quality_appeal_list(_misjudged_frame(), now=NOW)
    wb = openpyxl.load_workbook(io.BytesIO(appeal_index_xlsx(appeals)))
    head = [c.value for c in next(wb["申诉清单"].iter_rows())]
    assert head[0] == "紧急程度" and "售后单号" in head and "申诉依据" in head
    assert all(not str(h).isascii() for h in head)


def test_appeal_pack_prints_to_a4_in_chromium(tmp_path):
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail("/usr/bin/chromium is missing (Debian package 'chromium'); scripts/setup_browser.sh installs it")
    from playwright.sync_api import sync_playwright

    df = _misjudged_frame()
    long_text = "拍错了，不想要了。" + "这件衣服的颜色我不太喜欢，家里人也说不合适，" * 12 + "A" * 300
    df.loc[df["return_id"] == "M1", "buyer_text"] = long_text
    df.loc[df["return_id"] == "M1", "协商记录"] = "买家：" + "好的" * 400
    page_bytes = risk.appeal_pack(risk.score_risk(df), "M1", "html", now=NOW)
    path = tmp_path / "pack.html"
    path.write_bytes(page_bytes)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium),
                                    args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
            page.goto(path.as_uri())
            page.emulate_media(media="print")
            overflow = page.evaluate("""() => {
                const root = document.documentElement;
                const wide = [...document.querySelectorAll('table, blockquote, .statement')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).length;
                return {page: root.scrollWidth - root.clientWidth, wide};
            }""")
            assert overflow == {"page": 0, "wide": 0}, overflow
            cjk_width = page.evaluate("""() => { const s = document.createElement('span');
                s.textContent = '售后申诉材料'; document.body.appendChild(s); return s.getBoundingClientRect().width; }""")
            assert cjk_width > 40
            pdf = page.pdf(format="A4", print_background=True)
        finally:
            browser.close()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1
    assert b"FontFile" in pdf and (b"WenQuanYi" in pdf or b"CJK" in pdf or b"Hei" in pdf), "no CJK font embedded"
    (tmp_path / "pack.pdf").write_bytes(pdf)


# ---------------------------------------------------------------------------
# The registry: each signal on its own, through the shared context
# ---------------------------------------------------------------------------
from diagnose.analysis.risk.registry import REGISTRY, Fired, Skipped, build_context  # noqa: E402

_ORDERS_FOR_SHARE = pd.DataFrame({"order_id": ["OS1", "OS2", "OS3"], "buyer_id": ["bshare"] * 3})
# signal -> (rows that make it fire, the row to look at, a column whose absence skips it)
SIGNAL_CASES = {
    "text_model": ([dict(p_malicious=0.95, buyer_text="随便写点")], 0, "p_malicious"),
    "text_cues": ([dict(buyer_text="不退款就给差评")], 0, "buyer_text"),
    "buyer_returns": ([dict(buyer_id="brep", buyer_text="不想要了") for _ in range(4)], 0, "buyer_id"),
    "buyer_refund_only": ([dict(buyer_id="bro", return_type="refund_only", buyer_text="不要了") for _ in range(3)],
                          0, "return_type"),
    "fast_after_sign": ([dict(after="2min", buyer_text="不要了")], 0, "signed_at"),
    "long_after_sign": ([dict(after="25D", buyer_text="用了一段时间不想要了")], 0, "applied_at"),
    "high_value_refund_only": ([dict(return_type="refund_only", amount=5000.0, buyer_text="不要了")], 0, "amount"),
    "dropdown_conflict": ([dict(platform_reason="质量问题", buyer_text="拍错了")], 0, "platform_reason"),
    "template_text": ([dict(buyer_id=f"bt{i}", buyer_text="东西收到了但是我要退款谢谢", return_type="refund_only")
                       for i in range(4)], 0, "buyer_text"),
    "shared_contact": ([dict(buyer_id=f"bc{i}", 收货人电话="hash-phone-1") for i in range(3)], 0, "buyer_id"),
    "order_share": ([dict(buyer_id="bshare", order_id=f"OS{i}", buyer_text="不要了") for i in (1, 2, 3)], 0, None),
}


def test_every_signal_has_a_case():
    assert set(SIGNAL_CASES) == set(REGISTRY)
    assert sum(s.weight for s in REGISTRY.values()) > 100  # capped in the combination


@pytest.mark.parametrize("key", sorted(SIGNAL_CASES))
def test_each_signal_fires_alone_with_its_own_evidence(key):
    rows, pos, _ = SIGNAL_CASES[key]
    df, idx = make(rows, background=30)
    if key != "dropdown_conflict":
        df["platform_reason"] = "七天无理由退换货"
    orders = _ORDERS_FOR_SHARE if key == "order_share" else None
    res = REGISTRY[key].fn(build_context(df, orders, risk.DEFAULT_CONFIG))
    assert isinstance(res, Fired)
    i = idx[pos]
    assert 1 <= res.points[i] <= REGISTRY[key].weight + 1e-9
    assert res.zh[i] and res.en[i] and res.zh[i] != res.en[i]


@pytest.mark.parametrize("key", sorted(k for k, v in SIGNAL_CASES.items() if v[2]))
def test_each_signal_skips_without_its_column(key):
    rows, _, column = SIGNAL_CASES[key]
    df, _ = make(rows, background=10)
    res = REGISTRY[key].fn(build_context(df.drop(columns=[column]), None, risk.DEFAULT_CONFIG))
    assert isinstance(res, Skipped) and res.zh and res.en


def test_order_share_skips_without_an_order_file():
    df, _ = make(SIGNAL_CASES["order_share"][0], background=5)
    res = REGISTRY["order_share"].fn(build_context(df, None, risk.DEFAULT_CONFIG))
    assert isinstance(res, Skipped) and "订单文件" in res.zh


def test_points_come_from_the_config():
    from dataclasses import replace

    df, idx = make([dict(buyer_text="不退款就给差评", platform_reason="质量问题")], background=20)
    base = risk.score_risk(df).iloc[idx[0]]
    quiet = replace(risk.DEFAULT_CONFIG, cue_cond_threat=0, cue_threat=0, conflict_no_defect=0, conflict_buyer_side=0)
    out = risk.score_risk(df, config=quiet).iloc[idx[0]]
    assert base["risk_score"] > 0 and out["risk_score"] < base["risk_score"]
    assert "text_cues" not in out["risk_signals"]
