"""Follow-up after a fix: fix checks, size advice, spikes, cohorts, alerts — fixtures with known answers.

Every fixture is built here in code (no model needed: the tables already
carry a `reason`), so each number a test expects can be counted by hand.
The sample-data tests at the end pin what the dashboard shows out of the
box, and that every sample comment fits its product.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from diagnose import cli
from diagnose.analysis.followup import (
    DEFAULTS, FollowupSettings, build_alerts, check_fixes, cohort_trend, digest_html, digest_markdown,
    parse_sizes, quality_spikes, read_fixes_csv, read_supplier_map, size_advice, supplier_flags,
)
from diagnose.errors import InputError

FIX_DAY = pd.Timestamp("2024-04-10")


# --------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------
def _orders_and_returns(sku: str, spec: list[tuple[str, int, int, str]], *, start: str = "2024-02-01",
                        lag_days: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders and returns from a spec of (first order day, days, orders per day, pattern).

    `pattern` is a string of reasons cycled over the orders of the segment,
    "." meaning the order was kept: "s...." = one sizing return per five
    orders. Each return is filed `lag_days` after its order.
    """
    orders, returns = [], []
    n = 0
    code = {"s": "sizing", "q": "quality", "c": "changed_mind", "m": "mismatch"}
    for first, days, per_day, pattern in spec:
        for d in range(days):
            day = pd.Timestamp(first) + pd.Timedelta(days=d)
            for k in range(per_day):
                n += 1
                oid = f"{sku}-O{n}"
                orders.append({"order_id": oid, "sku": sku, "ordered_at": day + pd.Timedelta(hours=9), "quantity": 1.0})
                mark = pattern[(d * per_day + k) % len(pattern)]
                if mark != ".":
                    returns.append({"return_id": f"{sku}-R{n}", "order_id": oid, "sku": sku, "reason": code[mark],
                                    "sub_reason": "unspecified", "buyer_text": "", "amount": 100.0,
                                    "applied_at": day + pd.Timedelta(days=lag_days, hours=10)})
    return pd.DataFrame(orders), pd.DataFrame(returns)


def _fix(sku="A", day="2024-04-10", kind="size_chart", target="sizing") -> pd.DataFrame:
    return pd.DataFrame([{"sku": sku, "fix_date": day, "kind": kind, "target_reason": target, "note": ""}])


# --------------------------------------------------------------------------
# fix check
# --------------------------------------------------------------------------
def test_a_fix_that_clearly_worked():
    # 60 days before at 10 orders/day, one sizing return in 5 orders (20 %);
    # after the fix one in 25 (4 %), and the data runs well past maturity.
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s...."), ("2024-04-10", 80, 10, "s" + "." * 24)])
    row = check_fixes(returns, _fix(), orders, window=60).iloc[0]
    assert row["window_days"] == 60
    assert (row["before_returns"], row["before_orders"]) == (120, 600)
    assert (row["after_returns"], row["after_orders"]) == (24, 600)
    assert row["verdict"] == "improved" and row["p_value"] < 1e-6
    assert row["measure"] == "per order" and row["counted_by"] == "order date"
    assert row["before_rate"] == pytest.approx(0.2) and row["after_rate"] == pytest.approx(0.04)


def test_a_fix_that_regressed_and_one_unchanged():
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s" + "." * 19), ("2024-04-10", 80, 10, "s...")])
    assert check_fixes(returns, _fix(), orders, window=60).iloc[0]["verdict"] == "regressed"
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s" + "." * 9), ("2024-04-10", 80, 10, "s" + "." * 9)])
    row = check_fixes(returns, _fix(), orders, window=60).iloc[0]
    assert row["verdict"] == "unchanged" and row["p_value"] > 0.5


def test_a_fix_too_early_says_which_minimum():
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s...."), ("2024-04-10", 20, 10, "s" + "." * 24)])
    # data ends 2024-04-30 (last return): minus 14 days of maturity leaves 7 days after the fix
    row = check_fixes(returns, _fix(), orders).iloc[0]
    assert row["verdict"] == "too early"
    assert row["window_days"] == 7 and "minimum 14" in row["why"] and row["why_code"] == "days"
    # enough days, but too few orders after the fix
    few = FollowupSettings(min_orders_after=1000)
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s...."), ("2024-04-10", 80, 10, "s" + "." * 24)])
    row = check_fixes(returns, _fix(), orders, window=60, settings=few).iloc[0]
    assert row["verdict"] == "too early" and "600 orders" in row["why"] and "1000" in row["why"]
    assert row["why_code"] == "orders"


def test_order_date_attribution_at_the_fix_boundary():
    # Orders placed the 5 days before the fix, returned 8 days later (after the fix).
    orders, returns = _orders_and_returns("A", [("2024-04-05", 5, 4, "s")], lag_days=8)
    # another SKU's return shows the data starts well before the fix
    earlier = {"return_id": "Z1", "order_id": "Z-O1", "sku": "Z", "reason": "quality", "sub_reason": "unspecified",
               "buyer_text": "", "amount": 1.0, "applied_at": pd.Timestamp("2024-03-01")}
    returns = pd.concat([returns, pd.DataFrame([earlier])], ignore_index=True)
    fix = _fix()
    by_order = check_fixes(returns, fix, orders, window=10, as_of="2024-06-01").iloc[0]
    assert (by_order["before_returns"], by_order["after_returns"]) == (20, 0)
    assert by_order["counted_by"] == "order date"
    # Without the order export (and no order-time column) they can only count by application date: after.
    by_applied = check_fixes(returns, fix, None, window=10, as_of="2024-06-01").iloc[0]
    assert by_applied["counted_by"] == "application date"
    assert (by_applied["before_returns"], by_applied["after_returns"]) == (0, 20)
    # An order-time column carried through by the export works like the order file.
    carried = returns.drop(columns="order_id").assign(订单付款时间=returns["applied_at"] - pd.Timedelta(days=8))
    row = check_fixes(carried, fix, None, window=10, as_of="2024-06-01").iloc[0]
    assert (row["before_returns"], row["after_returns"]) == (20, 0)


def test_rates_use_only_returns_of_the_orders_counted():
    orders, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "s...."), ("2024-04-10", 80, 10, "s" + "." * 24)])
    other_platform = returns.assign(return_id=returns["return_id"] + "-tb", order_id="TB-" + returns["order_id"])
    row = check_fixes(pd.concat([returns, other_platform]), _fix(), orders, window=60).iloc[0]
    assert (row["before_returns"], row["before_orders"]) == (120, 600)  # the Taobao copies are not divided by Douyin orders


def test_share_of_returns_without_orders():
    _, returns = _orders_and_returns("A", [("2024-02-10", 60, 10, "sc"), ("2024-04-10", 60, 10, "scccc")], lag_days=0)
    row = check_fixes(returns, _fix(), None, window=30).iloc[0]
    assert row["measure"] == "share of returns" and pd.isna(row["before_orders"])
    assert row["before_rate"] == pytest.approx(0.5) and row["after_rate"] == pytest.approx(0.2)
    assert row["verdict"] == "improved"


def test_fix_list_checks(tmp_path):
    path = tmp_path / "fixes.csv"
    path.write_text("sku,fix_date,kind,note\nA,2024-04-10,listing,新主图\nB,2024/4/12,other,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3"):
        read_fixes_csv(str(path))
    path.write_text("sku,fix_date,kind,reason\nA,2024-04-10,listing,\nB,2024-04-12,other,quality\n", encoding="utf-8")
    assert read_fixes_csv(str(path))["target_reason"].tolist() == ["mismatch", "quality"]
    with pytest.raises(InputError, match="lacks the columns"):
        check_fixes(pd.DataFrame({"sku": ["A"]}), pd.DataFrame({"sku": ["A"]}))


# --------------------------------------------------------------------------
# spikes and suppliers
# --------------------------------------------------------------------------
def _weekly_quality(sku: str, counts: list[int], orders_per_week: int | None = None, sub="workmanship",
                    extra: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    monday = pd.Timestamp("2024-03-04")
    rows, orders = [], []
    for w, c in enumerate(counts):
        for k in range(c):
            rows.append({"return_id": f"{sku}-{w}-{k}", "order_id": f"{sku}-o{w}-{k}", "sku": sku, "reason": "quality",
                         "sub_reason": sub, "buyer_text": "开线了", "amount": 50.0,
                         "applied_at": monday + pd.Timedelta(days=7 * w + k % 5, hours=12), **(extra or {})})
        for k in range(orders_per_week or 0):
            orders.append({"order_id": f"{sku}-o{w}-{k}", "sku": sku, "quantity": 1.0,
                           "ordered_at": monday + pd.Timedelta(days=7 * w + k % 5, hours=12) - pd.Timedelta(days=0)})
    return pd.DataFrame(rows), (pd.DataFrame(orders) if orders_per_week else None)


def test_a_spike_that_passes_the_test():
    tagged, _ = _weekly_quality("A", [2, 1, 2, 2, 1, 2, 12, 11, 2, 1])
    spikes = quality_spikes(tagged)
    assert len(spikes) == 1
    s = spikes.iloc[0]
    assert (s["start_week"], s["end_week"], s["weeks"], s["quality_returns"]) == ("2024-04-15", "2024-04-22", 2, 23)
    assert s["ratio"] >= DEFAULTS.spike_ratio and s["p_value"] < DEFAULTS.spike_alpha
    assert s["top_sub_reason"] == "workmanship" and s["first_day"] == "2024-04-15"
    assert s["amount"] == pytest.approx(23 * 50.0)


def test_a_noisy_week_is_not_a_spike():
    # 2× the baseline on small counts: a bare ratio would flag it, the test does not.
    tagged, _ = _weekly_quality("A", [1, 3, 0, 2, 1, 2, 6, 2, 1])
    assert quality_spikes(tagged).empty
    # and a jump below the minimum count is never flagged
    tagged, _ = _weekly_quality("B", [0, 0, 0, 0, 0, 0, 4, 0])
    assert quality_spikes(tagged).empty


def test_spikes_are_normalised_by_orders():
    # Returns double in week 7, but so do orders: the rate did not move.
    tagged, orders = _weekly_quality("A", [3, 3, 3, 3, 3, 3, 12, 3], orders_per_week=None)
    o = []
    for w in range(8):
        for k in range(80 if w == 6 else 20):
            o.append({"order_id": f"A-o{w}-{k}", "sku": "A", "quantity": 1.0,
                      "ordered_at": pd.Timestamp("2024-03-04") + pd.Timedelta(days=7 * w + k % 5, hours=12)})
    orders = pd.DataFrame(o)
    assert len(quality_spikes(tagged)) == 1        # counts alone: a spike
    assert quality_spikes(tagged, orders).empty    # per order: none


def test_supplier_flagged_when_three_skus_spike_together(tmp_path):
    frames = [_weekly_quality(s, [1, 2, 1, 1, 2, 1, 10, 9, 1])[0] for s in ("A", "B", "C")]
    frames.append(_weekly_quality("D", [1, 2, 1, 1, 2, 1, 1, 1, 1])[0])
    tagged = pd.concat(frames, ignore_index=True)
    path = tmp_path / "suppliers.csv"
    path.write_text("商家编码,供应商\nA,华纺\nB,华纺\nC,华纺\nD,华纺\n", encoding="gb18030")
    mapping = read_supplier_map(str(path))
    spikes = quality_spikes(tagged, suppliers=mapping)
    assert sorted(spikes["sku"]) == ["A", "B", "C"] and set(spikes["supplier"]) == {"华纺"}
    flags = supplier_flags(spikes)
    assert flags.iloc[0][["supplier", "skus", "n_skus"]].tolist() == ["华纺", "A, B, C", 3]
    # two SKUs are not enough
    assert supplier_flags(spikes[spikes["sku"] != "C"]).empty
    # a supplier / batch column in the export works without a mapping file
    tagged = tagged.assign(供应商="云裳", 生产批次="B-07")
    spikes = quality_spikes(tagged)
    assert set(spikes["supplier"]) == {"云裳"} and set(spikes["batch"]) == {"B-07"}
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="sku column and a supplier column"):
        read_supplier_map(str(bad))


# --------------------------------------------------------------------------
# size advice
# --------------------------------------------------------------------------
@pytest.mark.parametrize("text,sizes,height,weight", [
    ("衣服偏小，平时穿M的这个M根本穿不上", ("M",), None, None),
    ("160/100斤穿S都勒", ("S",), 160, 100),
    ("鞋码偏小，平时38这双38穿不进", ("38",), None, None),
    ("平时穿41码的，41穿着顶脚趾", ("41",), None, None),
    ("身高165 体重110斤 买的L", ("L",), 165, 110),
    ("168cm 52kg 拍的XL还是紧", ("XL",), 168, 104),
    ("裤长太长了，165穿着还要挽两道", (), 165, None),
    ("买的XL给我发了XXL", ("XL", "XXL"), None, None),
    ("2XL码也穿不下", ("2XL",), None, None),
    ("M码/蓝色碎花", ("M",), None, None),
    ("均码/米色", (), None, None),
    ("Runs small. Ordered my usual size M", ("M",), None, None),
    ("质量很好，就是不喜欢", (), None, None),
    ("", (), None, None),
])
def test_size_parsing(text, sizes, height, weight):
    got = parse_sizes(text)
    assert got.sizes == sizes
    assert got.height_cm == height
    assert got.weight_jin == weight


def _sizing_rows(sku: str, n_small: int, n_large: int, spec: list[str] | None = None) -> pd.DataFrame:
    texts = ["偏小，平时穿M的这个M穿不上"] * n_small + ["太大了，空荡荡的"] * n_large
    subs = ["too_small"] * n_small + ["unspecified"] * n_large
    frame = pd.DataFrame({"return_id": [f"{sku}{i}" for i in range(len(texts))], "sku": sku, "reason": "sizing",
                          "sub_reason": subs, "buyer_text": texts, "product_title": "连衣裙"})
    if spec is not None:
        frame["商品规格"] = [spec[i % len(spec)] + "码/蓝色" for i in range(len(texts))]
    return frame


def test_size_advice_needs_a_minimum_and_a_direction():
    frame = pd.concat([_sizing_rows("A", 9, 3, spec=["L", "L", "XL"]), _sizing_rows("B", 6, 5),
                       _sizing_rows("C", 5, 0)], ignore_index=True)
    advice = size_advice(frame).set_index("sku")
    assert "C" not in advice.index  # 5 sizing returns < min_sizing_returns (10)
    a = advice.loc["A"]
    assert (a["direction"], a["direction_returns"], a["sizing_returns"]) == ("small", 9, 12)
    assert a["size_source"] == "spec column" and a["sizes"].startswith("L ×6")
    assert a["advice_en"] == ("9 of 12 size returns for this SKU say it runs small (most in L and XL): "
                              "suggest one size up, and add measurements to the size chart")
    assert "偏小" in a["advice_zh"] and "偏小" in a["examples"]
    b = advice.loc["B"]
    assert b["direction"] == "mixed" and "no clear direction" in b["advice_en"]
    # without a spec column the sizes buyers name are used
    no_spec = size_advice(_sizing_rows("D", 10, 0)).iloc[0]
    assert no_spec["size_source"] == "buyer text" and no_spec["sizes"] == "M ×10"
    assert size_advice(frame, FollowupSettings(min_sizing_returns=5))["sku"].tolist() == ["A", "B", "C"]


# --------------------------------------------------------------------------
# cohorts
# --------------------------------------------------------------------------
def test_young_cohorts_are_marked_not_mature():
    orders, returns = _orders_and_returns("A", [("2024-03-04", 56, 5, "s.........")], lag_days=3)
    trend = cohort_trend(returns, orders)
    ordered = trend[trend["basis"] == "ordered"].set_index("week")
    end = pd.Timestamp(returns["applied_at"].max()).normalize()  # 2024-05-01
    for week, row in ordered.iterrows():
        assert row["mature"] == (week + pd.Timedelta(days=6 + DEFAULTS.maturity_days) <= end)
    assert not ordered["mature"].iloc[-1] and ordered["mature"].iloc[0]
    assert ordered["orders"].iloc[0] == 35 and ordered["rate"].iloc[0] == pytest.approx(ordered["returns"].iloc[0] / 35)
    applied = trend[trend["basis"] == "applied"]
    assert applied["partial"].iloc[-1] and not applied["partial"].iloc[0]
    assert int(applied["returns"].sum()) == len(returns)
    # no order dates at all: only the application-date series
    assert set(cohort_trend(returns.drop(columns="order_id"))["basis"]) == {"applied"}


# --------------------------------------------------------------------------
# alerts
# --------------------------------------------------------------------------
def test_alerts_sorted_by_money_and_filtered_by_date():
    a, _ = _weekly_quality("A", [2, 1, 2, 2, 1, 2, 12, 11, 2, 1])
    b, _ = _weekly_quality("B<script>", [1, 1, 1, 1, 1, 1, 1, 1, 15, 1])
    b["amount"] = 500.0
    orders, regressed = _orders_and_returns("C", [("2024-02-10", 60, 10, "s" + "." * 19), ("2024-04-10", 80, 10, "s...")])
    tagged = pd.concat([a, b, regressed], ignore_index=True)
    alerts = build_alerts(tagged, orders, _fix("C"))
    # C: 150 sizing returns × ¥100 after the fix; B: 15 × ¥500; A: 23 × ¥50
    assert alerts["kind"].tolist() == ["fix_regressed", "spike", "spike"]
    assert alerts["subject"].tolist() == ["C", "B<script>", "A"]
    assert alerts["amount_at_stake"].tolist() == [15000.0, 7500.0, 1150.0]
    assert "went from 5.0% to 25.0%" in alerts.loc[0, "headline_en"]
    # the dashboard passes the spike and fix tables it has already computed: the same alerts
    found, checked = quality_spikes(tagged, orders), check_fixes(tagged, _fix("C"), orders)
    pd.testing.assert_frame_equal(build_alerts(tagged, orders, _fix("C"), found=found, checked=checked), alerts)
    # ... and they are really used, not recomputed
    calm = build_alerts(tagged, orders, _fix("C"), found=found.iloc[:0], checked=checked.assign(verdict="unchanged"))
    assert calm.empty
    assert build_alerts(tagged, orders, _fix("C"), since="2024-04-25")["subject"].tolist() == ["B<script>"]
    page = digest_html(alerts, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page
    md = digest_markdown(alerts, "zh")
    assert md.startswith("# 预警摘要") and "B\\<script\\>" in md and "不在这些预警里" in md


# --------------------------------------------------------------------------
# CLI, in-process
# --------------------------------------------------------------------------
def test_cli_fix_add_list_and_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    store = str(tmp_path / "s.sqlite")
    assert cli.main(["fix", "add", "DR-2401", "--date", "2024-04-10", "--kind", "size_chart", "--note", "加实测",
                     "--store", store]) == 0
    assert cli.main(["fix", "add", "PC-1301", "--date", "2024-05-20", "--kind", "other", "--reason", "mismatch",
                     "--store", store]) == 0
    assert "re-measures mismatch" in capsys.readouterr().err
    assert cli.main(["fix", "add", "X", "--date", "someday", "--kind", "listing", "--store", store]) == 2
    assert "cannot read the fix date" in capsys.readouterr().err
    out = tmp_path / "fixes.csv"
    assert cli.main(["fix", "list", "--store", store, "-o", str(out)]) == 0
    listed = pd.read_csv(out, dtype=str)
    assert listed["sku"].tolist() == ["DR-2401", "PC-1301"] and listed["target_reason"].tolist() == ["sizing", "mismatch"]


def test_cli_fix_lines_speak_chinese_by_default(tmp_path, capsys):
    store = str(tmp_path / "s.sqlite")
    assert cli.main(["fix", "list", "--store", store]) == 0
    assert "还没有改进记录" in capsys.readouterr().out
    assert cli.main(["fix", "add", "PC-1301", "--date", "2024-05-20", "--kind", "other", "--reason", "mismatch",
                     "--store", store]) == 0
    err = capsys.readouterr().err
    assert "已记录改进" in err and "复测原因 mismatch" in err and "re-measures" not in err
    assert cli.main(["fix", "add", "X", "--date", "someday", "--kind", "listing", "--store", store]) == 2
    assert "错误：无法识别改进日期「someday」" in capsys.readouterr().err


def test_cli_fix_check_and_alerts_on_the_sample_data(sample_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIAGNOSE_LANG", "en")
    douyin, orders = str(sample_dir / "douyin_aftersales.csv"), str(sample_dir / "douyin_orders.csv")
    out = tmp_path / "check.csv"
    store = str(tmp_path / "s.sqlite")
    for sku, day, kind in (("DR-2401", "2024-04-10", "size_chart"), ("SH-8801", "2024-04-15", "size_chart"),
                           ("PC-1301", "2024-05-20", "listing")):
        assert cli.main(["fix", "add", sku, "--date", day, "--kind", kind, "--store", store]) == 0
    assert cli.main(["fix", "check", douyin, "--orders", orders, "--store", store, "-o", str(out)]) == 0
    table = pd.read_csv(out, dtype={"sku": str}).set_index("sku")
    assert list(table.columns[:9]) == ["fix_date", "kind", "target_reason", "before_returns", "before_orders",
                                       "after_returns", "after_orders", "p_value", "verdict"]
    assert table["verdict"].to_dict() == {"DR-2401": "improved", "SH-8801": "unchanged", "PC-1301": "too early"}
    dress = table.loc["DR-2401"]
    assert dress["after_returns"] / dress["after_orders"] < dress["before_returns"] / dress["before_orders"] / 3
    md = tmp_path / "check.md"
    assert cli.main(["fix", "check", douyin, "--orders", orders, "--fixes",
                     str(sample_dir / "followup" / "fixes.csv"), "-o", str(md)]) == 0
    assert "| DR-2401 | 2024-04-10 | size_chart | sizing |" in md.read_text(encoding="utf-8")
    digest = tmp_path / "digest.html"
    assert cli.main(["alerts", douyin, "--orders", orders, "--store", store, "--lang", "en", "-o", str(digest)]) == 0
    page = digest.read_text(encoding="utf-8")
    assert "Supplier 嘉兴华纺服饰: 3 SKUs (HT-6001, JK-3305, TS-1102)" in page
    assert cli.main(["alerts", douyin, "-o", str(tmp_path / "digest.txt")]) == 2
    assert "OUT.md or OUT.html" in capsys.readouterr().err


# --------------------------------------------------------------------------
# the sample data
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample_douyin(sample_dir, model):
    from diagnose import pipeline
    from diagnose.io import read_orders

    tagged = pipeline.tag([sample_dir / "douyin_aftersales.csv"], model=model).frame
    return tagged, read_orders(sample_dir / "douyin_orders.csv")


def test_sample_data_shows_size_advice_and_a_supplier_batch(sample_douyin):
    tagged, orders = sample_douyin
    advice = size_advice(tagged).set_index("sku")
    dress = advice.loc["DR-2401"]
    assert dress["direction"] == "small" and dress["size_source"] == "spec column"
    assert dress["direction_share"] >= DEFAULTS.direction_share
    assert advice.loc["PT-2208", "direction"] == "large"
    spikes = quality_spikes(tagged, orders)
    batch = spikes[spikes["supplier"] == "嘉兴华纺服饰"]
    assert sorted(batch["sku"]) == ["HT-6001", "JK-3305", "TS-1102"]
    assert set(batch["batch"]) == {"HF-2404-07"} and set(batch["top_sub_reason"]) == {"workmanship"}
    assert supplier_flags(spikes)["supplier"].tolist() == ["嘉兴华纺服饰"]
    trend = cohort_trend(tagged, orders)
    assert (~trend.loc[trend["basis"] == "ordered", "mature"]).sum() >= 2  # the last two order weeks


# Product nouns a buyer would only use for some products. A comment naming a
# noun its product cannot have ("大米" on a citrus gift box) is a misfit.
NOUNS: dict[str, tuple[str, ...]] = {
    r"芒果": ("FR-2001",), r"橘(?!色)": ("0073102",), r"樱桃": ("FR-2003",), r"牛肉干|肉干": ("FD-2004",),
    r"大米|米里|米有|陈米|新米": ("FD-2005",), r"水果|果子|坏果|烂果": ("FR-2001", "0073102", "FR-2003"),
    r"耳机|降噪|左耳|右耳|耳塞|earbud": ("EP-2201",), r"充电宝|毫安|mAh|[Pp]ower bank": ("PB-3301",),
    r"数据线|线材|[Cc]able": ("CB-4401", "EP-2201", "WT-5501", "PB-3301"),
    r"手表|表带|表盘|续航|[Ss]creen|屏": ("WT-5501", "EP-2201"), r"键盘|键帽|连击|[Kk]eys": ("KB-6601",),
    r"手机壳|壳子|\bcase\b|[Cc]ase cracked": ("PC-1301",),
    r"口红|色号|试色|嘴唇": ("LS-1002",), r"面霜": ("SK-1001",), r"洗发水|头皮": ("SP-1003",), r"防晒": ("SN-1004",),
    r"面膜": ("MK-1005",), r"枕头|[Pp]illow": ("HM-3001",), r"枕套": ("HM-3001", "HM-3003"),
    r"保温杯|杯盖|杯子|[Ll]id leaks|drinks": ("HM-3002",), r"四件套|床单|被套|床品|[Bb]edding|[Ss]heets": ("HM-3003", "BB-5004"),
    r"收纳箱|storage box": ("HM-3004",), r"水壶|烧水|[Kk]ettle": ("HM-3005",),
    r"缺页|掉页|错页|内页|页面|盗版|盗印|纸张|纸质|(?<!说明)书": ("0045001", "BK-4002", "BK-4003"),
    r"积木|[Bb]ricks": ("TY-5001",), r"遥控|[Rr]emote car": ("TY-5002",), r"毛绒|公仔|娃娃|棉花|[Pp]lush|stuffing": ("TY-5003",),
    r"纸尿裤|屁股": ("BB-5004",), r"辅食碗|吸盘|碗": ("BB-5005",),
    r"鞋|脚|[Tt]oes|[Hh]eel|[Ss]ole\b": ("SH-8801", "SH-8802", "SH-8803", "SH-8804"),
    r"裙": ("DR-2401",), r"(?<!尿)裤|裆|拖地|drags on the floor": ("PT-2208",), r"毛衣": ("SW-5510",),
    r"羽绒": ("DJ-7701",), r"(?<!键)帽": ("HT-6001",), r"袖|腋下|[Ss]leeves": ("DR-2401", "TS-1102", "JK-3305", "SW-5510", "DJ-7701"),
    r"腰围|腰线|收腰|[Ww]aist": ("DR-2401", "PT-2208"), r"拉链|zip": ("DR-2401", "JK-3305", "DJ-7701", "PT-2208"),
    r"扣子|扣不上": ("DR-2401", "JK-3305"), r"领口|圆领": ("TS-1102", "SW-5510", "DR-2401"),
    r"老公穿": ("JK-3305", "TS-1102", "SW-5510", "DJ-7701", "SH-8802"),
    r"孩子|宝宝": ("SH-8804", "0045001", "TY-5001", "TY-5002", "TY-5003", "BB-5004", "BB-5005"),
}
SAMPLE_EXPORTS = ("douyin_aftersales.csv", "taobao_refunds.xlsx", "amazon_fba_returns.tsv", "pdd_aftersales.csv",
                  "jd_service_orders.csv")


@pytest.fixture(scope="module")
def sample_rows(sample_dir):
    from diagnose.io import read_exports

    return read_exports([sample_dir / n for n in SAMPLE_EXPORTS]).frame


def test_every_sample_comment_fits_its_product(sample_rows):
    """Issue 13 item 5: no 'rice has bugs' on an orange gift box, no keyboard on a watch."""
    import importlib.util
    import sys

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("make_samples", root / "scripts" / "make_samples.py")
    samples = sys.modules.setdefault("make_samples", importlib.util.module_from_spec(spec))
    if not hasattr(samples, "PRODUCTS"):
        spec.loader.exec_module(samples)
    # Every platform's product key back to the merchant SKU code: SKU, product id (JD) or title.
    by_title = {p.title: p.code for p in samples.PRODUCTS} | {p.en_title: p.code for p in samples.PRODUCTS if p.en_title}
    codes = {p.code for p in samples.PRODUCTS}
    rows = sample_rows
    code = rows["sku"].where(rows["sku"].isin(codes), rows["product_title"].map(
        lambda t: next((c for title, c in by_title.items() if isinstance(t, str) and title in t), None)))
    assert code.notna().all(), rows.loc[code.isna(), ["source_file", "sku", "product_title"]].head()
    misfits = []
    for text, product, source in zip(rows["buyer_text"].fillna(""), code, rows["source_file"]):
        for pattern, allowed in NOUNS.items():
            if re.search(pattern, text) and product not in allowed:
                misfits.append((source, product, pattern, text))
    assert not misfits, sorted({(m[1], m[2], m[3]) for m in misfits})[:20]
    assert rows["buyer_text"].fillna("").str.len().gt(0).sum() > 2500  # the check saw the comments


# --------------------------------------------------------------------------
# the dashboard (AppTest)
# --------------------------------------------------------------------------
APP = str(Path(__file__).resolve().parent.parent / "app.py")


@pytest.fixture
def app_env(tmp_path, sample_dir, monkeypatch):
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DIAGNOSE_SAMPLE_DIR", str(sample_dir))
    return tmp_path / "data"


def _app(page: str | None = None, lang: str = "zh"):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    if lang != "zh":
        at.segmented_control(key="lang").set_value(lang)
        at.run()
    if page:
        at.switch_page(f"ui/pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _page_text(at) -> str:
    parts = [x.value for x in at.markdown] + [x.value for x in at.caption] + [x.value for x in at.warning] + \
        [x.value for x in at.error] + [x.value for x in at.get("html")]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_followup_page_shows_a_verdict_a_spike_and_size_advice_out_of_the_box(app_env):
    at = _app("followup")
    assert at.title[0].value == "修复跟踪：改了之后有没有用"
    text = _page_text(at)
    assert "DR-2401 · 有改善" in text and "SH-8801 · 无明显变化" in text and "PC-1301 · 还太早" in text
    assert "修复后只观察到 0 天（至少需要 14 天）" in text
    # the order counts come from the order export; the sizing returns from the shipped model's tags
    before, after = re.search(r"修复前 (\d+) / 168，修复后 (\d+) / 156", text).groups()
    assert int(before) >= 5 * int(after)
    assert "供应商 嘉兴华纺服饰：3 个 SKU（HT-6001, JK-3305, TS-1102）" in text
    assert "说偏小" in text and "DR-2401" in text  # size advice for the dress
    assert "未成熟的订单周" in text
    spikes = [d.value for d in at.dataframe][0]
    assert {"HT-6001", "JK-3305", "TS-1102"} <= set(spikes["sku"])
    # alerts at the top, money first
    assert at.warning and "供应商批次问题" in at.warning[0].value
    before = [m for m in at.metric if m.label == "修复前"]
    assert before and before[0].value.endswith("%")


def test_followup_page_in_english(app_env):
    at = _app("followup", lang="en")
    text = _page_text(at)
    assert at.title[0].value == "Follow-up: did the fix work?"
    assert "DR-2401 · Improved" in text and "runs small" in text


def test_mark_as_fixed_on_the_fixes_page_reaches_the_follow_up(app_env):
    from diagnose.store import FixLog

    at = _app("fixes")
    forms = [f for f in at.get("form")]
    assert forms, "no mark-as-fixed form"
    submit = [b for b in at.button if b.label == "保存修复记录"]
    submit[0].click()
    at.run()
    assert not at.exception
    fixes = FixLog(app_env / "corrections.sqlite").list()
    assert len(fixes) == 1
    sku = fixes.iloc[0]["sku"]
    at.switch_page("ui/pages/followup.py")
    at.run()
    assert f"{sku} · 还太早" in _page_text(at)  # fixed today: too early to judge


def test_cohort_rates_count_only_returns_of_the_orders_file():
    orders, returns = _orders_and_returns("A", [("2024-03-04", 56, 5, "s.........")], lag_days=3)
    other = returns.assign(return_id=returns["return_id"] + "-tb", order_id="TB" + returns["order_id"],
                           订单付款时间=returns["applied_at"] - pd.Timedelta(days=3))
    both = cohort_trend(pd.concat([returns, other], ignore_index=True), orders)
    alone = cohort_trend(returns, orders)
    cols = ["week", "returns", "orders", "rate"]
    pd.testing.assert_frame_equal(both.loc[both["basis"] == "ordered", cols].reset_index(drop=True),
                                  alone.loc[alone["basis"] == "ordered", cols].reset_index(drop=True))
    # without an order file the carried order time still gives a cohort series (no rates)
    series = cohort_trend(other)
    assert series.loc[series["basis"] == "ordered", "returns"].sum() == len(other)
