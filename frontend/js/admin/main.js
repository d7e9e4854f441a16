// The admin dashboard: one server-sent event stream feeds every panel. The server sends the last hour of
// traffic when the page connects, then the whole dashboard each second; the browser reconnects by itself
// when the connection drops, and the page says so meanwhile.

import { CacheTable } from './cache.js';
import { TrafficCharts } from './charts.js';
import { renderHardware, renderKv, renderModel, renderUsers } from './panels.js';

const live = document.querySelector('[data-testid=live]');
const liveText = document.getElementById('live-text');
const problem = document.getElementById('problem');

const charts = new TrafficCharts();
const cache = new CacheTable(refreshCache);
let lastUpdate = 0;

function render(dashboard) {
    charts.push(dashboard.traffic);
    cache.render(dashboard.cache);
    renderKv(dashboard.kv);
    renderHardware(dashboard.hardware);
    renderModel(dashboard.model);
    renderUsers(dashboard.users);
    lastUpdate = Date.now();
    live.className = 'live on';
    liveText.textContent = 'Live, every second';
    problem.hidden = true;
}

/** After an action, the table shows its effect at once rather than at the next second. */
async function refreshCache() {
    try {
        const response = await fetch('/api/admin/cache/rows');
        if (response.ok) {
            cache.render(await response.json());
        }
    } catch {
        // the next pushed dashboard shows it
    }
}

function connect() {
    const source = new EventSource('/api/admin/stream');
    source.addEventListener('history', event => charts.load(JSON.parse(event.data)));
    source.addEventListener('dashboard', event => {
        try {
            render(JSON.parse(event.data));
        } catch (failure) {
            problem.textContent = `The dashboard could not be shown: ${failure.message}`;
            problem.hidden = false;
            console.error(failure);
        }
    });
    source.addEventListener('error', () => {
        live.className = 'live off';
        if (source.readyState === EventSource.CLOSED) {
            // Refused (signed out, or no longer an admin): the browser does not retry that by itself.
            liveText.textContent = 'Disconnected';
            problem.textContent = 'The dashboard stream was refused. Reload the page (you may have been signed out).';
            problem.hidden = false;
        } else {
            liveText.textContent = 'Reconnecting…';
        }
    });
}

setInterval(() => {
    if (lastUpdate && Date.now() - lastUpdate > 5000) {
        live.className = 'live off';
        liveText.textContent = `No update for ${Math.round((Date.now() - lastUpdate) / 1000)} s; reconnecting…`;
    }
}, 1000);

connect();
