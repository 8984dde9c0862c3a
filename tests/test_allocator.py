"""The batch commands' allocator setting: applied on glibc Linux, a no-op elsewhere."""
from __future__ import annotations

import ctypes.util
import platform
import sys

import pytest

from diagnose.batch import allocator


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the setting exists on glibc only")
def test_top_pad_is_set_on_glibc():
    assert allocator.keep_freed_memory() is True


def test_other_systems_are_left_alone(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert allocator.keep_freed_memory() is False


def test_no_c_library_found_is_left_alone(monkeypatch):
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert allocator.keep_freed_memory() is False


def test_classify_sets_it_and_other_commands_do_not(monkeypatch, capsys, tmp_path):
    from diagnose import cli

    calls = []
    monkeypatch.setattr(allocator, "keep_freed_memory", lambda: calls.append(True) or True)
    with pytest.raises(SystemExit):
        cli.main(["classify", "--help"])
    assert calls == []  # --help exits while parsing, before any command runs
    assert cli.main(["risk", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "r.csv")]) == 2
    assert calls == []
    assert cli.main(["classify", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "c.csv")]) == 2
    assert calls == [True]
