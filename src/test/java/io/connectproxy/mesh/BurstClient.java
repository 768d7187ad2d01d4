package io.connectproxy.mesh;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens {@code count} connections at an even rate over {@code spread} from one selector thread (no thread per
 * connection), each writes a 16-byte token and reads it back; the same as bench/LoadGen's {@code burst}, for
 * tests. A connection that ends or is still waiting at the deadline without its whole token is lost.
 */
final class BurstClient {
    private static final int TOKEN = 16;

    /** What happened: answered + lost = count. */
    record Outcome(int count, int answered, int lost, String firstLoss, long slowestMs) {
    }

    private BurstClient() {
    }

    static byte[] token(int id) {
        return String.format(Locale.ROOT, "burst-%010d", id).getBytes(StandardCharsets.US_ASCII);
    }

    static Outcome run(InetSocketAddress target, int count, Duration spread, Duration deadline) throws IOException {
        long t0 = System.nanoTime();
        long end = t0 + deadline.toNanos();
        int opened = 0;
        int answered = 0;
        int lost = 0;
        long slowest = 0;
        String firstLoss = null;
        try (Selector selector = Selector.open()) {
            while (answered + lost < count && System.nanoTime() < end) {
                long due = Math.min(count, (System.nanoTime() - t0) * count / Math.max(1, spread.toNanos()) + 1);
                while (opened < due) {
                    int id = opened++;
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    long[] state = {System.nanoTime(), id};
                    boolean connected = ch.connect(target);
                    ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT,
                            new Object[] {state, ByteBuffer.wrap(token(id)), ByteBuffer.allocate(TOKEN)});
                }
                selector.select(10);
                for (SelectionKey k : selector.selectedKeys()) {
                    Object[] att = (Object[]) k.attachment();
                    long[] state = (long[]) att[0];
                    ByteBuffer out = (ByteBuffer) att[1];
                    ByteBuffer in = (ByteBuffer) att[2];
                    SocketChannel ch = (SocketChannel) k.channel();
                    try {
                        if (k.isConnectable()) {
                            ch.finishConnect();
                            k.interestOps(SelectionKey.OP_WRITE);
                        } else if (k.isWritable()) {
                            ch.write(out);
                            if (!out.hasRemaining()) {
                                k.interestOps(SelectionKey.OP_READ);
                            }
                        } else if (k.isReadable()) {
                            if (ch.read(in) < 0) {
                                throw new EOFException("closed after " + in.position() + " of " + TOKEN + " bytes");
                            }
                            if (!in.hasRemaining()) {
                                if (!Arrays.equals(in.array(), token((int) state[1]))) {
                                    throw new IOException("echo mismatch");
                                }
                                answered++;
                                slowest = Math.max(slowest, (System.nanoTime() - state[0]) / 1_000_000L);
                                k.cancel();
                                ch.close();
                            }
                        }
                    } catch (IOException e) {
                        lost++;
                        if (firstLoss == null) {
                            firstLoss = "#" + state[1] + " after " + (System.nanoTime() - state[0]) / 1_000_000L
                                    + " ms: " + e;
                        }
                        k.cancel();
                        ch.close();
                    }
                }
                selector.selectedKeys().clear();
            }
            for (SelectionKey k : selector.keys()) {
                k.channel().close();
            }
        }
        int pending = count - answered - lost;
        if (pending > 0 && firstLoss == null) {
            firstLoss = pending + " still waiting after " + deadline;
        }
        return new Outcome(count, answered, lost + pending, firstLoss, slowest);
    }
}
