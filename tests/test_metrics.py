"""Platform metrics: hand-computed fixtures (window edges, first reason, 秒退 at the threshold,
a gift line, a low-price line, fewer than 30 orders, no order file) and the CLI on the sample data."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnose.analysis.metrics import (
    OUTPUT_COLUMNS,
    MetricConfig,
    finish_order_facts,
    platform_metrics,
    read_order_facts,
)
from diagnose.analysis.metrics.orders import read_ratings
from diagnose.cli import main as cli_main
from diagnose.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2024, 5, 31)  # window: 2024-05-02 00:00 .. 2024-05-31 23:59:59
T = pd.Timestamp


def _line(sub, sku, signed, *, paid=None, price=50.0, gift=False, order=None):
    return dict(order_id=order or "O" + sub, sub_order_id=sub, sku=sku, product_title="商品" + sku, quantity=1.0,
                ordered_at=T(paid or signed) - pd.Timedelta(hours=1), paid_at=T(paid) if paid else T(signed) - pd.Timedelta(days=2),
                signed_at=T(signed), unit_price=price, line_amount=price, gift=gift)


def _ret(rid, sub, reason, applied, text="", sku=None):
    return dict(return_id=rid, order_id="O" + sub, sub_order_id=sub, sku=sku, platform_reason=reason,
                buyer_text=text, applied_at=T(applied), signed_at=pd.NaT, return_type="return_refund", amount=50.0)


def fixture(fillers: int = 30):
    lines = [
        _line("L01", "A", "2024-05-02 00:00:00"),   # first second of the window: in
        _line("L02", "A", "2024-05-01 23:59:59"),   # one second before: out
        _line("L03", "C", "2024-05-31 23:59:59"),   # last second: in
        _line("L04", "C", "2024-06-01 00:00:00"),   # the day after as-of: out
        _line("L05", "A", "2024-05-10 09:00"),      # quality first, changed later: counts
        _line("L06", "A", "2024-05-10 09:00"),      # changed mind first, quality later: does not count
        _line("L07", "B", "2024-05-10 10:00"),      # 秒退 exactly at the 5-minute threshold: excluded
        _line("L08", "B", "2024-05-10 10:00"),      # 5 min 1 s: counts
        _line("L09", "B", "2024-05-12 10:00", gift=True),   # gift line: excluded
        _line("L10", "C", "2024-05-12 10:00", price=0.5),   # low price: excluded
    ] + [_line(f"F{i:02d}", "C", "2024-05-15 12:00") for i in range(fillers)]
    returns = [
        _ret("R01", "L01", "质量问题", "2024-05-03 10:00", "拍错了，不想要了"),
        _ret("R02", "L02", "质量问题", "2024-05-03 10:00"),
        _ret("R05a", "L05", "做工粗糙/有瑕疵（商品品质原因）", "2024-05-11 10:00", "开线了"),
        _ret("R05b", "L05", "七天无理由退换货", "2024-05-12 10:00"),
        _ret("R06a", "L06", "七天无理由退换货", "2024-05-11 10:00"),
        _ret("R06b", "L06", "质量问题", "2024-05-13 10:00"),
        _ret("R07", "L07", "质量问题", "2024-05-10 10:05:00"),
        _ret("R08", "L08", "质量问题", "2024-05-10 10:05:01"),
        _ret("R09", "L09", "质量问题", "2024-05-13 10:00"),
        _ret("R10", "L10", "质量问题", "2024-05-13 10:00"),
        _ret("RX", "NOPE", "质量问题", "2024-05-13 10:00"),  # order not in the order export
    ]
    return pd.DataFrame(returns), finish_order_facts(pd.DataFrame(lines))


def _shop(res, metric="quality_return_rate"):
    t = res.table
    return t[(t["scope"] == "shop") & (t["metric"] == metric)].iloc[0]


def _sku(res, key, metric="quality_return_rate"):
    t = res.table
    return t[(t["scope"] == "sku") & (t["key"] == key) & (t["metric"] == metric)].iloc[0]


def test_quality_return_rate_by_hand():
    returns, orders = fixture()
    res = platform_metrics(returns, orders, platform="douyin", as_of=AS_OF)
    shop = _shop(res)
    # valid in window: L01 L03 L05 L06 L08 + 30 fillers = 35; counted: L01 L05 L08
    assert (shop["numerator"], shop["denominator"]) == (3, 35)
    assert shop["rate"] == pytest.approx(3 / 35)
    assert (shop["window_start"], shop["window_end"]) == ("2024-05-02", "2024-05-31")
    assert "秒退(≤5分钟):1" in shop["excluded"] and "赠品:1" in shop["excluded"] and "低价(<¥1):1" in shop["excluded"]
    assert "成长期" not in shop["note"]
    counted = res.counted[res.counted["metric"] == "quality_return_rate"]
    assert sorted(counted["return_id"]) == ["R01", "R05a", "R08"]
    assert any("找不到对应订单行" in n for n in res.notes)
    assert list(res.table.columns[:len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)


def test_per_sku_contribution_and_what_if():
    returns, orders = fixture()
    res = platform_metrics(returns, orders, platform="douyin", as_of=AS_OF, appeal_ids={"R01"})
    a = _sku(res, "A")
    assert (a["numerator"], a["denominator"]) == (2, 3)  # L01, L05 of L01 L05 L06
    assert a["contribution"] == pytest.approx(2 / 35)
    assert a["appeal_candidates"] == 1 and a["rate_if_appeals_won"] == pytest.approx(1 / 3)
    b = _sku(res, "B")
    assert (b["numerator"], b["denominator"]) == (1, 1)
    assert "秒退(≤5分钟):1" in b["excluded"] and "赠品:1" in b["excluded"]
    shop = _shop(res)
    assert shop["rate_if_appeals_won"] == pytest.approx(2 / 35)
    assert res.table[res.table["scope"] == "sku"]["key"].iloc[0] == "A"  # the SKU that moves it most first


def test_fast_refund_threshold_is_a_setting():
    returns, orders = fixture()
    res = platform_metrics(returns, orders, platform="douyin", as_of=AS_OF,
                           config=MetricConfig(fast_refund_minutes=10))
    shop = _shop(res)
    assert (shop["numerator"], shop["denominator"]) == (2, 34)  # L08 is now 秒退 too
    assert "秒退(≤10分钟):2" in shop["excluded"]


def test_fewer_than_30_valid_orders_is_the_growth_stage():
    returns, orders = fixture(fillers=0)
    shop = _shop(platform_metrics(returns, orders, platform="douyin", as_of=AS_OF))
    assert (shop["numerator"], shop["denominator"]) == (3, 5)
    assert "成长期" in shop["note"] and "growth stage" in shop["note_en"]


def test_no_order_file_gives_counts_and_no_rate():
    returns, _ = fixture()
    res = platform_metrics(returns, None, platform="douyin", as_of=AS_OF)
    shop = _shop(res)
    assert np.isnan(shop["rate"]) and np.isnan(shop["denominator"])
    # by application date (no sign-for times): first reasons R01 R05a R07 R08 R09 R10 RX are quality; R02 too
    assert shop["numerator"] == 8
    assert "分母" in res.notes[0] and "未知" in res.notes[0]


def test_damage_rate_uses_paid_orders_and_is_an_estimate():
    returns, orders = fixture()
    returns.loc[returns["return_id"] == "R08", "platform_reason"] = "商品少件/破损/污迹"
    res = platform_metrics(returns, orders, platform="douyin", as_of=AS_OF)
    dmg = _shop(res, "damage_return_rate")
    assert dmg["numerator"] == 1 and bool(dmg["estimate"]) and "估算" in dmg["note"]
    # paid (2 days before sign-for) in the window: L03's paid time 05-29 in, L01's 04-30 out
    paid = orders["paid_at"]
    valid = ~orders["sub_order_id"].isin(["L07", "L09", "L10"])
    expected = int(((paid >= T("2024-05-02")) & (paid < T("2024-06-01")) & valid).sum())
    assert dmg["denominator"] == expected


def test_taobao_negative_feedback_with_and_without_ratings(tmp_path):
    returns, orders = fixture()
    res = platform_metrics(returns, orders, platform="taobao", as_of=AS_OF)
    shop = _shop(res, "negative_feedback_rate")
    assert shop["numerator"] == 3 and "只含退款部分" in shop["note"]
    path = tmp_path / "ratings.csv"
    path.write_text("订单编号,描述相符\nOL03,2\nOF00,5\nOF01,1星\n", encoding="utf-8")
    res = platform_metrics(returns, orders, platform="taobao", as_of=AS_OF, ratings=read_ratings(path))
    shop = _shop(res, "negative_feedback_rate")
    assert shop["numerator"] == 5 and "只含退款部分" not in shop["note"]


def test_jd_and_pinduoduo_are_labelled_estimates():
    returns, orders = fixture()
    for platform in ("jd", "pinduoduo"):
        shop = platform_metrics(returns, orders, platform=platform, as_of=AS_OF).table.iloc[0]
        assert bool(shop["estimate"]) and "估算" in shop["metric_zh"] and shop["numerator"] == 3


def test_bad_input_is_an_input_error():
    returns, orders = fixture()
    with pytest.raises(InputError):
        platform_metrics(returns, orders, platform="amazon", as_of=AS_OF)
    with pytest.raises(InputError):
        platform_metrics(returns.drop(columns=["platform_reason"]), orders, platform="douyin", as_of=AS_OF)


ORDER_CSV = ("主订单编号,子订单编号,选购商品,商品数量,商家编码,商品单价,订单应付金额,订单提交时间,支付完成时间,发货时间,"
             "签收时间,是否赠品\n"
             "\t1001,\t2001,杯子,2,CUP,30.00,60.00,2024-05-01 10:00,2024-05-01 10:01,2024-05-02 08:00,2024-05-03 12:00,否\n"
             "\t1002,\t2002,赠品杯垫,1,PAD,0.00,0.00,2024-05-01 10:00,2024-05-01 10:01,-,-,是\n")


def test_read_order_facts_from_an_export(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(ORDER_CSV.encode("gb18030"))
    o = read_order_facts([path])
    assert list(o["sub_order_id"]) == ["2001", "2002"]
    assert o["signed_at"].iloc[0] == T("2024-05-03 12:00") and pd.isna(o["signed_at"].iloc[1])
    assert o["shipped_at"].iloc[0] == T("2024-05-02 08:00")
    assert list(o["gift"]) == [False, True] and o["unit_price"].iloc[0] == 30.0 and o["quantity"].iloc[0] == 2
    assert o.attrs["fact_columns"]["orders.csv"]["signed_at"] == "签收时间"


def test_cli_metrics_on_the_sample_data(sample_dir, tmp_path, capsys):
    out = tmp_path / "m.csv"
    rc = cli_main(["metrics", str(sample_dir / "douyin_aftersales.csv"), "--orders", str(sample_dir / "douyin_orders.csv"),
                   "--platform", "douyin", "--as-of", "2024-05-20", "-o", str(out)])
    assert rc == 0
    t = pd.read_csv(out, encoding="utf-8-sig")
    assert list(t.columns[:len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    shop = t[(t["scope"] == "shop") & (t["metric"] == "quality_return_rate")].iloc[0]
    assert shop["denominator"] >= 30 and 0 < shop["rate"] < 0.5
    assert shop["rate"] == pytest.approx(shop["numerator"] / shop["denominator"])
    skus = t[(t["scope"] == "sku") & (t["metric"] == "quality_return_rate")]
    assert skus["numerator"].sum() == shop["numerator"] and skus["denominator"].sum() == shop["denominator"]
    assert (skus["rate_if_appeals_won"] <= skus["rate"] + 1e-12).all()
    counted = pd.read_csv(tmp_path / "m.returns.csv", encoding="utf-8-sig", dtype=str)
    assert (counted["指标"] == "quality_return_rate").sum() == shop["numerator"]
    err = capsys.readouterr().err
    assert "商品品质退货率" in err and "订单完成时间" in err


@pytest.mark.parametrize("name,platform", [("taobao_refunds.xlsx", "taobao"), ("pdd_aftersales.csv", "pinduoduo"),
                                           ("jd_service_orders.csv", "jd")])
def test_cli_metrics_without_orders_on_other_samples(sample_dir, tmp_path, name, platform):
    out = tmp_path / "m.xlsx"
    assert cli_main(["metrics", str(sample_dir / name), "--platform", platform, "--as-of", "2024-05-31",
                     "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert {"指标", "计入的售后", "说明"} <= set(wb.sheetnames)
    rows = list(wb["指标"].iter_rows(values_only=True))
    head = rows[0]
    shop = dict(zip(head, rows[1]))
    assert shop["scope"] == "shop" and shop["rate"] is None and "未知" in shop["note"]


def test_cli_metrics_markdown_and_errors(sample_dir, tmp_path, capsys):
    out = tmp_path / "m.md"
    assert cli_main(["metrics", str(sample_dir / "douyin_aftersales.csv"), "--orders",
                     str(sample_dir / "douyin_orders.csv"), "--platform", "douyin", "--as-of", "2024-05-20",
                     "-o", str(out)]) == 0
    md = out.read_text(encoding="utf-8")
    assert "商品品质退货率" in md and "| 商家编码 |" in md
    capsys.readouterr()
    assert cli_main(["metrics", str(sample_dir / "douyin_aftersales.csv"), "--platform", "douyin",
                     "--as-of", "20/05/2024", "-o", str(out)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.fixture
def env_sample(tmp_path, sample_dir, monkeypatch):
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DIAGNOSE_SAMPLE_DIR", str(sample_dir))


def test_dashboard_metrics_page(env_sample):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("ui/pages/metrics.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert "商品品质退货率" in labels
    shown = next(m.value for m in at.metric if m.label == "商品品质退货率")
    assert shown.endswith("%")
    assert at.dataframe, "per-SKU table missing"
    sku_view = at.dataframe[0].value
    assert {"商家编码", "对全店的贡献", "申诉成功后"} <= set(sku_view.columns)
    captions = " ".join(str(x.value) for x in at.caption).replace("\\", "")
    assert "秒退(≤5分钟)" in captions
    at.selectbox(key="mt_platform").set_value("taobao")
    at.run()
    assert not at.exception
    assert "商品负反馈率" in [m.label for m in at.metric]
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert any("Platform metrics" in str(x.value) for x in at.title)
