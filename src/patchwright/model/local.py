"""The embedded local model: ``llama_cpp.server`` (llama-cpp-python, the ``[local]``
extra) as a managed child process on a free loopback port, and a Model talking to it
through the OpenAI adapter.

The server runs in its own process group; it is stopped by :meth:`LocalServer.stop`, by
the context manager, and at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from patchwright.core.config import ModelConfig
from patchwright.core.domain import Message, ModelResponse
from patchwright.core.protocols import Model
from patchwright.model.errors import ModelUnavailable
from patchwright.model.openai_model import Endpoint, OpenAIModel
from patchwright.model.prices import Price
from patchwright.model.retry import RetryPolicy

NATIVE_CRASH = (
    "llama.cpp's native code crashed; a build for this CPU's newest instructions (AMX, "
    "AVX-512) crashes where the system does not allow them: reinstall with "
    "CMAKE_ARGS='-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON' "
    "pip install --force-reinstall --no-cache-dir llama-cpp-python"
)
"""The hint for a server killed by SIGSEGV, SIGILL or SIGBUS."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def llama_cpp_available(python: str = sys.executable) -> bool:
    if python == sys.executable:
        return importlib.util.find_spec("llama_cpp") is not None
    probe = [python, "-c", "import llama_cpp.server"]
    return subprocess.run(probe, capture_output=True).returncode == 0


def _exit_on_sigterm() -> None:
    """Turn a default-handled SIGTERM into SystemExit so atexit handlers (stopping the
    server) run; left alone where someone installed a handler or off the main thread."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGTERM, _sigterm_exit)


def _sigterm_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


class LocalServer:
    def __init__(
        self,
        model_path: Path | str,
        *,
        alias: str = "local",
        threads: int = 0,
        ctx: int = 4096,
        startup_timeout: float = 180.0,
        python: str = sys.executable,
    ) -> None:
        self.model_path = Path(model_path)
        self.alias = alias
        self.threads = threads or os.cpu_count() or 1
        self.ctx = ctx
        self.startup_timeout = startup_timeout
        self.python = python
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None
        self.startup_seconds = 0.0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            self.python, "-m", "llama_cpp.server", "--model", str(self.model_path),
            "--model_alias", self.alias, "--host", "127.0.0.1", "--port", str(self.port),
            "--n_threads", str(self.threads), "--n_ctx", str(self.ctx),
        ]  # fmt: skip

    def start(self, port: int = 0) -> LocalServer:
        """Start the server on ``port`` (0: a free one) and wait until it answers."""
        if self.proc is not None:
            return self
        if not self.model_path.is_file():
            raise ModelUnavailable(f"local model file not found: {self.model_path}")
        if not llama_cpp_available(self.python):
            raise ModelUnavailable(
                "llama-cpp-python is not installed: pip install 'patchwright[local]'"
            )
        self.port = port or free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="patchwright-llama-", suffix=".log")  # noqa: SIM115
        started = time.monotonic()
        self.proc = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        atexit.register(self.stop)
        _exit_on_sigterm()
        try:
            self._wait_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_ready(self, started: float) -> None:
        assert self.proc is not None
        url = f"{self.base_url}/models"
        while True:
            code = self.proc.poll()
            if code is not None:
                raise ModelUnavailable(
                    f"llama_cpp.server exited with {code} at startup: {self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - started > self.startup_timeout:
                raise ModelUnavailable(
                    f"llama_cpp.server not ready after {self.startup_timeout:g} s: "
                    f"{self.log_tail()}"
                )
            time.sleep(0.25)

    def log_tail(self, lines: int = 3) -> str:
        if self._log is None:
            return ""
        try:
            text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the server's process group (SIGTERM, then SIGKILL after 5 s)."""
        proc, self.proc = self.proc, None
        atexit.unregister(self.stop)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def death(self, when: str, wait: float = 2.0) -> str:
        """How the server ended ('' while it runs), in one line: its exit status or signal
        ``when``, its log's last lines, and for a crash of the native code the likely cause.
        A connection error is how a client first sees a server that died: ``wait`` s."""
        if self.proc is None:
            return ""
        try:
            code = self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return ""
        if code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with {code}"
        tail = self.log_tail()
        said = f"the local model server {how} {when}" + (f": {tail}" if tail else "")
        if code in (-signal.SIGSEGV, -signal.SIGILL, -signal.SIGBUS):
            said += f"; {NATIVE_CRASH}"
        return said

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class LocalModel:
    """A Model backed by a :class:`LocalServer` it owns (started on construction)."""

    price = Price(0.0, 0.0)

    @classmethod
    def open(cls, config: ModelConfig, arg: str, home: Path) -> Model:
        """``local[:NAME]``: the embedded model, or a server already running at
        ``config.base_url``."""
        from patchwright.model.factory import local_server
        from patchwright.model.fetch import FetchError, get_spec
        from patchwright.model.openai_model import Endpoint, OpenAIModel

        retry = RetryPolicy(
            max_attempts=min(config.max_attempts, 2),
            base_delay=config.backoff_base,
            max_delay=config.backoff_max,
            max_retry_after=config.retry_after_max,
        )
        try:
            spec = get_spec(arg or config.local_model)
        except FetchError as exc:
            raise ModelUnavailable(str(exc)) from None
        if config.base_url:  # a server that is already running
            endpoint = Endpoint(spec.name, config.base_url, "sk-local", config.local_timeout, retry)
            return OpenAIModel(endpoint, price=Price(0.0, 0.0))
        return cls(local_server(config, spec.name, home), timeout=config.local_timeout, retry=retry)

    def __init__(
        self,
        server: LocalServer,
        *,
        timeout: float = 600.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.server = server.start()
        self.name = server.alias
        try:
            self.client = OpenAIModel(
                Endpoint(
                    model=server.alias,
                    base_url=server.base_url,
                    api_key="sk-local",
                    timeout=timeout,
                    retry=retry or RetryPolicy(max_attempts=2),
                ),
                price=self.price,
            )
        except BaseException:
            server.stop()
            raise

    def complete(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        stop: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ModelResponse:
        if not self.server.running:
            raise ModelUnavailable(f"the local model server stopped: {self.server.log_tail()}")
        try:
            return self.client.complete(
                messages, max_tokens=max_tokens, temperature=temperature, stop=stop, timeout=timeout
            )
        except ModelUnavailable:
            died = self.server.death("during a completion")
            if not died:
                raise
            raise ModelUnavailable(died) from None

    def close(self) -> None:
        self.client.close()
        self.server.stop()

    def __enter__(self) -> LocalModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
