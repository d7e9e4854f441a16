package dev.lectern.web;

import java.util.Locale;

import org.springframework.stereotype.Component;

/** Number formats for templates ({@code ${@formats.bytes(n)}}), so pages show "4.0 GB", not 4294967296. */
@Component("formats")
public class ViewFormats {

    private static final String[] UNITS = {"B", "KB", "MB", "GB", "TB"};

    /** Binary multiples with the short decimal names people read on disks and in dashboards. */
    public String bytes(long count) {
        if (count < 1024) {
            return count + " B";
        }
        double value = count;
        int unit = 0;
        while (value >= 1024 && unit < UNITS.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, UNITS[unit]);
    }

    public String number(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
