package org.lrp4j.onnx.proto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.lrp4j.onnx.OnnxFormatException;

/**
 * Reads the protocol buffers wire format from a byte array window. Every length is checked against the bytes
 * that remain before anything is allocated, so a forged length fails with {@link OnnxFormatException}.
 */
public final class ProtoReader {
    /** Wire types. */
    public static final int VARINT = 0;
    public static final int I64 = 1;
    public static final int LEN = 2;
    public static final int I32 = 5;

    /** Messages nested deeper than this are rejected (a forged file cannot exhaust the stack). */
    public static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private int pos;
    private final int limit;
    private final int depth;
    private int tag;

    private ProtoReader(byte[] buf, int from, int to, int depth) {
        this.buf = buf;
        this.pos = from;
        this.limit = to;
        this.depth = depth;
    }

    public static ProtoReader of(byte[] bytes) {
        return new ProtoReader(bytes, 0, bytes.length, 0);
    }

    /** The nesting depth of this message (0 for the outermost). */
    public int depth() {
        return depth;
    }

    public boolean hasMore() {
        return pos < limit;
    }

    /** Reads the next tag; returns its field number. */
    public int next() throws OnnxFormatException {
        long t = readVarint();
        if (t > Integer.MAX_VALUE || (t >>> 3) == 0) {
            throw new OnnxFormatException("invalid protobuf tag " + t + " at byte " + pos);
        }
        tag = (int) t;
        int wt = tag & 7;
        if (wt != VARINT && wt != I64 && wt != LEN && wt != I32) {
            throw new OnnxFormatException("unsupported protobuf wire type " + wt + " (field " + (tag >>> 3)
                    + ") at byte " + pos);
        }
        return tag >>> 3;
    }

    public int wireType() {
        return tag & 7;
    }

    private void need(long n, String what) throws OnnxFormatException {
        if (n < 0 || n > limit - pos) {
            throw new OnnxFormatException("truncated or malformed protobuf: " + what + " needs " + n
                    + " bytes but only " + (limit - pos) + " remain (at byte " + pos + ")");
        }
    }

    public long readVarint() throws OnnxFormatException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= limit) {
                throw new OnnxFormatException("truncated protobuf: varint runs past the end (at byte " + pos + ")");
            }
            byte b = buf[pos++];
            v |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new OnnxFormatException("malformed protobuf: varint longer than 10 bytes (at byte " + pos + ")");
    }

    public int readFixed32() throws OnnxFormatException {
        need(4, "a 32-bit value");
        int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    public long readFixed64() throws OnnxFormatException {
        long lo = readFixed32() & 0xffffffffL;
        long hi = readFixed32() & 0xffffffffL;
        return lo | hi << 32;
    }

    private int readLength() throws OnnxFormatException {
        long n = readVarint();
        need(n, "a length-delimited field");
        return (int) n;
    }

    /** A view of the next length-delimited field's bytes (not copied). */
    public ByteBuffer readBytesView() throws OnnxFormatException {
        expect(LEN);
        int n = readLength();
        ByteBuffer b = ByteBuffer.wrap(buf, pos, n).slice().order(ByteOrder.LITTLE_ENDIAN);
        pos += n;
        return b;
    }

    public byte[] readBytes() throws OnnxFormatException {
        expect(LEN);
        int n = readLength();
        byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return b;
    }

    public String readString() throws OnnxFormatException {
        expect(LEN);
        int n = readLength();
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A reader over the next embedded message. */
    public ProtoReader readMessage() throws OnnxFormatException {
        expect(LEN);
        if (depth + 1 > MAX_DEPTH) {
            throw new OnnxFormatException("malformed protobuf: messages nested deeper than " + MAX_DEPTH);
        }
        int n = readLength();
        ProtoReader r = new ProtoReader(buf, pos, pos + n, depth + 1);
        pos += n;
        return r;
    }

    public long readInt64() throws OnnxFormatException {
        expect(VARINT);
        return readVarint();
    }

    public int readInt32() throws OnnxFormatException {
        expect(VARINT);
        return (int) readVarint();
    }

    public float readFloat() throws OnnxFormatException {
        expect(I32);
        return Float.intBitsToFloat(readFixed32());
    }

    /** Appends one or a packed run of floats (field of type float). */
    public void readFloats(Lists.Floats out) throws OnnxFormatException {
        if (wireType() == LEN) {
            int n = readLength();
            if (n % 4 != 0) {
                throw new OnnxFormatException("malformed protobuf: packed floats of " + n + " bytes");
            }
            int end = pos + n;
            out.reserve(n / 4);
            while (pos < end) {
                out.add(Float.intBitsToFloat(readFixed32()));
            }
        } else {
            out.add(readFloat());
        }
    }

    /** Appends one or a packed run of doubles. */
    public void readDoubles(Lists.Doubles out) throws OnnxFormatException {
        if (wireType() == LEN) {
            int n = readLength();
            if (n % 8 != 0) {
                throw new OnnxFormatException("malformed protobuf: packed doubles of " + n + " bytes");
            }
            int end = pos + n;
            out.reserve(n / 8);
            while (pos < end) {
                out.add(Double.longBitsToDouble(readFixed64()));
            }
        } else {
            expect(I64);
            out.add(Double.longBitsToDouble(readFixed64()));
        }
    }

    /** Appends one or a packed run of varints (int32, int64, uint64, bool fields). */
    public void readVarints(Lists.Longs out) throws OnnxFormatException {
        if (wireType() == LEN) {
            int n = readLength();
            int end = pos + n;
            ProtoReader sub = new ProtoReader(buf, pos, end, depth);
            while (sub.pos < end) {
                out.add(sub.readVarint());
            }
            pos = end;
        } else {
            out.add(readInt64());
        }
    }

    /** Skips the value of the current field. */
    public void skip() throws OnnxFormatException {
        switch (wireType()) {
            case VARINT -> readVarint();
            case I64 -> {
                need(8, "a 64-bit value");
                pos += 8;
            }
            case I32 -> {
                need(4, "a 32-bit value");
                pos += 4;
            }
            case LEN -> pos += readLength();
            default -> throw new OnnxFormatException("unsupported protobuf wire type " + wireType());
        }
    }

    private void expect(int wt) throws OnnxFormatException {
        if (wireType() != wt) {
            throw new OnnxFormatException("malformed protobuf: field " + (tag >>> 3) + " has wire type " + wireType()
                    + " but " + wt + " was expected (at byte " + pos + ")");
        }
    }
}
