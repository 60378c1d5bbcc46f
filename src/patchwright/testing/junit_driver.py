"""Compiles a Java project with ``javac`` and runs its JUnit 4 tests one by one through
``PwJUnit`` (one JSON line per test, per-test JaCoCo line coverage when asked).

Self-contained on purpose: :mod:`patchwright.testing.junit_runner` writes this file and the
two Java sources into a run's scratch folder and runs it with the sandbox's interpreter, so
it must not import patchwright. Argument: a JSON request file (``mode`` "collect" | "run",
``root``, ``scratch``, ``tests``, ``timeout``, ``max_failures``, ``coverage``, ``release``,
``classpath``, ``jacoco``, ``out``; ``precompiled``: class folders the runner compiled, or
``compile_error``: what that compile said). A compile error is written as one ``compile_error``
row (a candidate's feedback, not a crash). Test ids are ``pkg.Class#method``; a test file's
path (``src/test/java/pkg/ClassTest.java``) or a class name selects its tests.
"""

import json
import os
import re
import subprocess
import sys

SKIP = {".git", ".hg", ".svn", "build", "target", "out", "bin", "node_modules", ".gradle"}
PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
JUNIT = re.compile(r"@(org\.junit\.)?Test\b")
JUNIT3 = re.compile(r"\bclass\s+\w+\s+extends\s+(?:junit\.framework\.)?TestCase\b")
"""A JUnit 3 test class (JUnit 4 runs them: Defects4J Lang's and Math's older tests)."""
LIMIT = 6000
FRAME = re.compile(
    r"^\s*at (?:[\w.$/]+/)?(?P<cls>[\w.$]+)\.[\w$<>]+\((?P<file>[\w$]+\.java):(?P<line>\d+)\)", re.M
)


def frames(trace, by_source):
    """Source path -> lines of a failure's stack trace (JaCoCo misses the lines of a method
    that ended by an exception before its next probe: a StackOverflowError's recursion)."""
    found = {}
    for m in FRAME.finditer(trace):
        pkg = m.group("cls").split("$", 1)[0].rpartition(".")[0]
        rel = by_source.get((pkg.replace(".", "/") + "/" if pkg else "") + m.group("file"))
        if rel:
            found.setdefault(rel, set()).add(int(m.group("line")))
    return found


def sources(root):
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".java"):
                found.append(os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/"))
    return found


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        return f.read()


def write(out, rows):
    with open(out, "a", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")


def jvm_flags(memory_mb):
    """Flags that let a JVM start under the sandbox's address-space limit: the class
    space, metaspace and code cache are capped and malloc keeps two arenas (see
    :func:`jvm_env`), which with the JVM's own mappings and thread stacks leaves the heap all
    but 900 MB of the limit (1,148 MB of 2,048; it had a quarter, and a test that needs
    640 MB of arrays ran out of heap at every candidate)."""
    limit = int(memory_mb or 2048)
    heap = max(128, limit // 4, limit - 900)
    return [
        f"-Xmx{heap}m",
        "-XX:CompressedClassSpaceSize=64m",
        "-XX:MaxMetaspaceSize=256m",
        "-XX:ReservedCodeCacheSize=64m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Xshare:auto",
    ]


def jvm_env():
    """The JVM's environment: glibc reserves 64 MB of address space per thread's malloc
    arena, which under an address-space limit stops threads from starting; two do."""
    return {**os.environ, "MALLOC_ARENA_MAX": "2"}


def javac(files, dest, classpath, release, scratch, name, flags):
    os.makedirs(dest, exist_ok=True)
    argfile = os.path.join(scratch, name + ".args")
    with open(argfile, "w", encoding="utf-8") as f:
        for path in files:
            f.write('"' + path.replace("\\", "\\\\") + '"\n')
    argv = (
        ["javac"]
        + ["-J" + f for f in flags]
        + ["-nowarn", "-g", "-encoding", "UTF-8", "-d", dest, "-cp", os.pathsep.join(classpath)]
    )
    if release:
        argv += ["--release", str(release)]
    done = subprocess.run([*argv, "@" + argfile], capture_output=True, text=True, env=jvm_env())
    return done.returncode, (done.stdout + done.stderr)


def agent_jar(path, scratch):
    """The ``-javaagent`` jar: ``path`` itself, or the ``jacocoagent.jar`` inside it."""
    import zipfile  # only coverage runs pay for its import

    with zipfile.ZipFile(path) as z:
        if "jacocoagent.jar" not in z.namelist():
            return path
        dest = os.path.join(scratch, "jacocoagent.jar")
        with open(dest, "wb") as f:
            f.write(z.read("jacocoagent.jar"))
        return dest


def main(request_path):
    with open(request_path, encoding="utf-8") as f:
        req = json.load(f)
    root, scratch, out = req["root"], req["scratch"], req["out"]
    open(out, "w").close()
    rels = sources(root)
    classes, by_source, by_file, tests = [], {}, {}, set()
    for rel in rels:
        text = read(root, rel)
        m = PACKAGE.search(text)
        pkg = m.group(1) if m else ""
        stem = os.path.basename(rel)[:-5]
        qual = (pkg + "." if pkg else "") + stem
        by_source[(pkg.replace(".", "/") + "/" if pkg else "") + os.path.basename(rel)] = rel
        by_file[rel] = qual
        if ("org.junit" in text and JUNIT.search(text)) or (
            "abstract class" not in text and JUNIT3.search(text)
        ):
            classes.append(qual)
            tests.add(rel)
    # a class the request names is a test class whatever its base (a JUnit 3 test that
    # extends the project's own TestCase subclass)
    named = {t.split("#", 1)[0] for t in req.get("tests") or []}
    for rel, qual in by_file.items():
        if qual in named and qual not in classes:
            classes.append(qual)
            tests.add(rel)
    if not rels:
        write(out, [{"compile_error": "no tests found: no .java files"}, {"done": True}])
        return
    test_dirs = {os.path.dirname(rel) for rel in tests}

    def test_code(rel):
        """Test classes, the helpers beside them and a ``src/test`` tree are no suspects."""
        return rel in tests or os.path.dirname(rel) in test_dirs or "/src/test/" in "/" + rel
    cp = list(req["classpath"])
    flags = jvm_flags(req.get("memory_mb"))
    jacoco = req.get("jacoco") or []
    if req.get("compile_error"):  # the runner's warm javac compiled it already
        write(out, [{"compile_error": req["compile_error"]}, {"done": True}])
        return
    if req.get("precompiled"):
        folders = list(req["precompiled"])
    else:
        folders = [os.path.join(scratch, "classes")]
        here = os.path.dirname(os.path.abspath(__file__))
        drivers = [os.path.join(here, "PwJUnit.java")]
        if jacoco:
            drivers.append(os.path.join(here, "PwCoverage.java"))
        # one javac for the project and the driver (the driver always compiles: errors are
        # the project's)
        code, text = javac(
            [os.path.join(root, r) for r in rels] + drivers,
            folders[0],
            cp + jacoco,
            req["release"],
            scratch,
            "project",
            flags,
        )
        if code != 0:
            text = text.replace(root.rstrip("/") + "/", "")
            write(out, [{"compile_error": "javac failed:\n" + text[-LIMIT:]}, {"done": True}])
            return
    project = os.pathsep.join(folders)
    selectors = []
    for t in req["tests"]:
        selectors.append(by_file.get(t, t))
    coverage = bool(req["coverage"] and jacoco)
    lines = [
        req["mode"],
        os.path.join(scratch, "raw.jsonl"),
        str(int(req["timeout"] * 1000)),
        str(req["max_failures"]),
        "1" if coverage else "0",
        project,
        *classes,
        "--",
        *selectors,
    ]
    listing = os.path.join(scratch, "pwjunit.txt")
    with open(listing, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    # JaCoCo's jars stay off the class path: PwJUnit loads them in a loader of their own
    argv = ["java", *flags, *(req.get("jvm_args") or []), "-cp", os.pathsep.join([*folders, *cp])]
    if coverage:
        argv.append("-Dpw.jacoco=" + os.pathsep.join(jacoco))
        argv.append("-javaagent:" + agent_jar(req["agent"], scratch) + "=output=none")
    argv += ["PwJUnit", listing]
    done = subprocess.run(argv, cwd=root, env=jvm_env())
    rows, traces = [], {}
    raw = os.path.join(scratch, "raw.jsonl")
    if os.path.exists(raw):
        with open(raw, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if "id" in row and row.get("status") not in ("pass", "skip"):
                    traces[row["id"]] = frames(str(row.get("output") or ""), by_source)
                if "files" in row:
                    # the project's code only: test classes are no suspects
                    files = {by_source.get(k): set(v) for k, v in row["files"].items()}
                    for rel, lines in traces.get(row["cov"], {}).items():
                        files.setdefault(rel, set()).update(lines)
                    row["files"] = {k: sorted(v) for k, v in files.items() if k and not test_code(k)}
                rows.append(row)
    if not any(r.get("done") for r in rows):
        rows.append({"crash": f"the JVM exited with code {done.returncode}"})
    write(out, rows)


if __name__ == "__main__":
    main(sys.argv[1])
