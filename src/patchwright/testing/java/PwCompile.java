// A long-lived javac: Patchwright's JUnit runner keeps one per workspace (see
// junit_compile.py) so that a candidate compiles in a warm JVM (tens of milliseconds)
// instead of a fresh javac (seconds). It only compiles: annotation processing is off
// (-proc:none), so no code of the project runs here; tests still run in the sandbox.
// Protocol on stdin, one request after the other:
//   compile \n <out dir> \n <classpath> \n <release or ""> \n <source>... \n end
// Reply on stdout, one line: {"ok":true,"ms":N} or {"ok":false,"ms":N,"error":"..."}.
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import javax.tools.*;

public class PwCompile {
    static String q(String s) {
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

    public static void main(String[] args) throws Exception {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        if (javac == null) { out.println("{\"ready\":false,\"error\":\"no system Java compiler (a JRE?)\"}"); return; }
        StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
        out.println("{\"ready\":true}");
        String line;
        while ((line = in.readLine()) != null) {
            if (!line.equals("compile")) continue;
            String dest = in.readLine(), classpath = in.readLine(), release = in.readLine();
            List<File> sources = new ArrayList<>();
            while ((line = in.readLine()) != null && !line.equals("end")) sources.add(new File(line));
            long start = System.nanoTime();
            StringWriter said = new StringWriter();
            boolean ok;
            try {
                new File(dest).mkdirs();
                List<String> opts = new ArrayList<>(Arrays.asList(
                    "-nowarn", "-g", "-proc:none", "-implicit:none", "-encoding", "UTF-8",
                    "-d", dest, "-cp", classpath));
                if (!release.isEmpty()) { opts.add("--release"); opts.add(release); }
                ok = javac.getTask(said, files, null, opts, null,
                                   files.getJavaFileObjectsFromFiles(sources)).call();
            } catch (Throwable e) {
                ok = false;
                said.write(String.valueOf(e));
            }
            long ms = (System.nanoTime() - start) / 1000000;
            String text = said.toString();
            if (text.length() > 6000) text = text.substring(text.length() - 6000);
            out.println(ok ? "{\"ok\":true,\"ms\":" + ms + "}"
                           : "{\"ok\":false,\"ms\":" + ms + ",\"error\":" + q(text) + "}");
        }
    }
}
