"""Every error the library raises can be said in Chinese and English (issue 12, error codes).

The dashboard shows `messages.localise(err, "zh")`; an `InputError` without a
code, or with a code the catalogue lacks, falls back to its English text —
English inside the Chinese dashboard. So the package's source is scanned:
every `InputError(...)` / `ModelFileError(...)` call must pass ``code=``, a
literal code must be in the catalogue with Chinese and English texts for
both faces, and the few computed codes must come from a known set.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from diagnose.errors import InputError
from diagnose.messages import CATALOGUE, localise

PACKAGE = Path(__file__).resolve().parent.parent / "diagnose"
ERROR_CLASSES = {"InputError", "ModelFileError"}


def _error_calls() -> list[tuple[str, int, ast.Call]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in ERROR_CLASSES:
                    calls.append((str(path.relative_to(PACKAGE.parent)), node.lineno, node))
    return calls


def _computed_codes() -> dict[str, set[str]]:
    """The codes of the calls whose code is a variable, per module: what the variable can hold."""
    from diagnose.io.sheetkind import KIND_NAMES

    return {"diagnose/io/encoding.py": {"mixed_encoding", "bad_bytes"},
            "diagnose/io/sheetkind.py": set(KIND_NAMES),
            # the child's own InputError, passed through: its code is one of these calls' codes
            "diagnose/io/sandbox.py": set()}


def test_the_scan_finds_the_raises():
    calls = _error_calls()
    assert len(calls) > 100  # the scan sees the package, not an empty folder
    assert {p for p, _, _ in calls} >= {"diagnose/io/export.py", "diagnose/io/privacy.py", "diagnose/store.py",
                                        "diagnose/model/reason_model.py", "diagnose/cli.py"}


def test_every_input_error_in_the_library_carries_a_code_the_catalogue_knows():
    computed = _computed_codes()
    without, unknown = [], []
    for path, line, call in _error_calls():
        code = next((k.value for k in call.keywords if k.arg == "code"), None)
        if code is None:
            without.append(f"{path}:{line}")
        elif isinstance(code, ast.Constant):
            if code.value not in CATALOGUE:
                unknown.append(f"{path}:{line} {code.value}")
        elif path not in computed:
            unknown.append(f"{path}:{line} computed code {ast.unparse(code)}")
        else:
            unknown.extend(f"{path}:{line} {c}" for c in computed[path] - set(CATALOGUE))
    assert not without, without
    assert not unknown, unknown


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_catalogue_entry_has_chinese_and_english_for_both_faces(code):
    message = CATALOGUE[code]
    for text in (message.zh, message.ui_zh, message.cli_zh):
        assert re.search(r"[\u4e00-\u9fff]", text), (code, text)
    assert message.en and message.ui_en and message.cli_en, code


def test_every_placeholder_a_template_quotes_is_a_param_the_raise_passes():
    """A template's {name} must be in the params of the raises of its code (else the text shows '{name}')."""
    passed: dict[str, set[str]] = {}
    for _, _, call in _error_calls():
        kw = {k.arg: k.value for k in call.keywords}
        code = kw.get("code")
        if not isinstance(code, ast.Constant):
            continue
        params = kw.get("params")
        keys = {k.value for k in params.keys if isinstance(k, ast.Constant)} if isinstance(params, ast.Dict) else None
        if keys is None and params is not None:
            continue  # built elsewhere (a variable); checked by the module's own tests
        prev = passed.get(code.value)
        passed[code.value] = (keys or set()) if prev is None else prev & (keys or set())
    derived = {"where_zh", "where_en", "kind_zh", "kind_en", "sheet_zh", "sheet_en"}
    wrong = []
    for code, keys in passed.items():
        message = CATALOGUE[code]
        for text in (message.zh, message.en, message.ui_zh, message.ui_en, message.cli_zh, message.cli_en):
            names = set(re.findall(r"\{(\w+)(?:![rs])?\}", text)) - derived
            if names - keys:
                wrong.append((code, sorted(names - keys)))
    assert not wrong, wrong


def test_errors_from_export_and_privacy_are_said_in_chinese(tmp_path, monkeypatch):
    import pandas as pd

    from diagnose.io import export, privacy

    with pytest.raises(InputError) as err:
        export.write_table(pd.DataFrame({"a": [1]}), tmp_path / "out.pdf")
    assert err.value.code == "output_format"
    assert localise(err.value, "zh", "cli").endswith("无法写出后缀为 .pdf 的文件 —— 请把输出文件命名为 .csv / .xlsx / .parquet 之一")
    with pytest.raises(InputError) as err:
        export.write_table(pd.DataFrame({"a": [1]}), tmp_path / "no-such-folder" / "out.csv")
    assert err.value.code == "write_failed" and "无法写入文件" in localise(err.value, "zh")
    # an empty salt file: an input error with a code (was a bare OSError, exit 1 "unexpected error")
    monkeypatch.delenv(privacy.SALT_ENV, raising=False)
    (tmp_path / "salt.key").write_text("", encoding="ascii")
    with pytest.raises(InputError) as err:
        privacy.install_salt(tmp_path)
    assert err.value.code == "salt_unusable" and err.value.params["name"] == "salt.key"
    assert "加盐密钥文件无法使用" in localise(err.value, "zh", "cli") and "salt.key" in localise(err.value, "zh", "cli")


def test_a_model_file_error_is_said_in_chinese_in_the_dashboard(tmp_path):
    from diagnose.model.reason_model import load_model

    with pytest.raises(InputError) as err:
        load_model(tmp_path / "missing.npz")
    assert localise(err.value, "zh", "ui").endswith("找不到模型文件 —— 请管理员重新训练模型，或恢复自带的模型文件")
