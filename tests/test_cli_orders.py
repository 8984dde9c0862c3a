"""The CLI's order-export options: --orders-platform, the appeal pack's order facts and index, metrics in English.

Fixtures are the sample exports copied under tmp_path (an order file under a
name that says no platform) or tables built here.
"""
from __future__ import annotations

import io
import shutil

import openpyxl
import pandas as pd
import pytest

from diagnose.cli import PROFILE_KEYS, main
from diagnose.io.profiles import PROFILE_KEYS as IO_PROFILE_KEYS


def _run(capsys, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.fixture
def neutral_orders(sample_dir, tmp_path):
    """The Douyin order export under a name that does not say which platform it is."""
    path = tmp_path / "orders_may.csv"
    shutil.copy(sample_dir / "douyin_orders.csv", path)
    return path


def test_cli_platform_keys_are_the_profiles():
    assert PROFILE_KEYS == IO_PROFILE_KEYS


def test_report_rates_follow_orders_platform(sample_dir, neutral_orders, tmp_path, capsys):
    returns = [str(sample_dir / "douyin_aftersales.csv"), str(sample_dir / "pdd_aftersales.csv")]
    plain, chosen = tmp_path / "plain.md", tmp_path / "chosen.md"
    code, err = _run(capsys, "report", *returns, "--orders", str(neutral_orders), "-o", str(plain), "--lang", "en")
    assert code == 0, err
    text = plain.read_text(encoding="utf-8")
    assert "platform unknown" in text and "no rate is given" in text  # two platforms, one unnamed order file
    code, err = _run(capsys, "report", *returns, "--orders", str(neutral_orders), "--orders-platform", "douyin",
                     "-o", str(chosen), "--lang", "en")
    assert code == 0, err
    text = chosen.read_text(encoding="utf-8")
    assert "(Douyin," in text and "Pinduoduo have no order file" in text
    table = text[text.index("Return rates use"):].split("\n\n")[2]  # the rate table below the basis
    assert table.count("%") >= 3 and "DR-2401" in table  # filled for Douyin's SKUs
    plain_text = plain.read_text(encoding="utf-8")
    assert "DR-2401（法式碎花收腰连衣裙） | 411" not in plain_text  # without the flag no SKU got a rate


def test_orders_platform_accepts_a_chinese_name(sample_dir, neutral_orders, tmp_path, capsys):
    out = tmp_path / "r.md"
    code, err = _run(capsys, "report", str(sample_dir / "douyin_aftersales.csv"), str(sample_dir / "pdd_aftersales.csv"),
                     "--orders", str(neutral_orders), "--orders-platform", "抖音", "-o", str(out))
    assert code == 0, err
    assert "抖音/抖店" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("argv", [
    ("report", "{returns}", "--orders", "{orders}", "--orders-platform", "weibo", "-o", "{out}/r.md"),
    ("risk", "{returns}", "--orders", "{orders}", "--orders-platform", "weibo", "-o", "{out}/r.csv"),
    ("metrics", "{returns}", "--orders", "{orders}", "--orders-platform", "weibo", "--platform", "douyin",
     "--as-of", "2024-05-20", "-o", "{out}/m.csv"),
    ("alerts", "{returns}", "--orders", "{orders}", "--orders-platform", "weibo", "-o", "{out}/a.md"),
])
def test_unknown_orders_platform_is_one_clear_error(argv, sample_dir, neutral_orders, tmp_path, capsys):
    filled = [a.format(returns=sample_dir / "douyin_aftersales.csv", orders=neutral_orders, out=tmp_path)
              for a in argv]
    code, err = _run(capsys, *filled)
    assert code == 2
    assert "未知的订单平台「weibo」" in err and "douyin, taobao" in err
    assert "Traceback" not in err and not list(tmp_path.glob("[rma].*"))


def test_orders_platform_without_orders_is_refused(sample_dir, tmp_path, capsys):
    code, err = _run(capsys, "report", str(sample_dir / "douyin_aftersales.csv"), "--orders-platform", "douyin",
                     "-o", str(tmp_path / "r.md"))
    assert code == 2 and "--orders-platform" in err and "--orders" in err


def test_metrics_with_orders_platform_counts_only_that_platforms_returns(sample_dir, neutral_orders, tmp_path,
                                                                         capsys):
    both = [str(sample_dir / "douyin_aftersales.csv"), str(sample_dir / "pdd_aftersales.csv")]
    base = ["--orders", str(neutral_orders), "--platform", "douyin", "--as-of", "2024-05-20"]
    code, err = _run(capsys, "metrics", str(sample_dir / "douyin_aftersales.csv"), *base, "-o", str(tmp_path / "a.csv"))
    assert code == 0, err
    code, err = _run(capsys, "metrics", *both, *base, "--orders-platform", "douyin", "-o", str(tmp_path / "b.csv"))
    assert code == 0, err
    a = pd.read_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    b = pd.read_csv(tmp_path / "b.csv", encoding="utf-8-sig")
    assert a[["metric", "numerator", "denominator"]].equals(b[["metric", "numerator", "denominator"]])


# ---------------------------------------------------------------------------
# Issue 14 leftovers: appeal reads order facts; the appeal index on the CLI; metrics in English
# ---------------------------------------------------------------------------
HEADER = ["售后单号", "订单号", "商家编码", "商品名称", "售后原因", "用户售后说明", "退款金额", "申请时间",
          "自动处理截止时间", "仲裁状态"]
ORDER_HEADER = ["主订单编号", "子订单编号", "商家编码", "商品数量", "订单提交时间", "支付完成时间", "发货时间",
                "订单完成时间", "商品单价"]


def _write(path, header, rows) -> str:
    path.write_text("\n".join(",".join(r) for r in [header] + rows) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def appeal_files(tmp_path):
    returns = _write(tmp_path / "douyin_returns.csv", HEADER, [
        ["M1", "O1", "SKU-A", "连衣裙", "质量问题", "不想要了，拍多了", "59.9", "2024-05-10 10:00:00",
         "2024-05-13 10:00:00", ""],
        ["M2", "O2", "SKU-A", "连衣裙", "质量问题", "=HYPERLINK(\"x\") 不喜欢", "59.9", "2024-05-11 10:00:00",
         "2024-05-14 10:00:00", ""],
        ["M3", "O3", "SKU-B", "水杯", "质量问题", "杯子漏水，有裂缝", "29.9", "2024-05-11 11:00:00",
         "2024-05-14 11:00:00", ""],
    ])
    orders = _write(tmp_path / "douyin_orders_may.csv", ORDER_HEADER, [
        ["O1", "O1-1", "SKU-A", "2", "2024-05-01 09:00:00", "2024-05-01 09:05:00", "2024-05-02 15:30:00",
         "2024-05-06 12:00:00", "59.9"],
        ["O2", "O2-1", "SKU-A", "1", "2024-05-02 09:00:00", "2024-05-02 09:05:00", "2024-05-03 15:30:00",
         "2024-05-07 12:00:00", "59.9"],
        ["O3", "O3-1", "SKU-B", "1", "2024-05-02 10:00:00", "2024-05-02 10:05:00", "2024-05-03 16:00:00",
         "2024-05-07 13:00:00", "29.9"],
    ])
    return returns, orders


def test_appeal_pack_timeline_has_paid_and_shipped_times(appeal_files, tmp_path, capsys):
    returns, orders = appeal_files
    out = tmp_path / "pack.md"
    code, err = _run(capsys, "appeal", returns, "--orders", orders, "--return-id", "M1", "--as-of", "2024-05-12",
                     "-o", str(out))
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "买家付款" in text and "2024-05-01 09:05" in text  # paid_at from the order export
    assert "商家发货" in text and "2024-05-02 15:30" in text  # shipped_at from the order export


def test_appeal_index_on_the_cli_is_formula_safe_with_chinese_headers(appeal_files, tmp_path, capsys):
    returns, orders = appeal_files
    out = tmp_path / "index.xlsx"
    code, err = _run(capsys, "appeal", returns, "--orders", orders, "--index", "--as-of", "2024-05-12",
                     "-o", str(out))
    assert code == 0, err and "appeal candidates" in err
    ws = openpyxl.load_workbook(io.BytesIO(out.read_bytes())).active
    rows = list(ws.iter_rows(values_only=True))
    assert "售后单号" in rows[0] and "紧急程度" in rows[0]
    assert not any("_" in str(h) for h in rows[0])  # no internal keys as headers
    ids = [r[rows[0].index("售后单号")] for r in rows[1:]]
    assert "M1" in ids and "M3" not in ids  # a real defect (leaking, cracked) is no misjudgement
    cells = [c for r in rows for c in r if isinstance(c, str)]
    assert not any(c.startswith("=") for c in cells)  # the buyer's "=HYPERLINK" is written as text
    assert any("HYPERLINK" in c for c in cells)


def test_appeal_index_needs_xlsx(appeal_files, tmp_path, capsys):
    returns, _ = appeal_files
    code, err = _run(capsys, "appeal", returns, "--index", "-o", str(tmp_path / "index.md"))
    assert code == 2 and ".md" in err and ".xlsx" in err


def test_metrics_exclusions_and_notes_in_english(sample_dir, tmp_path, capsys):
    args = ["metrics", str(sample_dir / "douyin_aftersales.csv"), "--orders", str(sample_dir / "douyin_orders.csv"),
            "--platform", "douyin", "--as-of", "2024-05-20"]
    code, err = _run(capsys, *args, "--lang", "en", "-o", str(tmp_path / "m.csv"))
    assert code == 0, err
    table = pd.read_csv(tmp_path / "m.csv", encoding="utf-8-sig")
    shop = table[table["scope"] == "shop"].iloc[0]
    assert "instant refund (≤5 min):" in shop["excluded"] and "秒退" not in shop["excluded"]
    assert shop["key"] == "whole shop"
    assert not table["note"].fillna("").str.contains("[\u4e00-\u9fff]订单导出", regex=True).any()
    assert "quality-return rate" in err and "instant refund" in err
    code, err = _run(capsys, *args, "--lang", "en", "-o", str(tmp_path / "m.md"))
    md = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert code == 0 and "Window " in md and "; instant refund (≤5 min):" in md and "剔除" not in md
    code, err = _run(capsys, *args, "-o", str(tmp_path / "z.csv"))
    zh = pd.read_csv(tmp_path / "z.csv", encoding="utf-8-sig")
    assert "秒退(≤5分钟):" in zh[zh["scope"] == "shop"].iloc[0]["excluded"]
