// Per-test line coverage from the JaCoCo agent (output=none) run with the tests: the
// execution data since the last call, analysed against the compiled classes (one
// folder, or several separated by the path separator: the first holding a class wins). A separate
// class so that runs without coverage never load JaCoCo.
import java.io.*;
import java.util.*;
import org.jacoco.core.analysis.*;
import org.jacoco.core.data.*;

public class PwCoverage {
    // PwJUnit's quoting, here again: this class loads apart from PwJUnit (and JUnit)
    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static String lines(String tid, String classesDir) {
        StringBuilder b = new StringBuilder("{\"cov\":" + q(tid) + ",\"files\":{");
        try {
            // the agent is on the system class path; this class is loaded apart from it
            Object agent = Class.forName("org.jacoco.agent.rt.RT", true, ClassLoader.getSystemClassLoader())
                .getMethod("getAgent").invoke(null);
            byte[] data = (byte[]) agent.getClass().getMethod("getExecutionData", boolean.class)
                .invoke(agent, true);
            ExecutionDataStore store = new ExecutionDataStore();
            ExecutionDataReader reader = new ExecutionDataReader(new ByteArrayInputStream(data));
            reader.setExecutionDataVisitor(store);
            reader.setSessionInfoVisitor(new SessionInfoStore());
            reader.read();
            CoverageBuilder builder = new CoverageBuilder();
            Analyzer analyzer = new Analyzer(store, builder);
            String[] folders = classesDir.split(File.pathSeparator);
            for (ExecutionData ed : store.getContents()) {
                for (String folder : folders) {  // the first folder holding the class wins
                    File f = new File(folder, ed.getName() + ".class");
                    if (f.isFile()) {
                        try (InputStream in = new FileInputStream(f)) { analyzer.analyzeClass(in, f.getPath()); }
                        break;
                    }
                }
            }
            Map<String, TreeSet<Integer>> files = new TreeMap<>();
            for (IClassCoverage cc : builder.getClasses()) {
                if (cc.getSourceFileName() == null) continue;
                String pkg = cc.getPackageName();
                String src = (pkg.isEmpty() ? "" : pkg + "/") + cc.getSourceFileName();
                TreeSet<Integer> hit = files.computeIfAbsent(src, k -> new TreeSet<>());
                for (int i = cc.getFirstLine(); i > 0 && i <= cc.getLastLine(); i++) {
                    int s = cc.getLine(i).getStatus();
                    if (s == ICounter.FULLY_COVERED || s == ICounter.PARTLY_COVERED) hit.add(i);
                }
            }
            String sep = "";
            for (Map.Entry<String, TreeSet<Integer>> e : files.entrySet()) {
                if (e.getValue().isEmpty()) continue;
                b.append(sep).append(q(e.getKey())).append(":").append(e.getValue().toString());
                sep = ",";
            }
        } catch (Throwable e) {
            return "{\"cov\":" + q(tid) + ",\"error\":" + q(String.valueOf(e)) + "}";
        }
        return b.append("}}").toString();
    }
}
