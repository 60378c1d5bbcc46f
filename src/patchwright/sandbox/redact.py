"""Secret values kept out of what a sandboxed command reports back (issue 12).

Tests never get Patchwright's secrets (an allow-listed environment; namespaces hide
``/proc``), but where they run without isolation a test can still read them, from
``/proc/<patchwright>/environ`` for one, and print them into its output or report. Every
byte a command hands back (its output and fetched files) passes :meth:`Redactor.text` or
:meth:`Redactor.data` first, so no run file, trajectory, tree or checkpoint written from
it holds the value. Secrets: the values of environment variables whose names look secret
(``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ...), of those the user marks
(``sandbox.redact_env``), and values the config itself holds (``model.api_key`` set in a
YAML file or with ``--set``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|PRIVATE", re.IGNORECASE)
MIN_LENGTH = 8
"""Shorter values are left alone (redacting ``1`` or ``true`` would garble everything)."""
MARK = "[REDACTED]"


class Redactor:
    """Replaces each secret value with :data:`MARK`."""

    def __init__(
        self, environ: Mapping[str, str], marked: Iterable[str] = (), values: Iterable[str] = ()
    ) -> None:
        names = set(marked)
        found = {v for k, v in environ.items()  # a path (SSH_AUTH_SOCK) is no secret
                 if k in names or (SECRET_NAME.search(k) and not v.startswith(("/", "~")))}  # fmt: skip
        values = found | set(values)
        self.secrets = sorted((v for v in values if len(v) >= MIN_LENGTH), key=len, reverse=True)
        self._bytes = [s.encode("utf-8", "surrogateescape") for s in self.secrets]

    def text(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MARK)
        return text

    def data(self, data: bytes) -> bytes:
        """Each secret overwritten by as many ``*`` (a binary file keeps its layout)."""
        for secret in self._bytes:
            if secret in data:
                data = data.replace(secret, b"*" * len(secret))
        return data
