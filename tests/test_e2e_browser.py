"""End to end in a real browser: `streamlit run app.py`, Debian's chromium driven by Playwright.

Uploads a sample export through the file uploader, then checks that the
overview numbers, a chart and the drill-down table show, and saves
screenshots to test-artifacts/ (dashboard.png = the overview after the
upload; drilldown.png = the drill-down page).

A second test opens two browser contexts (two users) at once: one uploads
an export whose buyer texts carry script tags, event-handler HTML,
Markdown image links and javascript: links, the other a plain sample.
Each sees only its own numbers; the hostile texts show literally in the
drill-down, no dialog opens, no injected element or script runs, and the
page makes no request beyond the local server.

Needs /usr/bin/chromium and the Python `playwright` package
(`scripts/setup_browser.sh` installs both). Without them the test is
skipped with a loud reason; it never downloads a browser.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("DIAGNOSE_TEST_ARTIFACTS") or tempfile.mkdtemp(prefix="diagnose-artifacts-"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
UPLOAD_FILE = "douyin_aftersales.csv"
TIMEOUT_MS = 120_000
# An upload is parsed in a limited child process (diagnose.io.sandbox) and then classified; a warm spare
# child takes ~1 s, but with the whole suite, the server and Chromium on this loaded 2-core machine the
# rerun after an upload can take longer than expect()'s default 5 s.
UPLOAD_MS = 30_000


def _skip_loudly(reason: str) -> None:
    message = f"END-TO-END BROWSER TEST SKIPPED: {reason}. Run scripts/setup_browser.sh to install it."
    warnings.warn(message)
    print("\n" + "!" * 80 + "\n" + message + "\n" + "!" * 80, file=sys.stderr)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser_ready():
    if not Path(CHROMIUM).exists():
        _skip_loudly(f"{CHROMIUM} is missing (Debian package 'chromium')")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _skip_loudly("the Python package 'playwright' is not installed")
    return True


@pytest.fixture(scope="module")
def samples(request) -> Path:
    """The sample exports: $DIAGNOSE_SAMPLE_DIR when set, else the project's sample_data/."""
    if os.environ.get("DIAGNOSE_SAMPLE_DIR"):
        return Path(os.environ["DIAGNOSE_SAMPLE_DIR"])
    return request.getfixturevalue("sample_dir")


@pytest.fixture(scope="module")
def server(browser_ready, samples, tmp_path_factory):
    """A dashboard on a free local port, with its own corrections folder."""
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = dict(os.environ, DIAGNOSE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    log = open(data_dir / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("streamlit exited early:\n" + (data_dir / "streamlit.log").read_text())
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("streamlit did not become healthy in 90 s:\n" + (data_dir / "streamlit.log").read_text())
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def _upload_returns(page, path: Path) -> None:
    """Give a file to the return-export uploader, found by its label: the page renders its
    uploaders one after another, so "the first one on the page" can be the orders uploader
    while the page is still drawing."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="退货 / 售后导出文件")
    uploader.locator('input[type="file"]').set_input_files(str(path))


def _metric_value(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _full_screenshot(page, path: Path) -> None:
    """Screenshot the whole page: Streamlit scrolls inside its main container, so grow the viewport."""
    height = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": 1440, "height": max(900, min(int(height) + 40, 6000))})
    page.wait_for_timeout(1500)  # charts re-layout to the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def _nav(page, title: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()


def test_upload_overview_chart_drilldown(server, samples):
    from playwright.sync_api import expect, sync_playwright

    from diagnose.io.ingest import read_exports

    upload = samples / UPLOAD_FILE
    expected_rows = len(read_exports([upload]).frame)
    ARTIFACTS.mkdir(exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server}/upload")
            _upload_returns(page, upload)
            expect(page.get_by_text("当前数据：您上传的 1 个文件。").first).to_be_visible(timeout=UPLOAD_MS)
            expect(page.locator('[data-testid="stMetric"]').filter(has_text="读入行数").first).to_be_visible()

            # overview: numbers of the uploaded file, and a drawn chart
            _nav(page, "总览")
            expect(page.locator('[data-testid="stMetric"]').filter(has_text="退货数").first).to_be_visible()
            value = _metric_value(page, "退货数")
            assert int(value.replace(",", "")) == expected_rows, value
            assert re.match(r"¥[\d,.]+(万|亿)?$", _metric_value(page, "退款金额"))
            chart = page.locator('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg').first
            expect(chart).to_be_visible()
            box = chart.bounding_box()
            assert box and box["width"] > 100 and box["height"] > 100
            expect(page.get_by_text("当前数据：您上传的 1 个文件。").first).to_be_visible(timeout=UPLOAD_MS)
            assert page.locator('[data-testid="stException"]').count() == 0
            expect(page.locator('[data-testid="stVegaLiteChart"]').nth(4)).to_be_visible()  # all five charts
            _full_screenshot(page, ARTIFACTS / "dashboard.png")

            # drill-down: highlighted comments and the table
            _nav(page, "明细下钻")
            expect(page.locator("mark").first).to_be_visible()
            count_all = page.get_by_text(re.compile(r"^共 [\d,]+ 条$")).first.inner_text()
            # clicking a heat-map cell drills into that SKU and reason
            heat = page.locator('[data-testid="stVegaLiteChart"]').first
            expect(heat.locator("svg, canvas").first).to_be_visible()
            page.wait_for_timeout(1000)
            box = heat.bounding_box()
            reason_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="原因").first
            for dx, dy in ((150, 80), (150, 100), (250, 80), (250, 120)):
                page.mouse.click(box["x"] + dx, box["y"] + dy)
                page.wait_for_timeout(2500)
                if "全部" not in reason_box.inner_text():
                    break
            assert "全部" not in reason_box.inner_text(), "heat-map click did not pick a reason"
            count_cell = page.get_by_text(re.compile(r"^共 [\d,]+ 条$")).first.inner_text()
            assert count_cell != count_all
            page.get_by_role("tab", name="明细表").click()
            table = page.locator('[data-testid="stDataFrame"]').first
            expect(table).to_be_visible()
            box = table.bounding_box()
            assert box and box["height"] > 100
            assert page.locator('[data-testid="stException"]').count() == 0
            _full_screenshot(page, ARTIFACTS / "drilldown.png")

            # the report workbook downloads and opens
            _nav(page, "下载")
            button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="下载报告工作簿").first
            expect(button).to_be_visible()
            with page.expect_download() as info:
                button.click()
            saved = ARTIFACTS / "return_report.xlsx"
            info.value.save_as(str(saved))
            import openpyxl

            book = openpyxl.load_workbook(saved, read_only=True)
            assert "改进建议" in book.sheetnames
        finally:
            browser.close()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


HOSTILE_TEXTS = [
    "<script>window.__xss = 1; alert('xss')</script>质量太差，开线了",
    "<img src=x onerror=\"window.__xss = 2; alert(2)\">尺码偏小穿不上",
    "![x](http://example.invalid/tracker.png) 发错货了，颜色不对",
    "<a href=\"javascript:window.__xss=3\">点我</a> 物流太慢一直没到",
    "质量差</mark><img src=x onerror=\"window.__xss=4\">开线 <iframe src=\"http://example.invalid/\"></iframe>",
]


def _hostile_export(path: Path) -> Path:
    import csv

    header = ["售后单号", "订单号", "商家编码", "商品名称", "售后原因", "用户售后说明", "退商品金额（元）", "售后申请时间"]
    rows = [[f"X{i}", f"O{i}", "SKU-X", "测试商品", "质量问题", text, "59.00", f"2024-06-0{i + 1} 10:00:00"]
            for i, text in enumerate(HOSTILE_TEXTS)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header] + rows)
    return path


def _local(url: str) -> bool:
    from urllib.parse import urlparse

    parts = urlparse(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in ("127.0.0.1", "localhost")


def test_two_sessions_and_hostile_text(server, samples, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    from diagnose.io.ingest import read_exports

    hostile = _hostile_export(tmp_path / "hostile.csv")
    plain = samples / "pdd_aftersales.csv"
    n_hostile, n_plain = len(HOSTILE_TEXTS), len(read_exports([plain]).frame)
    outside: list[str] = []
    dialogs: list[str] = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = []
            for upload in (hostile, plain):
                context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
                page = context.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                page.on("request", lambda req: None if _local(req.url) else outside.append(req.url))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(f"{server}/upload")
                _upload_returns(page, upload)
                expect(page.get_by_text("当前数据：您上传的 1 个文件。").first).to_be_visible(timeout=UPLOAD_MS)
                pages.append(page)
            a, b = pages

            # each user sees the numbers of their own upload, even after the other uploaded
            for page, n in ((a, n_hostile), (b, n_plain), (a, n_hostile)):
                _nav(page, "总览")
                expect(page.locator('[data-testid="stMetric"]').filter(has_text="退货数").first).to_be_visible()
                expect(page.locator('[data-testid="stMetric"]').filter(has_text="退货数").first
                       .locator('[data-testid="stMetricValue"]')).to_have_text(f"{n:,}")

            # the hostile texts are shown literally in A's drill-down
            _nav(a, "明细下钻")
            expect(a.get_by_text(re.compile(r"^共 [\d,]+ 条$")).first).to_have_text(f"共 {n_hostile} 条")
            for literal in ("<script>window.__xss = 1;", "<img src=x onerror=", "![x](http://example.invalid/tracker.png)",
                            '<a href="javascript:window.__xss=3">', "</mark><img src=x"):
                expect(a.get_by_text(literal, exact=False).first).to_be_visible()
            expect(a.locator("mark").first).to_be_visible()  # evidence highlighting still works
            a.wait_for_timeout(1000)
            assert a.evaluate("() => window.__xss") is None, "an injected script ran"
            injected = a.evaluate(
                "() => document.querySelectorAll('img[src=\"x\"], iframe[src*=\"example.invalid\"], "
                "a[href^=\"javascript\"], img[src*=\"example.invalid\"]').length")
            assert injected == 0, "buyer HTML became elements"
            assert a.locator('[data-testid="stException"]').count() == 0
            # B never sees A's rows
            _nav(b, "明细下钻")
            expect(b.get_by_text(re.compile(r"^共 [\d,]+ 条$")).first).to_have_text(f"共 {n_plain:,} 条")
            assert b.get_by_text("window.__xss", exact=False).count() == 0
        finally:
            browser.close()
    assert not dialogs, f"dialogs opened: {dialogs}"
    assert not outside, f"requests left the machine: {outside[:5]}"


def test_production_settings_are_in_force(server):
    """XSRF protection refuses an upload without the session's token; error details are hidden."""
    import tomllib
    import urllib.error

    req = urllib.request.Request(f"{server}/_stcore/upload_file/some-session/some-file", data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 403
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["browser"]["gatherUsageStats"] is False


# Metric values, the sample data's pages that show them, and the tab title each must have.
LAYOUT_PAGES = [("", "总览"), ("upload", "上传数据"), ("fixes", "改进建议"), ("malicious", "疑似恶意退款")]
TRUNCATED_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"]'))
  .filter(el => el.offsetParent !== null).map(el => {
    const inner = el.querySelector('div') || el;
    return {text: el.innerText.trim(), sw: Math.max(el.scrollWidth, inner.scrollWidth),
            cw: Math.min(el.clientWidth, inner.clientWidth || el.clientWidth)};
})"""


# Button and tab labels Streamlit cuts with an ellipsis when their column is too narrow ("Download …").
CUT_LABELS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] .stMarkdownEllipsis'))
  .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1).map(el => el.innerText.trim())"""
# What each uploader shows: the button's and the size note's text as drawn (CSS ::after included).
UPLOADER_TEXT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stFileUploaderDropzone"]')).map(z => {
  const after = el => el ? getComputedStyle(el, '::after').content : '';
  const p = z.querySelector('button [data-testid="stMarkdownContainer"] p');
  const n = z.querySelector('[data-testid="stFileUploaderDropzoneInstructions"] span');
  return [after(p), after(n)];
})"""


@pytest.mark.parametrize("width", [1024, 1440])
def test_layout_at_laptop_widths(server, width):
    """Issue 13 item 4/6: no metric value cut at 1024-1440 px, lang="zh-CN", a title per page."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="zh-CN")
            page.set_default_timeout(TIMEOUT_MS)
            titles = set()
            for url_path, nav_title in LAYOUT_PAGES:
                page.goto(f"{server}/{url_path}")  # "" is the overview (the default page)
                expect(page.locator("h1").first).to_be_visible(timeout=TIMEOUT_MS)
                if url_path == "malicious":  # its metrics are on the second tab
                    page.get_by_role("tab", name="品质退货申诉清单").click()
                expect(page.locator('[data-testid="stMetric"]:visible').first).to_be_visible(timeout=TIMEOUT_MS)
                for summary in page.locator('[data-testid="stExpander"] summary').all()[:2]:
                    summary.click()  # per-file details (upload page) are metrics too
                page.wait_for_timeout(1500)  # layout settles (fonts, sparkline)
                values = page.evaluate(TRUNCATED_JS)
                assert values, f"{url_path}: no metric values"
                cut = [v for v in values if v["sw"] > v["cw"] + 1 or v["text"].endswith("…")]
                assert not cut, f"{url_path} at {width}px: truncated metric values {cut}"
                assert not page.evaluate(CUT_LABELS_JS), (url_path, width, page.evaluate(CUT_LABELS_JS))
                page.wait_for_function("() => document.documentElement.lang === 'zh-CN'")
                assert page.evaluate("() => document.documentElement.lang") == "zh-CN"
                title = page.title()
                assert nav_title in title, (url_path, title)
                titles.add(title)
                assert page.locator('[data-testid="stException"]').count() == 0
                if url_path == "upload":  # Streamlit's own "Upload" / "1GB per file" are replaced in Chinese
                    shown = page.evaluate(UPLOADER_TEXT_JS)
                    assert shown and all("选择文件" in b and "1GB" in n for b, n in shown), shown
                if not url_path:
                    ARTIFACTS.mkdir(exist_ok=True)
                    page.screenshot(path=str(ARTIFACTS / f"overview_{width}.png"), full_page=True)
            assert len(titles) == len(LAYOUT_PAGES), titles
            # in English too: the money figure and the labels are longer there
            page.goto(server)
            expect(page.locator('[data-testid="stMetric"]:visible').first).to_be_visible(timeout=TIMEOUT_MS)
            page.locator('[data-testid="stSidebar"] button').filter(has_text="English").first.click()
            expect(page.locator("h1").filter(has_text="Return diagnosis overview")).to_be_visible(timeout=TIMEOUT_MS)
            page.wait_for_function("() => document.documentElement.lang === 'en'")
            page.wait_for_timeout(1500)
            cut = [v for v in page.evaluate(TRUNCATED_JS) if v["sw"] > v["cw"] + 1 or v["text"].endswith("…")]
            assert not cut, f"English overview at {width}px: truncated metric values {cut}"
            assert "Overview" in page.title()
            # the longest English button labels: the downloads page
            _nav(page, "Downloads")
            expect(page.locator('[data-testid="stDownloadButton"]').nth(3)).to_be_visible(timeout=TIMEOUT_MS)
            page.wait_for_timeout(1000)
            assert not page.evaluate(CUT_LABELS_JS), f"English downloads at {width}px: {page.evaluate(CUT_LABELS_JS)}"
            for title, ready in (("Drill-down", '[data-testid="stCheckbox"]'),
                                 ("Suspected malicious", '[data-testid="stDownloadButton"]')):
                _nav(page, title)
                expect(page.locator(ready).first).to_be_visible(timeout=TIMEOUT_MS)
                page.wait_for_timeout(1000)
                assert not page.evaluate(CUT_LABELS_JS), f"English {title} at {width}px: {page.evaluate(CUT_LABELS_JS)}"
        finally:
            browser.close()
