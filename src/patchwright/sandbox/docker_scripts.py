"""Shell scripts run inside a sandbox container, and the parser of what they print.

Pure text and parsing (no engine calls): :mod:`patchwright.sandbox.docker` runs them with
``exec``. See that module for the layout of a container (``/pw/git``, ``/workspace``).
"""

from __future__ import annotations

import contextlib
import io
import tarfile
from collections.abc import Mapping, Sequence

from patchwright.core.protocols import RunLimits
from patchwright.core.types import TestOutcome, TestResult, TestStatus
from patchwright.sandbox.images import SANDBOX_USER, STATE, VENV, WORKSPACE
from patchwright.sandbox.runners import pytest as runner

INTERRUPT_GRACE = 1.0
"""Seconds pytest gets after SIGINT at the wall limit to write its report."""
MAX_FILE = 64 * 1024 * 1024
"""Largest report file copied out of a container."""
OUT = f"{STATE}/run/out"
_GIT_ENV = (
    f"GIT_DIR={STATE}/git GIT_WORK_TREE={WORKSPACE} GIT_INDEX_FILE={STATE}/run/index "
    "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_NO_REPLACE_OBJECTS=1 "
    "GIT_CONFIG_COUNT=3 GIT_CONFIG_KEY_0=safe.directory GIT_CONFIG_VALUE_0='*' "
    "GIT_CONFIG_KEY_1=core.hooksPath GIT_CONFIG_VALUE_1=/dev/null "
    "GIT_CONFIG_KEY_2=core.fsmonitor GIT_CONFIG_VALUE_2=false"
)
# $1 reset (0/1)  $2 base commit  $3 patch text ("" none, "@in" /pw/in/patch.diff)
# $4 wall seconds  $5 memory KiB  $6 "cov" to copy coverage data out; then the command.
RUN = f"""
reset() {{
  rm -rf {WORKSPACE}/.git /tmp/* /tmp/.[!.]* 2>/dev/null
  cd {WORKSPACE} && cp {STATE}/index {STATE}/run/index && (export {_GIT_ENV}
    git read-tree --reset -u "$base" && git clean -ffdxq) || return 1
  printf 'gitdir: {STATE}/git\\n' > {WORKSPACE}/.git
}}
base=$2
if [ "$1" = 1 ]; then
  reset || {{ echo "PWSTATE reset"; exit 0; }}
  if [ -n "$3" ]; then
    pf={STATE}/in/patch.diff
    [ "$3" = @in ] || {{ pf={STATE}/run/patch.diff; printf '%s' "$3" > $pf; }}
    (export {_GIT_ENV}; git apply --whitespace=nowarn $pf 2>/dev/null) || {{
      reset; echo "PWSTATE apply"; exit 0; }}
  fi
fi
wall=$4 mem=$5 cov=$6; shift 6
rm -rf {OUT}; mkdir -p {OUT}; cd {WORKSPACE} || exit 3
read t0 _ < /proc/uptime
(ulimit -v $mem; ulimit -c 0; ulimit -f 2097152
 exec timeout -k {INTERRUPT_GRACE:g} -s INT $wall "$@") >{OUT}/output.log 2>&1 </dev/null
rc=$?
read t1 _ < /proc/uptime
kill -KILL -1 2>/dev/null; kill -KILL -1 2>/dev/null
echo "PWRC $rc $t0 $t1"
emit() {{
  [ -f "$2" ] || return 0; n=$(wc -c < "$2")
  [ "$n" -le {MAX_FILE} ] || return 0
  echo "PWFILE $1 $n"; cat "$2"
}}
emit junit {OUT}/junit.xml
[ "$cov" = cov ] && emit cov {OUT}/.coverage
tail -c {runner.TAIL_LIMIT * 4} {OUT}/output.log > {OUT}/tail 2>/dev/null
emit tail {OUT}/tail
"""
# Root, once per container (and when a test wrecked the work tree): pristine git dir.
SETUP = f"""set -e
chown -R root:root {STATE}/git && chmod -R a+rX,go-w {STATE}/git
mkdir -p {STATE}/in {STATE}/run && chown {SANDBOX_USER}:{SANDBOX_USER} {STATE}/run
chmod 700 {STATE}/run
printf '%s' "$1" > {STATE}/coveragerc
"""
REBUILD = f"""set -e
rm -rf {WORKSPACE} && mkdir {WORKSPACE} && chown {SANDBOX_USER}:{SANDBOX_USER} {WORKSPACE}
"""
# git compares whole seconds of stat data: wait for the next second after the checkout, so
# that any later change to a file has another ctime than the pristine index records.
CHECKOUT = f"""set -e
cd {WORKSPACE}; rm -f {STATE}/run/index
env {_GIT_ENV} git read-tree --reset -u "$1"
printf 'gitdir: {STATE}/git\\n' > {WORKSPACE}/.git
t=$(date +%s); while [ "$(date +%s)" = "$t" ]; do sleep 0.05; done
"""
PUBLISH_INDEX = f"""set -e
cp {STATE}/run/index {STATE}/index.new && chmod 644 {STATE}/index.new
mv {STATE}/index.new {STATE}/index && cp {STATE}/index {STATE}/git/index
"""


def sandbox_env(extra: Mapping[str, str], autoload_plugins: bool, coverage: bool) -> list[str]:
    """The whole environment of a test run in a container (``env -i`` arguments)."""
    env = {
        "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": f"/home/{SANDBOX_USER}",
        "USER": SANDBOX_USER,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONBREAKPOINT": "0",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "*",
    }
    env.update(extra)
    if not autoload_plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if coverage:
        env["COVERAGE_FILE"] = f"{OUT}/.coverage"
    return [f"{k}={v}" for k, v in env.items()]


class RunOutput:
    """What the run script printed: exit code, timings and copied files."""

    def __init__(self, elapsed: float) -> None:
        self.returncode: int | None = None
        self.state = ""
        self.files: dict[str, bytes] = {}
        self.elapsed = elapsed
        self.timed_out = False

    @classmethod
    def parse(cls, raw: bytes, elapsed: float) -> RunOutput:
        out, pos = cls(elapsed), 0
        while pos < len(raw):
            end = raw.find(b"\n", pos)
            if end < 0:
                break
            words = raw[pos:end].decode("ascii", "replace").split()
            pos = end + 1
            if words[:1] == ["PWSTATE"] and len(words) == 2:
                out.state = words[1]
            elif words[:1] == ["PWRC"] and len(words) == 4:
                out.returncode = int(words[1])
                with contextlib.suppress(ValueError):
                    out.elapsed = float(words[3]) - float(words[2])
            elif words[:1] == ["PWFILE"] and len(words) == 3:
                size = int(words[2])
                out.files[words[1]] = raw[pos : pos + size]
                pos += size
        return out

    def result(self, tests: Sequence[str], limits: RunLimits) -> TestResult:
        """The :class:`TestResult` of the run (parsed like a local one)."""
        if self.state == "apply":
            message = "patch did not apply in the container"
            return TestResult(
                compile_error=message,
                tests={t: TestOutcome(status=TestStatus.ERROR, message=message) for t in tests},
                duration=self.elapsed,
            )
        junit = self.files.get("junit")
        return runner.interpret(
            junit.decode("utf-8", "replace") if junit is not None else None,
            returncode=self.returncode,
            requested=list(tests),
            fail_fast=limits.fail_fast or limits.max_failures > 0,
            timed_out=self.timed_out,
            output=self.files.get("tail", b"").decode("utf-8", "replace"),
            duration=self.elapsed,
            root=WORKSPACE,
        )


def tar_dir(path: str, arcname: str) -> bytes:
    buf = io.BytesIO()

    def owner(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if not (info.isfile() or info.isdir() or info.issym()):
            return None
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(path, arcname=arcname, filter=owner)
    return buf.getvalue()


def tar_file(name: str, data: bytes) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()
