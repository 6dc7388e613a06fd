"""The rule table: names unique, every rule implemented, docs/checkpoints.md generated from it."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from bridge.checkpoint import _to_engine, _to_legacy, formats
from bridge.checkpoint.rules import RULES, Rule, Status, markdown_table, rule_named

ROOT = Path(__file__).resolve().parents[2]


def test_names_are_unique() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_rule_is_implemented(rule: Rule) -> None:
    source = "".join(inspect.getsource(m) for m in (_to_engine, _to_legacy, formats))
    assert f'"{rule.name}"' in source or f"'{rule.name}'" in source


def test_unknown_rule_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"'nope'.*known"):
        rule_named("nope")


def test_docs_embed_the_generated_table() -> None:
    text = (ROOT / "docs" / "checkpoints.md").read_text(encoding="utf-8")
    begin, end = "<!-- rules:begin -->\n", "<!-- rules:end -->"
    embedded = text[text.index(begin) + len(begin) : text.index(end)]
    assert embedded == markdown_table()


def test_table_lists_every_status_in_use() -> None:
    table = markdown_table()
    for rule in RULES:
        assert f"`{rule.name}`" in table
    used = {r.to_engine for r in RULES} | {r.to_legacy for r in RULES}
    assert {Status.RENAMED, Status.MOVED, Status.DROPPED, Status.UNSUPPORTED} <= used
