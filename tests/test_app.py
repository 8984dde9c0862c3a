"""The dashboard through Streamlit's AppTest: every page, filters, uploads, corrections.

Uploads go through the real file uploader (`AppTest.file_uploader[i].upload`),
whose callback copies the bytes into session state exactly as in a browser.
Corrections are written to a temporary DIAGNOSE_DATA_DIR; the data editor
is driven by seeding its edit state in session state (AppTest's documented
way of editing an `st.data_editor`).
"""
from __future__ import annotations

import re

import sqlite3
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

from diagnose.store import CorrectionStore
from diagnose.taxonomy import LABELS

st_testing = pytest.importorskip("streamlit.testing.v1")
AppTest = st_testing.AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 300
PAGES = ["overview", "upload", "drilldown", "fixes", "malicious", "corrections", "downloads"]
RETURN_EXTS = {".csv", ".tsv", ".txt", ".xlsx", ".xls"}


# --------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------
@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv("DIAGNOSE_DATA_DIR", str(d))
    return d


@pytest.fixture
def env(data_dir, sample_dir, monkeypatch):
    """A fresh corrections folder and the project's sample exports as default data."""
    monkeypatch.setenv("DIAGNOSE_SAMPLE_DIR", str(sample_dir))
    return data_dir


@pytest.fixture(scope="module")
def sample_exports(sample_dir) -> list[Path]:
    files = sorted(p for p in sample_dir.iterdir() if p.is_file() and p.suffix.lower() in RETURN_EXTS
                   and p.name != "douyin_orders.csv")
    assert len(files) >= 3
    return files


@pytest.fixture(scope="module")
def sample_tagged(sample_exports, model) -> pd.DataFrame:
    """What the dashboard should show for the samples, computed with the library directly."""
    from diagnose.model.classify import classify_frame
    from diagnose.io.ingest import read_exports

    return classify_frame(read_exports(sample_exports).frame, model)


def new_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"ui/pages/{page}.py")
    return run(at)


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r}; metrics: {[m.label for m in at.metric]}")


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


def filter_widget(at: AppTest, name: str):
    found = [w for w in at.sidebar.multiselect if (w.key or "").startswith(f"filter_{name}_")]
    assert found, f"no {name} filter in the sidebar"
    return found[0]


def plain(text: str) -> str:
    """Markdown source as read: the app backslash-escapes text that comes from user files."""
    return str(text).replace("\\", "")


def texts(at: AppTest) -> str:
    parts = [x.value for x in at.markdown] + [x.value for x in at.caption] + [x.value for x in at.title]
    return plain("\n".join(str(p) for p in parts))


def error_texts(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


# --------------------------------------------------------------------------
# sample data and pages
# --------------------------------------------------------------------------
def test_sample_data_loads_and_overview_metrics_show(env, sample_tagged):
    at = new_app()
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "退货诊断总览"
    assert as_int(metric(at, "退货数")) == len(sample_tagged)
    assert as_int(metric(at, "待复核")) == int(sample_tagged["needs_review"].sum())
    assert as_int(metric(at, "疑似恶意")) == int((sample_tagged["reason"] == "malicious").sum())
    assert metric(at, "退款金额").startswith("¥")
    assert metric(at, "下拉冲突率").endswith("%")
    assert any("示例数据" in c.value for c in at.sidebar.caption)


def test_every_page_renders_on_the_sample_data(env, sample_exports):
    at = new_app()
    for page in PAGES:
        goto(at, page)
        assert at.title, f"{page} has no title"
        assert not at.error, (page, [e.value for e in at.error])
    # upload page lists every sample export with its detected platform
    goto(at, "upload")
    shown = texts(at)
    for f in sample_exports:
        assert f.name in shown
    assert "识别的平台" in [m.label for m in at.metric]
    goto(at, "drilldown")
    assert at.dataframe, "drill-down table missing"
    assert any("<mark>" in h.value for h in at.get("html")), "no highlighted evidence"
    goto(at, "fixes")
    assert any(m.label == "涉及退款" for m in at.metric), "no ranked fixes"
    goto(at, "malicious")
    assert at.dataframe, "malicious queue missing"
    goto(at, "downloads")
    labels = [b.label for b in at.get("download_button")]
    assert {"下载 CSV", "下载 XLSX", "下载报告工作簿 (XLSX)"} <= set(labels)


def test_language_switch(env):
    at = new_app()
    at.segmented_control(key="lang").set_value("en")
    run(at)
    assert at.title[0].value == "Return diagnosis overview"
    assert metric(at, "Returns")
    goto(at, "fixes")
    assert at.title[0].value.startswith("Suggested fixes")


# --------------------------------------------------------------------------
# filters
# --------------------------------------------------------------------------
def test_reason_filter_changes_every_number(env, sample_tagged):
    at = new_app()
    total = as_int(metric(at, "退货数"))
    filter_widget(at, "reason").set_value(["sizing"])
    run(at)
    sizing = int((sample_tagged["reason"] == "sizing").sum())
    assert 0 < sizing < total
    assert as_int(metric(at, "退货数")) == sizing
    assert any(f"{sizing:,} / {total:,}" in c.value for c in at.sidebar.caption)
    # the filter follows the user to the other pages
    goto(at, "drilldown")
    assert f"共 {sizing:,} 条" in texts(at)


def test_sku_filter_and_previous_period(env, sample_tagged):
    at = new_app()
    top_sku = sample_tagged["sku"].value_counts().index[0]
    filter_widget(at, "sku").set_value([top_sku])
    run(at)
    assert as_int(metric(at, "退货数")) == int((sample_tagged["sku"] == top_sku).sum())
    # a narrower date range gets a comparison with the period before it
    filter_widget(at, "sku").set_value([])
    dates = pd.to_datetime(sample_tagged["applied_at"]).dropna()
    end = dates.max().date()
    start = end - timedelta(days=27)
    at.sidebar.date_input[0].set_value((start, end))
    run(at)
    expected = int(((dates.dt.date >= start) & (dates.dt.date <= end)).sum())
    assert as_int(metric(at, "退货数")) == expected
    returns = [m for m in at.metric if m.label == "退货数"][0]
    assert returns.delta, "no previous-period delta"
    assert "与上一周期" in texts(at)


# --------------------------------------------------------------------------
# uploads and bad files
# --------------------------------------------------------------------------
def test_upload_replaces_the_sample_data(env, sample_dir):
    at = goto(new_app(), "upload")
    path = sample_dir / "taobao_refunds.xlsx"
    at.file_uploader[0].upload(path.name, path.read_bytes())
    run(at)
    assert not at.error
    assert "淘宝/天猫" in [m.value for m in at.metric]
    from diagnose.io.ingest import read_exports

    n = len(read_exports([path]).frame)
    assert as_int(metric(at, "读入行数")) >= n
    goto(at, "overview")
    assert as_int(metric(at, "退货数")) == n
    assert any("您上传的 1 个文件" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("name,content", [
    ("broken.csv", b"\x00\x01\x02\x03garbage\xff\xfe" * 64),
    ("empty.csv", b""),
    ("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 200),
])
def test_bad_file_shows_error_and_app_continues(env, sample_dir, name, content):
    at = goto(new_app(), "upload")
    good = sample_dir / "douyin_aftersales.csv"
    at.file_uploader[0].upload(good.name, good.read_bytes()).upload(name, content)
    run(at)
    errors = error_texts(at)
    assert any(name in e for e in errors), errors
    assert all("Traceback" not in e for e in errors)
    # the good file is still read and every page still works
    assert as_int(metric(at, "读入行数")) > 0
    for page in PAGES:
        goto(at, page)
        assert any(name in e for e in error_texts(at))


def test_every_broken_sample_is_explained(env, sample_dir):
    """Each file in tests/data/bad is either read (rows flagged) or named in an st.error."""
    bad_dir = ROOT / "tests" / "data" / "bad"
    bad = sorted(p for p in bad_dir.iterdir() if p.is_file()) if bad_dir.is_dir() else []
    if not bad:
        pytest.skip("tests/data/bad is empty")
    at = goto(new_app(), "upload")
    good = sample_dir / "douyin_aftersales.csv"
    uploader = at.file_uploader[0].upload(good.name, good.read_bytes())
    for p in bad:
        uploader.upload(p.name, p.read_bytes())
    run(at)
    errors = " ".join(error_texts(at))
    read = texts(at)
    for p in bad:
        assert p.name in errors or p.name in read, f"{p.name} neither read nor reported"
    assert "Traceback" not in errors
    goto(at, "overview")
    assert as_int(metric(at, "退货数")) > 0


def test_only_bad_files_leave_a_working_app(env):
    at = goto(new_app(), "upload")
    at.file_uploader[0].upload("junk.bin", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300)
    run(at)
    assert any("junk.bin" in e for e in error_texts(at))
    goto(at, "overview")
    assert any("上传" in i.value for i in at.info)
    # back to the sample data with the button on the upload page
    goto(at, "upload")
    [b for b in at.button if b.label == "恢复示例数据"][0].click()
    run(at)
    goto(at, "overview")
    assert not at.error
    assert as_int(metric(at, "退货数")) > 0


def test_mapping_correction_reingests(env, tmp_path):
    # a generic sheet whose buyer text sits under a header no synonym knows
    csv = ("退款编号,商品编码,退款原因,买家留的话,退款金额,申请时间\n"
           "R1,SKU-1,质量问题,鞋子偏小穿不上,99,2024-05-01 10:00:00\n"
           "R2,SKU-1,其他,不想要了,59,2024-05-02 11:00:00\n"
           "R3,SKU-2,质量问题,开线了做工太差,120,2024-05-03 12:00:00\n").encode("utf-8")
    at = goto(new_app(), "upload")
    at.file_uploader[0].upload("generic.csv", csv)
    run(at)
    assert not at.error, [e.value for e in at.error]
    at.selectbox(key="map_buyer_text").set_value("买家留的话")
    submit = [b for b in at.button if b.label == "重新读取"][0]
    submit.click()
    run(at)
    assert not at.error, [e.value for e in at.error]
    assert "买家原话←买家留的话" in texts(at)  # the canonical column in Chinese, not buyer_text
    goto(at, "drilldown")
    # the buyer's words are shown (evidence words inside them are wrapped in <mark>)
    shown = re.sub(r"<[^>]+>", "", "".join(h.value for h in at.get("html")))
    assert "鞋子偏小穿不上" in shown


def test_mapping_to_an_unknown_header_is_explained(env, sample_dir):
    at = goto(new_app(), "upload")
    good = sample_dir / "douyin_aftersales.csv"
    at.file_uploader[0].upload(good.name, good.read_bytes())
    run(at)
    # what the mapping form stores when a header is typed in (AppTest cannot type new options)
    at.session_state["overrides"] = {"buyer_text": "没有这一列"}
    run(at)
    errors = error_texts(at)
    assert any("手动列映射未生效" in e and "没有这一列" in e for e in errors), errors
    goto(at, "overview")
    assert as_int(metric(at, "退货数")) > 0


# --------------------------------------------------------------------------
# corrections
# --------------------------------------------------------------------------
def test_correction_persists_across_runs(env):
    at = goto(new_app(), "corrections")
    assert any("模型" in i.value for i in at.info), "model version not shown"
    editor = at.data_editor[0]
    table = editor.value
    rid = str(table.loc[0, "return_id"])
    old = str(table.loc[0, "reason"])
    new = next(l for l in LABELS if l != old)
    at.session_state[editor.key] = {"edited_rows": {0: {"reason": new}}, "added_rows": [], "deleted_rows": []}
    at.button(key="co_save").click()
    run(at)
    assert any("已保存 1 条纠错" in s.value for s in at.success)

    store = CorrectionStore(env / "corrections.sqlite")
    latest = store.latest().set_index("return_id")
    assert latest.loc[rid, "new_reason"] == new and latest.loc[rid, "old_reason"] == old

    # a brand-new session (as after a restart) still sees the correction
    again = goto(new_app(), "corrections")
    again.segmented_control(key="co_mode").set_value("corrected")
    run(again)
    shown = again.data_editor[0].value.set_index("return_id")
    assert shown.loc[rid, "reason"] == new
    assert bool(shown.loc[rid, "corrected"])
    assert any("共 1 条" in c.value or "1 returns corrected" in c.value or "共 1 条退货已纠正" in c.value
               for c in again.caption)
    with sqlite3.connect(env / "corrections.sqlite") as conn:
        assert conn.execute("SELECT COUNT(*) FROM corrections").fetchone()[0] == 1


def test_corrected_rows_feed_the_numbers(env):
    at = new_app()
    before = as_int(metric(at, "疑似恶意"))
    goto(at, "corrections")
    editor = at.data_editor[0]
    table = editor.value
    row = next(i for i in range(len(table)) if table.loc[i, "reason"] != "malicious")
    at.session_state[editor.key] = {"edited_rows": {row: {"reason": "malicious"}}, "added_rows": [],
                                    "deleted_rows": []}
    at.button(key="co_save").click()
    run(at)
    goto(at, "overview")
    assert as_int(metric(at, "疑似恶意")) == before + 1


def _tiny_corpus(tmp_path, monkeypatch) -> None:
    """A tiny corpus keeps a retrain quick; the real one is used by `python -m diagnose train`."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    pairs = [("偏小穿不上", "sizing"), ("开线了", "quality"), ("色差太大", "mismatch"), ("物流太慢", "logistics"),
             ("不想要了", "changed_mind"), ("不退款就差评", "malicious"), ("客服态度差", "other")]
    rows = ["text,reason,sub_reason,category,platform_reason"] + [
        f"{t}{i},{lbl},,general," for i in range(4) for t, lbl in pairs]
    (corpus / "tiny.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.setenv("DIAGNOSE_CORPUS_DIR", str(corpus))


def test_corrections_page_proposes_rows_and_retrains_with_rollback(env, tmp_path, monkeypatch):
    _tiny_corpus(tmp_path, monkeypatch)

    at = goto(new_app(), "corrections")
    assert at.segmented_control(key="co_mode").value == "proposed"
    proposed = at.data_editor[0].value
    assert len(proposed) > 0
    assert not proposed["buyer_text"].duplicated().any()
    assert at.button(key="co_retrain").disabled  # nothing to learn from yet
    shipped = next(i.value for i in at.info if "模型" in i.value)

    editor = at.data_editor[0]
    new = next(l for l in LABELS if l != str(proposed.loc[0, "reason"]))
    at.session_state[editor.key] = {"edited_rows": {0: {"reason": new}}, "added_rows": [], "deleted_rows": []}
    at.button(key="co_save").click()
    run(at)
    at.button(key="co_retrain").click()
    run(at)
    done = [s.value for s in at.success if "新模型" in s.value]
    assert done and "并入 1 条纠错" in done[0], [s.value for s in at.success]
    assert (env / "models" / "ACTIVE").read_text(encoding="utf-8").strip().startswith("reason_model-")
    now = next(i.value for i in at.info if "模型" in i.value)
    assert now != shipped  # the page shows the new version
    at.button(key="co_rollback").click()
    run(at)
    assert any("已回退" in s.value for s in at.success)
    assert next(i.value for i in at.info if "模型" in i.value) == shipped
    assert len(list((env / "models").glob("reason_model-*.npz"))) == 1  # kept, not deleted


def test_corrections_page_retrains_for_one_shop(env, tmp_path, monkeypatch):
    from diagnose.model import versions

    _tiny_corpus(tmp_path, monkeypatch)

    # two shops' returns, uploaded like any export
    csv = ("退款编号,商品编码,店铺名称,退款原因,买家留言,退款金额,申请时间\n"
           "R1,SKU-1,甲店,质量问题,鞋子偏小穿不上,99,2024-05-01 10:00:00\n"
           "R2,SKU-1,乙店,其他,不想要了,59,2024-05-02 11:00:00\n"
           "R3,SKU-2,甲店,质量问题,开线了做工太差,120,2024-05-03 12:00:00\n").encode("utf-8")
    at = goto(new_app(), "upload")
    at.file_uploader[0].upload("shops.csv", csv)
    run(at)
    assert not at.error, [e.value for e in at.error]
    goto(at, "corrections")
    at.segmented_control(key="co_mode").set_value("all")
    run(at)
    editor = at.data_editor[0]
    frame = editor.value
    assert set(frame["shop"]) == {"甲店", "乙店"}
    i = int(frame.index[frame["shop"] == "甲店"][0])
    shop = "甲店"
    new = next(l for l in LABELS if l != str(frame.loc[i, "reason"]))
    at.session_state[editor.key] = {"edited_rows": {i: {"reason": new}}, "added_rows": [], "deleted_rows": []}
    at.button(key="co_save").click()
    run(at)
    at.selectbox(key="co_scope").set_value(shop)
    run(at)
    at.button(key="co_retrain").click()
    run(at)
    assert any("新模型" in s.value for s in at.success), [s.value for s in at.success]
    assert list(versions.shop_model_paths()) == [shop]  # the corrected row's shop got a model of its own
    assert not (env / "models" / "ACTIVE").exists()  # the install-wide model is untouched
    at.selectbox(key="co_scope").set_value(shop)
    run(at)
    at.button(key="co_rollback").click()
    run(at)
    assert any("已回退" in s.value for s in at.success)
    assert versions.shop_model_paths() == {}


# --------------------------------------------------------------------------
# pieces used by the pages
# --------------------------------------------------------------------------
def test_highlight_escapes_buyer_text_first():
    from ui.common import highlight

    out = highlight('<script>alert("x")</script> 鞋子偏小 & <b>太小</b>', ["偏小", "太小", "下拉原因：尺码"])
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;" in out and "&amp;" in out
    assert out.count("<mark>") == 2 and "<mark>偏小</mark>" in out and "<mark>太小</mark>" in out
    # evidence words that are themselves markup-looking are escaped too
    assert highlight("a<b>c", ["<b>"]) == "a<mark>&lt;b&gt;</mark>c"
    assert highlight(None, ["x"]) == ""
    # English evidence is marked as whole words only
    assert highlight("Cup too small, size up", ["size up", "up"]) == "Cup too small, <mark>size up</mark>"
    assert highlight("x <b> y", ["<b>"]) == "x <mark>&lt;b&gt;</mark> y"


def test_downloads_are_formula_safe(env, sample_tagged):
    from diagnose.io import export
    from diagnose.analysis.report import build_report
    from ui.state import report_xlsx_bytes

    evil = sample_tagged.head(3).copy()
    evil.loc[evil.index[0], "buyer_text"] = "=HYPERLINK(\"http://x\",\"y\")"
    csv = export.to_csv_bytes(evil).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    data = report_xlsx_bytes(build_report(sample_tagged), "zh")
    assert data[:2] == b"PK"


# --------------------------------------------------------------------------
# issue 13: what a merchant sees
# --------------------------------------------------------------------------
def _columns_config(df_element) -> dict:
    import json

    return json.loads(df_element.proto.columns or "{}")


def test_rates_match_the_order_files_platform_and_say_which_file(env, sample_tagged, sample_dir):
    """Item 2: the sample's Douyin orders divide only Douyin returns; other platforms get no rate."""
    from diagnose.analysis.report import build_report
    from diagnose.io.ingest import read_orders

    at = new_app()
    basis = [c.value for c in at.caption if "退货率所用订单文件" in c.value]
    assert basis, "the rate table does not say which orders file it uses"
    assert "douyin\\_orders.csv" in basis[0] and "抖音" in basis[0] and "拼多多" in basis[0]
    expected = build_report(sample_tagged, read_orders(sample_dir / "douyin_orders.csv"), orders_platform="douyin")
    shown = [d for d in at.dataframe if "return_rate" in d.value.columns][0]
    got = shown.value.set_index("sku")["return_rate"]
    want = expected.return_rates.set_index("sku")["return_rate"]
    for sku in got.index[:5]:
        assert got[sku] == pytest.approx(want[sku])
    douyin_only = sample_tagged[sample_tagged["platform"] == "douyin"]
    returned = shown.value["returned_units"].sum()
    assert returned <= douyin_only["quantity"].fillna(1).sum()
    # every header is translated and priority is explained
    config = _columns_config(shown)
    assert config["sold_units"]["label"] == "销售件数" and config["priority"]["label"] == "优先级"
    assert "退货率 × 退货条数" in config["priority"]["help"]
    assert config["spike"]["label"] == "异常" and config["returns"]["label"] == "退货条数"


def test_date_filter_narrows_orders_too(env, sample_tagged, sample_dir):
    from diagnose.analysis.report import build_report
    from diagnose.io.ingest import read_orders

    at = new_app()
    dates = pd.to_datetime(sample_tagged["applied_at"]).dropna()
    end = dates.max().date()
    start = end - timedelta(days=13)
    at.sidebar.date_input[0].set_value((start, end))
    run(at)
    basis = [c.value for c in at.caption if "退货率所用订单文件" in c.value][0]
    assert f"{start.isoformat()} 至 {end.isoformat()}" in basis
    rows = sample_tagged[(dates.reindex(sample_tagged.index).dt.date >= start)
                         & (dates.reindex(sample_tagged.index).dt.date <= end)]
    expected = build_report(rows, read_orders(sample_dir / "douyin_orders.csv"), orders_platform="douyin",
                            date_window=(start, end)).return_rates
    shown = [d for d in at.dataframe if "return_rate" in d.value.columns][0].value
    top = shown.iloc[0]
    assert top["sold_units"] == expected.set_index("sku").loc[top["sku"], "sold_units"]


def test_quality_rate_uses_the_same_basis(env):
    at = goto(new_app(), "malicious")
    assert any("品质退货率只计 抖音" in c.value for c in at.caption), [c.value for c in at.caption]


def test_uploaded_orders_ask_for_their_platform_when_returns_mix(env, sample_dir):
    at = goto(new_app(), "upload")
    a, b = sample_dir / "douyin_aftersales.csv", sample_dir / "pdd_aftersales.csv"
    at.file_uploader[0].upload(a.name, a.read_bytes()).upload(b.name, b.read_bytes())
    run(at)
    orders = (sample_dir / "douyin_orders.csv").read_bytes()
    at.file_uploader[1].upload("orders_may.csv", orders)  # a name that does not say the platform
    run(at)
    assert any("请选择订单文件所属平台" in w.value for w in at.warning)
    goto(at, "overview")
    assert any("不计算退货率" in i.value for i in at.info)
    goto(at, "upload")
    at.selectbox(key="orders_platform_pick").set_value("douyin")
    run(at)
    goto(at, "overview")
    basis = [c.value for c in at.caption if "退货率所用订单文件" in c.value][0]
    assert "orders\\_may.csv" in basis and "抖音" in basis and "拼多多没有订单文件" in basis


def test_restoring_the_samples_clears_old_uploads_and_their_errors(env, sample_dir):
    """Item 8: after 恢复示例数据 the next upload does not bring the broken file back."""
    at = goto(new_app(), "upload")
    good = sample_dir / "douyin_aftersales.csv"
    at.file_uploader[0].upload(good.name, good.read_bytes()).upload("broken.csv", b"\x00\x01garbage\xff" * 64)
    run(at)
    assert any("broken.csv" in e for e in error_texts(at))
    [b for b in at.button if b.label == "恢复示例数据"][0].click()
    run(at)
    assert not at.error and any("已恢复示例数据" in s.value for s in at.success)
    assert any("示例数据" in c.value for c in at.sidebar.caption)
    other = sample_dir / "pdd_aftersales.csv"
    at.file_uploader[0].upload(other.name, other.read_bytes())
    run(at)
    assert not any("broken.csv" in e for e in error_texts(at))
    assert "broken.csv" not in texts(at) and "douyin_aftersales.csv" not in texts(at)
    assert any("您上传的 1 个文件" in c.value for c in at.sidebar.caption)


def test_overview_says_what_the_malicious_count_counts(env, sample_tagged):
    """Item 7: the overview's text-tag count and the queue's risk-level count are both explained."""
    at = new_app()
    n = int((sample_tagged["reason"] == "malicious").sum())
    tile = [m for m in at.metric if m.label == "疑似恶意"][0]
    assert "只看文字" in tile.proto.help and "风险分" in tile.proto.help
    assert any(f"疑似恶意 {n:,} 条 = 按买家原话" in c.value for c in at.caption)
    goto(at, "malicious")
    note = [c.value for c in at.caption if "队列按风险等级筛选" in c.value]
    assert note and f"「疑似恶意」{n:,} 条" in note[0]


def test_metric_tiles_are_three_a_row_with_tooltips(env):
    """Item 4: six tiles in one row cut their values at 1024 px."""
    at = new_app()
    labels = [m.label for m in at.metric]
    assert labels[:6] == ["退货数", "退款金额", "待复核", "疑似恶意", "下拉冲突率", "涉及 SKU"]
    assert all(m.proto.help for m in at.metric[:6])
    assert "¥" in [m for m in at.metric if m.label == "退款金额"][0].proto.help


def test_export_without_sku_falls_back_to_product_id(env):
    """Item 9: 商品ID / 商品名称 but no SKU column still gives a product view, and says which key."""
    csv = ("售后单号,商品ID,商品名称,售后原因,问题描述,退款金额,申请时间\n"
           + "".join(f"R{i},P-{i % 3},商品{i % 3},尺码问题,偏小一码,59,2024-05-0{1 + i % 9} 10:00:00\n"
                     for i in range(12))).encode("utf-8")
    at = goto(new_app(), "upload")
    at.file_uploader[0].upload("no_sku.csv", csv)
    run(at)
    goto(at, "overview")
    assert metric(at, "涉及商品") == "3"
    assert any("商品按 **商品ID** 区分" in i.value for i in at.info), [i.value for i in at.info]
    assert filter_widget(at, "sku").options == ["P-0", "P-1", "P-2"]
    filter_widget(at, "sku").set_value(["P-1"])
    run(at)
    assert as_int(metric(at, "退货数")) == 4
    goto(at, "drilldown")
    assert "共 4 条" in texts(at)


def test_error_text_and_history_table_speak_the_ui_language():
    from ui.common import error_text, history_table

    text = error_text(("bad.csv", "no buyer text column; use --map buyer_text=<header>"), "zh")
    assert text.startswith("文件有问题") and "修正列映射" in text
    hist = pd.DataFrame({"id": [1], "return_id": ["R1"], "old_reason": ["quality"], "new_reason": ["sizing"],
                         "new_sub_reason": ["too_small"], "corrected_at": ["2024-05-01"], "user": ["me"]})
    zh = history_table(hist, "zh")
    assert list(zh.columns) == ["编号", "售后单号", "原原因", "新原因", "新细分原因", "时间", "操作人"]
    assert zh.loc[0, "原原因"] == "质量问题" and zh.loc[0, "新原因"] == "尺码问题"
    assert "quality" not in zh.to_string()
    assert history_table(hist, "en").loc[0, "Old reason"] == "Quality"
