import pytest

from patchwright.core.config import ConfigError
from patchwright.store.config_files import load_config


def test_defaults_then_file_then_overrides(tmp_path):
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("search:\n  max_evals: 7\nsandbox:\n  memory_mb: 100\n")
    cfg = load_config([str(cfg_file)], ["search.max_evals=9", 'search.proposers=["mutations"]'])
    assert cfg.search.max_evals == 9
    assert cfg.sandbox.memory_mb == 100
    assert cfg.search.proposers == ["mutations"]
    assert cfg.sandbox.per_test_timeout == 10.0


@pytest.mark.parametrize(
    "override", ["search.max_evals=lots", "search.nope=1", "noequals", "sandbox.kind=vm"]
)
def test_bad_overrides_are_one_line_errors(override):
    with pytest.raises(ConfigError) as err:
        load_config([], [override])
    assert "\n" not in str(err.value)


def test_missing_or_bad_file(tmp_path):
    with pytest.raises(ConfigError):
        load_config([str(tmp_path / "missing.yaml")])
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a list\n")
    with pytest.raises(ConfigError):
        load_config([str(bad)])
