"""sandbox/redact.py: which values are secrets, and how they are cut."""

from __future__ import annotations

from patchwright.sandbox.redact import MARK, Redactor


def test_secret_looking_and_marked_values_are_cut() -> None:
    env = {"OPENAI_API_KEY": "sk-abcdefgh1234", "GH_TOKEN": "ghp_zzzzzzzzzz", "MINE": "hunter2hunter2",
           "PATH": "/usr/bin", "SSH_AUTH_SOCK": "/tmp/ssh-x/agent.1", "DB_PASSWORD": "short"}  # fmt: skip
    red = Redactor(env, ["MINE"])
    assert set(red.secrets) == {"sk-abcdefgh1234", "ghp_zzzzzzzzzz", "hunter2hunter2"}
    text = "key sk-abcdefgh1234 and hunter2hunter2 at /tmp/ssh-x/agent.1 on /usr/bin"
    assert red.text(text) == f"key {MARK} and {MARK} at /tmp/ssh-x/agent.1 on /usr/bin"
    data = b"<x>ghp_zzzzzzzzzz</x>"
    assert red.data(data) == b"<x>" + b"*" * 14 + b"</x>" and len(red.data(data)) == len(data)
