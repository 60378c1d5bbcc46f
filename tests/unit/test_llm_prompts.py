"""The strict prompt-template loader."""

from __future__ import annotations

import pytest

from patchwright.prompts import PromptError, fields, load, names, render, render_text


def test_render_fills_every_placeholder():
    assert render_text("Hi {name}, {{literal}}", name="Ann") == "Hi Ann, {literal}"


def test_missing_and_unused_values_raise():
    with pytest.raises(PromptError, match="missing value for name"):
        render_text("Hi {name}")
    with pytest.raises(PromptError, match="unused value for extra"):
        render_text("Hi {name}", name="Ann", extra=1)


@pytest.mark.parametrize("template", ["{a.b}", "{a[0]}", "{a!r}", "{a:>4}", "{}", "{0}", "{"])
def test_only_plain_names_are_placeholders(template):
    with pytest.raises(PromptError):
        fields(template)


def test_unknown_template_raises():
    with pytest.raises(PromptError):
        load("no_such_prompt")
    with pytest.raises(PromptError):
        load("../etc")


EXPECTED = {
    "propose_system": {"format_instructions"},
    "format_search_replace": set(),
    "format_whole_function": {"fence", "example"},
    "propose_user": {"description", "tests", "code", "plan", "feedback"},
    "propose_retry": {"problems", "reminder"},
    "localize_system": {"top"},
    "localize_user": {"issue", "candidates", "skeletons"},
    "rethink_system": set(),
    "rethink_user": {"plan", "attempt", "feedback"},
    "value_system": set(),
    "value_user": {"description", "patch", "outcome"},
    "versioned_system": set(),
    "versioned_user": {"problem", "python_version", "library", "version", "starting_code",
                       "reference"},
    "versioned_reference": {"library", "version", "entries"},
    "versioned_retry": {"library", "version", "error", "reference"},
}  # fmt: skip


def test_bundled_templates_and_their_variables():
    assert set(names()) == set(EXPECTED)
    for name, wanted in EXPECTED.items():
        assert fields(load(name), name) == wanted, name
        text = render(name, **{v: f"<{v}>" for v in wanted})
        assert all(f"<{v}>" in text for v in wanted)
