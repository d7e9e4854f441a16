// Figures as an operator reads them: "8,034", "1.2 GB", "0.84 s", "12 s ago".

const integers = new Intl.NumberFormat('en');

export function number(value) {
    return value == null ? '—' : integers.format(Math.round(value));
}

export function bytes(count) {
    if (count == null) {
        return '—';
    }
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = count;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return unit === 0 ? `${count} B` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function share(part, whole) {
    if (!whole) {
        return '0%';
    }
    const value = (100 * part) / whole;
    return value > 0 && value < 1 ? '<1%' : `${Math.round(value)}%`;
}

export function seconds(value) {
    if (value == null) {
        return '—';
    }
    return value < 10 ? `${value.toFixed(2)} s` : `${Math.round(value)} s`;
}

export function millis(value) {
    return value == null ? '—' : seconds(value / 1000);
}

/** Jackson writes instants as ISO text or as epoch seconds with a fraction; both read here. */
export function instant(value) {
    if (value == null) {
        return null;
    }
    return typeof value === 'number' ? new Date(value * 1000) : new Date(value);
}

export function ago(value, now = Date.now()) {
    const when = instant(value);
    if (when == null) {
        return 'never';
    }
    const secondsAgo = Math.max(0, Math.round((now - when.getTime()) / 1000));
    if (secondsAgo < 60) {
        return `${secondsAgo} s ago`;
    }
    if (secondsAgo < 3600) {
        return `${Math.round(secondsAgo / 60)} min ago`;
    }
    if (secondsAgo < 86400) {
        return `${Math.round(secondsAgo / 3600)} h ago`;
    }
    return when.toLocaleDateString('en', { year: 'numeric', month: 'short', day: 'numeric' });
}

/** A child element with text, the way every panel builds its cells. */
export function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text != null) {
        node.textContent = text;
    }
    if (className) {
        node.className = className;
    }
    return node;
}

/** Sets text only when it changed, so a row updated every second keeps its selection and focus. */
export function setText(node, text) {
    if (node.textContent !== text) {
        node.textContent = text;
    }
}
