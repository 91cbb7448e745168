package org.lrp4j.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Lays out several images (methods, classes or images) in a grid, each with a title above it (lines split at
 * '\n'), on white. Every cell is as wide as the widest image or title line and as high as the highest image.
 */
public final class Grid {
    private Grid() {
    }

    /** One image of a grid with its title. */
    public record Panel(String title, BufferedImage image) {
    }

    static final int PAD = 8;

    /** The panels in rows of {@code columns} (0 or less: one row). */
    public static BufferedImage layout(List<Panel> panels, int columns) {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a grid needs at least one panel");
        }
        int cols = columns <= 0 ? panels.size() : Math.min(columns, panels.size());
        int rows = (panels.size() + cols - 1) / cols;
        int lines = 0;
        int cellW = 0;
        int imgH = 0;
        for (Panel p : panels) {
            String[] t = p.title() == null ? new String[0] : p.title().split("\n");
            lines = Math.max(lines, t.length);
            for (String s : t) {
                cellW = Math.max(cellW, Text.width(s, Text.TITLE));
            }
            cellW = Math.max(cellW, p.image().getWidth());
            imgH = Math.max(imgH, p.image().getHeight());
        }
        int lineH = Text.lineHeight(Text.TITLE);
        int titleH = lines * lineH + (lines > 0 && lineH > 0 ? 4 : 0);
        int cellH = titleH + imgH;
        BufferedImage out = new BufferedImage(PAD + cols * (cellW + PAD), PAD + rows * (cellH + PAD),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            for (int i = 0; i < panels.size(); i++) {
                Panel p = panels.get(i);
                int x0 = PAD + (i % cols) * (cellW + PAD);
                int y0 = PAD + (i / cols) * (cellH + PAD);
                if (p.title() != null) {
                    String[] t = p.title().split("\n");
                    for (int k = 0; k < t.length; k++) {
                        Text.draw(g, t[k], x0 + cellW / 2, y0 + k * lineH, Text.TITLE, true);
                    }
                }
                g.drawImage(p.image(), x0 + (cellW - p.image().getWidth()) / 2, y0 + titleH, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
