"""Dashboard benchmark: a 100,000-row Douyin export from upload to the overview.

Usage:  python -m benchmarks.bench_dashboard [--rows 100000] [--runs 3]

Generates (deterministically) a Douyin 抖店 after-sales export in GB18030
with the platform's full header row, then times, as whole measured steps,
the path the dashboard takes (the same functions `ui/state.py` calls, with
their caches cleared before each run):

1. upload → ingest → classify: hashing the uploaded bytes, then
   `ui.state.load_dataset` (read_exports + classify_frame, incl. the cache's
   pickling);
2. report: `diagnose.analysis.report.build_report` through `ui.state._report`;
3. overview aggregates: the chart tables and Altair specs of the overview;
4. the whole overview page in Streamlit's AppTest (script run, cold caches),
   i.e. everything the server does before the browser draws.

and, separately, a filter change: a new filter (rows selected, report
rebuilt on them, charts rebuilt) and a repeated filter (report cache hit).
Median of `--runs` runs; results printed and written to
`benchmarks/RESULTS_dashboard.md`.
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DOUYIN_HEADERS = [
    "售后单号", "订单号", "商品单号", "商品名称", "商品ID", "应付金额（元）", "商品运费（元）", "支付优惠（元）",
    "商品税费（元）", "商品发货状态", "售后类型", "退商品金额（元）", "退运费金额（元）", "退支付优惠（元）",
    "退税费金额（元）", "售后状态", "售后申请时间", "退款方式", "是否已上传退款凭证", "售后原因", "售后原因标签",
    "退货物流单号", "退货异常", "退货发货时间", "退货物流公司", "自动处理截止时间", "同意售后申请时间",
    "商家退款时间", "用户到账时间", "售后关闭时间", "商家退货地址", "商家退货联系人姓名", "商家退货联系人电话",
    "仲裁状态", "纠纷责任方", "是否极速退款", "是否拒签后退款", "发货物流单号", "发货物流状态", "换货物流单号",
    "退货物流状态", "售后完结时间", "订单备注", "用户售后说明", "售后备注", "操作人", "协商记录", "换货商品信息",
    "商家编码", "门店名称",
]

# (dropdown reasons, text fragments) per true reason; texts are combined from fragments.
POOLS = {
    "sizing": (["尺码不合适", "大小尺寸与商品描述不符"], [
        "鞋子偏小", "穿不上", "码数偏大", "太紧了", "小了一码", "尺码不准", "裤子太长", "腰围太大", "比平时穿的小",
        "按尺码表买的还是小", "挤脚", "掉跟", "偏大半码", "太松了", "肩宽不合适"]),
    "quality": (["质量问题（商品品质原因）", "做工粗糙/有瑕疵", "商品功能缺失或故障"], [
        "开线了", "有破洞", "起球严重", "洗了一次就掉色", "味道很大", "充不进电", "用了两天就坏了", "屏幕闪屏",
        "线头很多", "质量太差", "拉链坏了", "缩水严重", "有污渍", "耳机一边没声音", "水果烂了好几个"]),
    "mismatch": (["与商品描述不符", "颜色/款式/图案与描述不符", "商家发错货", "商品少件/破损/污迹"], [
        "色差太大", "和图片不一样", "发错颜色了", "少发了一件", "材质跟描述不符", "实物和宣传差很多", "不是我买的型号",
        "颜色比图片深", "配件缺少", "感觉是假货"]),
    "logistics": (["快递一直未到", "未按约定时间发货", "快递无跟踪记录"], [
        "物流太慢了", "一个星期还没到", "快递不送上门", "包装破损", "外包装压坏了", "显示签收但没收到", "还没发货"]),
    "changed_mind": (["七天无理由退换货", "多拍/拍错/不想要", "尺码拍错/不喜欢/效果不好"], [
        "不想要了", "拍错了", "买多了", "不喜欢", "家里已经有了", "别家更便宜", "效果不好", "穿上不好看", "不需要了"]),
    "malicious": (["质量问题（商品品质原因）", "其他"], [
        "不退款就给差评", "必须赔偿我三倍", "已经吃完了但是要退款", "仅退款不退货", "不给退就投诉你们", "穿过一次了要退"]),
    "other": (["其他", "协商一致退款"], ["没什么原因", "客服态度差", "发票开不了", "/", "。。。"]),
}
WEIGHTS = {"sizing": 0.24, "quality": 0.24, "mismatch": 0.14, "logistics": 0.1, "changed_mind": 0.2,
           "malicious": 0.03, "other": 0.05}
SUFFIXES = ["", "", "", "！", "，麻烦尽快处理", "😡", "，差评", "。", "，谢谢", "…"]


def make_douyin_export(n_rows: int = 100_000, seed: int = 20240501, n_skus: int = 300) -> bytes:
    """A deterministic Douyin after-sales export (GB18030 CSV bytes)."""
    rng = random.Random(seed)
    reasons = list(WEIGHTS)
    weights = [WEIGHTS[r] for r in reasons]
    skus = [f"DY-{1000 + i}" for i in range(n_skus)]
    sku_weight = [1.0 / (i + 1) ** 0.8 for i in range(n_skus)]
    titles = {s: f"商品{s[-4:]} 春季新款" for s in skus}
    start = datetime(2024, 3, 1)
    lines = [",".join(DOUYIN_HEADERS)]
    for i in range(n_rows):
        reason = rng.choices(reasons, weights)[0]
        drops, frags = POOLS[reason]
        sku = rng.choices(skus, sku_weight)[0]
        if rng.random() < 0.15:
            text = "-"
        else:
            text = rng.choice(frags)
            if rng.random() < 0.5:
                text += "，" + rng.choice(frags)
            text += rng.choice(SUFFIXES)
        applied = start + timedelta(minutes=rng.randrange(0, 180 * 24 * 60))
        amount = round(rng.uniform(19.9, 899.0), 2)
        rtype = rng.choices(["仅退款", "退货退款", "换货"], [0.35, 0.6, 0.05])[0]
        row = {h: "-" for h in DOUYIN_HEADERS}
        row.update({
            "售后单号": f"\t{7300000000000000000 + i}",
            "订单号": f"\t{6900000000000000000 + i * 7}",
            "商品单号": f"\t{6900000000000000000 + i * 7 + 1}",
            "商品名称": titles[sku],
            "商品ID": f"\t{3600000000000 + skus.index(sku)}",
            "应付金额（元）": f"{amount:.2f}",
            "售后类型": rtype,
            "退商品金额（元）": f"{amount:.2f}",
            "售后状态": rng.choice(["同意退款，退款成功", "售后关闭", "待商家处理", "待买家退货"]),
            "售后申请时间": applied.strftime("%Y-%m-%d %H:%M:%S"),
            "售后原因": rng.choice(drops),
            "用户售后说明": text,
            "商家编码": f"\t{sku}",
            "门店名称": rng.choice(["旗舰店", "专营店"]),
        })
        lines.append(",".join(_csv(row[h]) for h in DOUYIN_HEADERS))
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def _csv(value: str) -> str:
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def timed(fn, runs: int, setup=None) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        if setup:
            setup()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS_dashboard.md"))
    ap.add_argument("--no-apptest", action="store_true", help="skip the whole-page AppTest measurement")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)

    import pandas as pd

    from ui import charts, filters, state
    from ui.i18n import STRINGS  # noqa: F401  (import cost outside the timings)

    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    data = make_douyin_export(args.rows)
    gen_s = time.perf_counter() - t0
    name = "douyin_aftersales_bench.csv"
    print(f"generated {args.rows:,} rows, {len(data) / 1e6:.1f} MB in {gen_s:.1f}s")

    model = state.get_model()
    version = str(model.version)
    results: list[tuple[str, float, list[float]]] = []

    # 1. upload -> ingest -> classify (the cached loader, cache cleared each run)
    def load():
        src = state.Source.of(name, data)
        key = state.dataset_key([src], {}, None, version)
        return state.load_dataset(key, ((src.name, src.data),), (), None, version)

    med, times, loaded = timed(load, args.runs, setup=state.load_dataset.clear)
    results.append(("upload → ingest → classify (`load_dataset`)", med, times))
    tagged = loaded.tagged.assign(corrected=False)
    assert len(tagged) == args.rows - loaded.duplicates_merged

    # 2. report over all rows
    def report():
        return state._report(("bench", version), tagged, None, loaded.duplicates_merged, "zh")

    med, times, rep = timed(report, args.runs, setup=state._report.clear)
    results.append(("report (`build_report`, all rows)", med, times))

    # 3. overview aggregates + chart specs
    class Ctx:  # the bits of ui.state.Context the chart helpers read
        lang = "zh"
        filtered = tagged

        def report(self):
            return rep

    def overview():
        c = Ctx()
        specs = [
            charts.reason_bar(state.reason_chart_data(rep, "zh"), "zh"),
            charts.sub_reason_bar(state.sub_reason_chart_data(rep, "zh").head(20), "zh"),
            charts.trend(state.trend_data(c, "week"), "zh"),
            charts.heatmap(state.heatmap_data(c, 15), "zh"),
            charts.pareto(state.pareto_data(rep, 20), "zh"),
        ]
        return [s.to_dict() for s in specs], state.quick_totals(tagged, "zh")

    med, times, _ = timed(overview, args.runs)
    results.append(("overview aggregates + chart specs", med, times))
    cold_total = sum(r[1] for r in results)

    # filter change: a new filter (report rebuilt on the selection) and a repeated one (cache hit)
    skus = state.sku_options(tagged)[:5]
    f = filters.Filters(skus=tuple(skus), reasons=("sizing", "quality"))
    counter = {"i": 0}

    def new_filter():
        counter["i"] += 1
        sel = filters.apply(tagged, f)
        r = state._report(("bench-filter", counter["i"]), sel, None, 0, "zh")
        c = Ctx()
        c.filtered = sel
        c.report = lambda: r
        [s.to_dict() for s in (charts.reason_bar(state.reason_chart_data(r, "zh"), "zh"),
                               charts.trend(state.trend_data(c, "week"), "zh"),
                               charts.heatmap(state.heatmap_data(c, 15), "zh"))]
        return len(sel)

    med_f, times_f, n_sel = timed(new_filter, args.runs)

    def same_filter():
        sel = filters.apply(tagged, f)
        return state._report(("bench-filter-cached",), sel, None, 0, "zh")

    same_filter()
    med_c, times_c, _ = timed(same_filter, args.runs)

    # whole overview page in AppTest: cold (caches cleared) and a filter-change rerun
    page_rows: list[tuple[str, float, list[float]]] = []
    if not args.no_apptest:
        page_rows = apptest_timings(data, name, args.runs)

    lines = [
        "# Dashboard benchmark",
        "",
        f"`python -m benchmarks.bench_dashboard --rows {args.rows} --runs {args.runs}` on "
        f"{platform.machine()} with {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"pandas {pd.__version__}; model `{version}`; 1-min load average {load_before:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end (other work on the machine slows every figure).",
        "",
        f"Input: a generated Douyin 抖店 after-sales export (50 columns, GB18030 CSV), {args.rows:,} rows, "
        f"{len(data) / 1e6:.1f} MB; {loaded.tagged['buyer_text'].nunique():,} distinct buyer texts, "
        f"{tagged['sku'].nunique()} SKUs. Median of {args.runs} runs, caches cleared before each run.",
        "",
        "| step | median (s) | runs (s) |",
        "|---|---:|---|",
    ]
    for label, med, times in results:
        lines.append(f"| {label} | {med:.2f} | {', '.join(f'{x:.2f}' for x in times)} |")
    lines.append(f"| **cold total: upload → overview data** | **{cold_total:.2f}** | |")
    for label, med, times in page_rows:
        lines.append(f"| {label} | {med:.2f} | {', '.join(f'{x:.2f}' for x in times)} |")
    lines += [
        "",
        f"Filter change ({len(skus)} SKUs × 2 reasons → {n_sel:,} rows):",
        "",
        "| step | median (s) | runs (s) |",
        "|---|---:|---|",
        f"| new filter: select rows + report + charts (no reclassification) | {med_f:.2f} | "
        f"{', '.join(f'{x:.2f}' for x in times_f)} |",
        f"| repeated filter: select rows + cached report | {med_c:.3f} | {', '.join(f'{x:.3f}' for x in times_c)} |",
        "",
        "A filter change never reclassifies: the classified table sits in `st.cache_data` (keyed on the "
        "files' SHA-256) and in session state; only the selection and its report are recomputed.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


def apptest_timings(data: bytes, name: str, runs: int) -> list[tuple[str, float, list[float]]]:
    """The overview page rendered by AppTest on the generated file (as the default data)."""
    from streamlit.testing.v1 import AppTest

    from ui import state

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "samples"
        sample.mkdir()
        (sample / name).write_bytes(data)
        os.environ[state.SAMPLE_DIR_ENV] = str(sample)
        os.environ["DIAGNOSE_DATA_DIR"] = str(Path(tmp) / "data")
        cold, rerun = [], []
        for _ in range(runs):
            state.load_dataset.clear()
            state._report.clear()
            state._read_file.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
            t0 = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
            assert at.metric, "overview metrics missing"
            reason_ms = [m for m in at.sidebar.multiselect if m.key and m.key.startswith("filter_reason")]
            reason_ms[0].set_value(["sizing"])
            t0 = time.perf_counter()
            at.run()
            rerun.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    return [
        ("**whole overview page, first load (AppTest script run, cold caches)**", statistics.median(cold), cold),
        ("overview page rerun after a reason filter change (AppTest)", statistics.median(rerun), rerun),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
