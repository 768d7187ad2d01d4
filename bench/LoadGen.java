import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator and app of connect-proxy's benchmark (bench/run.sh). One file, no dependencies, run with the
 * JDK source launcher: {@code java bench/LoadGen.java <subcommand> [--flag value ...]}.
 *
 * <p>Every client talks to the same {@code echo-server}, directly or through the two sidecars, so both paths do the
 * same work. A connection whose first 8 bytes are {@link #SINK_MAGIC} is a sink (the server discards everything and,
 * when the client half-closes, answers with the 8-byte count it received); any other connection is echoed.
 *
 * <p>Clients only talk to loopback addresses (127.0.0.0/8, ::1) and every loop has a deadline. Each measurement ends
 * with one machine-readable line {@code RESULT key=value ...} (bench/run.sh parses it).
 */
public final class LoadGen {
    static final byte[] SINK_MAGIC = "LGSINK01".getBytes(StandardCharsets.US_ASCII);
    static final int BUF = 64 * 1024;

    private LoadGen() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0 || argv[0].equals("-h") || argv[0].equals("--help")) {
            usage();
            return;
        }
        Args a = Args.parse(Arrays.copyOfRange(argv, 1, argv.length));
        switch (argv[0]) {
            case "echo-server" -> echoServer(a);
            case "throughput" -> throughput(a);
            case "rr" -> rr(a);
            case "connrate" -> connrate(a);
            case "burst" -> Burst.run(a);
            case "rss" -> rss(a);
            case "idle-conns" -> idleConns(a);
            case "free-ports" -> freePorts(a);
            case "report" -> Report.print(a);
            case "jfr-top" -> JfrTop.print(a);
            default -> {
                System.err.println("unknown subcommand " + argv[0]);
                usage();
                System.exit(2);
            }
        }
    }

    static void usage() {
        System.out.print("""
                Usage: java bench/LoadGen.java SUBCOMMAND [flags]
                  echo-server --port P [--seconds 21600]     echo app (and sink for connections starting with the magic)
                  throughput  --target H:P --streams N --seconds S [--warmup 1]   write as fast as possible, Gbit/s
                  rr          --target H:P --size 64|4096 --count N [--warmup 2000] [--max-seconds 60]  ping-pong µs
                  connrate    --target H:P --clients 4 --seconds S [--warmup 1]   connect, 4-byte echo, close
                  burst       --target H:P --count 3000 --seconds 1 [--probes 5] [--timeout 30] [--max-probe-ms 1000]
                              opens COUNT connections spread over SECONDS (non-blocking), each sends 16 bytes and
                              waits for their echo; a probe connection at evenly spaced moments of the burst; exit
                              status 1 when a connection was lost or a probe took longer than --max-probe-ms
                  rss         --pid PID                       VmRSS of a process in MB
                  idle-conns  --target H:P --count 1000 [--seconds 60] [--rss-pids P1,P2] [--settle 2]
                              holds N idle connections (each checked with one echo) for S seconds, until stdin
                              says "stop", or (with --rss-pids) until the pids' RSS has been printed
                  free-ports  --count N                       N currently free loopback TCP ports
                  report      --raw FILE                      markdown table of medians from RESULT lines
                  jfr-top     --file F.jfr [--top 25]         hottest methods (self and total) of a JFR recording
                """);
    }

    // ---------------------------------------------------------------- echo server

    static void echoServer(Args a) throws Exception {
        int port = a.intOf("port", 0);
        long lifetimeMs = a.longOf("seconds", 6 * 3600) * 1000;
        InetAddress bind = loopback(a.str("bind", "127.0.0.1"));
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port), 4096);
        Set<Socket> open = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(null, r, "echo-conn", 256 * 1024);
            t.setDaemon(true);
            return t;
        });
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(lifetimeMs);
            } catch (InterruptedException ignored) {
                // stop now
            }
            closeQuietly(server);
            open.forEach(LoadGen::closeQuietly);
        }, "echo-lifetime");
        stopper.setDaemon(true);
        stopper.start();
        System.out.println("LISTENING " + server.getLocalPort());
        System.out.flush();
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                break;
            }
            open.add(s);
            pool.execute(() -> {
                try {
                    serve(s);
                } catch (IOException ignored) {
                    // peer went away
                } finally {
                    open.remove(s);
                    closeQuietly(s);
                }
            });
        }
    }

    static void serve(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[BUF];
        int have = 0;
        // Decide sink vs echo from the first bytes, reading more only while they still could be the magic.
        while (true) {
            int n = in.read(buf, have, buf.length - have);
            if (n < 0) {
                if (have > 0) {
                    out.write(buf, 0, have);
                }
                return;
            }
            have += n;
            int cmp = Math.min(have, SINK_MAGIC.length);
            boolean prefix = Arrays.equals(buf, 0, cmp, SINK_MAGIC, 0, cmp);
            if (prefix && have >= SINK_MAGIC.length) {
                sink(in, out, buf, have);
                return;
            }
            if (!prefix) {
                out.write(buf, 0, have);
                break;
            }
        }
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
        }
    }

    static void sink(InputStream in, OutputStream out, byte[] buf, int have) throws IOException {
        long total = have - SINK_MAGIC.length;
        int n;
        while ((n = in.read(buf)) >= 0) {
            total += n;
        }
        byte[] count = new byte[8];
        for (int i = 0; i < 8; i++) {
            count[i] = (byte) (total >>> (56 - 8 * i));
        }
        out.write(count);
        out.flush();
    }

    // ---------------------------------------------------------------- throughput

    static void throughput(Args a) throws Exception {
        InetSocketAddress target = target(a);
        int streams = a.intOf("streams", 1);
        double seconds = a.doubleOf("seconds", 5);
        double warmup = a.doubleOf("warmup", 1);
        long start = System.nanoTime();
        long windowStart = start + (long) (warmup * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        long hardStop = windowEnd + 10_000_000_000L;
        AtomicLong inWindow = new AtomicLong();
        AtomicLong sentTotal = new AtomicLong();
        AtomicLong receivedTotal = new AtomicLong();
        AtomicLong countsReturned = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[BUF];
                Arrays.fill(buf, (byte) 'x');
                try (Socket s = connect(target, 5000)) {
                    sockets.add(s);
                    OutputStream out = s.getOutputStream();
                    out.write(SINK_MAGIC);
                    long sent = 0;
                    long counted = 0;
                    while (true) {
                        out.write(buf);
                        sent += buf.length;
                        long now = System.nanoTime();
                        if (now >= windowEnd) {
                            break;
                        }
                        if (now >= windowStart) {
                            counted += buf.length;
                        }
                    }
                    inWindow.addAndGet(counted);
                    sentTotal.addAndGet(sent);
                    // Ask the sink how much arrived: shows whether a path buffered instead of delivering.
                    s.shutdownOutput();
                    s.setSoTimeout(3000);
                    byte[] c = new byte[8];
                    try {
                        readFully(s.getInputStream(), c);
                        long got = 0;
                        for (byte b : c) {
                            got = (got << 8) | (b & 0xff);
                        }
                        receivedTotal.addAndGet(got);
                        countsReturned.incrementAndGet();
                    } catch (IOException e) {
                        // the path does not pass a half-close through; the sender's count stands alone
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    System.err.println("stream error: " + e);
                }
            }, "stream-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(hardStop - System.nanoTime());
            t.join(Math.max(1, left));
        }
        // Anything still blocked in write past the hard stop is a stalled path: close it so the process ends.
        synchronized (sockets) {
            sockets.forEach(LoadGen::closeQuietly);
        }
        for (Thread t : threads) {
            t.join(2000);
        }
        double gbit = inWindow.get() * 8 / seconds / 1e9;
        String delivered = countsReturned.get() == streams && sentTotal.get() > 0
                ? fmt(100.0 * receivedTotal.get() / sentTotal.get(), 1) : "n/a";
        System.out.println("RESULT gbps=" + fmt(gbit, 3) + " streams=" + streams + " seconds=" + seconds
                + " delivered_pct=" + delivered + " errors=" + errors.get());
    }

    // ---------------------------------------------------------------- request/response

    static void rr(Args a) throws Exception {
        InetSocketAddress target = target(a);
        int size = a.intOf("size", 64);
        int count = a.intOf("count", 20000);
        int warmup = a.intOf("warmup", 2000);
        long deadline = System.nanoTime() + a.longOf("max-seconds", 60) * 1_000_000_000L;
        byte[] req = new byte[size];
        for (int i = 0; i < size; i++) {
            req[i] = (byte) ('a' + i % 26);
        }
        byte[] resp = new byte[size];
        long[] lat = new long[count];
        int done = 0;
        int mismatches = 0;
        try (Socket s = connect(target, 5000)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < warmup + count && System.nanoTime() < deadline; i++) {
                long t0 = System.nanoTime();
                out.write(req);
                readFully(in, resp);
                long t1 = System.nanoTime();
                if (!Arrays.equals(req, resp)) {
                    mismatches++;
                }
                if (i >= warmup) {
                    lat[done++] = t1 - t0;
                }
            }
        }
        long[] got = Arrays.copyOf(lat, done);
        Arrays.sort(got);
        System.out.println("RESULT p50_us=" + fmt(pct(got, 50) / 1e3, 1) + " p99_us=" + fmt(pct(got, 99) / 1e3, 1)
                + " p999_us=" + fmt(pct(got, 99.9) / 1e3, 1) + " n=" + done + " size=" + size
                + " mismatches=" + mismatches);
    }

    // ---------------------------------------------------------------- connection rate

    static void connrate(Args a) throws Exception {
        InetSocketAddress target = target(a);
        int clients = a.intOf("clients", 4);
        double seconds = a.doubleOf("seconds", 5);
        double warmup = a.doubleOf("warmup", 1);
        long windowStart = System.nanoTime() + (long) (warmup * 1e9);
        long windowEnd = windowStart + (long) (seconds * 1e9);
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        List<long[]> perThread = Collections.synchronizedList(new ArrayList<>());
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Thread t = new Thread(() -> {
                long[] lat = new long[1 << 16];
                int n = 0;
                byte[] back = new byte[4];
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= windowEnd) {
                        break;
                    }
                    try (Socket s = connect(target, 2000)) {
                        s.setSoTimeout(2000);
                        s.getOutputStream().write(ping);
                        readFully(s.getInputStream(), back);
                        if (!Arrays.equals(ping, back)) {
                            throw new IOException("echo mismatch");
                        }
                    } catch (IOException e) {
                        if (t0 >= windowStart && errors.incrementAndGet() == 1) {
                            System.err.println("first connection error: " + e);
                        }
                        continue;
                    }
                    long t1 = System.nanoTime();
                    if (t0 >= windowStart && t1 <= windowEnd) {
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = t1 - t0;
                    }
                }
                perThread.add(Arrays.copyOf(lat, n));
            }, "client-" + c);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join((long) ((warmup + seconds) * 1000) + 10_000);
        }
        long[] all = perThread.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.println("RESULT cps=" + fmt(all.length / seconds, 0) + " p50_ms=" + fmt(pct(all, 50) / 1e6, 3)
                + " p99_ms=" + fmt(pct(all, 99) / 1e6, 3) + " n=" + all.length + " errors=" + errors.get());
    }

    // ---------------------------------------------------------------- memory

    static void rss(Args a) throws IOException {
        long pid = a.longOf("pid", -1);
        System.out.println("RESULT rss_mb=" + fmt(rssMb(pid), 1) + " pid=" + pid);
    }

    static double rssMb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] f = line.trim().split("\\s+");
                return Long.parseLong(f[1]) / 1024.0;
            }
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    static void idleConns(Args a) throws Exception {
        InetSocketAddress target = target(a);
        int count = a.intOf("count", 1000);
        long holdMs = a.longOf("seconds", 60) * 1000;
        String rssPids = a.str("rss-pids", "");
        long settleMs = (long) (a.doubleOf("settle", 2) * 1000);
        List<Socket> sockets = new ArrayList<>();
        long t0 = System.nanoTime();
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        byte[] back = new byte[4];
        int failed = 0;
        try {
            for (int i = 0; i < count && System.nanoTime() - t0 < 60_000_000_000L; i++) {
                try {
                    Socket s = connect(target, 5000);
                    sockets.add(s);
                    s.setSoTimeout(5000);
                    // One exchange so the whole path (both sidecars, the app) holds the connection, not just a SYN.
                    s.getOutputStream().write(ping);
                    readFully(s.getInputStream(), back);
                } catch (IOException e) {
                    failed++;
                }
            }
            long openMs = (System.nanoTime() - t0) / 1_000_000;
            StringBuilder line = new StringBuilder("RESULT open=" + (sockets.size() - failed) + " failed=" + failed
                    + " open_ms=" + openMs);
            if (!rssPids.isEmpty()) {
                Thread.sleep(settleMs);
                for (String p : rssPids.split(",")) {
                    line.append(" rss_mb_").append(p.trim()).append('=')
                            .append(fmt(rssMb(Long.parseLong(p.trim())), 1));
                }
                System.out.println(line);
                return;
            }
            System.out.println(line);
            System.out.println("HOLDING (type stop, or wait " + holdMs / 1000 + " s)");
            System.out.flush();
            CountDownLatch stop = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        if (l.trim().equals("stop")) {
                            stop.countDown();
                            return;
                        }
                    }
                } catch (IOException ignored) {
                    // no stdin: the timer decides
                }
            }, "stdin");
            reader.setDaemon(true);
            reader.start();
            stop.await(holdMs, TimeUnit.MILLISECONDS);
        } finally {
            sockets.forEach(LoadGen::closeQuietly);
        }
    }

    static void freePorts(Args a) throws IOException {
        int n = a.intOf("count", 1);
        List<ServerSocket> held = new ArrayList<>();
        StringBuilder out = new StringBuilder();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                out.append(i == 0 ? "" : " ").append(s.getLocalPort());
            }
        } finally {
            held.forEach(LoadGen::closeQuietly);
        }
        System.out.println(out);
    }

    // ---------------------------------------------------------------- helpers

    static InetSocketAddress target(Args a) throws UnknownHostException {
        String t = a.str("target", null);
        if (t == null) {
            throw new IllegalArgumentException("--target host:port is required");
        }
        int colon = t.lastIndexOf(':');
        String host = t.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(loopback(host), Integer.parseInt(t.substring(colon + 1)));
    }

    /** Refuses anything that is not loopback: the benchmark must never send traffic off the machine. */
    static InetAddress loopback(String host) throws UnknownHostException {
        InetAddress addr = InetAddress.getByName(host);
        if (!addr.isLoopbackAddress()) {
            System.err.println("refusing non-loopback address " + host + " (" + addr.getHostAddress() + ")");
            System.exit(2);
        }
        return addr;
    }

    static Socket connect(InetSocketAddress target, int timeoutMs) throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(target, timeoutMs);
            return s;
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
    }

    static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                throw new EOFException("closed after " + off + " of " + b.length + " bytes");
            }
            off += n;
        }
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    record Args(Map<String, String> values) {
        static Args parse(String[] argv) {
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i < argv.length; i++) {
                if (!argv[i].startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument " + argv[i]);
                }
                String key = argv[i].substring(2);
                String value = i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : "true";
                m.put(key, value);
            }
            return new Args(m);
        }

        String str(String k, String def) {
            return values.getOrDefault(k, def);
        }

        int intOf(String k, int def) {
            return values.containsKey(k) ? Integer.parseInt(values.get(k)) : def;
        }

        long longOf(String k, long def) {
            return values.containsKey(k) ? Long.parseLong(values.get(k)) : def;
        }

        double doubleOf(String k, double def) {
            return values.containsKey(k) ? Double.parseDouble(values.get(k)) : def;
        }
    }
}

/**
 * Turns the raw samples bench/run.sh collected ({@code key<TAB>where<TAB>value} per line, one line per repeat) into
 * one markdown table of medians with the ratios and the targets of issue 15. {@code --aot true}: the sidecars ran as
 * the image runs them, so the start-up target (which is for the image's JDK) is judged.
 */
final class Report {
    private Report() {
    }

    enum Kind { RATIO, ADDED, EACH, INFO }

    /**
     * One table row: the median of {@code key}'s samples recorded as {@code side} against the median of
     * {@code directKey}'s "direct" samples (the same key unless a row compares with another row's direct figure).
     * A floor row is the same measurement through a stand-in for the sidecars, so its ratio says how close to the
     * target the machine itself comes.
     */
    record Row(String label, String key, Kind kind, double target, String targetText, String side, String directKey,
            boolean aotOnly) {
        Row(String label, String key, Kind kind, double target, String targetText) {
            this(label, key, kind, target, targetText, "proxied", key, false);
        }

        boolean floor() {
            return side.startsWith("floor");
        }

        static Row floor(String label, String side, String key, Kind kind, double target, String targetText) {
            return new Row("floor: " + label, key, kind, target, targetText, side, key, false);
        }
    }

    static final String TCP = "two plain TCP relays (socat)";
    static final String TLS = "two mTLS relays (socat, OpenSSL, the dev agent's leaf certificates)";

    static final List<Row> ROWS = List.of(
            new Row("throughput, 1 stream (Gbit/s)", "tput1.gbps", Kind.RATIO, 0.40, "≥ 0.40× direct"),
            new Row("throughput, 8 streams (Gbit/s)", "tput8.gbps", Kind.RATIO, 0.40, "≥ 0.40× direct"),
            new Row("iperf3 -t 4, 1 stream (Gbit/s)", "iperf1.gbps", Kind.RATIO, 0.40, "≥ 0.40× direct"),
            new Row("iperf3 -t 4 -P 8 (Gbit/s)", "iperf8.gbps", Kind.RATIO, 0.40, "≥ 0.40× direct"),
            new Row("64 B req/resp p50 (µs)", "rr64.p50_us", Kind.ADDED, 60, "added ≤ 60 µs"),
            new Row("64 B req/resp p99 (µs)", "rr64.p99_us", Kind.ADDED, 150, "added ≤ 150 µs"),
            new Row("64 B req/resp p99.9 (µs)", "rr64.p999_us", Kind.ADDED, Double.NaN, ""),
            new Row("4 KiB req/resp p50 (µs)", "rr4k.p50_us", Kind.ADDED, Double.NaN, ""),
            new Row("4 KiB req/resp p99 (µs)", "rr4k.p99_us", Kind.ADDED, Double.NaN, ""),
            new Row("4 KiB req/resp p99.9 (µs)", "rr4k.p999_us", Kind.ADDED, Double.NaN, ""),
            new Row("new connections, 4 clients, steady (conn/s)", "conn.cps", Kind.RATIO, 0.13, "≥ 0.13× direct"),
            new Row("new connection p50 (ms)", "conn.p50_ms", Kind.ADDED, Double.NaN, ""),
            new Row("new connection p99 (ms)", "conn.p99_ms", Kind.ADDED, Double.NaN, ""),
            new Row("new connections, first 10 s after ready, fresh sidecars (conn/s)", "conncold.cps", Kind.RATIO,
                    0.07, "≥ 0.07× direct (steady direct)", "proxied", "conn.cps", false),
            new Row("new connection p99, first 10 s after ready (ms)", "conncold.p99_ms", Kind.ADDED, Double.NaN, "",
                    "proxied", "conn.p99_ms", false),
            new Row("RSS idle, as started by the launcher (MB)", "rss_idle", Kind.EACH, 64, "≤ 64 MB"),
            new Row("RSS with 1,000 open connections (MB)", "rss_1000", Kind.EACH, 160, "≤ 160 MB"),
            new Row("RSS idle after the load (MB)", "rss_after", Kind.EACH, Double.NaN, ""),
            new Row("cold burst through the pair: connections answered", "burst.answered", Kind.EACH, Double.NaN,
                    ""),
            new Row("cold burst: connections lost", "burst.lost", Kind.EACH, 0, "0"),
            new Row("cold burst: slowest probe during it (ms)", "burst.probe_max_ms", Kind.EACH, 1000, "≤ 1000 ms"),
            new Row("cold burst: answer p99 (ms)", "burst.p99_ms", Kind.EACH, Double.NaN, ""),
            new Row("RSS idle on fresh sidecars, before the burst (MB)", "rss_preburst", Kind.EACH, Double.NaN, ""),
            new Row("RSS 1 s after the burst's connections closed (MB)", "rss_burst_0", Kind.EACH, Double.NaN, ""),
            new Row("RSS {S} s after the burst's connections closed (MB)", "rss_burst_end", Kind.EACH, Double.NaN,
                    ""),
            new Row("RSS {S} s after the burst / idle before it", "rss_burst_ratio", Kind.EACH, 1.2,
                    "≤ 1.2× idle within 60 s"),
            new Row("start to ready (ms)", "ready_ms", Kind.EACH, 500, "≤ 500 ms on the image's JDK (--aot runs)",
                    "proxied", "ready_ms", true),
            new Row("start to first proxied exchange (ms)", "first_ms", Kind.EACH, Double.NaN, ""),
            Row.floor(TCP + ", throughput, 1 stream (Gbit/s)", "floor-tcp", "tput1.gbps", Kind.RATIO, 0.40,
                    "≥ 0.40× direct"),
            Row.floor(TCP + ", throughput, 8 streams (Gbit/s)", "floor-tcp", "tput8.gbps", Kind.RATIO, 0.40,
                    "≥ 0.40× direct"),
            Row.floor(TCP + ", iperf3 -t 4, 1 stream (Gbit/s)", "floor-tcp", "iperf1.gbps", Kind.RATIO, 0.40,
                    "≥ 0.40× direct"),
            Row.floor(TCP + ", iperf3 -t 4 -P 8 (Gbit/s)", "floor-tcp", "iperf8.gbps", Kind.RATIO, 0.40,
                    "≥ 0.40× direct"),
            Row.floor(TCP + ", 64 B req/resp p50 (µs)", "floor-tcp", "rr64.p50_us", Kind.ADDED, 60,
                    "added ≤ 60 µs"),
            Row.floor(TCP + ", 64 B req/resp p99 (µs)", "floor-tcp", "rr64.p99_us", Kind.ADDED, 150,
                    "added ≤ 150 µs"),
            Row.floor(TCP + ", new connections (conn/s)", "floor-tcp", "conn.cps", Kind.RATIO, 0.13,
                    "≥ 0.13× direct"),
            Row.floor(TLS + ", new connections (conn/s)", "floor-tls", "conn.cps", Kind.RATIO, 0.13,
                    "≥ 0.13× direct"),
            Row.floor(TLS + ", 64 B req/resp p50 (µs)", "floor-tls", "rr64.p50_us", Kind.ADDED, 60,
                    "added ≤ 60 µs"),
            Row.floor(TLS + ", 64 B req/resp p99 (µs)", "floor-tls", "rr64.p99_us", Kind.ADDED, 150,
                    "added ≤ 150 µs"),
            Row.floor("RSS of an idle `java -XX:+UseSerialGC -Xmx64m` running a trivial class (MB)", "floor-jvm",
                    "rss_floor", Kind.EACH, 64, "≤ 64 MB"),
            Row.floor("RSS of the stack alone, idle after one mTLS exchange: Vert.x 5, Netty epoll, BoringSSL, the "
                    + "sidecar's JVM flags (bench/StackFloor.java) (MB)", "floor-stack", "rss_floor_stack", Kind.EACH,
                    64, "≤ 64 MB"),
            new Row("floor: start to ready of the stack alone, one mTLS exchange (bench/StackFloor.java) (ms)",
                    "ready_floor_stack", Kind.EACH, 500, "≤ 500 ms on the image's JDK (--aot runs)", "floor-stack",
                    "ready_floor_stack", true));

    static void print(LoadGen.Args a) throws IOException {
        boolean aot = Boolean.parseBoolean(a.str("aot", "false"));
        String afterBurst = a.str("after-burst", "60");
        Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(a.str("raw", "raw.tsv")))) {
            String[] f = line.split("\t");
            if (f.length != 3 || f[2].equals("n/a") || f[2].isEmpty()) {
                continue;
            }
            try {
                samples.computeIfAbsent(f[0], k -> new LinkedHashMap<>())
                        .computeIfAbsent(f[1], k -> new ArrayList<>()).add(Double.parseDouble(f[2]));
            } catch (NumberFormatException ignored) {
                // a failed measurement leaves a non-number; it is simply not counted
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("| measurement | direct | through 2 sidecars (floor rows: the stand-in) | ratio / added | target | met |\n");
        out.append("|---|---:|---:|---:|---|---|\n");
        for (Row r : ROWS) {
            Map<String, List<Double>> byWhere = samples.getOrDefault(r.key(), Map.of());
            if (byWhere.isEmpty()) {
                continue;
            }
            String met = "";
            r = new Row(r.label().replace("{S}", afterBurst), r.key(), r.kind(), r.target(), r.targetText(), r.side(),
                    r.directKey(), r.aotOnly());
            if (r.kind() == Kind.EACH) {
                StringBuilder vals = new StringBuilder();
                double worst = Double.NEGATIVE_INFINITY;
                for (var e : byWhere.entrySet()) {
                    double m = median(e.getValue());
                    worst = Math.max(worst, m);
                    vals.append(vals.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                            .append(num(m)).append(n(e.getValue()));
                }
                if (!Double.isNaN(r.target())) {
                    met = verdict(r, worst <= r.target());
                }
                if (r.aotOnly() && !aot) {
                    met = "(not an --aot run)";
                }
                out.append("| ").append(r.label()).append(" | — | ").append(vals).append(" |  | ")
                        .append(r.targetText()).append(" | ").append(met).append(" |\n");
                continue;
            }
            List<Double> d = samples.getOrDefault(r.directKey(), Map.of()).getOrDefault("direct", List.of());
            if (d.isEmpty()) {
                d = byWhere.getOrDefault("direct", List.of());
            }
            List<Double> p = byWhere.getOrDefault(r.side(), List.of());
            double dm = median(d);
            double pm = median(p);
            String rel = "";
            if (!Double.isNaN(dm) && !Double.isNaN(pm)) {
                if (r.kind() == Kind.RATIO) {
                    double ratio = pm / dm;
                    rel = LoadGen.fmt(ratio, 3) + "×";
                    if (!Double.isNaN(r.target())) {
                        met = verdict(r, ratio >= r.target());
                    }
                } else {
                    double added = pm - dm;
                    rel = "+" + num(added);
                    if (!Double.isNaN(r.target())) {
                        met = verdict(r, added <= r.target());
                    }
                }
            }
            if (p.isEmpty()) {
                if (r.floor()) {
                    continue;
                }
                met = "not run";
            }
            out.append("| ").append(r.label()).append(" | ").append(num(dm)).append(n(d)).append(" | ")
                    .append(num(pm)).append(n(p)).append(" | ").append(rel).append(" | ")
                    .append(r.targetText()).append(" | ").append(met).append(" |\n");
        }
        System.out.print(out);
    }

    /** A floor row says whether the stand-in itself reaches the target: if not, the target is beyond this machine. */
    static String verdict(Row r, boolean met) {
        if (r.floor()) {
            return met ? "floor meets it" : "floor misses it";
        }
        return met ? "yes" : "**no**";
    }

    /** The sample count and range next to a median: on a shared machine the spread is part of the figure. */
    static String n(List<Double> v) {
        if (v.size() <= 1) {
            return "";
        }
        double lo = Collections.min(v);
        double hi = Collections.max(v);
        return " (n=" + v.size() + ", " + num(lo) + "–" + num(hi) + ")";
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        return LoadGen.fmt(v, abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }
}

/** The hottest methods of a JFR recording's execution samples: self time (top frame) and total (anywhere on stack). */
final class JfrTop {
    private JfrTop() {
    }

    static void print(LoadGen.Args a) throws IOException {
        int top = a.intOf("top", 25);
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Integer> threads = new HashMap<>();
        int samples = 0;
        int idle = 0;
        try (var file = new jdk.jfr.consumer.RecordingFile(Path.of(a.str("file", "")))) {
            while (file.hasMoreEvents()) {
                var e = file.readEvent();
                String type = e.getEventType().getName();
                if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
                    continue;
                }
                var st = e.getStackTrace();
                if (st == null || st.getFrames().isEmpty()) {
                    continue;
                }
                // a thread parked in epoll_wait is an idle event loop, not work: leave it out
                if (name(st.getFrames().get(0)).equals("Native.epollWait0")) {
                    idle++;
                    continue;
                }
                samples++;
                var t = e.getThread("sampledThread");
                threads.merge(t == null ? "?" : String.valueOf(t.getJavaName()).replaceAll("-\\d+$", "-N"), 1,
                        Integer::sum);
                var frames = st.getFrames();
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new java.util.HashSet<>();
                for (var f : frames) {
                    String n = name(f);
                    if (seen.add(n)) {
                        total.merge(n, 1, Integer::sum);
                    }
                }
            }
        }
        System.out.println("busy samples " + samples + " (execution + native; " + idle + " idle epoll_wait samples left out)");
        dump("threads", threads, samples, top);
        dump("self", self, samples, top);
        dump("total", total, samples, top);
    }

    static String name(jdk.jfr.consumer.RecordedFrame f) {
        var m = f.getMethod();
        String type = m.getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + m.getName();
    }

    static void dump(String title, Map<String, Integer> counts, int samples, int top) {
        System.out.println("-- " + title);
        counts.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).limit(top).forEach(e ->
                System.out.printf(Locale.ROOT, "%6.1f%%  %s%n", 100.0 * e.getValue() / Math.max(1, samples),
                        e.getKey()));
    }
}

/**
 * A cold burst (issue 11): COUNT connections opened at an even rate over SECONDS from one selector thread, each
 * writes a 16-byte token and reads it back, then closes. A connection that ends (EOF, reset, refused) or is still
 * waiting at the deadline without its whole token is lost. Meanwhile a separate thread opens probe connections
 * (blocking, one at a time, at evenly spaced moments of the burst window) and times connect-to-echo. Prints one
 * RESULT line; the exit status is the verdict (0 pass, 1 fail), so bench/burst.sh can gate on it.
 */
final class Burst {
    private Burst() {
    }

    private static final int TOKEN = 16;

    private static final class Conn {
        final int id;
        final long openedNanos;
        final ByteBuffer out;
        final ByteBuffer in = ByteBuffer.allocate(TOKEN);

        Conn(int id, long openedNanos) {
            this.id = id;
            this.openedNanos = openedNanos;
            this.out = ByteBuffer.wrap(token(id));
        }
    }

    static byte[] token(int id) {
        return String.format(java.util.Locale.ROOT, "burst-%010d", id).getBytes(StandardCharsets.US_ASCII);
    }

    static void run(LoadGen.Args a) throws Exception {
        InetSocketAddress target = LoadGen.target(a);
        int count = a.intOf("count", 3000);
        double seconds = a.doubleOf("seconds", 1);
        int probes = a.intOf("probes", 5);
        double timeoutS = a.doubleOf("timeout", 30);
        long maxProbeMs = a.longOf("max-probe-ms", 1000);
        long t0 = System.nanoTime();
        long deadline = t0 + (long) (timeoutS * 1e9);

        long[] probeMs = new long[probes];
        String[] probeErr = new String[probes];
        Thread prober = new Thread(() -> {
            for (int p = 0; p < probes; p++) {
                long at = t0 + (long) ((p + 0.5) * seconds * 1e9 / probes);
                long wait = at - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                long s0 = System.nanoTime();
                byte[] tok = "probe-0000000000".getBytes(StandardCharsets.US_ASCII);
                byte[] back = new byte[TOKEN];
                try (Socket s = LoadGen.connect(target, (int) (timeoutS * 1000))) {
                    s.setSoTimeout((int) (timeoutS * 1000));
                    s.getOutputStream().write(tok);
                    LoadGen.readFully(s.getInputStream(), back);
                    if (!Arrays.equals(tok, back)) {
                        throw new IOException("echo mismatch");
                    }
                    probeMs[p] = (System.nanoTime() - s0) / 1_000_000L;
                } catch (IOException e) {
                    probeMs[p] = -1;
                    probeErr[p] = e.toString();
                }
            }
        }, "probe");
        prober.start();

        long[] doneMs = new long[count];
        long[] bySlot = new long[10];
        long maxConnectMs = 0;
        int answered = 0;
        int lost = 0;
        int opened = 0;
        String firstLoss = null;
        try (Selector selector = Selector.open()) {
            while (answered + lost < count && System.nanoTime() < deadline) {
                long now = System.nanoTime();
                int due = (int) Math.min(count, seconds <= 0 ? count
                        : Math.floor((now - t0) / (seconds * 1e9) * count) + 1);
                while (opened < due) {
                    Conn c = new Conn(opened++, System.nanoTime());
                    try {
                        SocketChannel ch = SocketChannel.open();
                        ch.configureBlocking(false);
                        ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                        boolean connected = ch.connect(target);
                        ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, c);
                    } catch (IOException e) {
                        lost++;
                        firstLoss = firstLoss == null ? "connect #" + c.id + ": " + e : firstLoss;
                    }
                }
                long nextDue = opened < count
                        ? t0 + (long) ((opened) * seconds * 1e9 / count) : deadline;
                long waitMs = Math.max(1, Math.min(100, (nextDue - System.nanoTime()) / 1_000_000L));
                selector.select(waitMs);
                for (SelectionKey k : selector.selectedKeys()) {
                    Conn c = (Conn) k.attachment();
                    SocketChannel ch = (SocketChannel) k.channel();
                    try {
                        if (k.isConnectable()) {
                            ch.finishConnect();
                            maxConnectMs = Math.max(maxConnectMs, (System.nanoTime() - c.openedNanos) / 1_000_000L);
                            k.interestOps(SelectionKey.OP_WRITE);
                        } else if (k.isWritable()) {
                            ch.write(c.out);
                            if (!c.out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (k.isReadable()) {
                            int n = ch.read(c.in);
                            if (n < 0) {
                                throw new EOFException("closed after " + c.in.position() + " of " + TOKEN + " bytes");
                            }
                            if (!c.in.hasRemaining()) {
                                if (!Arrays.equals(c.in.array(), token(c.id))) {
                                    throw new IOException("echo mismatch");
                                }
                                doneMs[answered++] = (System.nanoTime() - c.openedNanos) / 1_000_000L;
                                int slot = (int) Math.min(9, (c.openedNanos - t0) * 10 / Math.max(1, (long) (seconds * 1e9)));
                                bySlot[slot] = Math.max(bySlot[slot], doneMs[answered - 1]);
                                k.cancel();
                                ch.close();
                            }
                        }
                    } catch (IOException e) {
                        lost++;
                        if (firstLoss == null) {
                            firstLoss = "#" + c.id + " after " + (System.nanoTime() - c.openedNanos) / 1_000_000L
                                    + " ms: " + e;
                        }
                        k.cancel();
                        LoadGen.closeQuietly(ch);
                    }
                }
                selector.selectedKeys().clear();
            }
            int pending = count - answered - lost;
            lost += pending;
            if (pending > 0 && firstLoss == null) {
                firstLoss = pending + " still waiting after " + timeoutS + " s";
            }
            for (SelectionKey k : selector.keys()) {
                LoadGen.closeQuietly(k.channel());
            }
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000L;
        prober.join((long) (timeoutS * 1000) + 5000);
        long[] sorted = Arrays.copyOf(doneMs, answered);
        Arrays.sort(sorted);
        long maxProbe = 0;
        int probeFailures = 0;
        StringBuilder probeList = new StringBuilder();
        for (int p = 0; p < probes; p++) {
            probeList.append(p == 0 ? "" : ",").append(probeMs[p]);
            if (probeMs[p] < 0) {
                probeFailures++;
                System.err.println("probe " + p + " failed: " + probeErr[p]);
            } else {
                maxProbe = Math.max(maxProbe, probeMs[p]);
            }
        }
        System.err.println("slowest answer (ms) of the connections opened in each tenth of the burst: "
                + Arrays.toString(bySlot) + "; slowest TCP connect " + maxConnectMs + " ms");
        if (firstLoss != null) {
            System.err.println("first lost connection: " + firstLoss);
        }
        boolean pass = lost == 0 && probeFailures == 0 && maxProbe <= maxProbeMs;
        System.out.println("RESULT count=" + count + " answered=" + answered + " lost=" + lost
                + " p50_ms=" + LoadGen.fmt(LoadGen.pct(sorted, 50), 0)
                + " p99_ms=" + LoadGen.fmt(LoadGen.pct(sorted, 99), 0)
                + " max_ms=" + (answered == 0 ? "NaN" : sorted[answered - 1])
                + " probe_max_ms=" + (probeFailures > 0 ? "failed" : maxProbe) + " probes_ms=" + probeList
                + " elapsed_ms=" + elapsedMs + " verdict=" + (pass ? "PASS" : "FAIL"));
        System.exit(pass ? 0 : 1);
    }
}
