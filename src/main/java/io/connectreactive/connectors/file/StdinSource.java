package io.connectreactive.connectors.file;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.Semaphore;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * Reads standard input for a {@link FileStreamSourceTask} configured without a file.
 *
 * <p>Reading standard input blocks until a line is typed or piped, possibly forever, so it runs on a
 * dedicated daemon thread, {@code cr-file-stdin}, not on the Vert.x worker pool. The thread reads one
 * chunk per {@link #request()} (it waits for the next request in between, so nothing is read ahead
 * of demand) and hands each chunk, the end of input or a failure to the task's context. A read
 * cannot be interrupted: after {@link #close()} the thread exits once its current read returns.
 *
 * <p>{@link #request()} and {@link #close()} are called on the task's context.
 */
final class StdinSource implements ByteSource {

    private final InputStream in;
    private final Context context;
    private final LineStream stream;
    private final Semaphore requests = new Semaphore(0);
    private final Thread thread;
    private volatile boolean closed;
    /** Context-owned: a chunk was asked for and not delivered yet. */
    private boolean requested;

    StdinSource(InputStream in, Context context, LineStream stream) {
        this.in = in;
        this.context = context;
        this.stream = stream;
        this.thread = new Thread(this::run, "cr-file-stdin");
        this.thread.setDaemon(true);
    }

    /** Starts the reading thread; it reads nothing before the first request. */
    void start() {
        thread.start();
    }

    @Override
    public void request() {
        if (!closed && !requested) {
            requested = true;
            requests.release();
        }
    }

    @Override
    public Future<Void> close() {
        closed = true;
        thread.interrupt();
        return Future.succeededFuture();
    }

    private void run() {
        byte[] chunk = new byte[FileTail.CHUNK_BYTES];
        try {
            while (!closed) {
                requests.acquire();
                if (closed) {
                    return;
                }
                int n = in.read(chunk);
                if (n < 0) {
                    context.runOnContext(v -> {
                        if (!closed) {
                            stream.onEnd();
                        }
                    });
                    return;
                }
                Buffer data = Buffer.buffer(n).appendBytes(chunk, 0, n);
                context.runOnContext(v -> deliver(data));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            context.runOnContext(v -> {
                if (!closed) {
                    stream.onError(new ConnectException("Error while reading standard input", e));
                }
            });
        }
    }

    private void deliver(Buffer data) {
        requested = false;
        if (!closed) {
            stream.onData(data);
        }
    }
}
