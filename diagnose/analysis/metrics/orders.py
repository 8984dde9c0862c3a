"""Order facts the platform metrics need beyond `read_orders`' canonical columns.

`diagnose.io.read_orders` returns order_id, sub_order_id, sku, quantity and
ordered_at (and a salted buyer hash) and nothing else: order exports are full
of addresses and phone numbers, so no other column is carried. The metrics
need a few more facts per order line — when it was paid and signed for, its
price, and whether the export marks it a gift, a lucky bag or abnormal. This
module re-reads only those columns, by header synonym, and lines them up with
`read_orders` by file row, so the canonical columns stay the importer's.
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from diagnose.errors import InputError
from diagnose.io import read_orders

# Extra order facts and the headers that carry them (normalised: lower case, no spaces/brackets).
FACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "paid_at": ("支付完成时间", "付款时间", "订单付款时间", "支付时间", "paid at", "payment date"),
    "signed_at": ("签收时间", "确认收货时间", "收货时间", "妥投时间", "买家签收时间", "signed at", "delivered at"),
    "shipped_at": ("发货时间", "商家发货时间", "shipped at", "ship date"),
    "completed_at": ("订单完成时间", "完成时间", "交易成功时间", "交易完成时间", "completed at"),
    "unit_price": ("商品单价", "单价", "商品价格", "unit price", "item price"),
    "line_amount": ("商品金额", "商品实付", "实付金额", "买家实际支付金额", "订单应付金额", "应付金额",
                    "pay amount", "item total"),
    "gift": ("是否赠品", "赠品", "赠品标识", "is gift", "gift"),
    "lucky_bag": ("是否福袋", "福袋", "福袋订单", "lucky bag"),
    "abnormal": ("是否异常订单", "异常订单", "订单异常", "异常标记", "异常订单标记", "abnormal"),
    "order_status": ("订单状态", "order status"),
}
FACT_COLUMNS: tuple[str, ...] = tuple(FACT_SYNONYMS)
YES_VALUES = frozenset({"是", "有", "y", "yes", "true", "1", "赠品", "福袋", "异常"})
_HEADER_HINTS = ("主订单编号", "子订单编号", "订单编号", "订单号", "商家编码", "商品数量", "order id", "order-id")
_NORM_RE = re.compile(r"[\s（）()【】\[\]：:]+")


def _norm(header: object) -> str:
    return _NORM_RE.sub("", str(header)).lower().replace("（元）", "").replace("(元)", "")


def _norm_headers() -> dict[str, str]:
    out: dict[str, str] = {}
    for fact, names in FACT_SYNONYMS.items():
        for name in names:
            out.setdefault(_norm(name), fact)
    return out


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot decode the order file as UTF-8 or GB18030", hint="save it as UTF-8 CSV or XLSX",
                     code="orders_undecodable")


def _raw_cells(name: str, data: bytes) -> pd.DataFrame:
    """Every cell as text, no header, rows numbered as in the file (index 0 = row 1)."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix in (".xlsx", ".xls", ".xlsm"):
            raw = pd.read_excel(io.BytesIO(data), header=None, dtype=str)
        else:
            text = _decode(data)
            head = text[:4096]
            sep = "\t" if head.count("\t") > head.count(",") * 2 and suffix != ".csv" else ","
            raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, sep=sep, keep_default_na=False,
                              skip_blank_lines=False, engine="python", on_bad_lines="skip")
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot read the order file ({exc})", file=name,
                         code="orders_unreadable", params={"reason": str(exc)[:200]}) from exc
    return raw.fillna("").map(lambda v: str(v).strip(" \t\r\n\u3000\ufeff\xa0"))


def _header_row(raw: pd.DataFrame) -> int:
    for i in range(min(len(raw), 30)):
        cells = {_norm(v) for v in raw.iloc[i]}
        if sum(_norm(h) in cells for h in _HEADER_HINTS) >= 2:
            return i
    return 0


def _facts_from_raw(name: str, data: bytes, overrides: dict[str, str]) -> pd.DataFrame:
    raw = _raw_cells(name, data)
    h = _header_row(raw)
    headers = [str(v) for v in raw.iloc[h]] if len(raw) else []
    lookup = _norm_headers()
    found: dict[str, int] = {}
    for j, header in enumerate(headers):
        fact = lookup.get(_norm(header))
        if fact and fact not in found:
            found[fact] = j
    for fact, header in overrides.items():
        if fact in FACT_SYNONYMS:
            if header not in headers:
                raise InputError(f"column {header!r} given for {fact} is not in the order file", file=name,
                                 hint="headers seen: " + " | ".join(headers),
                                 code="orders_map_missing",
                                 params={"header": header, "key": fact, "headers": " | ".join(headers)})
            found[fact] = headers.index(header)
    body = raw.iloc[h + 1:]
    out = pd.DataFrame({"source_row": body.index.to_numpy(dtype="int64") + 1})
    for fact in FACT_COLUMNS:
        col = body.iloc[:, found[fact]].to_numpy(dtype=object) if fact in found else np.full(len(body), "", object)
        out[fact] = np.where(np.isin(col, ["-", "--", "nan", "None"]), "", col)
    out.attrs["found"] = {f: headers[j] for f, j in found.items()}
    return out


def _to_time(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s.replace("", None), errors="coerce", format="mixed")


def _to_num(s: pd.Series) -> pd.Series:
    cleaned = s.astype(str).str.replace(r"[¥￥,，元\s]", "", regex=True)
    return pd.to_numeric(cleaned.replace("", None), errors="coerce")


def _yes(s: pd.Series) -> pd.Series:
    return s.astype(str).str.strip().str.lower().isin(YES_VALUES)


def read_order_facts(sources, overrides: dict[str, str] | None = None) -> pd.DataFrame:
    """Order lines of one or more order exports: `read_orders`' columns plus the metric facts.

    Added columns: paid_at, signed_at, shipped_at, completed_at (datetimes), unit_price,
    line_amount (floats), gift, lucky_bag, abnormal (bools), order_status.
    `attrs["fact_columns"]` names the header each fact came from, per file,
    so the output can say e.g. that 订单完成时间 stood in for the sign-for time.
    A source is a path or a ``(name, bytes)`` pair (an upload).
    `overrides` are ``fact=header`` pairs (e.g. ``signed_at=确认收货时间``);
    canonical ones (``sku=…``) go to `read_orders`.
    """
    if isinstance(sources, (str, os.PathLike)) or (isinstance(sources, tuple) and len(sources) == 2
                                                     and isinstance(sources[1], bytes)):
        sources = [sources]
    overrides = dict(overrides or {})
    canon_over = {k: v for k, v in overrides.items() if k not in FACT_SYNONYMS}
    fact_over = {k: v for k, v in overrides.items() if k in FACT_SYNONYMS}
    frames, found = [], {}
    for src in sources:
        if isinstance(src, tuple):  # (name, bytes): an upload
            name, data = str(src[0]), src[1]
        else:
            path = Path(src)
            name = path.name
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read the order file ({exc.strerror or exc})", file=str(path),
                                 code="orders_unreadable", params={"reason": str(exc.strerror or exc)}) from exc
        base = read_orders((name, data), overrides=canon_over)
        facts = _facts_from_raw(name, data, fact_over)
        frames.append(base.merge(facts, on="source_row", how="left", validate="one_to_one"))
        found[name] = facts.attrs["found"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return finish_order_facts(out, found)


def finish_order_facts(frame: pd.DataFrame, found: dict | None = None) -> pd.DataFrame:
    """Type the fact columns of an order table (text cells → datetimes, numbers, flags).

    Also the entry point for tables built in code (tests, the dashboard):
    missing fact columns are added empty, so every caller sees one schema.
    """
    out = frame.copy()
    for fact in FACT_COLUMNS:
        if fact not in out.columns:
            out[fact] = ""
        col = out[fact]
        if fact.endswith("_at"):
            out[fact] = col if pd.api.types.is_datetime64_any_dtype(col) else _to_time(col.fillna("").astype(str))
        elif fact in ("unit_price", "line_amount"):
            out[fact] = col.astype("float64") if pd.api.types.is_numeric_dtype(col) else _to_num(col.fillna(""))
        elif fact in ("gift", "lucky_bag", "abnormal"):
            out[fact] = col.astype(bool) if pd.api.types.is_bool_dtype(col) else _yes(col.fillna(""))
        else:
            out[fact] = col.fillna("").astype(str)
    for dt in ("paid_at", "signed_at", "completed_at", "ordered_at"):
        if dt in out.columns and getattr(out[dt].dt, "tz", None) is not None:
            out[dt] = out[dt].dt.tz_convert(None)
    out.attrs["fact_columns"] = found or frame.attrs.get("fact_columns", {})
    return out


_RATING_ORDER = ("订单编号", "订单号", "主订单编号", "子订单编号", "order id", "order_id")
_RATING_SCORE = ("描述相符", "描述相符评分", "宝贝与描述相符", "商品与描述相符", "描述评分", "商品评分", "评分", "星级",
                 "score", "rating")


def read_ratings(path) -> pd.DataFrame:
    """A ratings export (Taobao 描述相符 stars per order) as order_id and score (1-5)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the ratings file ({exc.strerror or exc})", file=str(p),
                         code="ratings_unreadable", params={"reason": str(exc.strerror or exc)}) from exc
    raw = _raw_cells(p.name, data)
    want_o = {_norm(h) for h in _RATING_ORDER}
    want_s = {_norm(h) for h in _RATING_SCORE}
    for i in range(min(len(raw), 30)):
        cells = [_norm(v) for v in raw.iloc[i]]
        jo = next((j for j, c in enumerate(cells) if c in want_o), None)
        js = next((j for j, c in enumerate(cells) if c in want_s), None)
        if jo is not None and js is not None:
            body = raw.iloc[i + 1:]
            score = pd.to_numeric(body.iloc[:, js].str.extract(r"(\d+(?:\.\d+)?)", expand=False), errors="coerce")
            bad = score.isna() & (body.iloc[:, js] != "")
            if bad.any():
                row = int(body.index[bad.to_numpy()][0]) + 1
                raise InputError(f"row {row}: rating {body.iloc[:, js][bad].iloc[0]!r} is not a number",
                                 file=p.name, hint="the 描述相符 column should hold 1-5 stars",
                                 code="rating_not_number",
                                 params={"row": row, "value": str(body.iloc[:, js][bad].iloc[0])})
            return pd.DataFrame({"order_id": body.iloc[:, jo].to_numpy(), "score": score.to_numpy()})
    raise InputError("no order id and 描述相符 rating columns found in the ratings file", file=p.name,
                     hint="the file needs an 订单编号 column and a 描述相符 (1-5 stars) column", code="ratings_columns")
