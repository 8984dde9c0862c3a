"""Report: aggregations, fixes, phrases, return rates and the writers."""
from __future__ import annotations


import openpyxl
import pandas as pd
import pytest

from diagnose import taxonomy
from diagnose.errors import InputError
from diagnose.analysis.report import Report, build_report, report_to_markdown, write_report

CANONICAL = [
    "return_id", "order_id", "sku", "product_id", "product_title", "platform_reason",
    "buyer_text", "return_type", "amount", "applied_at", "signed_at", "buyer_id", "status",
    "quantity", "shop", "platform", "source_file", "source_row", "row_issues",
]
TAGGED = ["reason", "reason_zh", "sub_reason", "confidence", "evidence", "needs_review",
          "reason_conflict", "dropdown_label", "p_malicious"]


def tagged_frame(rows: list[dict]) -> pd.DataFrame:
    """A tagged table in contract shape from a few hand-written fields per row."""
    out = []
    for i, r in enumerate(rows, start=1):
        reason = r.get("reason", "other")
        row = {
            "return_id": r.get("return_id", f"R{i:04d}"),
            "order_id": f"O{i:04d}",
            "sku": r.get("sku", pd.NA),
            "product_id": pd.NA,
            "product_title": r.get("product_title", {"A": "网面运动鞋", "B": "纯棉T恤"}.get(r.get("sku"), "")),
            "platform_reason": r.get("platform_reason", pd.NA),
            "buyer_text": r.get("buyer_text", ""),
            "return_type": "return_refund",
            "amount": r.get("amount", 0.0),
            "applied_at": pd.Timestamp(r["applied_at"]) if r.get("applied_at") else pd.NaT,
            "signed_at": pd.NaT,
            "buyer_id": "0123456789abcdef",
            "status": "退款成功",
            "quantity": r.get("quantity", 1.0),
            "shop": "测试店",
            "platform": "douyin",
            "source_file": "after_sales.csv",
            "source_row": i + 1,
            "row_issues": r.get("row_issues", ""),
            "reason": reason,
            "reason_zh": taxonomy.LABEL_ZH[reason],
            "sub_reason": r.get("sub_reason", taxonomy.UNSPECIFIED),
            "confidence": r.get("confidence", 0.9),
            "evidence": "",
            "needs_review": r.get("needs_review", False),
            "reason_conflict": r.get("reason_conflict", False),
            "dropdown_label": r.get("dropdown_label", pd.NA),
            "p_malicious": 0.01,
        }
        out.append(row)
    df = pd.DataFrame(out, columns=CANONICAL + TAGGED)
    df["applied_at"] = pd.to_datetime(df["applied_at"])
    return df


def rep(sku, reason, sub=taxonomy.UNSPECIFIED, n=1, **kw) -> list[dict]:
    return [dict(sku=sku, reason=reason, sub_reason=sub, **kw) for _ in range(n)]


@pytest.fixture
def shop() -> pd.DataFrame:
    """Two main SKUs and a small one.

    A (10 returns): 5 too_small @100, 2 workmanship @50, 2 changed_mind @20, 1 other @5
    B (6 returns):  4 color_difference @300, 2 quality unspecified @10
    C (2 returns):  2 logistics slow @30 (below min_returns)
    """
    rows = []
    small_texts = ["鞋子偏小，挤脚", "偏小一码 挤脚", "挤脚，建议拍大一码", "穿不进去 挤脚", ""]
    for i, text in enumerate(small_texts):
        rows.append(dict(sku="A", reason="sizing", sub_reason="too_small", amount=100.0,
                         buyer_text=text, confidence=0.5 + i / 10, applied_at="2024-05-01 10:00"))
    rows[0]["quantity"] = 2.0
    rows += rep("A", "quality", "workmanship", 2, amount=50.0, buyer_text="鞋面开线了",
                applied_at="2024-05-05 23:00")
    rows += rep("A", "changed_mind", "not_needed", 2, amount=20.0, buyer_text="不想要了",
                applied_at="2024-05-06 08:00")
    rows += rep("A", "other", n=1, amount=5.0, buyer_text="=cmd|' /C calc'!A0")
    rows += rep("B", "mismatch", "color_difference", 4, amount=300.0, buyer_text="色差太大，和图片不一样",
                applied_at="2024-05-08")
    rows += rep("B", "quality", n=2, amount=10.0, buyer_text="质量一般", applied_at="2024-05-13")
    rows += rep("C", "logistics", "slow", 2, amount=30.0, buyer_text="物流太慢", applied_at="2024-05-13")
    return tagged_frame(rows)


# --- aggregations -------------------------------------------------------------
def test_totals(shop):
    r = build_report(shop, duplicates_merged=3)
    t = r.totals
    assert t["returns"] == 18
    assert t["refunded_amount"] == pytest.approx(5 * 100 + 2 * 50 + 2 * 20 + 5 + 4 * 300 + 2 * 10 + 2 * 30)
    assert t["skus"] == 3
    assert t["date_from"] == pd.Timestamp("2024-05-01 10:00")
    assert t["date_to"] == pd.Timestamp("2024-05-13")
    assert t["duplicates_merged"] == 3
    assert t["malicious"] == 0
    assert t["undated_rows"] == 1
    assert t["conflict_rate"] is None  # no row has a dropdown label


def test_by_reason_and_sub_reason(shop):
    r = build_report(shop)
    br = r.by_reason.set_index("reason")
    assert list(r.by_reason.columns) == ["reason", "reason_zh", "returns", "share", "amount"]
    assert br.loc["sizing", "returns"] == 5
    assert br.loc["sizing", "share"] == pytest.approx(5 / 18)
    assert br.loc["sizing", "amount"] == pytest.approx(500)
    assert br.loc["mismatch", "amount"] == pytest.approx(1200)
    assert br.loc["mismatch", "reason_zh"] == "与描述不符"
    assert r.by_reason["returns"].sum() == 18
    # sorted by returns, taxonomy order breaking ties (sizing 5 before quality 4 / mismatch 4)
    assert list(r.by_reason["reason"][:3]) == ["sizing", "quality", "mismatch"]

    sub = r.by_sub_reason.set_index(["reason", "sub_reason"])
    assert sub.loc[("quality", "workmanship"), "returns"] == 2
    assert sub.loc[("quality", "workmanship"), "share_of_reason"] == pytest.approx(0.5)
    assert sub.loc[("quality", "workmanship"), "sub_reason_zh"] == "开线/破洞/做工差"
    assert sub.loc[("quality", taxonomy.UNSPECIFIED), "sub_reason_zh"] == taxonomy.UNSPECIFIED_ZH


def test_by_sku_and_top_skus(shop):
    r = build_report(shop)
    s = r.by_sku.set_index("sku")
    assert s.loc["A", "returns"] == 10
    assert s.loc["A", "amount"] == pytest.approx(645)
    assert s.loc["A", "top_reason"] == "sizing"
    assert s.loc["A", "top_reason_share"] == pytest.approx(0.5)
    assert s.loc["A", "product_title"] == "网面运动鞋"
    for label in taxonomy.LABELS:
        assert label in r.by_sku.columns
    assert s.loc["A", "quality"] == 2 and s.loc["B", "mismatch"] == 4 and s.loc["C", "sizing"] == 0
    assert "return_rate" not in r.by_sku.columns
    assert r.return_rates is None

    top = r.top_skus
    assert list(top["sku"]) == ["B", "A", "C"]
    assert list(top["rank"]) == [1, 2, 3]
    total = r.totals["refunded_amount"]
    assert top["cumulative_share"].iloc[0] == pytest.approx(1220 / total)
    assert top["cumulative_share"].iloc[-1] == pytest.approx(1.0)


def test_missing_sku_gets_placeholder_and_missing_reason_column_is_refused():
    df = tagged_frame(rep(None, "sizing", n=2, buyer_text="偏小") + rep("A", "quality", n=1))
    df.loc[:1, "sku"] = pd.NA
    r = build_report(df)
    assert "（无SKU）" in set(r.by_sku["sku"])
    assert r.totals["skus"] == 1
    with pytest.raises(InputError):
        build_report(df.drop(columns=["reason"]))


def test_empty_table_gives_an_empty_report():
    r = build_report(tagged_frame([]))
    assert r.totals["returns"] == 0
    assert r.fixes.empty and r.phrases.empty and r.by_week.empty
    assert "没有可分析的退货记录" in report_to_markdown(r)


# --- conflict rate, weeks --------------------------------------------------------
def test_conflict_rate_counts_only_rows_with_dropdown_and_text():
    rows = (
        rep("A", "changed_mind", n=1, dropdown_label="quality", buyer_text="不想要了", reason_conflict=True)
        + rep("A", "quality", n=3, dropdown_label="quality", buyer_text="开线了")
        + rep("A", "quality", n=1, dropdown_label="quality", buyer_text="", reason_conflict=True)
        + rep("A", "sizing", n=2, buyer_text="偏小")  # no dropdown → outside the base
    )
    r = build_report(tagged_frame(rows))
    assert r.totals["conflict_base"] == 4
    assert r.totals["conflicts"] == 1
    assert r.totals["conflict_rate"] == pytest.approx(0.25)
    assert "25.0%" in report_to_markdown(r)


def test_conflict_rate_reads_true_false_strings():
    df = tagged_frame(rep("A", "quality", n=2, dropdown_label="quality", buyer_text="坏了"))
    df["reason_conflict"] = ["TRUE", "FALSE"]
    assert build_report(df).totals["conflict_rate"] == pytest.approx(0.5)


def test_week_bucketing(shop):
    r = build_report(shop)
    wk = r.by_week
    assert list(wk.columns[:3]) == ["week", "reason", "reason_zh"] and "returns" in wk.columns
    weeks = wk.groupby("week")["returns"].sum()
    # Wed 1 May and Sun 5 May fall in the week of Mon 29 Apr; Mon 6 May opens the next.
    assert weeks[pd.Timestamp("2024-04-29")] == 7
    assert weeks[pd.Timestamp("2024-05-06")] == 2 + 4
    assert weeks[pd.Timestamp("2024-05-13")] == 4
    assert weeks.sum() == 17  # the undated row is left out of the trend ...
    assert r.totals["returns"] == 18  # ... but counted in the totals
    cell = wk[(wk["week"] == pd.Timestamp("2024-04-29")) & (wk["reason"] == "quality")]
    assert int(cell["returns"].iloc[0]) == 2
    assert all(pd.Timestamp(w).day_of_week == 0 for w in wk["week"])


# --- fixes -----------------------------------------------------------------------
def test_fixes_ranked_by_amount_at_stake(shop):
    f = build_report(shop).fixes
    assert list(f.columns[:12]) == ["rank", "sku", "product_title", "reason", "sub_reason", "n", "total",
                                    "share", "amount_at_stake", "fix_zh", "fix_en", "examples"]
    got = [(r.sku, r.reason, r.sub_reason) for r in f.itertuples()]
    assert got == [
        ("B", "mismatch", "color_difference"),     # 4 × 300
        ("A", "sizing", "too_small"),              # 5 × 100
        ("A", "quality", "workmanship"),           # 2 × 50
        ("B", "quality", taxonomy.UNSPECIFIED),    # 2 × 10, label-level
    ]
    assert list(f["amount_at_stake"]) == pytest.approx([1200, 500, 100, 20])
    assert list(f["rank"]) == [1, 2, 3, 4]
    assert f["amount_at_stake"].is_monotonic_decreasing
    # changed_mind is 20 % of A (< 30 %), other 10 %, C has only 2 returns
    assert "changed_mind" not in set(f["reason"]) and "C" not in set(f["sku"])
    assert set(f["kind"]) == {"fix"}


def test_fix_text_is_quantified(shop):
    f = build_report(shop).fixes.set_index(["sku", "sub_reason"])
    small = f.loc[("A", "too_small")]
    assert (small["n"], small["total"]) == (5, 10)
    assert small["share"] == pytest.approx(0.5)
    assert small["fix_zh"].startswith("A：5/10 条退货（50%）说偏小")
    assert "A: 5 of 10 returns (50%) say it runs small" in small["fix_en"]
    assert small["product_title"] == "网面运动鞋"


def test_fix_text_38_of_100():
    rows = rep("A", "sizing", "too_small", 38, amount=10.0, buyer_text="偏小") \
        + rep("A", "quality", "malfunction", 62, amount=1.0, buyer_text="坏了")
    f = build_report(tagged_frame(rows)).fixes.set_index("sub_reason")
    assert "38/100" in f.loc["too_small", "fix_zh"] and "38%" in f.loc["too_small", "fix_zh"]
    assert "38 of 100" in f.loc["too_small", "fix_en"]
    assert "62/100" in f.loc["malfunction", "fix_zh"]


def test_fragmented_sub_reasons_pool_into_a_label_level_fix():
    rows = (rep("A", "sizing", "too_small", 7, amount=10.0)
            + rep("A", "quality", "odor", 1, amount=10.0)
            + rep("A", "quality", "malfunction", 1, amount=10.0)
            + rep("A", "quality", "workmanship", 1, amount=10.0))
    f = build_report(tagged_frame(rows)).fixes
    q = f[f["reason"] == "quality"]
    assert len(q) == 1
    assert q["sub_reason"].iloc[0] == taxonomy.UNSPECIFIED
    assert q["n"].iloc[0] == 3
    assert "3/10" in q["fix_zh"].iloc[0] and "质量问题" in q["fix_zh"].iloc[0]


def test_buyer_side_reasons_need_30_percent_and_malicious_is_review():
    rows = (rep("A", "changed_mind", "ordered_wrong", 4, amount=10.0)
            + rep("A", "malicious", "threat", 2, amount=80.0)
            + rep("A", "sizing", "too_large", 4, amount=10.0))
    f = build_report(tagged_frame(rows)).fixes.set_index("reason")
    assert f.loc["changed_mind", "n"] == 4  # 40 % ≥ 30 %
    assert f.loc["malicious", "kind"] == "review"
    assert f.loc["malicious", "sub_reason"] == taxonomy.UNSPECIFIED
    assert "复核" in f.loc["malicious", "fix_zh"]
    assert f.loc["malicious", "rank"] == 1  # 160 at stake
    assert f.loc["sizing", "kind"] == "fix"


def test_min_returns_threshold(shop):
    assert set(build_report(shop, min_returns=7).fixes["sku"]) == {"A"}
    assert "C" in set(build_report(shop, min_returns=2).fixes["sku"])


def test_fix_examples_prefer_confident_distinct_texts(shop):
    f = build_report(shop).fixes.set_index(["sku", "sub_reason"])
    ex = f.loc[("A", "too_small"), "examples"].split("\n")
    # confidences 0.5..0.9 in text order; the 0.9 one is empty and skipped
    assert ex == ["穿不进去 挤脚", "挤脚，建议拍大一码", "偏小一码 挤脚"]
    assert f.loc[("B", "color_difference"), "examples"] == "色差太大，和图片不一样"


# --- phrases -----------------------------------------------------------------------
def test_phrase_lift_picks_the_sku_specific_word():
    rows = (
        [dict(sku="X", reason="sizing", sub_reason="too_small", buyer_text=t)
         for t in ["鞋子挤脚，发货快", "挤脚 发货快", "有点挤脚", "挤脚严重", "发货快 但挤脚", "鞋头挤脚"]]
        + [dict(sku="Y", reason="mismatch", sub_reason="color_difference", buyer_text=t)
           for t in ["色差大 发货快", "色差严重", "发货快 色差", "颜色色差", "色差 发货快", "有色差"]]
        + [dict(sku="Z", reason="quality", buyer_text=t)
           for t in ["发货快 质量差", "质量差", "发货快", "质量不好 发货快", "一般", "发货快 质量一般"]]
    )
    ph = build_report(tagged_frame(rows)).phrases
    assert list(ph.columns[:2]) == ["sku", "phrase"]
    x = ph[ph["sku"] == "X"].reset_index(drop=True)
    assert x.loc[0, "phrase"] == "挤脚"
    assert x.loc[0, "sku_count"] == 6 and x.loc[0, "sku_share"] == pytest.approx(1.0)
    assert x.loc[0, "rest_share"] == pytest.approx(0.0)
    assert x.loc[0, "lift"] == pytest.approx(24.0)  # 100 % ÷ floor of half a text in 12 others
    assert "色差" in set(ph.loc[ph["sku"] == "Y", "phrase"])
    # the shop-wide word is nobody's phrase
    assert not ph["phrase"].str.contains("发货").any()
    assert (ph.groupby("sku").size() <= 5).all()
    assert (ph["sku_count"] >= 3).all() and (ph["lift"] >= 2).all()


def test_phrases_need_other_buyers_to_compare_with():
    rows = [dict(sku="X", reason="sizing", buyer_text="挤脚") for _ in range(6)]
    assert build_report(tagged_frame(rows)).phrases.empty


# --- return rates ---------------------------------------------------------------------
def test_return_rates_with_orders(shop):
    orders = pd.DataFrame({
        "order_id": ["o1", "o2", "o3", "o4", "o5"],
        "sku": ["A", "A", "B", "D", " A "],
        "quantity": [60, 30, 20, 50, 10],
    })
    r = build_report(shop, orders)
    rr = r.return_rates.set_index("sku")
    assert list(r.return_rates.columns[:6]) == ["sku", "product_title", "sold_units", "returned_units",
                                                "returns", "return_rate"]
    assert rr.loc["A", "sold_units"] == 100
    assert rr.loc["A", "returned_units"] == 11  # one return of 2 units
    assert rr.loc["A", "return_rate"] == pytest.approx(0.11)
    assert rr.loc["B", "return_rate"] == pytest.approx(6 / 20)
    assert rr.loc["D", "return_rate"] == 0 and rr.loc["D", "returned_units"] == 0
    assert pd.isna(rr.loc["C", "return_rate"]) and pd.isna(rr.loc["C", "sold_units"])
    # median of (0.11, 0.30, 0) is 0.11: only B reaches 1.5 × median
    assert bool(rr.loc["B", "spike"]) and not bool(rr.loc["A", "spike"]) and not bool(rr.loc["D", "spike"])
    assert pd.isna(rr.loc["C", "spike"])
    assert rr.loc["B", "priority"] == pytest.approx(0.3 * 6)
    assert r.by_sku.set_index("sku").loc["A", "return_rate"] == pytest.approx(0.11)
    md = report_to_markdown(r)
    assert "退货率" in md and "⚠" in md


def test_orders_without_quantity_count_rows_and_need_a_sku(shop):
    orders = pd.DataFrame({"sku": ["B"] * 12})
    rr = build_report(shop, orders).return_rates.set_index("sku")
    assert rr.loc["B", "return_rate"] == pytest.approx(0.5)
    with pytest.raises(InputError):
        build_report(shop, pd.DataFrame({"order_id": ["1"]}))


# --- writers ------------------------------------------------------------------------
def test_markdown_zh_reads_well(shop, tmp_path):
    r = build_report(shop, duplicates_merged=2)
    path = tmp_path / "report.md"
    write_report(r, path)
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# 退货原因诊断报告")
    for heading in ("## 一、概览", "## 二、优先改进建议", "## 三、退货原因分布", "每周退货趋势", "高频用语"):
        assert heading in md
    assert "2024-05-01 至 2024-05-13" in md
    assert "A：5/10 条退货（50%）说偏小" in md
    assert "1,220.00" in md  # B's refunded amount
    assert "1 条缺少申请时间的退货未计入本表" in md
    assert "多个文件中重复的退货单已合并：2 条" in md
    assert "挤脚" in md  # A's distinctive phrase


def test_markdown_en_and_escaping(shop):
    df = shop.copy()
    df.loc[df["sku"] == "A", "product_title"] = "Shoe | *bold*"
    md = report_to_markdown(build_report(df, lang="en"), lang="en")
    assert md.startswith("# Return reasons report")
    assert "5 of 10 returns (50%) say it runs small" in md
    assert "Shoe \\| \\*bold\\*" in md
    assert "1 returns without a date" in md


def test_xlsx_report_is_readable_and_formula_safe(shop, tmp_path):
    df = shop.copy()
    df.loc[df["sku"] == "B", "buyer_text"] = ["+1", "-2+3", "@SUM(1)", "=cmd|' /C calc'!A0", "质量一般", "质量一般"]
    df.loc[df["sku"] == "B", "confidence"] = [0.99, 0.98, 0.97, 0.1, 0.5, 0.5]
    r = build_report(df, pd.DataFrame({"sku": ["A", "B"], "quantity": [100, 20]}))
    path = tmp_path / "report.xlsx"
    write_report(r, path)
    wb = openpyxl.load_workbook(path)
    for name in ("概览", "改进建议", "原因分布", "细分原因", "按SKU", "退款金额TOP", "退货率",
                 "高频用语", "每周趋势", "说明"):
        assert name in wb.sheetnames
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for payload in ("+1", "-2+3", "@SUM(1)"):
        assert not any(t == payload or t.startswith(payload + "\n") for t in texts)
    assert any(t.startswith("'+1") for t in texts)

    fixes = wb["改进建议"]
    header = [c.value for c in fixes[1]]
    assert header[:3] == ["排名", "SKU", "商品"] and "改进建议" in header
    first = {h: c.value for h, c in zip(header, fixes[2])}
    assert first["SKU"] == "B" and first["涉及退款金额"] == 1200
    assert isinstance(first["占比"], float)
    by_reason = wb["原因分布"]
    assert [c.value for c in by_reason[1]] == ["原因代码", "原因", "退货数", "占比", "退款金额"]
    weekly = wb["每周趋势"]
    assert weekly["A2"].value.date() == pd.Timestamp("2024-04-29").date()
    readme = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row)
    assert "1.5" in readme and "公式注入" in readme


def test_xlsx_report_en_sheet_names(shop, tmp_path):
    path = tmp_path / "r.xlsx"
    write_report(build_report(shop, lang="en"), path, lang="en")
    wb = openpyxl.load_workbook(path)
    assert "README" in wb.sheetnames and "Fixes" in wb.sheetnames and "Return rates" not in wb.sheetnames
    assert [c.value for c in wb["Fixes"][1]][:2] == ["rank", "sku"]


def test_write_report_unknown_extension(shop, tmp_path):
    r = build_report(shop)
    with pytest.raises(InputError):
        write_report(r, tmp_path / "report.pdf")
    with pytest.raises(InputError):
        write_report(r, tmp_path / "report")
    assert isinstance(r, Report)


# --- return rates by platform and date window (issue 13 item 2) ------------------------
def _two_platforms() -> pd.DataFrame:
    rows = [dict(sku="A", reason="sizing", applied_at="2024-05-03") for _ in range(4)]
    rows += [dict(sku="A", reason="quality", applied_at="2024-05-20") for _ in range(2)]
    rows += [dict(sku="A", reason="sizing", applied_at="2024-05-04") for _ in range(10)]
    frame = tagged_frame(rows)
    frame.loc[6:, "platform"] = "pinduoduo"  # the last ten rows come from another platform
    return frame


def _douyin_orders() -> pd.DataFrame:
    return pd.DataFrame({
        "sku": ["A"] * 4, "quantity": [10.0, 10.0, 20.0, 20.0],
        "ordered_at": pd.to_datetime(["2024-05-01", "2024-05-02", "2024-05-15", "2024-05-16"]),
        "source_file": "douyin_orders.csv",
    })


def test_rates_divide_only_the_order_files_platform():
    r = build_report(_two_platforms(), _douyin_orders())
    rr = r.return_rates.set_index("sku")
    # 6 Douyin returns over 60 Douyin units; the 10 Pinduoduo returns are not divided by Douyin's orders
    assert rr.loc["A", "returned_units"] == 6 and rr.loc["A", "sold_units"] == 60
    assert rr.loc["A", "return_rate"] == pytest.approx(0.1)
    b = r.rate_basis
    assert b.orders_platform == "douyin" and b.orders_file == "douyin_orders.csv"
    assert b.platforms_without_orders == ("pinduoduo",) and b.returns_unmatched == 10
    assert "return_rate" not in r.by_sku.columns  # a SKU row there mixes both platforms
    md = report_to_markdown(r).replace("\\", "")  # Markdown escapes the file name's underscore
    assert "douyin_orders.csv" in md and "拼多多没有订单文件" in md
    en = report_to_markdown(build_report(_two_platforms(), _douyin_orders(), lang="en"), "en")
    assert "Pinduoduo have no order file" in en


def test_rates_use_the_same_date_window_on_both_sides():
    from datetime import date

    frame = _two_platforms()
    window = (date(2024, 5, 1), date(2024, 5, 10))
    early = frame[frame["applied_at"] < "2024-05-11"]
    r = build_report(early, _douyin_orders(), date_window=window)
    rr = r.return_rates.set_index("sku")
    assert rr.loc["A", "sold_units"] == 20 and rr.loc["A", "returned_units"] == 4
    assert rr.loc["A", "return_rate"] == pytest.approx(0.2)
    assert r.rate_basis.date_from == window[0] and "2024-05-01" in report_to_markdown(r)


def test_no_rate_when_the_orders_platform_is_unknown_and_returns_mix_platforms():
    orders = _douyin_orders().assign(source_file="orders.csv")
    r = build_report(_two_platforms(), orders)
    assert r.rate_basis.orders_platform is None
    assert r.return_rates["return_rate"].isna().all()
    assert "无法确定订单文件属于哪个平台" in report_to_markdown(r)
    # named explicitly, the rate is back
    named = build_report(_two_platforms(), orders, orders_platform="douyin")
    assert named.return_rates.set_index("sku").loc["A", "return_rate"] == pytest.approx(0.1)


def test_matched_rows_give_the_quality_rate_the_same_basis():
    from diagnose.analysis.report import matched_rows

    rows, orders, basis = matched_rows(_two_platforms(), _douyin_orders())
    assert len(rows) == 6 and set(rows["platform"]) == {"douyin"} and len(orders) == 4
    assert basis.returns_unmatched == 10


# --- product key without a SKU column (issue 13 item 9) --------------------------------
def test_products_fall_back_to_product_id_then_title():
    rows = [dict(reason="sizing", product_title="连衣裙") for _ in range(3)] + \
           [dict(reason="quality", product_title="衬衫") for _ in range(2)]
    frame = tagged_frame(rows)
    by_title = build_report(frame)
    assert by_title.totals["product_key"] == "product_title" and by_title.totals["skus"] == 2
    assert set(by_title.by_sku["sku"]) == {"连衣裙", "衬衫"}
    assert "商品名称" in report_to_markdown(by_title)
    frame["product_id"] = ["P1", "P1", "P1", "P2", "P2"]
    by_id = build_report(frame)
    assert by_id.totals["product_key"] == "product_id" and set(by_id.by_sku["sku"]) == {"P1", "P2"}
    assert "商品ID" in report_to_markdown(by_id)
    frame["sku"] = "S-1"
    assert build_report(frame).totals["product_key"] == "sku"
    assert "没有 SKU 列" not in report_to_markdown(build_report(frame))


def test_report_package_keeps_functions_and_modules_small():
    import ast
    from pathlib import Path

    pkg = Path(__file__).resolve().parent.parent / "diagnose" / "analysis" / "report"
    for path in pkg.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert source.count("\n") <= 800, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno - node.lineno + 1 <= 120, (path.name, node.name)


def test_no_single_character_phrase():
    """Issue 13 (11): 穿 or 退 alone tells a merchant nothing; the phrases they open still count."""
    rows = ([dict(sku="A", reason="quality", buyer_text=t)
             for t in ["面料很薄 穿着透", "面料很薄 穿不了", "面料薄 穿上显胖", "面料很薄，穿", "穿 面料薄"]]
            + [dict(sku="B", reason="quality", buyer_text=f"杯盖漏水 第{i}次") for i in range(5)])
    ph = build_report(tagged_frame(rows)).phrases
    assert not ph.empty
    assert (ph["phrase"].str.len() > 1).all(), ph["phrase"].tolist()
    assert "穿" not in set(ph["phrase"]) and "面料薄" in set(ph["phrase"]) | {"面料"}
