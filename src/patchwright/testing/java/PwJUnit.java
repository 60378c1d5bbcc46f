// Runs JUnit 4 tests one by one and writes one JSON line per test (Patchwright's JUnit
// runner compiles this file into a run's scratch folder; see junit_runner.py).
// Argument: a request file of lines: mode (collect|run), out path, per-test timeout in ms
// (0: none), max failures (0: no limit), coverage (1|0), classes folder, then the test
// classes, then "--", then the selectors (Class or Class#method; none: every test).
import java.io.*;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.junit.runner.*;
import org.junit.runner.manipulation.Filter;
import org.junit.runner.notification.*;

public class PwJUnit {
    static PrintStream out;

    static String q(String s) {
        if (s == null) return "\"\"";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
            }
        }
        return b.append('"').toString();
    }

    static String cut(String s, int n) { return s == null ? "" : (s.length() > n ? s.substring(0, n) : s); }

    static List<Description> tests(Class<?> c) {
        List<Description> found = new ArrayList<>();
        Deque<Description> todo = new ArrayDeque<>();
        todo.add(Request.aClass(c).getRunner().getDescription());
        while (!todo.isEmpty()) {
            Description d = todo.poll();
            if (d.isTest()) found.add(d); else todo.addAll(d.getChildren());
        }
        return found;
    }

    static String id(Description d) { return d.getClassName() + "#" + d.getMethodName(); }

    static Class<?> analyser;

    // PwCoverage and JaCoCo load in a class loader of their own (JaCoCo's jars, from the
    // pw.jacoco property, then this driver's folder; parent: the platform loader; Java 8 API only), so a
    // project's own ASM on the class path (Defects4J Lang's asm 3) cannot clash with
    // JaCoCo's, nor JaCoCo's with the project's.
    static Class<?> analyser() throws Exception {
        if (analyser == null) {
            List<java.net.URL> urls = new ArrayList<>();
            for (String jar : System.getProperty("pw.jacoco", "").split(File.pathSeparator)) {
                if (!jar.isEmpty()) urls.add(new File(jar).toURI().toURL());
            }
            urls.add(PwJUnit.class.getProtectionDomain().getCodeSource().getLocation());
            ClassLoader own = new java.net.URLClassLoader(urls.toArray(new java.net.URL[0]),
                ClassLoader.getSystemClassLoader().getParent());  // the platform loader (Java 8: extensions)
            analyser = Class.forName("PwCoverage", true, own);
        }
        return analyser;
    }

    static String coverageOf(String tid, String classesDir) {
        try {  // by reflection: PwCoverage is compiled only when JaCoCo is there
            return (String) analyser().getMethod("lines", String.class, String.class)
                .invoke(null, tid, classesDir);
        } catch (java.lang.reflect.InvocationTargetException e) {
            return "{\"cov\":" + q(tid) + ",\"error\":" + q(String.valueOf(e.getCause())) + "}";
        } catch (Throwable e) {
            return "{\"cov\":" + q(tid) + ",\"error\":" + q(String.valueOf(e)) + "}";
        }
    }

    static String trim(String trace) {  // the test's frames, not JUnit's or reflection's
        StringBuilder b = new StringBuilder();
        for (String line : trace.split("\n")) {
            String t = line.trim();
            if (t.startsWith("at org.junit.") || t.startsWith("at java.base/jdk.internal.")
                || t.startsWith("at java.base/java.lang.reflect.") || t.startsWith("at PwJUnit")
                || t.startsWith("at java.base/java.lang.Thread.run")) continue;
            b.append(line).append('\n');
        }
        return b.toString();
    }

    static void emit(String json) { out.println(json); out.flush(); }

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        String mode = lines.get(0);
        out = new PrintStream(new FileOutputStream(lines.get(1)), true, "UTF-8");
        long timeout = Long.parseLong(lines.get(2));
        int maxFailures = Integer.parseInt(lines.get(3));
        boolean coverage = lines.get(4).equals("1");
        String classesDir = lines.get(5);
        int sep = lines.indexOf("--");
        List<String> classes = lines.subList(6, sep);
        Set<String> selectors = new LinkedHashSet<>(lines.subList(sep + 1, lines.size()));
        List<Description> all = new ArrayList<>();
        Map<Description, Class<?>> owner = new HashMap<>();
        Set<String> wanted = new HashSet<>();  // a run of chosen tests loads only their classes
        for (String sel : selectors) wanted.add(sel.split("#", 2)[0].split("\\$", 2)[0]);
        for (String name : classes) {
            if (mode.equals("run") && !wanted.isEmpty() && !wanted.contains(name)) continue;
            try {
                Class<?> c = Class.forName(name);
                if (Modifier.isAbstract(c.getModifiers()) || c.isInterface()) continue;
                for (Description d : tests(c)) { all.add(d); owner.put(d, c); }
            } catch (Throwable e) {
                emit("{\"collection_error\":" + q(name + ": " + e) + "}");
            }
        }
        if (mode.equals("collect")) {
            for (Description d : all) emit("{\"collected\":" + q(id(d)) + "}");
            emit("{\"done\":true}");
            System.exit(0);
        }
        PrintStream realOut = System.out, realErr = System.err;
        int failures = 0;
        for (Description d : all) {
            String tid = id(d);
            if (!selectors.isEmpty() && !selectors.contains(tid) && !selectors.contains(d.getClassName())) continue;
            if (maxFailures > 0 && failures >= maxFailures) { emit("{\"stopped\":true}"); break; }
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream cap = new PrintStream(captured, true, "UTF-8");
            System.setOut(cap); System.setErr(cap);
            final List<Failure> failed = Collections.synchronizedList(new ArrayList<>());
            final boolean[] ignored = {false};
            final Request request = Request.aClass(owner.get(d)).filterWith(Filter.matchMethodDescription(d));
            Thread t = new Thread(null, () -> {
                JUnitCore core = new JUnitCore();
                core.addListener(new RunListener() {
                    public void testFailure(Failure f) { failed.add(f); }
                    public void testAssumptionFailure(Failure f) { ignored[0] = true; }
                    public void testIgnored(Description x) { ignored[0] = true; }
                });
                core.run(request);
            }, "pw-test", 64L << 20);
            t.setDaemon(true);
            long start = System.nanoTime();
            t.start();
            t.join(timeout > 0 ? timeout : 0);
            boolean timedOut = t.isAlive();
            if (timedOut) {
                t.interrupt();
                try { t.stop(); } catch (Throwable e) { /* not supported: left running */ }
                t.join(2000);  // let it die before the next test (and its coverage) starts
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.setOut(realOut); System.setErr(realErr);
            String status, message = "", trace = "";
            if (timedOut) {
                status = "timeout"; message = "Timeout: the test ran past its time limit";
            } else if (!failed.isEmpty()) {
                Failure f = failed.get(0);
                status = f.getException() instanceof AssertionError ? "fail" : "error";
                message = String.valueOf(f.getException());
                trace = trim(f.getTrace());
            } else {
                status = ignored[0] ? "skip" : "pass";
            }
            if (!status.equals("pass") && !status.equals("skip")) failures++;
            String output = cut(captured.toString("UTF-8"), 2000) + cut(trace, 4000);
            emit("{\"id\":" + q(tid) + ",\"status\":" + q(status) + ",\"duration\":" + secs
                 + ",\"message\":" + q(cut(message, 500)) + ",\"output\":" + q(output) + "}");
            if (coverage) emit(coverageOf(tid, classesDir));
        }
        emit("{\"done\":true}");
        System.exit(0);
    }
}
