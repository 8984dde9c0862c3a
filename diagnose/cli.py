"""`python -m diagnose …`: the command line over the library.

Every command turns `InputError` into one readable line on stderr and exit
code 2; anything unexpected becomes exit code 1 with a short message (and
the traceback only with `--debug`), so a merchant never reads a stack dump.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Sequence

from .errors import InputError


class Progress:
    """A one-line progress bar on stderr; silent when stderr is not a terminal."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _add_input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", help="return/refund export files (CSV, TSV, XLSX, XLS)")
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=HEADER",
        help="override a column mapping, e.g. --map buyer_text=问题描述 (repeatable)",
    )
    p.add_argument("--profile", help="force a platform profile (douyin, taobao, jd, pinduoduo, amazon, generic)")
    p.add_argument("--model", help="model file (default: models/reason_model.npz)")


def read_and_tag(args: argparse.Namespace):
    """Shared by classify/report/risk: read the exports, report the mapping, tag."""
    from .classify import classify_frame
    from .ingest import parse_overrides, read_exports
    from .model import load_model

    result = read_exports(args.files, overrides=parse_overrides(args.map), profile=args.profile)
    for f in result.files:
        mapping = ", ".join(f"{k}←{v}" for k, v in f.mapping.items())
        _say(f"{f.name}: profile {f.profile}, encoding {f.encoding or 'n/a'}, header row {f.header_row}, {f.n_rows:,} rows")
        _say(f"  mapping: {mapping}")
        for issue in f.issues[:10]:
            _say(f"  warning: {issue}")
        if len(f.issues) > 10:
            _say(f"  … and {len(f.issues) - 10} more warnings")
    if result.duplicates_merged:
        _say(f"merged {result.duplicates_merged:,} duplicate return ids")
    model = load_model(args.model)
    tagged = classify_frame(result.frame, model, progress=Progress("classifying"))
    return result, tagged, model


def _classify_chunked(args: argparse.Namespace) -> bool:
    """Classify a large single text export slice by slice; False when it must be read whole."""
    from . import chunked
    from .ingest import parse_overrides
    from .model import load_model

    if not chunked.chunking_wanted(args.files, args.chunksize):
        return False
    model = load_model(args.model)
    try:
        res = chunked.classify_to_file(
            args.files[0], args.output, model,
            chunk_rows=args.chunksize or chunked.DEFAULT_CHUNK_ROWS,
            overrides=parse_overrides(args.map), profile=args.profile,
            progress=Progress("classifying"),
        )
    except chunked.NotChunkable as why:
        _say(f"note: reading the file in one pass ({why})")
        return False
    for f in res.files:
        mapping = ", ".join(f"{k}←{v}" for k, v in f.mapping.items())
        _say(f"{f.name}: profile {f.profile}, encoding {f.encoding or 'n/a'}, header row {f.header_row}, "
             f"{f.n_rows:,} rows (read in {res.chunks:,} slices)")
        _say(f"  mapping: {mapping}")
        for issue in f.issues[:10]:
            _say(f"  warning: {issue}")
        if len(f.issues) > 10:
            _say(f"  … and {len(f.issues) - 10} more warnings")
    if res.duplicates_merged:
        _say(f"merged {res.duplicates_merged:,} duplicate return ids")
    _say(
        f"wrote {res.rows_out:,} rows to {args.output} (model {model.version}; "
        f"{res.needs_review:,} need review, {res.conflicts:,} dropdown conflicts)"
    )
    return True


def cmd_classify(args: argparse.Namespace) -> int:
    from .export import write_table

    if _classify_chunked(args):
        return 0
    result, tagged, model = read_and_tag(args)
    write_table(tagged, args.output)
    _say(
        f"wrote {len(tagged):,} rows to {args.output} (model {model.version}; "
        f"{int(tagged['needs_review'].sum()):,} need review, {int(tagged['reason_conflict'].sum()):,} dropdown conflicts)"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .ingest import read_orders
    from .report import build_report, write_report

    orders = read_orders(args.orders) if args.orders else None
    result, tagged, _ = read_and_tag(args)
    report = build_report(tagged, orders, duplicates_merged=result.duplicates_merged, lang=args.lang)
    write_report(report, args.output, lang=args.lang)
    _say(f"wrote report on {len(tagged):,} returns to {args.output}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from . import training
    from .model import DEFAULT_MODEL_PATH

    corrections = None
    if not args.no_corrections:
        from .corrections import CorrectionStore

        store = CorrectionStore(args.corrections) if args.corrections else CorrectionStore()
        corrections = store.training_rows()
        _say(f"folding in {len(corrections):,} corrections from {store.path}")
    result = training.train(Path(args.corpus), corrections=corrections)
    out = Path(args.output) if args.output else DEFAULT_MODEL_PATH
    card = out.with_name("MODEL_CARD.md")
    version = training.save(result, out, card)
    m, b = result.model_eval, result.baseline_eval
    print(f"model {version} written to {out}; card {card}")
    print(f"held-out ({result.n_held_out} texts): macro-F1 {m.macro_f1:.3f} (6 reasons {m.macro_f1_six:.3f}), accuracy {m.accuracy:.3f}")
    print(f"keyword baseline: macro-F1 {b.macro_f1:.3f} (6 reasons {b.macro_f1_six:.3f}), accuracy {b.accuracy:.3f}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from .baseline import keyword_predict
    from .ingest import read_exports
    from .model import load_model
    from .training import evaluate_predictions, model_predictions

    result = read_exports([args.file])
    frame = result.frame
    label_col = args.label_column
    if label_col not in frame.columns:
        raise InputError(
            f"no label column {label_col!r}; columns are {', '.join(map(str, frame.columns))}",
            file=args.file,
            hint="name the column holding the true reason with --label-column",
        )
    from .taxonomy import LABELS

    truth = frame[label_col].astype("string").fillna("").str.strip()
    bad = ~truth.isin(LABELS)
    if bad.any():
        row = int(frame.loc[bad, "source_row"].iloc[0])
        raise InputError(
            f"row {row}: label {truth[bad].iloc[0]!r} is not one of {', '.join(LABELS)}", file=args.file
        )
    model = load_model(args.model)
    texts = frame["buyer_text"].astype("string").fillna("").tolist()
    drops = frame["platform_reason"].astype("string").fillna("").tolist()
    m = evaluate_predictions(truth.tolist(), model_predictions(model, texts, drops))
    b = evaluate_predictions(truth.tolist(), keyword_predict(texts))
    print(f"# Evaluation on {args.file} ({len(frame):,} rows), model {model.version}\n")
    print("## Model\n" + m.to_markdown())
    print("\n## Confusion matrix (rows = true, columns = predicted)\n")
    print(m.confusion.to_string())
    print("\n## Keyword-rule baseline\n" + b.to_markdown())
    pd.set_option("display.width", 200)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m diagnose", description="Why do buyers return? Tag and report.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("classify", help="tag every return with its reason")
    _add_input_args(p)
    p.add_argument("-o", "--output", required=True, help="output file (.csv or .xlsx)")
    p.add_argument(
        "--chunksize", type=int, default=None, metavar="N",
        help="read a large CSV export N rows at a time to bound memory (default: automatic for files "
             "of 256 MB or more; 0 = always read whole); the output is the same either way",
    )
    p.set_defaults(func=cmd_classify)

    p = sub.add_parser("report", help="causes and suggested fixes per SKU")
    _add_input_args(p)
    p.add_argument("--orders", help="order export, to compute per-SKU return rates")
    p.add_argument("-o", "--output", required=True, help="report file (.xlsx or .md)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("train", help="rebuild the model from the corpus and ops corrections")
    p.add_argument("--corpus", default=str(Path(__file__).resolve().parent.parent / "sample_data" / "corpus"))
    p.add_argument("--corrections", help="corrections database (default: $DIAGNOSE_DATA_DIR/corrections.sqlite)")
    p.add_argument("--no-corrections", action="store_true", help="train on the corpus only")
    p.add_argument("-o", "--output", help="model file to write (default: models/reason_model.npz)")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="measure the model on a labelled CSV")
    p.add_argument("file", help="CSV with buyer_text, optional platform_reason, and a label column")
    p.add_argument("--label-column", default="label", help="column holding the true reason key (default: label)")
    p.add_argument("--model", help="model file")
    p.set_defaults(func=cmd_evaluate)

    try:
        from . import risk
    except ImportError:  # pragma: no cover - risk module always ships
        risk = None
    if risk is not None and hasattr(risk, "register_cli"):
        risk.register_cli(sub)
    try:
        from . import spark_job
    except ImportError:
        spark_job = None
    if spark_job is not None and hasattr(spark_job, "register_cli"):
        spark_job.register_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        _say(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence for users
        if args.debug:
            raise
        _say(f"unexpected error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
        return 1
