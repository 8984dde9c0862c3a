"""The model file's format: which members it holds, how they are written, and the checks on reading.

A model file is a zip of plain .npy arrays plus a JSON header
(`diagnose.model.reason_model` says why and what each check guards
against). Everything here works on arrays and the header only; building a
`ReasonModel` from them stays with the model.
"""
from __future__ import annotations

import hashlib
import io
import math
import zipfile
from pathlib import Path

import numpy as np

from diagnose.errors import ModelFileError
from diagnose.model.params import ModelParams

FORMAT = "diagnose-reason-model"
FORMAT_VERSION = 2
# Members a model file may leave out (files written before they existed), and
# what they then are. An empty optional member is not part of the content hash,
# so those older files keep their recorded hash.
OPTIONAL_MEMBERS: dict[str, np.ndarray] = {"cue_vocab": np.zeros(0, dtype="<U1")}
# The only members a model file may hold, with the kind of array each must
# be: ("U", ndim) = unicode strings, ("f", ndim) = floating point numbers.
TRUSTED_MEMBERS: dict[str, tuple[str, int]] = {
    "meta": ("U", 0),
    "labels": ("U", 1),
    "word_vocab": ("U", 1),
    "word_idf": ("f", 1),
    "char_vocab": ("U", 1),
    "char_idf": ("f", 1),
    "coef": ("f", 2),
    "intercept": ("f", 1),
    "sub_keys": ("U", 1),
    "sub_coef": ("f", 2),
    "sub_intercept": ("f", 1),
    "cue_vocab": ("U", 1),
}
# The arrays beside the JSON header, in the order they are written and hashed.
ARRAYS: tuple[str, ...] = tuple(name for name in TRUSTED_MEMBERS if name != "meta")
_FLOAT_DTYPES = (np.dtype("<f8"), np.dtype("<f4"))
# The shipped model's largest member is ~18 MB; these leave room for far
# larger vocabularies while refusing a zip bomb before it is inflated.
MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024


def content_hash(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in ARRAYS:
        if name in OPTIONAL_MEMBERS and not len(arrays[name]):
            continue
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        h.update(str(a.dtype).encode())
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def write_member(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    """One .npy member with a fixed timestamp, so rebuilds are byte-identical."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, buf.getvalue())


def read_members(path: Path | io.BytesIO, name: str) -> dict[str, np.ndarray]:
    """Every member of the model zip, checked before and after it is read.

    Names, sizes and dtypes are checked from the zip directory and the .npy
    headers before any array is inflated; an array is then built
    from its raw bytes with the vetted dtype, so no pickle is ever read.
    """
    def refuse(why: str) -> ModelFileError:
        return ModelFileError(
            f"not a diagnose model file ({why})",
            file=name,
            hint="point --model at a file written by `python -m diagnose train`",
            code="model_not_ours", params={"detail": why},
        )

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        seen: set[str] = set()
        total = 0
        for info in infos:
            member = info.filename
            if not member.endswith(".npy") or member[:-4] not in TRUSTED_MEMBERS:
                raise refuse(f"unexpected member {member!r}")
            if member in seen:
                raise refuse(f"member {member!r} appears twice")
            seen.add(member)
            if info.file_size > MAX_MEMBER_BYTES:
                raise refuse(f"member {member!r} is {info.file_size:,} bytes, over the {MAX_MEMBER_BYTES:,} limit")
            total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise refuse(f"members total {total:,} bytes, over the {MAX_TOTAL_BYTES:,} limit")
        missing = {f"{m}.npy" for m in TRUSTED_MEMBERS if m not in OPTIONAL_MEMBERS} - seen
        if missing:
            raise ModelFileError(
                f"not a diagnose model file (missing {', '.join(sorted(m[:-4] for m in missing))})",
                file=name,
                hint="point --model at a file written by `python -m diagnose train`",
                code="model_not_ours", params={"detail": "missing " + ", ".join(sorted(m[:-4] for m in missing))},
            )
        arrays: dict[str, np.ndarray] = {}
        for info in infos:
            key = info.filename[:-4]
            kind, ndim = TRUSTED_MEMBERS[key]
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
                elif version in ((2, 0), (3, 0)):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
                else:  # pragma: no cover - read_magic only returns known versions
                    raise refuse(f"member {key!r} has .npy version {version}")
                if dtype.hasobject or dtype.fields is not None:
                    raise refuse(f"member {key!r} holds Python objects (dtype {dtype})")
                if kind == "f" and dtype not in _FLOAT_DTYPES:
                    raise refuse(f"member {key!r} has dtype {dtype}, expected float64 or float32")
                if kind == "U" and (dtype.kind != "U" or dtype.byteorder == ">"):
                    raise refuse(f"member {key!r} has dtype {dtype}, expected unicode strings")
                if len(shape) != ndim:
                    raise refuse(f"member {key!r} has {len(shape)} dimension(s), expected {ndim}")
                body = info.file_size - fh.tell()
                if math.prod(shape) * dtype.itemsize != body:
                    raise refuse(f"member {key!r}: its header's shape {shape} does not match its size")
                # The vetted header says exactly what the bytes are: plain
                # numbers or fixed-width strings, never objects.
                data = fh.read(body)
                if len(data) != body:
                    raise refuse(f"member {key!r} is truncated")
                array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()
            if kind == "f" and not np.isfinite(array).all():
                raise refuse(f"member {key!r} holds NaN or infinite numbers")
            arrays[key] = array
    for key, empty in OPTIONAL_MEMBERS.items():
        arrays.setdefault(key, empty.copy())
    return arrays


def check_meta(meta: object, name: str) -> dict:
    """The JSON header, with the fields the model is built from validated."""
    def bad(why: str) -> ModelFileError:
        return ModelFileError(f"model header is not valid ({why})", file=name,
                              hint="rebuild it with `python -m diagnose train` or restore it from the repository",
                              code="model_header_bad", params={"detail": why})

    if not isinstance(meta, dict):
        raise bad("not a JSON object")
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"not a diagnose model file (format {meta.get('format')!r} v{meta.get('format_version')!r})",
            file=name,
            hint="use a model written by this version of diagnose",
            code="model_format", params={"format": str(meta.get("format"))[:40],
                                         "version": str(meta.get("format_version"))[:20]},
        )
    params = meta.get("params")
    allowed = set(ModelParams.__dataclass_fields__)
    if not isinstance(params, dict) or not set(params) <= allowed:
        raise bad("unknown or missing params")
    try:
        ModelParams(**params)
    except (TypeError, ValueError):
        raise bad("params of the wrong type") from None
    for key, value in params.items():
        _check_setting(key, value, bad)
    temperature = _finite_number(meta.get("temperature"))
    if temperature is None or temperature <= 0:
        raise bad("temperature must be a positive, finite number")
    return meta


# Plain numbers a model header may hold: a float setting must fit a float
# (``float(10**400)`` raises OverflowError, not ValueError), a count must be small.
_MAX_COUNT_SETTING = 1_000_000


def _finite_number(value: object) -> float | None:
    """`value` as a finite float, or None (a string, a bool, a 400-digit integer, NaN …)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _check_setting(key: str, value: object, bad) -> None:
    """One hyper-parameter of the header, checked against the type `ModelParams` declares."""
    kind = ModelParams.__dataclass_fields__[key].type
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT_SETTING:
            raise bad(f"setting {key!r} must be a whole number from 0 to {_MAX_COUNT_SETTING:,}")
    elif kind == "float":
        if _finite_number(value) is None:
            raise bad(f"setting {key!r} must be a finite number")
    elif kind == "tuple":
        if not isinstance(value, (list, tuple)) or any(_finite_number(v) is None for v in value):
            raise bad(f"setting {key!r} must be a list of finite numbers")
    elif value is not None and not isinstance(value, str):
        raise bad(f"setting {key!r} must be text")


def check_shapes(arrays: dict[str, np.ndarray], name: str) -> None:
    """Arrays that disagree in size would fail (or silently misbehave) at prediction."""
    n_lab = len(arrays["labels"])
    n_feat = len(arrays["word_vocab"]) + len(arrays["cue_vocab"]) + len(arrays["char_vocab"])
    n_sub = len(arrays["sub_keys"])
    expected = {
        "word_idf": (len(arrays["word_vocab"]),),
        "char_idf": (len(arrays["char_vocab"]),),
        "coef": (n_lab, n_feat),
        "intercept": (n_lab,),
        "sub_coef": (n_sub, n_feat),
        "sub_intercept": (n_sub,),
    }
    for key, shape in expected.items():
        if arrays[key].shape != shape:
            raise ModelFileError(
                f"model arrays do not fit together ({key} has shape {arrays[key].shape}, expected {shape})",
                file=name,
                hint="rebuild it with `python -m diagnose train` or restore it from the repository",
                code="model_shapes", params={"member": key, "shape": str(arrays[key].shape), "expected": str(shape)},
            )
