package org.lrp4j.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Titles in headless Java2D with the logical SansSerif font. A JDK without usable fonts (no fontconfig) makes
 * {@link #available()} false; titles are then left out rather than failing the rendering.
 */
final class Text {
    private Text() {
    }

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    private static final Color INK = new Color(0x22, 0x22, 0x22);
    private static volatile Boolean available;

    static boolean available() {
        Boolean a = available;
        if (a == null) {
            try {
                BufferedImage probe = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = probe.createGraphics();
                g.setFont(TITLE);
                g.getFontMetrics().stringWidth("Ag");
                g.drawString("Ag", 0, 3);
                g.dispose();
                a = true;
            } catch (RuntimeException | Error e) {
                a = false;
            }
            available = a;
        }
        return a;
    }

    private static FontMetrics metrics(Font f) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = probe.createGraphics();
        try {
            return g.getFontMetrics(f);
        } finally {
            g.dispose();
        }
    }

    static int width(String s, Font f) {
        return available() ? metrics(f).stringWidth(s) : 0;
    }

    static int lineHeight(Font f) {
        return available() ? metrics(f).getHeight() : 0;
    }

    /** Draws {@code s} with its top at y; centred on x when {@code centre}, else starting at x. */
    static void draw(Graphics2D g, String s, int x, int top, Font f, boolean centre) {
        if (!available()) {
            return;
        }
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(f);
        g.setColor(INK);
        FontMetrics m = g.getFontMetrics();
        int left = centre ? x - m.stringWidth(s) / 2 : x;
        g.drawString(s, left, top + m.getAscent());
    }

    /** Draws {@code s} starting at x with its bottom at y. */
    static void drawBottom(Graphics2D g, String s, int x, int bottom, Font f) {
        draw(g, s, x, bottom - lineHeight(f), f, false);
    }
}
