// The cache table: a row per document prefix, updated in place every second (so a button is never
// replaced under the pointer), with its actions, and the totals against the RAM and disk budgets.

import { send } from './api.js';
import { ago, bytes, element, millis, number, setText, share } from './format.js';

const COLUMNS = ['document', 'owner', 'tokens', 'size', 'tier', 'pinned', 'hits', 'saved', 'lastHit', 'encode'];
const TIERS = { both: 'RAM + disk', ram: 'RAM', disk: 'disk', none: 'encoding' };

export class CacheTable {
    constructor(onChanged) {
        this.body = document.getElementById('cache-rows');
        this.budgets = document.getElementById('cache-budgets');
        this.empty = document.getElementById('cache-empty');
        this.flash = document.getElementById('cache-flash');
        this.onChanged = onChanged;
        this.rows = new Map();
    }

    render(panel) {
        this.renderBudgets(panel);
        const seen = new Set();
        panel.rows.forEach((row, index) => {
            const key = row.entry.key;
            seen.add(key);
            let tr = this.rows.get(key);
            if (!tr) {
                tr = this.createRow(key);
                this.rows.set(key, tr);
            }
            if (this.body.children[index] !== tr) {
                this.body.insertBefore(tr, this.body.children[index] ?? null);
            }
            this.update(tr, row);
        });
        for (const [key, tr] of this.rows) {
            if (!seen.has(key)) {
                tr.remove();
                this.rows.delete(key);
            }
        }
        this.empty.hidden = panel.rows.length > 0;
    }

    renderBudgets(panel) {
        const meter = (label, used, total, detail, testid) => {
            const box = element('div');
            box.dataset.testid = testid;
            const head = element('div', null, 'meter-label');
            head.append(element('span', label), element('span', `${bytes(used)} of ${bytes(total)} (${share(used, total)})`));
            const bar = element('div', null, 'meter');
            const fill = element('span');
            fill.style.width = `${total ? Math.min(100, (100 * used) / total) : 0}%`;
            bar.append(fill);
            box.append(head, bar, element('div', detail, 'hint'));
            return box;
        };
        const hits = panel.queriedTokens ? `${share(panel.hitTokens, panel.queriedTokens)} of prompt tokens came from the cache`
            : 'no prompts yet';
        this.budgets.replaceChildren(
            meter('RAM held by pinned prefixes', panel.ramBytes, panel.ramBudgetBytes,
                `pins may hold up to ${bytes(panel.pinnedRamLimitBytes)} of the KV budget`, 'cache-ram'),
            meter('Disk', panel.diskBytes, panel.diskBudgetBytes,
                `${panel.rows.length} ${panel.rows.length === 1 ? 'prefix' : 'prefixes'}; ${hits}`, 'cache-disk'));
    }

    createRow(key) {
        const tr = element('tr');
        tr.dataset.testid = 'cache-row';
        tr.dataset.key = key;
        tr.cells_ = {};
        for (const column of COLUMNS) {
            const numeric = ['tokens', 'size', 'hits', 'saved', 'encode'].includes(column);
            const td = element('td', null, numeric ? 'num' : column === 'document' ? 'wrap' : '');
            td.dataset.testid = `cache-${column}`;
            tr.cells_[column] = td;
            tr.append(td);
        }
        const actions = element('td');
        const box = element('div', null, 'actions');
        const button = (label, name, handler, className) => {
            const b = element('button', label, className);
            b.type = 'button';
            b.dataset.testid = `cache-${name}`;
            b.addEventListener('click', () => handler(tr));
            box.append(b);
            return b;
        };
        tr.pinButton = button('Pin', 'pin', row => this.act(row, row.dataset.pinned === 'true' ? 'unpin' : 'pin'));
        tr.evictButton = button('Evict', 'evict', row => this.act(row, 'evict'));
        tr.reencodeButton = button('Re-encode', 'reencode', row => this.act(row, 'reencode'));
        button('Delete', 'delete', row => this.act(row, 'delete'), 'danger');
        actions.append(box);
        tr.append(actions);
        return tr;
    }

    update(tr, row) {
        const entry = row.entry;
        const c = tr.cells_;
        const title = row.documents.length ? row.documents[0].title : entry.label;
        const more = row.documents.length > 1 ? ` (+${row.documents.length - 1} copies)` : '';
        setText(c.document, title + more);
        c.document.title = entry.key;
        setText(c.owner, [...new Set(row.documents.map(d => d.owner))].join(', ') || '—');
        setText(c.tokens, number(entry.tokens));
        setText(c.size, bytes(Math.max(entry.ramBytes, entry.diskBytes)));
        const tier = TIERS[entry.tier] ?? entry.tier;
        if (c.tier.firstChild?.textContent !== tier) {
            c.tier.replaceChildren(element('span', tier, `tier tier-${entry.tier}`));
        }
        setText(c.pinned, entry.pinned ? 'pinned' : '—');
        setText(c.hits, number(entry.hits));
        setText(c.saved, number(entry.tokensSaved));
        setText(c.lastHit, ago(entry.lastHit));
        setText(c.encode, millis(entry.encodeMillis));
        tr.dataset.pinned = String(entry.pinned);
        tr.dataset.tier = entry.tier;
        setText(tr.pinButton, entry.pinned ? 'Unpin' : 'Pin');
        tr.pinButton.title = entry.pinned ? 'Let its blocks leave RAM like any others (the file stays)'
            : 'Keep its blocks in RAM and its file on disk';
        tr.evictButton.disabled = !(entry.tier === 'ram' || entry.tier === 'both');
        tr.evictButton.title = 'Free its RAM now; it is read back from disk when next asked about';
        tr.reencodeButton.title = 'Forget it and encode the document again';
        tr.label = title;
    }

    async act(tr, action) {
        const key = tr.dataset.key;
        if (action === 'delete' && !window.confirm(`Delete the cached prefix of "${tr.label}"? `
                + 'It is encoded again when someone next asks about the document.')) {
            return;
        }
        const requests = {
            pin: ['POST', `/api/admin/cache/${key}/pin`], unpin: ['POST', `/api/admin/cache/${key}/unpin`],
            evict: ['POST', `/api/admin/cache/${key}/evict`], reencode: ['POST', `/api/admin/cache/${key}/reencode`],
            delete: ['DELETE', `/api/admin/cache/${key}`],
        };
        const done = {
            pin: 'Pinned', unpin: 'Unpinned', evict: 'Evicted from RAM (still on disk)', reencode: 'Encoding again',
            delete: 'Deleted',
        };
        tr.querySelectorAll('button').forEach(b => { b.disabled = true; });
        try {
            await send(...requests[action]);
            this.say(`${done[action]}: ${tr.label}`, false);
        } catch (failure) {
            this.say(`Could not ${action === 'reencode' ? 're-encode' : action} ${tr.label}: ${failure.message}`, true);
        } finally {
            tr.querySelectorAll('button').forEach(b => { b.disabled = false; });
            this.onChanged();
        }
    }

    say(text, error) {
        this.flash.textContent = text;
        this.flash.className = `notice ${error ? 'error' : 'ok'}`;
        this.flash.hidden = false;
        clearTimeout(this.flashTimer);
        this.flashTimer = setTimeout(() => { this.flash.hidden = true; }, 6000);
    }
}
