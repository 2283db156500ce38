package io.connectreactive.connectors.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class LineBufferTest {

    @Test
    void splitsOnLfCrLfAndLoneCrAndCountsPositionsInBytes() {
        LineBuffer buffer = new LineBuffer(64, 0);

        buffer.append(Buffer.buffer("a\nbb\r\nccc\rd\n"));

        assertThat(drain(buffer)).containsExactly("a", "bb", "ccc", "d");
        assertThat(buffer.position()).isEqualTo(12);
        assertThat(buffer.pending()).isZero();
    }

    @Test
    void startsCountingAtTheGivenPosition() {
        LineBuffer buffer = new LineBuffer(64, 100);

        buffer.append(Buffer.buffer("abc\n"));

        assertThat(buffer.nextLine()).isEqualTo("abc");
        assertThat(buffer.position()).isEqualTo(104);
    }

    @Test
    void returnsNoPartialLine() {
        LineBuffer buffer = new LineBuffer(64, 0);

        buffer.append(Buffer.buffer("done\npart"));

        assertThat(buffer.nextLine()).isEqualTo("done");
        assertThat(buffer.nextLine()).isNull();
        assertThat(buffer.position()).isEqualTo(5);
        assertThat(buffer.pending()).isEqualTo(4);
        buffer.append(Buffer.buffer("ial\n"));
        assertThat(buffer.nextLine()).isEqualTo("partial");
        assertThat(buffer.position()).isEqualTo(13);
    }

    @Test
    void holdsATrailingCrUntilTheNextByte() {
        LineBuffer buffer = new LineBuffer(64, 0);

        buffer.append(Buffer.buffer("x\r"));
        assertThat(buffer.nextLine()).isNull();

        buffer.append(Buffer.buffer("\ny\r"));
        assertThat(buffer.nextLine()).isEqualTo("x");
        assertThat(buffer.position()).isEqualTo(3);
        assertThat(buffer.nextLine()).isNull();

        buffer.append(Buffer.buffer("z\n"));
        assertThat(drain(buffer)).containsExactly("y", "z");
        assertThat(buffer.position()).isEqualTo(7);
    }

    @Test
    void joinsAMultiByteCharacterSplitAcrossChunks() {
        byte[] bytes = "日本\n".getBytes(StandardCharsets.UTF_8);
        LineBuffer buffer = new LineBuffer(64, 0);

        buffer.append(bytes, 0, 2);
        assertThat(buffer.nextLine()).isNull();
        buffer.append(bytes, 2, bytes.length - 2);

        assertThat(buffer.nextLine()).isEqualTo("日本");
        assertThat(buffer.position()).isEqualTo(bytes.length);
    }

    @Test
    void growsForALineLongerThanItsCapacity() {
        LineBuffer buffer = new LineBuffer(16, 0);
        String longLine = "x".repeat(1000);

        for (int i = 0; i < longLine.length(); i += 10) {
            buffer.append(Buffer.buffer(longLine.substring(i, i + 10)));
            assertThat(buffer.nextLine()).isNull();
        }
        buffer.append(Buffer.buffer("\n"));

        assertThat(buffer.nextLine()).isEqualTo(longLine);
        assertThat(buffer.capacity()).isGreaterThanOrEqualTo(1001);
    }

    @Test
    void compactsInsteadOfGrowingWhenLinesWereTaken() {
        LineBuffer buffer = new LineBuffer(16, 0);

        for (int i = 0; i < 100; i++) {
            buffer.append(Buffer.buffer("0123456789\n"));
            assertThat(buffer.nextLine()).isEqualTo("0123456789");
        }
        buffer.append(Buffer.buffer("abcdefgh"));
        buffer.append(Buffer.buffer("ij\nk"));
        assertThat(buffer.nextLine()).isEqualTo("abcdefghij");

        buffer.append(Buffer.buffer("lmnopqrstuv\n")); // fits once "k" moves to the front

        assertThat(buffer.nextLine()).isEqualTo("klmnopqrstuv");
        assertThat(buffer.capacity()).isEqualTo(16);
        assertThat(buffer.position()).isEqualTo(1100 + 11 + 13);
    }

    @Test
    void finishTurnsTheRestIntoALastLine() {
        LineBuffer buffer = new LineBuffer(64, 0);
        buffer.append(Buffer.buffer("a\r"));
        assertThat(buffer.nextLine()).isNull();

        buffer.finish();

        assertThat(buffer.nextLine()).isEqualTo("a");
        buffer.append(Buffer.buffer("tail"));
        assertThat(buffer.nextLine()).isEqualTo("tail");
        assertThat(buffer.nextLine()).isNull();
    }

    @Test
    void keepsEmptyLines() {
        LineBuffer buffer = new LineBuffer(64, 0);

        buffer.append(Buffer.buffer("\n\r\n\r\n"));

        assertThat(drain(buffer)).containsExactly("", "", "");
    }

    @Test
    void skipsALineLongerThanTheBoundWithoutAccumulatingIt() {
        List<Long> skipped = new ArrayList<>();
        LineBuffer buffer = new LineBuffer(16, 0, 10, skipped::add);
        buffer.append(Buffer.buffer("ok\n"));
        assertThat(buffer.nextLine()).isEqualTo("ok");

        for (int i = 0; i < 1000; i++) { // a 10,000-byte line, in chunks, no terminator yet
            buffer.append(Buffer.buffer("0123456789"));
            assertThat(buffer.nextLine()).isNull();
        }
        assertThat(buffer.capacity()).as("bytes of a skipped line are dropped").isLessThanOrEqualTo(64);
        assertThat(skipped).containsExactly(3L); // once, where the line starts

        buffer.append(Buffer.buffer("end\r"));
        assertThat(buffer.nextLine()).isNull();
        buffer.append(Buffer.buffer("\nnext\n"));
        assertThat(buffer.nextLine()).isEqualTo("next");
        assertThat(buffer.position()).isEqualTo(3 + 10_000 + 3 + 2 + 5);
        assertThat(skipped).containsExactly(3L);
    }

    @Test
    void skipsATooLongLineThatArrivesWholeAndKeepsOneAtTheBound() {
        List<Long> skipped = new ArrayList<>();
        LineBuffer buffer = new LineBuffer(64, 100, 5, skipped::add);

        buffer.append(Buffer.buffer("12345\n123456\r\nabc\n1234567"));
        buffer.finish();

        assertThat(drain(buffer)).containsExactly("12345", "abc");
        assertThat(skipped).containsExactly(106L, 118L);
        assertThat(buffer.position()).isEqualTo(125);
        assertThat(buffer.pending()).isZero();
    }

    @Test
    void restartCountsAgainFromTheGivenPosition() {
        LineBuffer buffer = new LineBuffer(64, 0);
        buffer.append(Buffer.buffer("old\nrest"));
        buffer.finish();
        assertThat(drain(buffer)).containsExactly("old", "rest");

        buffer.restart(0);
        buffer.append(Buffer.buffer("new\npart"));

        assertThat(drain(buffer)).containsExactly("new");
        assertThat(buffer.position()).isEqualTo(4);
    }

    private static List<String> drain(LineBuffer buffer) {
        List<String> lines = new ArrayList<>();
        for (String line = buffer.nextLine(); line != null; line = buffer.nextLine()) {
            lines.add(line);
        }
        return lines;
    }
}
