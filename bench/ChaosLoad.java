import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The app and the load clients of bench/chaos.sh. One file, JDK only, run with the source launcher:
 * {@code java bench/ChaosLoad.java echo|load|report [--flag value ...]}.
 *
 * <ul>
 * <li>{@code echo --bind 127.0.0.1 --port 8080}: the app behind each sidecar. Echoes every byte; when the client
 *     half-closes it finishes writing and half-closes too.</li>
 * <li>{@code load --target 127.0.0.1:9191 --seconds S --out FILE}: mixed traffic through the client's sidecar until
 *     S seconds have passed, every connection attempted accounted for: long streams (sha-256 of what was sent and
 *     what came back compared at the end), short connect/exchange/close, 64 B request/response on a kept
 *     connection (latency), half-closing clients. Writes what it saw to FILE for {@code report}.</li>
 * <li>{@code report --load FILE --events FILE --metrics DIR --resources FILE --minutes N --connect-timeout-ms MS}:
 *     checks every fault's recovery against its bound, counts what was lost, prints one line per fault and the
 *     summary line last; exit 0 only with 0 lost and every fault recovered in bound.</li>
 * </ul>
 * Clients only talk to loopback (their sidecar's upstream listener) and every loop ends at its deadline.
 */
public final class ChaosLoad {

    private ChaosLoad() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: java bench/ChaosLoad.java echo|load|report [--flag value ...]");
            System.exit(2);
        }
        Map<String, String> a = args(Arrays.copyOfRange(argv, 1, argv.length));
        switch (argv[0]) {
            case "echo" -> Echo.run(a);
            case "load" -> Load.run(a);
            case "report" -> System.exit(Report.run(a));
            default -> {
                System.err.println("unknown subcommand " + argv[0]);
                System.exit(2);
            }
        }
    }

    static Map<String, String> args(String[] argv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + argv[i]);
            }
            m.put(argv[i].substring(2), i + 1 < argv.length && !argv[i + 1].startsWith("--") ? argv[++i] : "true");
        }
        return m;
    }

    static long num(Map<String, String> a, String key, long def) {
        return a.containsKey(key) ? Long.parseLong(a.get(key)) : def;
    }

    static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    // ================================================================== the app

    static final class Echo {
        static void run(Map<String, String> a) throws IOException {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(a.getOrDefault("bind", "127.0.0.1")),
                (int) num(a, "port", 8080)), 1024);
            ExecutorService pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(null, r, "echo", 256 * 1024);
                t.setDaemon(true);
                return t;
            });
            System.out.println("LISTENING " + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                pool.execute(() -> {
                    try (s) {
                        s.setTcpNoDelay(true);
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[64 * 1024];
                        int n;
                        while ((n = in.read(buf)) >= 0) {
                            out.write(buf, 0, n);
                        }
                        // the client half-closed: everything is echoed, so say we are done too
                        s.shutdownOutput();
                        while (in.read(buf) >= 0) {
                            // wait for the client's close so it reads our FIN before a reset
                        }
                    } catch (IOException ignored) {
                        // the client went away; the client side accounts for it
                    }
                });
            }
        }
    }

    // ================================================================== the load

    /** How one connection ended, when it did not succeed. */
    record Failure(long startMs, long endMs, String kind, String category, String detail) {
    }

    static final class Load {
        static final String[] KINDS = {"stream", "short", "rr", "halfclose"};

        final InetSocketAddress target;
        final long t0 = System.currentTimeMillis();
        final long deadlineMs;
        /** chaos.sh creates it once its faults are done: the load runs at least until then (10 min more at most). */
        Path stopFile;
        final Map<String, AtomicLong> attempted = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> ok = new ConcurrentHashMap<>();
        final List<Failure> failures = new ArrayList<>();
        /** Per kind, successes counted by the second (since t0) the connection started in. */
        final Map<String, long[]> okBySecond = new ConcurrentHashMap<>();
        final AtomicLong verifiedBytes = new AtomicLong();
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong rrRequests = new AtomicLong();
        final long[] rrLatencyNs = new long[2_000_000];
        final AtomicLong rrSamples = new AtomicLong();

        Load(InetSocketAddress target, long seconds) {
            this.target = target;
            this.deadlineMs = t0 + seconds * 1000;
            for (String k : KINDS) {
                attempted.put(k, new AtomicLong());
                ok.put(k, new AtomicLong());
                okBySecond.put(k, new long[(int) seconds + 600]);
            }
        }

        static void run(Map<String, String> a) throws Exception {
            String[] hp = a.getOrDefault("target", "127.0.0.1:9191").split(":");
            InetAddress host = InetAddress.getByName(hp[0]);
            if (!host.isLoopbackAddress()) {
                throw new IllegalArgumentException("--target must be a loopback address (the local sidecar), got " + hp[0]);
            }
            Load load = new Load(new InetSocketAddress(host, Integer.parseInt(hp[1])), num(a, "seconds", 60));
            if (a.containsKey("until-file")) {
                load.stopFile = Path.of(a.get("until-file"));
            }
            List<Thread> threads = new ArrayList<>();
            int streams = (int) num(a, "streams", 2);
            long streamBytes = num(a, "stream-mb", 16) << 20;
            long streamRate = num(a, "stream-mbps", 4) << 20;
            for (int i = 0; i < streams; i++) {
                long seed = 1000 + i;
                threads.add(load.worker("stream-" + i, () -> load.stream(seed, streamBytes, streamRate)));
            }
            int shortRate = (int) num(a, "short-per-s", 40);
            for (int i = 0; i < 2; i++) {
                long seed = 2000 + i;
                threads.add(load.worker("short-" + i, () -> load.shortConnections(seed, shortRate / 2)));
            }
            threads.add(load.worker("rr", () -> load.requestResponse((int) num(a, "rr-per-s", 200))));
            threads.add(load.worker("halfclose", () -> load.halfClosers(3000, (int) num(a, "halfclose-per-s", 5))));
            for (Thread t : threads) {
                // in-flight connections get 120 s past the deadline (a stream stalled by a fault must finish)
                while (t.isAlive() && load.running()) {
                    t.join(1000);
                }
                t.join(120_000);
                if (t.isAlive()) {
                    load.fail(load.deadlineMs, t.getName().replaceAll("-\\d+$", ""), "client_timeout",
                        "still running 120 s after the end");
                }
            }
            load.write(Path.of(a.getOrDefault("out", "load-result.txt")));
            System.out.println("LOAD DONE " + load.summary());
        }

        Thread worker(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
            return t;
        }

        boolean running() {
            long now = System.currentTimeMillis();
            return now < deadlineMs
                || stopFile != null && now < deadlineMs + 600_000 && !Files.exists(stopFile);
        }

        void succeeded(String kind, long startMs) {
            ok.get(kind).incrementAndGet();
            long[] bySecond = okBySecond.get(kind);
            int sec = (int) ((startMs - t0) / 1000);
            synchronized (bySecond) {
                if (sec >= 0 && sec < bySecond.length) {
                    bySecond[sec]++;
                }
            }
        }

        /** Whether the connection started at {@code startMs} is the last one recorded as failed. */
        boolean failedLast(long startMs) {
            synchronized (failures) {
                return !failures.isEmpty() && failures.get(failures.size() - 1).startMs() == startMs;
            }
        }

        void fail(long startMs, String kind, String category, String detail) {
            synchronized (failures) {
                if (failures.size() < 200_000) {
                    failures.add(new Failure(startMs, System.currentTimeMillis(), kind, category,
                        detail == null ? "" : detail.replaceAll("\\s+", "_")));
                }
            }
        }

        /** The category of an I/O failure as the client saw it. */
        static String category(IOException e, boolean gotAny) {
            if (e instanceof ConnectException) {
                return "refused";
            }
            if (e instanceof SocketTimeoutException) {
                return "client_timeout";
            }
            if (e instanceof EOFException) {
                return gotAny ? "truncated" : "closed";
            }
            if (e instanceof SocketException && String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                return gotAny ? "truncated" : "reset";
            }
            return gotAny ? "truncated" : "closed";
        }

        Socket connect(int readTimeoutMs) throws IOException {
            Socket s = new Socket();
            try {
                s.connect(target, 5000);
                s.setTcpNoDelay(true);
                s.setSoTimeout(readTimeoutMs);
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        }

        static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int n = in.read(b, off, len);
                if (n < 0) {
                    throw new EOFException("EOF with " + len + " bytes still expected");
                }
                off += n;
                len -= n;
            }
        }

        /** A long stream: random bytes at a paced rate, echoed back; sha-256 of both sides compared at the end. */
        void stream(long seed, long bytes, long bytesPerSecond) {
            SplittableRandom seeds = new SplittableRandom(seed);
            while (running()) {
                long start = System.currentTimeMillis();
                attempted.get("stream").incrementAndGet();
                long[] received = {0};
                try (Socket s = connect(60_000)) {
                    long streamSeed = seeds.nextLong();
                    MessageDigest sentHash = MessageDigest.getInstance("SHA-256");
                    MessageDigest gotHash = MessageDigest.getInstance("SHA-256");
                    IOException[] readError = {null};
                    Thread reader = new Thread(() -> {
                        byte[] buf = new byte[64 * 1024];
                        try {
                            InputStream in = s.getInputStream();
                            while (received[0] < bytes) {
                                int n = in.read(buf, 0, (int) Math.min(buf.length, bytes - received[0]));
                                if (n < 0) {
                                    throw new EOFException("EOF after " + received[0] + " of " + bytes + " bytes");
                                }
                                gotHash.update(buf, 0, n);
                                received[0] += n;
                            }
                        } catch (IOException e) {
                            readError[0] = e;
                            closeQuietly(s);
                        }
                    }, "stream-reader");
                    reader.setDaemon(true);
                    reader.start();
                    SplittableRandom data = new SplittableRandom(streamSeed);
                    byte[] chunk = new byte[32 * 1024];
                    OutputStream out = s.getOutputStream();
                    long sent = 0;
                    long t = System.nanoTime();
                    while (sent < bytes) {
                        int n = (int) Math.min(chunk.length, bytes - sent);
                        for (int i = 0; i < n; i += 8) {
                            long r = data.nextLong();
                            for (int j = 0; j < 8 && i + j < n; j++) {
                                chunk[i + j] = (byte) (r >>> (8 * j));
                            }
                        }
                        sentHash.update(chunk, 0, n);
                        out.write(chunk, 0, n);
                        sent += n;
                        long dueNs = t + sent * 1_000_000_000L / bytesPerSecond;
                        long waitMs = (dueNs - System.nanoTime()) / 1_000_000L;
                        if (waitMs > 0) {
                            Thread.sleep(waitMs);
                        }
                    }
                    reader.join(180_000);
                    if (reader.isAlive()) {
                        closeQuietly(s);
                        reader.join(5000);
                        fail(start, "stream", "client_timeout", "echo incomplete after 180 s: " + received[0]);
                        continue;
                    }
                    if (readError[0] != null) {
                        fail(start, "stream", category(readError[0], received[0] > 0), readError[0].getMessage());
                        continue;
                    }
                    if (!Arrays.equals(sentHash.digest(), gotHash.digest())) {
                        mismatches.incrementAndGet();
                        fail(start, "stream", "sha256_mismatch", bytes + " bytes");
                        continue;
                    }
                    verifiedBytes.addAndGet(bytes);
                    succeeded("stream", start);
                } catch (IOException e) {
                    fail(start, "stream", category(e, received[0] > 0), e.getMessage());
                } catch (Exception e) {
                    fail(start, "stream", "client_error", e.toString());
                }
                if (ok.get("stream").get() + attempted.get("stream").get() > 0 && failedLast(start)) {
                    sleepQuietly(200);
                }
            }
        }

        /**
         * Starts {@code perSecond} connections a second, each on its own pooled thread (at most {@code concurrency}
         * at once), so one connection stalled by a fault does not hold back the next ones.
         */
        void paced(int perSecond, int concurrency, java.util.function.Supplier<Runnable> next) {
            java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
            ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
                Thread t = new Thread(r, Thread.currentThread().getName() + "-conn");
                t.setDaemon(true);
                return t;
            });
            long intervalNs = 1_000_000_000L / Math.max(1, perSecond);
            long due = System.nanoTime();
            while (running()) {
                pace(due);
                due += intervalNs;
                Runnable connection = next.get();
                slots.acquireUninterruptibly();
                pool.execute(() -> {
                    try {
                        connection.run();
                    } finally {
                        slots.release();
                    }
                });
            }
            pool.shutdown();
            try {
                pool.awaitTermination(120, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Connect, send 100-300 bytes, read them back, close; {@code perSecond} of them. */
        void shortConnections(long seed, int perSecond) {
            SplittableRandom random = new SplittableRandom(seed);
            paced(perSecond, 32, () -> {
                byte[] msg = new byte[100 + random.nextInt(201)];
                random.nextBytes(msg);
                return () -> shortConnection(msg);
            });
        }

        void shortConnection(byte[] msg) {
            long start = System.currentTimeMillis();
            attempted.get("short").incrementAndGet();
            boolean gotAny = false;
            try (Socket s = connect(20_000)) {
                s.getOutputStream().write(msg);
                byte[] back = new byte[msg.length];
                InputStream in = s.getInputStream();
                int n = in.read(back, 0, back.length);
                if (n < 0) {
                    throw new EOFException("closed before any reply");
                }
                gotAny = true;
                readFully(in, back, n, back.length - n);
                if (!Arrays.equals(msg, back)) {
                    mismatches.incrementAndGet();
                    fail(start, "short", "mismatch", msg.length + " bytes");
                    return;
                }
                verifiedBytes.addAndGet(msg.length);
                succeeded("short", start);
            } catch (IOException e) {
                fail(start, "short", category(e, gotAny), e.getMessage());
            }
        }

        /** 64 B request/response on a kept connection, reconnecting after a failure; latency recorded. */
        void requestResponse(int perSecond) {
            long intervalNs = 1_000_000_000L / Math.max(1, perSecond);
            byte[] req = new byte[64];
            byte[] resp = new byte[64];
            SplittableRandom random = new SplittableRandom(4000);
            while (running()) {
                long start = System.currentTimeMillis();
                attempted.get("rr").incrementAndGet();
                long done = 0;
                try (Socket s = connect(30_000)) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    long next = System.nanoTime();
                    while (running()) {
                        pace(next);
                        next += intervalNs;
                        random.nextBytes(req);
                        long t = System.nanoTime();
                        out.write(req);
                        readFully(in, resp, 0, resp.length);
                        long ns = System.nanoTime() - t;
                        if (!Arrays.equals(req, resp)) {
                            mismatches.incrementAndGet();
                            throw new IOException("64 B answer differs from the request");
                        }
                        done++;
                        rrRequests.incrementAndGet();
                        verifiedBytes.addAndGet(64);
                        long i = rrSamples.getAndIncrement();
                        if (i < rrLatencyNs.length) {
                            rrLatencyNs[(int) i] = ns;
                        }
                    }
                    succeeded("rr", start);
                } catch (IOException e) {
                    String c = e.getMessage() != null && e.getMessage().contains("differs") ? "mismatch"
                        : category(e, done > 0);
                    fail(start, "rr", c, "after " + done + " requests: " + e.getMessage());
                    sleepQuietly(100);
                }
            }
        }

        /** Send 1-64 KiB, half-close, read the echo to EOF: all of it must come back, then the FIN. */
        void halfClosers(long seed, int perSecond) {
            SplittableRandom random = new SplittableRandom(seed);
            paced(perSecond, 8, () -> {
                byte[] msg = new byte[1024 + random.nextInt(63 * 1024)];
                random.nextBytes(msg);
                return () -> halfCloser(msg);
            });
        }

        void halfCloser(byte[] msg) {
            long start = System.currentTimeMillis();
            attempted.get("halfclose").incrementAndGet();
            int got = 0;
            try (Socket s = connect(20_000)) {
                s.getOutputStream().write(msg);
                s.shutdownOutput();
                byte[] back = new byte[msg.length + 1];
                InputStream in = s.getInputStream();
                int n;
                while ((n = in.read(back, got, back.length - got)) >= 0) {
                    got += n;
                    if (got > msg.length) {
                        break;
                    }
                }
                if (got != msg.length) {
                    throw new EOFException("EOF after " + got + " of " + msg.length + " bytes");
                }
                if (!Arrays.equals(msg, 0, msg.length, back, 0, msg.length)) {
                    mismatches.incrementAndGet();
                    fail(start, "halfclose", "mismatch", msg.length + " bytes");
                    return;
                }
                verifiedBytes.addAndGet(msg.length);
                succeeded("halfclose", start);
            } catch (IOException e) {
                fail(start, "halfclose", category(e, got > 0), e.getMessage());
            }
        }

        static void pace(long dueNs) {
            long waitMs = (dueNs - System.nanoTime()) / 1_000_000L;
            if (waitMs > 0) {
                sleepQuietly(waitMs);
            }
        }

        static void sleepQuietly(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            for (String k : KINDS) {
                b.append(k).append(' ').append(ok.get(k).get()).append('/').append(attempted.get(k).get()).append(' ');
            }
            synchronized (failures) {
                b.append("failures ").append(failures.size());
            }
            return b.toString();
        }

        void write(Path file) throws IOException {
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
                w.println("t0 " + t0);
                w.println("end " + System.currentTimeMillis());
                for (String k : KINDS) {
                    w.println("count " + k + " " + attempted.get(k).get() + " " + ok.get(k).get());
                    long[] bySecond = okBySecond.get(k);
                    StringBuilder line = new StringBuilder("okbysec " + k);
                    synchronized (bySecond) {
                        for (long v : bySecond) {
                            line.append(' ').append(v);
                        }
                    }
                    w.println(line);
                }
                w.println("verified " + verifiedBytes.get());
                w.println("mismatches " + mismatches.get());
                w.println("rr_requests " + rrRequests.get());
                int n = (int) Math.min(rrSamples.get(), rrLatencyNs.length);
                long[] lat = Arrays.copyOf(rrLatencyNs, n);
                Arrays.sort(lat);
                w.println("rr_latency_us " + pct(lat, 50) / 1000 + " " + pct(lat, 99) / 1000 + " "
                    + pct(lat, 99.9) / 1000 + " " + (n == 0 ? 0 : lat[n - 1] / 1000));
                synchronized (failures) {
                    for (Failure f : failures) {
                        w.println("fail " + f.startMs() + " " + f.endMs() + " " + f.kind() + " " + f.category() + " "
                            + (f.detail().isEmpty() ? "-" : f.detail()));
                    }
                }
            }
        }

        static long pct(long[] sorted, double p) {
            if (sorted.length == 0) {
                return 0;
            }
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
        }
    }

    // ================================================================== the report

    /** A fault as chaos.sh logged it: applied at start, undone (or recovered from) at end. */
    record Fault(String name, String rule, long startMs, long endMs) {
    }

    static final class Report {
        static int run(Map<String, String> a) throws IOException {
            Path loadFile = Path.of(a.get("load"));
            long t0 = 0;
            long end = 0;
            Map<String, long[]> counts = new TreeMap<>();
            Map<String, long[]> okBySecond = new HashMap<>();
            List<Failure> failures = new ArrayList<>();
            long verified = 0;
            long mismatches = 0;
            long[] latencyUs = new long[4];
            for (String line : Files.readAllLines(loadFile)) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "t0" -> t0 = Long.parseLong(f[1]);
                    case "end" -> end = Long.parseLong(f[1]);
                    case "count" -> counts.put(f[1], new long[]{Long.parseLong(f[2]), Long.parseLong(f[3])});
                    case "okbysec" -> okBySecond.put(f[1], Arrays.stream(f, 2, f.length).mapToLong(Long::parseLong).toArray());
                    case "verified" -> verified = Long.parseLong(f[1]);
                    case "mismatches" -> mismatches = Long.parseLong(f[1]);
                    case "rr_latency_us" -> latencyUs = Arrays.stream(f, 1, 5).mapToLong(Long::parseLong).toArray();
                    case "fail" -> failures.add(new Failure(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], f[4], f[5]));
                    default -> { }
                }
            }
            List<Fault> faults = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of(a.get("events")))) {
                String[] f = line.split(" ");
                if (f[0].equals("fault")) {
                    faults.add(new Fault(f[1], f[2], Long.parseLong(f[3]), Long.parseLong(f[4])));
                }
            }
            long connectTimeoutMs = num(a, "connect-timeout-ms", 3000);
            boolean allRecovered = true;
            for (int i = 0; i < faults.size(); i++) {
                Fault fault = faults.get(i);
                long windowEnd = i + 1 < faults.size() ? faults.get(i + 1).startMs() : end + 120_000;
                String verdict = verdict(fault, windowEnd, failures, okBySecond, t0, connectTimeoutMs);
                boolean good = verdict.startsWith("ok");
                allRecovered &= good;
                System.out.printf(Locale.ROOT, "fault %-22s at %6.1f s: %s%n", fault.name(),
                    (fault.startMs() - t0) / 1000.0, verdict);
            }

            // every failure the clients saw, by what they saw; the proxies' reported reasons beside them
            Map<String, Long> byCategory = new TreeMap<>();
            for (Failure f : failures) {
                byCategory.merge(f.category(), 1L, Long::sum);
            }
            Map<String, Long> reported = proxyReasons(Path.of(a.get("metrics")));
            long reportedTotal = reported.values().stream().mapToLong(Long::longValue).sum();
            // a refused connect was never accepted; closes, resets and cut streams need a reason a proxy gave
            // while the client's sidecar drains after SIGTERM (it logs so, with its grace and drain timeout) it
            // closes new connections on arrival and cuts open ones at the drain timeout, counting neither
            long needReason = 0;
            long draining = 0;
            for (Failure f : failures) {
                if (f.category().equals("refused") || f.category().equals("sha256_mismatch")
                    || f.category().equals("mismatch")) {
                    continue;
                }
                boolean inDrain = faults.stream().anyMatch(d -> d.rule().equals("drain") && f.endMs() >= d.startMs()
                    && f.endMs() <= d.endMs());
                if (inDrain) {
                    draining++;
                } else {
                    needReason++;
                }
            }
            long unexplained = Math.max(0, needReason - reportedTotal);
            long lost = mismatches + unexplained;

            long attempted = counts.values().stream().mapToLong(c -> c[0]).sum();
            long ok = counts.values().stream().mapToLong(c -> c[1]).sum();
            if (attempted != ok + failures.size()) {
                System.out.println("accounting: " + attempted + " attempted != " + ok + " ok + " + failures.size()
                    + " failed");
                lost += Math.abs(attempted - ok - failures.size());
            }
            System.out.println("client failures by kind: " + byKind(failures));
            System.out.println("proxy-reported failure reasons (all sidecars, all processes): " + reported
                + (draining > 0 ? "; " + draining + " closed or cut while C drained (its log: SIGTERM: draining;"
                + " no per-connection count)" : ""));
            if (unexplained > 0) {
                System.out.println("unexplained: clients saw " + needReason + " closed/reset/cut connections, the"
                    + " proxies reported " + reportedTotal + " failures");
            }
            String resources = resources(Path.of(a.get("resources")));
            StringBuilder failedText = new StringBuilder();
            byCategory.forEach((k, v) -> failedText.append(failedText.length() == 0 ? "" : ", ").append(k)
                .append(' ').append(String.format(Locale.ROOT, "%,d", v)));
            String summary = String.format(Locale.ROOT,
                "chaos: %s min, %,d connections (%,d ok, %,d failed%s), %,d lost, %s verified, %s, p99 64 B %.1f ms,"
                    + " %d/%d faults recovered in bound",
                String.format(Locale.ROOT, "%.1f", (end - t0) / 60_000.0), attempted, ok, failures.size(),
                failures.isEmpty() ? "" : ": " + failedText, lost, bytes(verified), resources, latencyUs[1] / 1000.0,
                faults.stream().filter(f -> true).count() - countBad(faults, failures, okBySecond, t0, end,
                    connectTimeoutMs), faults.size());
            System.out.println(summary);
            return lost == 0 && allRecovered && !faults.isEmpty() ? 0 : 1;
        }

        static long countBad(List<Fault> faults, List<Failure> failures, Map<String, long[]> okBySecond, long t0,
                             long end, long connectTimeoutMs) {
            long bad = 0;
            for (int i = 0; i < faults.size(); i++) {
                long windowEnd = i + 1 < faults.size() ? faults.get(i + 1).startMs() : end + 120_000;
                if (!verdict(faults.get(i), windowEnd, failures, okBySecond, t0, connectTimeoutMs).startsWith("ok")) {
                    bad++;
                }
            }
            return bad;
        }

        /**
         * Whether the mesh recovered from a fault within its bound. Failures are attributed to the fault whose
         * window (its start to the next fault's start) they started in.
         * <ul>
         * <li>{@code none}: no connection may fail at all (CA rotation, agent restart with its state).</li>
         * <li>{@code failover}: B unreachable or hung: a new connection started during the fault must not fail (it
         *     goes to A within connect_timeout_ms), nor any 10 s after the fault is undone.</li>
         * <li>{@code degrade}: a slow or lossy link: nothing may fail later than 5 s after it is removed.</li>
         * <li>{@code restart10}: failures only until 10 s after the end (the agent is back, with a new CA).</li>
         * <li>{@code deny}: while denied no new connection started 5 s after the flip succeeds; after the allow,
         *     recovered within 10 s.</li>
         * <li>{@code drain}: the client's sidecar restarted: failures only until 2 s after the new one is ready.</li>
         * </ul>
         */
        static String verdict(Fault fault, long windowEnd, List<Failure> failures, Map<String, long[]> okBySecond,
                              long t0, long connectTimeoutMs) {
            // a failure belongs to the fault in whose window it happened (a long stream cut by a deny started before)
            List<Failure> mine = failures.stream()
                .filter(f -> f.endMs() >= fault.startMs() && f.endMs() < windowEnd).toList();
            long lastStart = mine.stream().mapToLong(Failure::endMs).max().orElse(fault.startMs());
            String seen = mine.size() + " failed" + (mine.isEmpty() ? "" : " " + byKind(mine)) + ", last "
                + String.format(Locale.ROOT, "%+.1f s", (lastStart - fault.endMs()) / 1000.0) + " after the end";
            long limit = switch (fault.rule()) {
                case "none" -> Long.MIN_VALUE;
                case "failover" -> -1;
                case "degrade" -> fault.endMs() + 5000;
                case "restart10", "deny" -> fault.endMs() + 10_000;
                case "drain" -> fault.endMs() + 2000;
                default -> throw new IllegalArgumentException("unknown rule " + fault.rule());
            };
            if (fault.rule().equals("none")) {
                return mine.isEmpty() ? "ok, nothing failed" : "NOT IN BOUND (nothing may fail): " + seen;
            }
            if (fault.rule().equals("failover")) {
                // a new connection must reach A within connect_timeout_ms, not fail; connections that were open
                // through B when it went away (streams, the kept request/response one) may stall or fail
                List<Failure> notFailedOver = failures.stream().filter(f -> f.startMs() >= fault.startMs()
                    && f.startMs() <= fault.endMs() && (f.kind().equals("short") || f.kind().equals("halfclose")))
                    .toList();
                if (!notFailedOver.isEmpty()) {
                    long slowest = notFailedOver.stream().mapToLong(f -> f.endMs() - f.startMs()).max().orElse(0);
                    return "NOT IN BOUND (new connections must go to A within connect_timeout_ms " + connectTimeoutMs
                        + " ms): " + notFailedOver.size() + " new connections failed " + byKind(notFailedOver)
                        + " after up to " + slowest + " ms; " + seen;
                }
                if (lastStart > fault.endMs() + 10_000) {
                    return "NOT IN BOUND (failures 10 s after B is back): " + seen;
                }
                return "ok, new connections failed over within " + connectTimeoutMs + " ms; " + seen;
            }
            if (fault.rule().equals("deny")) {
                long enforcedFrom = fault.startMs() + 5_000;
                long admitted = 0;
                long[] shorts = okBySecond.getOrDefault("short", new long[0]);
                for (long s = (enforcedFrom - t0) / 1000 + 1; s < (fault.endMs() - t0) / 1000 && s < shorts.length; s++) {
                    admitted += shorts[(int) s];
                }
                if (admitted > 0) {
                    return "NOT ENFORCED: " + admitted + " new connections admitted 5 s after the deny; " + seen;
                }
            }
            if (lastStart > limit && !mine.isEmpty()) {
                return "NOT IN BOUND (" + fault.rule() + "): " + seen;
            }
            return "ok, " + seen;
        }

        static String byKind(List<Failure> failures) {
            Map<String, Long> m = new TreeMap<>();
            for (Failure f : failures) {
                m.merge(f.kind() + "/" + f.category(), 1L, Long::sum);
            }
            return m.toString();
        }

        /** Sums the failure counters of every sidecar process's last scrape (a new process starts from 0). */
        static Map<String, Long> proxyReasons(Path dir) throws IOException {
            Map<String, Long> out = new TreeMap<>();
            if (!Files.isDirectory(dir)) {
                return out;
            }
            try (var files = Files.list(dir)) {
                for (Path p : files.filter(p -> p.toString().endsWith(".prom")).toList()) {
                    for (String line : Files.readAllLines(p)) {
                        if (line.startsWith("#")) {
                            continue;
                        }
                        String metric = null;
                        if (line.startsWith("connect_proxy_rejections_total")
                            || line.startsWith("connect_proxy_upstream_dial_failures_total")
                            || line.startsWith("connect_proxy_tls_handshake_failures_total")) {
                            metric = line.substring("connect_proxy_".length(), line.indexOf('{'));
                        }
                        if (metric == null) {
                            continue;
                        }
                        int r = line.indexOf("reason=\"");
                        String reason = r < 0 ? "?" : line.substring(r + 8, line.indexOf('"', r + 8));
                        long value = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                        if (value > 0) {
                            out.merge(reason, value, Long::sum);
                        }
                    }
                }
            }
            return out;
        }

        /** "rss A 61→63 MB, B …, fds A 80→82 …" from the samples chaos.sh took (label, pid, rss kB, fds). */
        static String resources(Path file) throws IOException {
            if (!Files.exists(file)) {
                return "no resource samples";
            }
            Map<String, List<long[]>> byLabel = new TreeMap<>();
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f.length == 5) {
                        byLabel.computeIfAbsent(f[1] + "@" + f[2], k -> new ArrayList<>())
                            .add(new long[]{Long.parseLong(f[0]), Long.parseLong(f[3]), Long.parseLong(f[4])});
                    }
                }
            }
            StringBuilder rss = new StringBuilder("rss");
            StringBuilder fds = new StringBuilder("fds");
            // the longest-lived process of each sidecar: first sample after its first minute vs its last
            Map<String, List<long[]>> longest = new TreeMap<>();
            byLabel.forEach((k, v) -> longest.merge(k.substring(0, k.indexOf('@')), v,
                (x, y) -> x.size() >= y.size() ? x : y));
            longest.forEach((label, samples) -> {
                long firstTime = samples.get(0)[0];
                long[] from = samples.stream().filter(s -> s[0] >= firstTime + 60_000).findFirst()
                    .orElse(samples.get(0));
                long[] to = samples.get(samples.size() - 1);
                rss.append(' ').append(label).append(' ').append(from[1] / 1024).append('→').append(to[1] / 1024)
                    .append(" MB");
                fds.append(' ').append(label).append(' ').append(from[2]).append('→').append(to[2]);
            });
            return rss + ", " + fds;
        }

        static String bytes(long b) {
            if (b >= 1L << 30) {
                return String.format(Locale.ROOT, "%.1f GB", b / (double) (1L << 30));
            }
            return String.format(Locale.ROOT, "%.0f MB", b / (double) (1L << 20));
        }
    }
}
