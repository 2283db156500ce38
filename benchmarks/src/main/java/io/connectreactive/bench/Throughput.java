package io.connectreactive.bench;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Measures one throughput run while it happens: from the clock's start (a connector's creation, a
 * raw client's go) the harness polls the run's progress (records in a topic, bytes in a file) every
 * few milliseconds and notes when 10 % and 90 % of the records had arrived, with the contender's CPU
 * time (/proc/PID/stat) at both moments. The end-to-end rate counts start-up; the steady-state rate
 * and the CPU per record are those of the 10–90 % window. Used on the harness's main thread.
 */
final class Throughput {

    /** Where steady state starts and ends, as fractions of the run's records. */
    static final double WINDOW_FROM = 0.10;
    static final double WINDOW_TO = 0.90;
    static final String WINDOW = "10–90 % of the records";

    /** The progress of a run, in records (or bytes: any unit, as long as {@code total} is in it). */
    @FunctionalInterface
    interface Progress {
        long get() throws Exception;
    }

    /**
     * One run's figures.
     *
     * @param totalSeconds  clock start → last record
     * @param windowSeconds the 10–90 % window's length
     * @param windowShare   the share of the records the window holds (measured, about 0.8)
     * @param cpuWindow     the contender JVM's CPU seconds in the window (NaN: unknown)
     * @param gcPauseMs     GC pause time in the window (NaN: unknown)
     * @param heapAfterMiB  the largest heap after a GC up to the window's end (NaN: unknown, or no GC)
     * @param windowStart   System.nanoTime() at the window's start
     * @param windowEnd     System.nanoTime() at the window's end
     */
    record Run(double totalSeconds, double windowSeconds, double windowShare, double cpuWindow, double gcPauseMs,
               double heapAfterMiB, long windowStart, long windowEnd) {

        double endToEndRate(long records) {
            return records / totalSeconds;
        }

        double steadyRate(long records) {
            return records * windowShare / windowSeconds;
        }

        /** CPU seconds per million records in the window. */
        double cpuPerMillion(long records) {
            return cpuWindow / (records * windowShare) * 1e6;
        }
    }

    private Throughput() {
    }

    /**
     * Polls {@code progress} from {@code t0} until it reaches {@code total}; fails when it stops
     * growing for {@link Scenarios#STALL} or passes {@code timeout}. A worker's GC figures are added
     * by {@link #withGc} once it has been closed (its GC log is complete then).
     */
    static Run measure(long t0, long total, Progress progress, DoubleSupplier cpu, Duration timeout, String what)
            throws Exception {
        long deadline = t0 + timeout.toNanos();
        long from = (long) Math.ceil(total * WINDOW_FROM);
        long to = (long) Math.ceil(total * WINDOW_TO);
        long tFrom = -1;
        long tTo = -1;
        long atFrom = 0;
        long atTo = 0;
        double cpuFrom = Double.NaN;
        double cpuTo = Double.NaN;
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long p = progress.get();
            if (tFrom < 0 && p >= from) {
                tFrom = now;
                atFrom = p;
                cpuFrom = cpu.getAsDouble();
            }
            if (tTo < 0 && p >= to) {
                tTo = now;
                atTo = p;
                cpuTo = cpu.getAsDouble();
            }
            if (p >= total) {
                double share = Math.min(atTo, total) / (double) total - Math.min(atFrom, total) / (double) total;
                return new Run((now - t0) / 1e9, (tTo - tFrom) / 1e9, share, cpuTo - cpuFrom, Double.NaN, Double.NaN,
                        tFrom, tTo);
            }
            if (p != last) {
                last = p;
                lastChange = now;
            } else if (now - lastChange > Scenarios.STALL.toNanos()) {
                throw new IllegalStateException("stalled: " + what + " stayed at " + p + " of " + total + " for "
                        + Scenarios.STALL.toSeconds() + " s");
            }
            if (now > deadline) {
                throw new IllegalStateException(what + " reached only " + p + " of " + total + " in " + timeout);
            }
            Thread.sleep(2);
        }
    }

    /** A run with its window's GC figures from the worker's GC log. */
    static Run withGc(Run run, WorkerProcess w) {
        return withGc(run, w.gcLog(), w::uptimeMillis);
    }

    /** A run with its window's GC figures from a GC log whose uptimes {@code uptimeMillis} gives. */
    static Run withGc(Run run, WorkerProcess.GcLog gc, java.util.function.LongToDoubleFunction uptimeMillis) {
        double from = uptimeMillis.applyAsDouble(run.windowStart());
        double to = uptimeMillis.applyAsDouble(run.windowEnd());
        return new Run(run.totalSeconds(), run.windowSeconds(), run.windowShare(), run.cpuWindow(),
                gc.pauseMillis(from, to), gc.maxHeapAfterMiB(to), run.windowStart(), run.windowEnd());
    }
}
