"""Risk-scoring benchmark: `score_risk` and `quality_appeal_list` on 1,000,000 rows.

Usage:  python -m benchmarks.bench_risk [--rows 1000000] [--runs 3] [--distinct 0.3]

Builds (deterministically, with numpy) a tagged table of the shape
`classify.classify_frame` returns, with every column the risk signals read:
buyer ids with heavy repeat buyers, SKUs and shops, refund-only and
return-refund rows, sign-for and application times (some within minutes),
dropdown reasons, `p_malicious`, a hashed phone column with some shared
values, and buyer texts of which `--distinct` (default 30 %) are unique
strings and the rest repeat from a pool (real exports repeat 不想要了, 偏小 …
thousands of times). Then times, as whole calls, the median of `--runs`:

1. `risk.score_risk(tagged)` — all signals, evidence strings, levels;
2. `risk.score_risk(tagged, orders)` — with an order table (order share);
3. `risk.quality_appeal_list(tagged)`.

Prints the figures and writes `benchmarks/RESULTS_risk.md`.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from diagnose.analysis import risk  # noqa: E402

FRAGMENTS = [
    "不想要了", "偏小", "偏大一码", "拍错了", "质量问题", "开线了", "有破洞", "起球严重", "洗了一次就掉色",
    "充不进电", "屏幕闪屏", "耳机一边没声音", "水果烂了好几个", "快递太慢了", "包装压坏了", "少发了一件",
    "颜色和图片差别很大", "发错货了", "不喜欢这个颜色", "买多了", "降价了", "家里有了", "尺码不准",
    "穿不上", "有异味", "拉链坏了", "做工粗糙", "鞋底开胶", "用了两天就坏了", "客服不回复",
    "收到货发现质量有问题，要求仅退款，东西不退回了", "不退款就给差评", "吃完了才发现不好吃，申请退款",
    "只退款不退货", "要求三倍赔偿，否则投诉", "穿了一次，不想要了",
]
TAILS = ["", "", "", "，麻烦处理一下", "，请尽快退款", "，谢谢", "，已拍照", "，太失望了", "！！", "。"]
NOISE = list("的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所同日手又行意动")
DROPDOWNS = np.array(["质量问题", "质量问题（商品品质原因）", "七天无理由退换货", "多拍/拍错/不想要",
                      "大小尺寸与商品描述不符", "颜色/款式/图案与描述不符", "快递一直未到", "其他"], dtype=object)
REASONS = np.array(["quality", "quality", "changed_mind", "changed_mind", "sizing", "mismatch", "logistics", "other"],
                   dtype=object)


def make_tagged(n: int, distinct: float, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frag = np.array(FRAGMENTS, dtype=object)
    tails = np.array(TAILS, dtype=object)
    # pool texts repeat; "distinct" texts get a random 3-character suffix
    pool = frag[rng.integers(0, len(frag), 5000)] + tails[rng.integers(0, len(tails), 5000)]
    texts = pool[rng.integers(0, len(pool), n)]
    uniq = rng.random(n) < distinct
    noise = np.array(NOISE, dtype=object)
    suffix = (noise[rng.integers(0, len(noise), n)] + noise[rng.integers(0, len(noise), n)]
              + noise[rng.integers(0, len(noise), n)])
    texts = np.where(uniq, texts + "，" + suffix, texts)
    texts = np.where(rng.random(n) < 0.15, "", texts)

    n_buyers = max(10, int(n * 0.85))
    # most buyers return once or twice; 3 % of rows come from a long tail of repeat buyers
    heavy = rng.random(n) < 0.03
    buyer_num = np.where(heavy, n_buyers + rng.zipf(1.5, n) % 5000, rng.integers(0, n_buyers, n))
    buyer = pd.Series(buyer_num).map(lambda v: f"{(int(v) * 2654435761) % 2**64:016x}")  # one-off setup, not timed
    dd = rng.integers(0, len(DROPDOWNS), n)
    signed = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 80 * 86400, n), unit="s")
    delay = np.where(rng.random(n) < 0.05, rng.integers(10, 600, n), rng.integers(3600, 20 * 86400, n))
    sku = rng.integers(0, 2000, n)
    price = (sku % 50 + 1) * 19.9
    # a hashed phone per buyer, with a few phones shared by several buyer ids
    phone_num = np.where(rng.random(n) < 0.01, rng.integers(0, 2000, n), buyer_num + 10_000)
    phone = np.where(rng.random(n) < 0.6, pd.Series(phone_num).map(lambda v: f"{int(v) * 11400714819323198485 % 2**64:016x}"), "")
    df = pd.DataFrame({
        "return_id": np.char.add("R", np.arange(n).astype(str)).astype(object),
        "order_id": np.char.add("O", np.arange(n).astype(str)).astype(object),
        "sku": np.char.add("SKU", sku.astype(str)).astype(object),
        "product_title": "商品",
        "platform_reason": DROPDOWNS[dd],
        "buyer_text": texts,
        "return_type": np.where(rng.random(n) < 0.35, "refund_only", "return_refund"),
        "amount": np.round(price * np.where(rng.random(n) < 0.1, 2, 1), 2),
        "applied_at": signed + pd.to_timedelta(delay, unit="s"),
        "signed_at": signed,
        "buyer_id": buyer.to_numpy(dtype=object),
        "status": "退款成功",
        "quantity": 1.0,
        "shop": np.array(["店A", "店B", "店C"], dtype=object)[rng.integers(0, 3, n)],
        "platform": "douyin",
        "收货人手机": phone,
        "是否已上传退款凭证": np.where(rng.random(n) < 0.4, "是", "否"),
        "reason": REASONS[dd],
        "confidence": np.round(rng.uniform(0.5, 1.0, n), 4),
        "dropdown_label": REASONS[dd],
        "reason_conflict": rng.random(n) < 0.1,
        "p_malicious": np.round(rng.beta(0.3, 6, n), 4),
    })
    for c in ("return_id", "order_id", "sku", "platform_reason", "buyer_text", "buyer_id", "收货人手机"):
        df[c] = df[c].astype("str")
    return df


def make_orders(tagged: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    extra = len(tagged) // 2
    buyers = tagged["buyer_id"].to_numpy()[rng.integers(0, len(tagged), extra)]
    return pd.DataFrame({
        "order_id": np.concatenate([tagged["order_id"].to_numpy(dtype=object),
                                    np.char.add("E", np.arange(extra).astype(str)).astype(object)]),
        "buyer_id": np.concatenate([tagged["buyer_id"].to_numpy(dtype=object), buyers]),
        "quantity": 1.0,
    })


def timed(fn, runs: int) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds of `runs` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--distinct", type=float, default=0.3, help="share of rows with a unique text")
    ap.add_argument("--no-write", action="store_true", help="do not write RESULTS_risk.md")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    tagged = make_tagged(args.rows, args.distinct)
    orders = make_orders(tagged)
    setup = time.perf_counter() - t
    n_texts = tagged["buyer_text"].nunique()
    n_buyers = tagged["buyer_id"].nunique()
    print(f"built {len(tagged):,} rows ({n_texts:,} distinct texts, {n_buyers:,} buyers) "
          f"and {len(orders):,} order rows in {setup:.1f}s")

    risk.score_risk(tagged.head(2000))  # warm-up: regex compilation, imports
    load_before = os.getloadavg()[0]
    w_score, c_score, scored = timed(lambda: risk.score_risk(tagged), args.runs)
    print(f"score_risk:              {w_score:6.2f} s wall, {c_score:6.2f} s CPU  ({len(tagged) / w_score:,.0f} rows/s)")
    w_orders, c_orders, _ = timed(lambda: risk.score_risk(tagged, orders), args.runs)
    print(f"score_risk with orders:  {w_orders:6.2f} s wall, {c_orders:6.2f} s CPU  ({len(tagged) / w_orders:,.0f} rows/s)")
    w_appeal, c_appeal, (lst, stats) = timed(lambda: risk.quality_appeal_list(tagged), args.runs)
    print(f"quality_appeal_list:     {w_appeal:6.2f} s wall, {c_appeal:6.2f} s CPU  ({len(tagged) / w_appeal:,.0f} rows/s)")
    load_after = os.getloadavg()[0]
    print(f"1-minute load average before/after: {load_before:.1f} / {load_after:.1f} on {os.cpu_count()} CPUs")
    levels = scored["risk_level"].value_counts().to_dict()
    sig = scored["risk_signals"].explode()
    fired = sig[sig != ""].value_counts().to_dict()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"levels: {levels}; appealable {stats['appealable']:,} of {stats['quality_returns']:,} quality returns")
    print(f"signals fired (rows): {fired}")
    print(f"peak RSS of the process: {peak_mb:,.0f} MB")

    if not args.no_write:
        cpu = platform.processor() or platform.machine()
        lines = [
            "# Risk scoring benchmark",
            "",
            f"`python -m benchmarks.bench_risk --rows {args.rows} --runs {args.runs} --distinct {args.distinct}` "
            f"on {platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}.",
            "",
            f"Synthetic tagged table: {len(tagged):,} rows, {n_texts:,} distinct buyer texts, {n_buyers:,} buyers, "
            f"a hashed phone column, {len(orders):,} order rows. Median of {args.runs} runs, whole calls, "
            "single process.",
            "",
            "| step | wall s | CPU s | rows/s (wall) |",
            "|---|---|---|---|",
            f"| `score_risk(tagged)` | {w_score:.2f} | {c_score:.2f} | {len(tagged) / w_score:,.0f} |",
            f"| `score_risk(tagged, orders)` | {w_orders:.2f} | {c_orders:.2f} | {len(tagged) / w_orders:,.0f} |",
            f"| `quality_appeal_list(tagged)` | {w_appeal:.2f} | {c_appeal:.2f} | {len(tagged) / w_appeal:,.0f} |",
            "",
            f"1-minute load average before/after the timed runs: {load_before:.1f} / {load_after:.1f} on "
            f"{os.cpu_count()} CPUs (the machine was shared with other jobs; CPU seconds are the steadier figure).",
            "",
            f"Peak RSS of the benchmark process (data + three runs): {peak_mb:,.0f} MB.",
            "",
            f"Levels: {', '.join(f'{k} {v:,}' for k, v in levels.items())}. "
            f"Signals fired (rows): {', '.join(f'{k} {v:,}' for k, v in fired.items())}.",
            "",
            "Where the time goes: text features (cue regexes, normalisation, MinHash) run once per distinct "
            "text, so the cost grows with the number of distinct texts more than with rows; the rest is "
            "bincounts/np.unique over integer codes and building the evidence strings where signals fired "
            "(joined in Arrow).",
            "",
        ]
        (ROOT / "benchmarks" / "RESULTS_risk.md").write_text("\n".join(lines), encoding="utf-8")
        print("written to benchmarks/RESULTS_risk.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
