package org.lrp4j.onnx.proto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes the protocol buffers wire format. Repeated numeric fields are written packed. */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    public int size() {
        return out.size();
    }

    private void varint(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void fixed32(int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private void fixed64(long v) {
        fixed32((int) v);
        fixed32((int) (v >>> 32));
    }

    public void tag(int field, int wireType) {
        varint((long) field << 3 | wireType);
    }

    public ProtoWriter int64(int field, long v) {
        tag(field, ProtoReader.VARINT);
        varint(v);
        return this;
    }

    public ProtoWriter float32(int field, float v) {
        tag(field, ProtoReader.I32);
        fixed32(Float.floatToRawIntBits(v));
        return this;
    }

    public ProtoWriter bytes(int field, byte[] b) {
        tag(field, ProtoReader.LEN);
        varint(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    public ProtoWriter bytes(int field, ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] a = new byte[d.remaining()];
        d.get(a);
        return bytes(field, a);
    }

    public ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a nested message. */
    public ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    public ProtoWriter packedFloats(int field, float[] v) {
        ProtoWriter p = new ProtoWriter();
        for (float f : v) {
            p.fixed32(Float.floatToRawIntBits(f));
        }
        return bytes(field, p.toByteArray());
    }

    public ProtoWriter packedDoubles(int field, double[] v) {
        ProtoWriter p = new ProtoWriter();
        for (double d : v) {
            p.fixed64(Double.doubleToRawLongBits(d));
        }
        return bytes(field, p.toByteArray());
    }

    public ProtoWriter packedVarints(int field, long[] v) {
        ProtoWriter p = new ProtoWriter();
        for (long x : v) {
            p.varint(x);
        }
        return bytes(field, p.toByteArray());
    }

    public ProtoWriter packedVarints(int field, int[] v) {
        ProtoWriter p = new ProtoWriter();
        for (int x : v) {
            p.varint(x);
        }
        return bytes(field, p.toByteArray());
    }

    /** Repeated numeric field written unpacked (one tag per value), as older writers do. */
    public ProtoWriter unpackedVarints(int field, long[] v) {
        for (long x : v) {
            int64(field, x);
        }
        return this;
    }
}
