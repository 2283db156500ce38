package io.connectreactive.runtime.source;

import java.util.Map;

import io.vertx.core.Future;

/**
 * What a source task verticle drives, whichever way its records travel: a classic task's
 * {@link ClassicSourceLoop} (poll, convert and send on the task's own thread) or a reactive task's
 * {@link SourcePipeline} (on the event loop). Called on the task's context.
 */
interface SourceFlow {

    /** Starts reading. */
    void start();

    /** Stops reading (the connector was paused); records in flight still complete. */
    void pause();

    /** Reads again after {@link #pause()}. */
    void resume();

    /** Records read and not yet acknowledged (or dropped). */
    int inFlight();

    /** The committable offsets gathered since the last call (partition → offset). */
    Map<Map<String, ?>, Map<String, ?>> takeCommittable();

    /** Puts back offsets whose write failed, unless a newer offset of the same partition became committable. */
    void restoreCommittable(Map<Map<String, ?>, Map<String, ?>> failed);

    /** Stops reading; completes once every record read is acknowledged, or the flow failed. */
    Future<Void> drain();

    /** After the drain (or its timeout), or when the task is abandoned: reads and sends nothing more. */
    void close();
}
