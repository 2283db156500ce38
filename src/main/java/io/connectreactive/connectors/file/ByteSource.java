package io.connectreactive.connectors.file;

import io.vertx.core.Future;

/**
 * Where a {@link LineStream} gets its bytes: a tailed file ({@link FileTail}) or standard input
 * ({@link StdinSource}).
 *
 * <p>A source delivers bytes only when asked: after {@link #request()} it calls
 * {@link LineStream#onData} once, as soon as bytes are available (a tailed file may wait for them to
 * be appended), or {@link LineStream#onEnd}/{@link LineStream#onError}. Every method is called, and
 * every callback made, on the task's context.
 */
interface ByteSource {

    /** Asks for the next chunk of bytes; does nothing while a request is outstanding. */
    void request();

    /** Stops delivering and releases files, timers and threads. */
    Future<Void> close();
}
