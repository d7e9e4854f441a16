// Numbers, sizes and durations as people read them: "8,034 tokens", "1.2 MB", "about 40 s".

const integers = new Intl.NumberFormat('en');
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export function number(value) {
    return integers.format(value);
}

export function decimal(value) {
    return oneDecimal.format(value);
}

export function percent(part, whole) {
    if (!whole) {
        return '0%';
    }
    const share = (100 * part) / whole;
    return share > 0 && share < 1 ? '<1%' : `${Math.round(share)}%`;
}

export function bytes(count) {
    const units = ['B', 'KB', 'MB', 'GB'];
    let value = count;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${count} B` : `${value < 10 ? decimal(value) : Math.round(value)} ${units[unit]}`;
}

/** An estimate of time left: "about 40 s", "about 3 min". */
export function eta(seconds) {
    if (seconds == null || !Number.isFinite(seconds) || seconds < 0) {
        return '';
    }
    if (seconds < 1) {
        return 'under a second';
    }
    if (seconds < 90) {
        return `about ${Math.round(seconds)} s`;
    }
    return `about ${Math.round(seconds / 60)} min`;
}

export function milliseconds(ms) {
    return ms < 1000 ? `${Math.round(ms)} ms` : `${decimal(ms / 1000)} s`;
}

/** "just now", "5 min ago", "yesterday", or a date. */
export function ago(isoTime) {
    const then = new Date(isoTime);
    const seconds = (Date.now() - then.getTime()) / 1000;
    if (seconds < 60) {
        return 'just now';
    }
    if (seconds < 3600) {
        return `${Math.floor(seconds / 60)} min ago`;
    }
    if (seconds < 86400) {
        return `${Math.floor(seconds / 3600)} h ago`;
    }
    if (seconds < 2 * 86400) {
        return 'yesterday';
    }
    return then.toLocaleDateString();
}
