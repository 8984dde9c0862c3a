"""Shared data for every page: cached loading, corrections, filters, report.

The data flow of one script run (app.py calls `build_context`, pages read
`ctx()`):

1. sources: the uploaded files kept in session state, or the sample exports
   (`sample_data/`, or ``$DIAGNOSE_SAMPLE_DIR``) when nothing is uploaded;
2. `load_dataset` — ingest + classify, cached with ``st.cache_data`` on the
   SHA-256 of every file's bytes (computed once, at upload), the mapping
   overrides and the model version; the model itself is a
   ``st.cache_resource``. The loaded table is also kept in session state,
   so a rerun (a filter change, a page switch) neither reclassifies nor
   unpickles it;
3. corrections from the `CorrectionStore` laid over it (memoised on the
   corrections' fingerprint);
4. the sidebar filters (`ui.filters`) select rows;
5. the report (`diagnose.analysis.report.build_report`) and risk scores
   (`diagnose.analysis.risk.score_risk`) are computed lazily, cached per
   (data, corrections revision, filters, language).

Uploaded files (returns and orders) are parsed in a limited child process
(`diagnose.io.sandbox`; ``DIAGNOSE_ISOLATE_UPLOADS=0`` turns that off), with
a spare child started at app start (`warm_parser`) so an upload does not
wait for a cold interpreter; the sample folder is read in-process.

Environment: ``DIAGNOSE_SAMPLE_DIR`` points the default data at another
folder; ``DIAGNOSE_DATA_DIR`` moves the corrections store;
``DIAGNOSE_MODEL_PATH`` loads another model file.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from diagnose.errors import InputError
from diagnose.io import ingest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR_ENV = "DIAGNOSE_SAMPLE_DIR"
RETURN_EXTS = (".csv", ".tsv", ".txt", ".xlsx", ".xls")

# session_state keys
UPLOADS = "uploads"            # list[Source] of uploaded return exports
ORDERS_UPLOAD = "orders_upload"  # Source | None
OVERRIDES = "overrides"        # dict canonical -> original header
PROFILE = "profile"            # forced profile key or None
ORDERS_PLATFORM = "orders_platform"  # platform the uploaded order export belongs to ("" = not chosen)
UPLOADER_GEN = "uploader_gen"  # bumped to empty the file uploaders (restoring the sample data)
_LOADED = "_loaded"            # the Loaded object of the current sources
_CORRECTED = "_corrected"      # ((dataset key, corrections token), DataFrame)
_CTX = "_ctx"
MAPPING_ERROR = ingest.MAPPING_ERROR  # Loaded.errors entry for a manual mapping that could not be applied


@dataclass(frozen=True)
class Source:
    """One file's bytes, with the hash that keys every cache."""

    name: str
    data: bytes = field(repr=False)
    sha: str

    @classmethod
    def of(cls, name: str, data: bytes) -> "Source":
        return cls(name=name, data=data, sha=hashlib.sha256(data).hexdigest())


@dataclass
class Loaded:
    """The ingested and classified sources (before corrections)."""

    key: str
    tagged: pd.DataFrame | None
    files: list = field(default_factory=list)       # diagnose.io.ingest.FileReport
    duplicates_merged: int = 0
    rows_in: int = 0
    flagged_rows: int = 0
    errors: list = field(default_factory=list)  # diagnose.io.FileError per file that could not be read
    names: list[str] = field(default_factory=list)
    model_version: str = ""
    orders: pd.DataFrame | None = None
    orders_name: str | None = None
    orders_error: Any = None  # diagnose.io.FileError of the order export, or None
    orders_platform: str | None = None  # which platform's returns the orders cover (None: unknown)
    is_sample: bool = False


# --------------------------------------------------------------------------
# model and corrections store
# --------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _model_at(path: str):
    from diagnose.model.reason_model import load_model

    return load_model(path or None)


def get_model():
    """The reason model, loaded once per process and file.

    DIAGNOSE_MODEL_PATH names another model file (tests, trying a model);
    otherwise a model retrained from the dashboard, when one is active
    (`diagnose.model.versions`), else the shipped one.
    """
    from diagnose.model import versions

    path = os.environ.get("DIAGNOSE_MODEL_PATH") or versions.active_model_path() or ""
    return _model_at(str(path))


def shop_models_signature() -> str:
    """Which shop models are active (shop=file), part of the dataset cache key."""
    from diagnose.model import versions

    return ";".join(f"{shop}={path.name}" for shop, path in versions.shop_model_paths().items())


def get_shop_models() -> dict:
    """Shop → its own retrained model, for the shops that have one (each file loaded once)."""
    from diagnose.model import versions

    return {shop: _model_at(str(path)) for shop, path in versions.shop_model_paths().items()}


@st.cache_resource(show_spinner=False)
def _store_at(path: str):
    from diagnose.store import CorrectionStore

    return CorrectionStore(path)


def get_store():
    """The corrections store at ``$DIAGNOSE_DATA_DIR/corrections.sqlite`` (read on every call)."""
    from diagnose.store import default_path

    return _store_at(str(default_path().resolve()))


# --------------------------------------------------------------------------
# sources
# --------------------------------------------------------------------------
def sample_dir() -> Path:
    return Path(os.environ.get(SAMPLE_DIR_ENV) or ROOT / "sample_data")


SAMPLE_ORDERS = "douyin_orders.csv"


def is_orders_file(name: str) -> bool:
    """Whether a file in the sample folder is the order export (not a return export)."""
    return Path(name).name == SAMPLE_ORDERS


@st.cache_data(show_spinner=False)
def _read_file(path: str, mtime: float, size: int) -> tuple[str, bytes]:
    return Path(path).name, Path(path).read_bytes()


def _source_from_path(path: Path) -> Source:
    stat = path.stat()
    name, data = _read_file(str(path), stat.st_mtime, stat.st_size)
    return Source.of(name, data)


def sample_sources() -> tuple[list[Source], Source | None]:
    """All return exports in the sample folder, and its order export."""
    d = sample_dir()
    if not d.is_dir():
        return [], None
    files = sorted(p for p in d.iterdir() if p.is_file() and p.suffix.lower() in RETURN_EXTS)
    returns = [_source_from_path(p) for p in files if not is_orders_file(p.name)]
    orders = [p for p in files if is_orders_file(p.name)]
    return returns, (_source_from_path(orders[0]) if orders else None)


def current_sources() -> tuple[list[Source], Source | None, bool]:
    """(return sources, order source, is_sample) for this session."""
    uploads = st.session_state.get(UPLOADS) or []
    orders = st.session_state.get(ORDERS_UPLOAD)
    if uploads:
        return list(uploads), orders, False
    sample_returns, sample_orders = sample_sources()
    return sample_returns, (orders or sample_orders), True


def set_uploads(files: list[tuple[str, bytes]]) -> None:
    st.session_state[UPLOADS] = [Source.of(n, b) for n, b in files]


def set_orders_upload(file: tuple[str, bytes] | None) -> None:
    st.session_state[ORDERS_UPLOAD] = Source.of(*file) if file else None


def clear_uploads() -> None:
    """Back to the sample data: uploads, their errors, mappings and the uploaders' files all go.

    The uploader widgets get new keys (`UPLOADER_GEN`), so files picked
    before cannot come back with the next upload.
    """
    for key in (UPLOADS, ORDERS_UPLOAD, OVERRIDES, PROFILE, ORDERS_PLATFORM, _LOADED, _CORRECTED):
        st.session_state.pop(key, None)
    st.session_state[UPLOADER_GEN] = int(st.session_state.get(UPLOADER_GEN, 0)) + 1


def uploader_key(base: str) -> str:
    """The file uploader's widget key in this generation (see `clear_uploads`)."""
    return f"{base}_{int(st.session_state.get(UPLOADER_GEN, 0))}"


def orders_platform_for(orders_name: str | None, tagged: pd.DataFrame | None, is_sample: bool) -> str | None:
    """The platform the order export belongs to: the user's choice, else its file name, else the
    returns' only platform; None when it cannot be told (then no rate is given)."""
    from diagnose.analysis.report import platform_from_name

    chosen = st.session_state.get(ORDERS_PLATFORM)
    if chosen:
        return str(chosen)
    guess = platform_from_name(orders_name)
    if guess:
        return guess
    if tagged is not None and "platform" in tagged.columns:
        plats = tagged["platform"].dropna().astype(str).unique()
        if len(plats) == 1:
            return str(plats[0])
    return None


# --------------------------------------------------------------------------
# ingest + classify (cached on file hashes)
# --------------------------------------------------------------------------
def warm_parser() -> None:
    """Have a spare parsing child ready (see `diagnose.io.sandbox.warm`), so an upload does not wait
    for a cold interpreter; called by app.py on every run (cheap while the spare lives)."""
    from diagnose.io.sandbox import uploads_isolated, warm

    if uploads_isolated():
        warm()


def _isolate(uploaded: bool) -> bool:
    """Parse in the limited child: every uploaded file (untrusted), unless DIAGNOSE_ISOLATE_UPLOADS=0.
    The sample folder is the installation's own data and is read in-process."""
    from diagnose.io.sandbox import uploads_isolated

    return uploaded and uploads_isolated()


@st.cache_data(show_spinner=False, max_entries=4)
def load_dataset(key: str, _sources: tuple[tuple[str, bytes], ...], overrides: tuple[tuple[str, str], ...],
                 profile: str | None, model_version: str, shops: str = "", isolate: bool = False) -> Loaded:
    """Ingest and classify the sources through the pipeline; each bad file is one error, the rest load.

    `shops` (`shop_models_signature`) is only a cache key: a shop's rows are tagged by its own model.
    ``isolate``: parse each file in a child process with memory and CPU
    limits (`diagnose.io.sandbox`), so a hostile upload fails only itself.
    """
    from diagnose import pipeline

    names = [n for n, _ in _sources]
    result = pipeline.tag(list(_sources), overrides=dict(overrides) or None, profile=profile, model=get_model(),
                          errors="collect", isolate=isolate,
                          shop_models=get_shop_models() if shops else None)
    errors = list(result.errors)  # FileError: name, message, code and params for the UI's own words
    if not result.files:
        return Loaded(key=key, tagged=None, errors=errors, names=names, model_version=model_version)
    return Loaded(
        key=key,
        tagged=result.frame,
        files=list(result.files),
        duplicates_merged=result.duplicates_merged,
        rows_in=result.rows_in,
        flagged_rows=result.flagged_rows,
        errors=errors,
        names=names,
        model_version=model_version,
    )


@st.cache_data(show_spinner=False, max_entries=6)
def load_orders(sha: str, _source: tuple[str, bytes], name: str = "",
                isolate: bool = False) -> tuple[pd.DataFrame | None, Any]:
    """The order export as a DataFrame, or (None, error message); keyed on bytes and name
    (the name is in the table's source_file and may tell the platform). ``isolate`` as in
    `load_dataset`: an uploaded order export is as untrusted as a return export."""
    from diagnose.io import FileError
    from diagnose.io.ingest import read_orders
    from diagnose.io.sandbox import read_orders_isolated

    try:
        return (read_orders_isolated(_source) if isolate else read_orders(_source)), None
    except InputError as exc:
        return None, FileError.of(name or _source[0], exc)


def dataset_key(sources: list[Source], overrides: dict, profile: str | None, model_version: str) -> str:
    h = hashlib.sha256()
    for s in sources:
        h.update(s.name.encode("utf-8") + b"\0" + s.sha.encode() + b"\0")
    h.update(repr(sorted(overrides.items())).encode("utf-8"))
    h.update(repr(profile).encode())
    h.update(model_version.encode())
    return h.hexdigest()


def load_current(model) -> Loaded:
    """The Loaded dataset for this session's sources (session-memoised)."""
    sources, orders_src, is_sample = current_sources()
    overrides = dict(st.session_state.get(OVERRIDES) or {})
    profile = st.session_state.get(PROFILE) or None
    version = str(getattr(model, "version", ""))
    shops = shop_models_signature()
    key = dataset_key(sources, overrides, profile, version + "|" + shops)
    okey = (orders_src.sha if orders_src else "") + "|" + str(st.session_state.get(ORDERS_PLATFORM) or "")
    memo = st.session_state.get(_LOADED)
    if memo is not None and memo[0] == (key, okey):
        return memo[1]
    loaded = load_dataset(key, tuple((s.name, s.data) for s in sources), tuple(sorted(overrides.items())),
                          profile, version, shops, isolate=_isolate(not is_sample))
    # cache_data hands out a copy; attach the orders to it
    loaded.is_sample = is_sample
    if orders_src is not None:
        uploaded = st.session_state.get(ORDERS_UPLOAD) is not None
        loaded.orders, loaded.orders_error = load_orders(orders_src.sha, (orders_src.name, orders_src.data),
                                                         orders_src.name, isolate=_isolate(uploaded))
        loaded.orders_name = orders_src.name
        loaded.orders_platform = orders_platform_for(orders_src.name, loaded.tagged, is_sample)
    st.session_state[_LOADED] = ((key, okey), loaded)
    st.session_state.pop(_CORRECTED, None)
    return loaded


def corrections_token(store) -> str:
    """A fingerprint of the store's current corrections (part of every cache key downstream)."""
    if store is None:
        return "none"
    h = hashlib.sha256(str(Path(store.path).resolve()).encode("utf-8"))
    latest = store.latest()
    if len(latest):
        cols = ["return_id", "new_reason", "new_sub_reason"]
        h.update(pd.util.hash_pandas_object(latest[cols].astype(str), index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def corrected_table(loaded: Loaded, store, revision: str) -> pd.DataFrame:
    """The tagged table with corrections applied, memoised on the corrections' fingerprint."""
    memo = st.session_state.get(_CORRECTED)
    if memo is not None and memo[0] == (loaded.key, revision):
        return memo[1]
    table = store.apply(loaded.tagged) if store is not None else loaded.tagged.assign(corrected=False)
    st.session_state[_CORRECTED] = ((loaded.key, revision), table)
    return table


# --------------------------------------------------------------------------
# the per-run context pages read
# --------------------------------------------------------------------------
@dataclass
class Context:
    lang: str
    loaded: Loaded | None = None
    model: Any = None
    model_error: str | None = None
    store: Any = None
    store_error: str | None = None
    table: pd.DataFrame | None = None       # all rows, corrections applied
    filtered: pd.DataFrame | None = None    # rows passing the sidebar filters
    filters: Any = None                     # ui.filters.Filters
    revision: str = "none"                 # corrections fingerprint (corrections_token)

    @property
    def ok(self) -> bool:
        return self.table is not None

    @property
    def cache_key(self) -> tuple:
        return (self.loaded.key if self.loaded else "", self.revision,
                self.filters.key() if self.filters is not None else (), self.lang)

    def report(self, full: bool = False):
        """The report over the filtered rows (cached); `full=True` includes the distinctive phrases."""
        return report_for(self, full)

    def previous_totals(self):
        """Totals of the previous period of the same length, or None."""
        return previous_totals_for(self)

    def risk(self):
        """Risk scores for every row (behaviour counted over all rows)."""
        return risk_for(self)


def ctx() -> Context:
    """The context app.py built for this run."""
    value = st.session_state.get(_CTX)
    if value is None:  # a page run on its own (should not happen under app.py)
        value = build_context()
    return value


def build_context(lang: str = "zh") -> Context:
    """Load everything a page needs; errors become messages, never tracebacks."""
    from diagnose.messages import localise

    c = Context(lang=lang)
    try:
        c.model = get_model()
    except InputError as exc:
        c.model_error = localise(exc, lang, "ui")  # in the user's language (every library error has a code)
        st.session_state[_CTX] = c
        return c
    try:
        c.store = get_store()
        c.revision = corrections_token(c.store)
    except InputError as exc:
        c.store_error = localise(exc, lang, "ui")
    c.loaded = load_current(c.model)
    if c.loaded.tagged is not None:
        c.table = corrected_table(c.loaded, c.store, c.revision)
    st.session_state[_CTX] = c
    return c


# --------------------------------------------------------------------------
# report and risk (lazy, cached)
# --------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=24)
def _report(key: tuple, _tagged: pd.DataFrame, _orders, duplicates_merged: int, lang: str, full: bool = True,
            orders_platform: str | None = None, window: tuple | None = None):
    from diagnose.analysis.report import build_report

    # Distinctive phrases and fixes are most of a report's time; only the
    # fixes page and the report download need them.
    return build_report(
        _tagged, orders=_orders, duplicates_merged=duplicates_merged, lang=lang, fixes=full, phrases=full,
        orders_platform=orders_platform, date_window=window,
    )


def date_window(c: Context) -> tuple | None:
    """The sidebar's date range when the user narrowed it (orders are then cut to the same days)."""
    f = c.filters
    if f is None or not f.dates_narrowed or f.date_from is None:
        return None
    return (f.date_from, f.date_to)


def report_for(c: Context, full: bool = False):
    """The report over the filtered rows; `full` adds the distinctive phrases (fixes page, downloads)."""
    if c.filtered is None:
        return None
    return _report(("report",) + c.cache_key + (c.loaded.orders_platform,), c.filtered, c.loaded.orders,
                   c.loaded.duplicates_merged, c.lang, full, c.loaded.orders_platform, date_window(c))


def quality_inputs(c: Context) -> tuple[pd.DataFrame, pd.DataFrame | None, Any]:
    """(returns, orders, basis) for the quality return rate, matched like the report's return rates:
    only the platform the orders belong to, orders cut to the sidebar's dates."""
    from diagnose.analysis.report import matched_rows

    if c.loaded.orders is None:
        return c.filtered, None, None
    rows, orders, basis = matched_rows(c.filtered, c.loaded.orders, orders_platform=c.loaded.orders_platform,
                                       date_window=date_window(c))
    return rows, (orders if len(rows) else None), basis


@st.cache_data(show_spinner=False, max_entries=24)
def _totals(key: tuple, _tagged: pd.DataFrame, lang: str) -> dict:
    return quick_totals(_tagged, lang)


def previous_totals_for(c: Context):
    """(totals dict, start, end) of the period just before the selected dates, or None."""
    from ui.filters import previous_period

    prev = previous_period(c)
    if prev is None:
        return None
    frame, start, end, fkey = prev
    if frame is None or len(frame) == 0:
        return None
    return _totals(("prev", c.loaded.key, c.revision, fkey, c.lang), frame, c.lang), start, end


@st.cache_data(show_spinner=False, max_entries=3)
def _risk(key: tuple, _tagged: pd.DataFrame, _orders, lang: str) -> pd.DataFrame:
    from diagnose.analysis.risk import score_risk

    return score_risk(_tagged, orders=_orders, lang=lang)


def risk_for(c: Context) -> pd.DataFrame | None:
    """Scores over all rows (buyer history counts the whole upload)."""
    if c.table is None:
        return None
    return _risk(("risk", c.loaded.key, c.revision, c.lang), c.table, c.loaded.orders, c.lang)


# --------------------------------------------------------------------------
# chart and table shaping (from the report's tables; no new numbers)
# --------------------------------------------------------------------------
def quick_totals(frame: pd.DataFrame, lang: str) -> dict:
    """The report's headline totals for a slice, without the costly parts of a full report."""
    from diagnose.analysis.report import headline_totals

    return dict(headline_totals(frame, lang))


def reason_chart_data(rep, lang: str) -> pd.DataFrame:
    from diagnose.taxonomy import label_name

    df = rep.by_reason
    return pd.DataFrame({
        "reason": df["reason"],
        "reason_name": [label_name(r, lang) for r in df["reason"]],
        "count": df["returns"].astype(int),
        "amount": df["amount"].astype(float).fillna(0.0),
        "share": df["share"].astype(float),
    })


def sub_reason_chart_data(rep, lang: str) -> pd.DataFrame:
    from diagnose.taxonomy import label_name, sub_reason_name

    df = rep.by_sub_reason
    return pd.DataFrame({
        "reason": df["reason"],
        "reason_name": [label_name(r, lang) for r in df["reason"]],
        "sub_name": [sub_reason_name(s, lang) for s in df["sub_reason"]],
        "count": df["returns"].astype(int),
    })


def trend_data(c: Context, granularity: str = "week") -> pd.DataFrame:
    """Returns per period and reason: the report's weekly table, or a daily count of the filtered rows."""
    from diagnose.taxonomy import label_name

    if granularity == "week":
        df = c.report().by_week
        out = pd.DataFrame({"period": pd.to_datetime(df["week"]), "reason": df["reason"], "count": df["returns"]})
        last = pd.to_datetime(c.filtered["applied_at"], errors="coerce").max() if "applied_at" in c.filtered else pd.NaT
        # a week whose last day is after the data's last day is not over (its count is not comparable)
        out["partial"] = (out["period"] + pd.Timedelta(days=6)).dt.normalize() > last.normalize() \
            if pd.notna(last) else False
    else:
        from diagnose.analysis.report import by_day

        df = by_day(c.filtered)
        out = pd.DataFrame({"period": df["day"], "reason": df["reason"], "count": df["returns"]})
    out["reason_name"] = [label_name(r, c.lang) for r in out["reason"]]
    return out


def heatmap_data(c: Context, top_n: int = 20) -> pd.DataFrame | None:
    """SKU × reason counts for the SKUs with the most returns (from report.by_sku)."""
    from diagnose.taxonomy import LABELS, label_name

    rep = c.report()
    if rep is None or rep.by_sku.empty:
        return None
    top = rep.by_sku.head(top_n)
    labels = [x for x in LABELS if x in top.columns]
    long = top.melt(id_vars=["sku", "returns"], value_vars=labels, var_name="reason", value_name="count")
    long = long[long["count"] > 0].copy()
    long["sku"] = long["sku"].astype(str)
    long["reason_name"] = [label_name(r, c.lang) for r in long["reason"]]
    long["share"] = long["count"] / long["returns"]
    long["sku_total"] = long["returns"]
    long["max_count"] = long["count"].max() if len(long) else 0
    return long.reset_index(drop=True)


def weekly_totals(rep) -> list[int]:
    """Returns per week (all reasons), oldest first: the sparkline under the returns metric."""
    wk = rep.by_week
    if wk is None or wk.empty:
        return []
    return wk.groupby("week")["returns"].sum().sort_index().astype(int).tolist()


def pareto_data(rep, top_n: int = 20) -> pd.DataFrame:
    top = rep.top_skus.head(top_n)
    return pd.DataFrame({"sku": top["sku"].astype(str), "amount": top["amount"].astype(float),
                         "cum_share": top["cumulative_share"].astype(float)})


def product_key_series(frame: pd.DataFrame) -> pd.Series:
    """Each row's product as the report names it: SKU, else product id, else title."""
    from diagnose.analysis.report import product_keys

    return product_keys(frame)[0]


def sku_options(frame: pd.DataFrame) -> list[str]:
    """Products (SKU, else product id, else title) of the rows, most returns first."""
    counts = product_key_series(frame).dropna().astype(str).value_counts()
    return counts.index.tolist()


def sub_reason_options(frame: pd.DataFrame, reason: str | None) -> list[str]:
    if "sub_reason" not in frame.columns:
        return []
    rows = frame if reason is None else frame[frame["reason"] == reason]
    return rows["sub_reason"].dropna().astype(str).value_counts().index.tolist()


def drill_rows(frame: pd.DataFrame, *, reason: str | None = None, sku: str | None = None,
               sub_reason: str | None = None, query: str = "", only_review: bool = False) -> pd.DataFrame:
    """The filtered rows narrowed to one reason / SKU / sub-reason / text search."""
    import numpy as np

    m = np.ones(len(frame), dtype=bool)
    if reason:
        m &= (frame["reason"] == reason).fillna(False).to_numpy(bool)
    if sku:
        m &= (product_key_series(frame).astype("string") == sku).fillna(False).to_numpy(bool)
    if sub_reason and "sub_reason" in frame.columns:
        m &= (frame["sub_reason"] == sub_reason).fillna(False).to_numpy(bool)
    if only_review and "needs_review" in frame.columns:
        m &= frame["needs_review"].fillna(False).to_numpy(bool)
    if query:
        text = frame["buyer_text"].astype("string").fillna("")
        m &= text.str.contains(query, case=False, regex=False).fillna(False).to_numpy(bool)
    rows = frame[m]
    sort_cols = [c for c in ("applied_at",) if c in rows.columns]
    return rows.sort_values(sort_cols, ascending=False, na_position="last") if sort_cols else rows


# --------------------------------------------------------------------------
# download builders (called only when a download button is pressed)
# --------------------------------------------------------------------------
def report_xlsx_bytes(rep, lang: str) -> bytes:
    from diagnose.analysis.report import to_xlsx_bytes

    return to_xlsx_bytes(rep, lang)


def report_md_bytes(rep, lang: str) -> bytes:
    from diagnose.analysis.report import report_to_markdown

    return report_to_markdown(rep, lang).encode("utf-8")


# --------------------------------------------------------------------------
# follow-up (fix checks, size advice, spikes, alerts): the follow-up page and
# the overview's alert list read the same cached result
# --------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _computed(key: tuple, _table: pd.DataFrame, _orders, _fixes: pd.DataFrame) -> dict:
    """Every follow-up table for one dataset, corrections state and fix log (cached on `key`)."""
    spikes = _followup().quality_spikes(_table, _orders)
    fixes = _followup().check_fixes(_table, _fixes, _orders)
    return {
        "fixes": fixes,
        "sizes": _followup().size_advice(_table),
        "spikes": spikes,
        "suppliers": _followup().supplier_flags(spikes),
        "cohorts": _followup().cohort_trend(_table, _orders),
        "alerts": _followup().build_alerts(_table, _orders, _fixes, found=spikes, checked=fixes),
    }


def fix_list(c) -> tuple[pd.DataFrame, int, bool]:
    """(fixes to check, log revision, whether the sample fix log is included)."""
    frames, revision, sample = [], 0, False
    if c.store is not None:
        log = c.store.fix_log()
        frames.append(log.list())
        revision = log.revision()
    sample_log = sample_dir() / "followup" / "fixes.csv"
    if c.loaded.is_sample and sample_log.is_file():
        frames.append(_followup().read_fixes_csv(str(sample_log)))
        sample = True
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=["sku", "fix_date", "kind", "target_reason", "note"]), revision, sample
    cols = ["sku", "fix_date", "kind", "target_reason", "note"]
    return pd.concat([f[cols] for f in frames], ignore_index=True), revision, sample


def _followup():
    from diagnose.analysis import followup

    return followup


def followup_for(c: Context) -> tuple[dict, bool]:
    """(every follow-up table, whether the sample fix log is included) for this dataset and fix log."""
    fixes, fix_rev, sample = fix_list(c)
    orders = c.loaded.orders
    orders_key = int(pd.util.hash_pandas_object(orders, index=False).sum()) if orders is not None else 0
    key = (c.loaded.key, c.revision, fix_rev, sample, orders_key)
    return _computed(key, c.table, orders, fixes), sample
