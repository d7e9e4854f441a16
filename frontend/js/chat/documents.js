// The sidebar's documents: each with its status (extracting, too long by N tokens, encoding n% with an
// estimate, ready), its token count and share of the context window, a tick box to ask about it, "View
// text" and delete. Uploads (drop or pick, several at once) show their own progress through every stage
// until the document is ready, or say clearly why it failed. Names and messages are set as text only.

import { api, upload, ApiError } from './api.js';
import { bytes, eta, number, percent } from './format.js';

// A document being encoded is not askable yet: it becomes ready (its prefix cached) in a moment. An
// extracted one is askable: no model encoded it (or encoding failed), so its first question pays for it.
const ASKABLE = new Set(['extracted', 'ready']);
const WORKING = new Set(['uploaded', 'extracting', 'tokenizing', 'encoding']);

export function isAskable(doc) {
    return ASKABLE.has(doc.status);
}

function overBy(doc) {
    const match = /([\d,]+) tokens over/.exec(doc.message ?? '');
    return match ? match[1] : null;
}

/** The badge for a status: its words and its style. Unknown statuses show as they are, neutral. */
export function statusBadge(doc, live = {}) {
    switch (doc.status) {
        case 'uploaded':
            return { text: 'queued', kind: 'working' };
        case 'extracting':
            // stage 'ocr': Tesseract reads scanned pages, page pagesDone of the pageCount it reads.
            if (live.stage === 'ocr' && live.pagesDone && live.pageCount) {
                return { text: `reading scan ${live.pagesDone}/${live.pageCount}`, kind: 'working',
                    title: 'OCR: the pages have no text layer, so their pictures are read' };
            }
            return {
                text: live.pagesDone && live.pageCount ? `extracting ${live.pagesDone}/${live.pageCount}`
                    : live.pagesDone ? `extracting p. ${live.pagesDone}` : 'extracting',
                kind: 'working',
            };
        case 'tokenizing':
            return { text: 'counting tokens', kind: 'working' };
        case 'encoding': {
            // The events stream and the document both carry {done, total, percent, etaSeconds}; -1: no estimate.
            const progress = live.encoding ?? doc.encoding;
            const share = progress?.percent;
            const left = eta(progress?.etaSeconds);
            return { text: `encoding${share != null ? ` ${Math.round(share)}%` : ''}${left ? `, ${left} left` : ''}`, kind: 'working' };
        }
        case 'extracted':
            // Askable, but not encoded ahead: the first question reads the whole document.
            return doc.tokenCount != null ? { text: 'ready', kind: 'ok', title: 'Ready to ask; not cached yet, so the first question reads the whole document.' }
                : { text: 'extracted', kind: 'neutral', title: 'Text extracted; no model counted its tokens.' };
        case 'ready':
            return { text: 'ready', kind: 'ok', title: 'Encoded and cached: a question costs only its own tokens.' };
        case 'too_long': {
            const over = overBy(doc);
            return { text: over ? `too long by ${over} tokens` : 'too long', kind: 'error' };
        }
        case 'failed':
            return { text: 'failed', kind: 'error' };
        default:
            return { text: String(doc.status ?? 'unknown').replaceAll('_', ' '), kind: 'neutral' };
    }
}

const me = document.querySelector('[data-testid=current-user]')?.textContent.trim();

/** The signed-in user's own documents can be shared and deleted; the team's shared ones only read. */
function isMine(doc) {
    return !doc.owner || doc.owner === me;
}

export class DocumentPanel {
    constructor({ list, empty, uploads, dropzone, input, contextLength, maxUpload, onSelectionChange, onView, onChange }) {
        this.list = list;
        this.empty = empty;
        this.uploads = uploads;
        this.contextLength = contextLength;
        this.maxUpload = maxUpload;
        this.onSelectionChange = onSelectionChange;
        this.onView = onView;
        this.onChange = onChange;
        this.documents = new Map();
        this.live = new Map();
        this.selected = new Set();
        this.locked = null;
        this.events = new Map();
        input.addEventListener('change', () => {
            this.uploadAll([...input.files]);
            input.value = '';
        });
        this.bindDrop(dropzone);
    }

    bindDrop(dropzone) {
        let depth = 0;
        const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
        window.addEventListener('dragenter', (event) => {
            if (hasFiles(event)) {
                depth++;
                document.body.classList.add('dragging-files');
            }
        });
        window.addEventListener('dragleave', (event) => {
            if (hasFiles(event) && --depth <= 0) {
                depth = 0;
                document.body.classList.remove('dragging-files');
            }
        });
        window.addEventListener('dragover', (event) => {
            if (hasFiles(event)) {
                event.preventDefault();
                event.dataTransfer.dropEffect = 'copy';
            }
        });
        window.addEventListener('drop', (event) => {
            if (!hasFiles(event)) {
                return;
            }
            event.preventDefault();
            depth = 0;
            document.body.classList.remove('dragging-files');
            this.uploadAll([...event.dataTransfer.files]);
        });
        dropzone.addEventListener('keydown', (event) => {
            if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                dropzone.querySelector('input').click();
            }
        });
    }

    get(id) {
        return this.documents.get(id);
    }

    /** The ticked documents that can be asked about, in list order. */
    selection() {
        return [...this.documents.values()].filter((doc) => this.selected.has(doc.id) && isAskable(doc));
    }

    /** While a conversation is open its documents are fixed: they show ticked and the boxes are locked. */
    lockTo(ids) {
        this.locked = ids ? new Set(ids) : null;
        this.render();
    }

    async load() {
        const all = await api('/api/documents');
        this.documents = new Map(all.map((doc) => [doc.id, doc]));
        for (const id of [...this.selected]) {
            if (!this.documents.has(id)) {
                this.selected.delete(id);
            }
        }
        for (const doc of all) {
            if (WORKING.has(doc.status)) {
                this.follow(doc.id);
            }
        }
        this.render();
        this.onChange();
    }

    render() {
        const items = [...this.documents.values()].reverse().map((doc) => this.item(doc));
        this.list.replaceChildren(...items);
        this.empty.hidden = items.length > 0 || this.uploads.childElementCount > 0;
    }

    item(doc) {
        const li = document.createElement('li');
        li.className = 'document';
        li.dataset.id = doc.id;
        li.dataset.status = doc.status;
        li.dataset.testid = 'document';

        const askable = isAskable(doc);
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.className = 'document-select';
        box.setAttribute('aria-label', `Ask about ${doc.filename}`);
        if (this.locked) {
            box.checked = this.locked.has(doc.id);
            box.disabled = true;
            box.title = 'This conversation keeps its documents; start a new conversation to choose others.';
        } else {
            box.checked = askable && this.selected.has(doc.id);
            box.disabled = !askable;
            box.title = askable ? 'Ask about this document' : 'Not ready to be asked about';
        }
        box.addEventListener('change', () => {
            if (box.checked) {
                this.selected.add(doc.id);
            } else {
                this.selected.delete(doc.id);
            }
            this.onSelectionChange();
        });

        const body = document.createElement('div');
        body.className = 'document-body';
        const name = document.createElement('span');
        name.className = 'document-name';
        name.textContent = doc.filename;
        name.title = doc.filename;
        const badge = statusBadge(doc, this.live.get(doc.id));
        const status = document.createElement('span');
        status.className = `badge ${badge.kind}`;
        status.dataset.testid = 'document-status';
        status.textContent = badge.text;
        if (badge.title) {
            status.title = badge.title;
        }
        const top = document.createElement('div');
        top.className = 'document-top';
        top.append(name, status);

        const facts = document.createElement('div');
        facts.className = 'document-facts';
        const parts = [];
        if (doc.pageCount) {
            parts.push(`${number(doc.pageCount)} ${doc.pageCount === 1 ? 'page' : 'pages'}`);
        }
        if (doc.tokenCount != null) {
            parts.push(`${number(doc.tokenCount)} tokens`);
            parts.push(`${percent(doc.tokenCount, this.contextLength)} of context`);
        } else {
            parts.push(bytes(doc.sizeBytes));
        }
        if (doc.shared) {
            parts.push(isMine(doc) ? 'shared with the team' : `shared by ${doc.owner}`);
        }
        facts.textContent = parts.join(' · ');
        if (doc.tokenCount != null && this.contextLength) {
            const meter = document.createElement('span');
            meter.className = 'share-meter';
            const fill = document.createElement('span');
            fill.style.width = `${Math.min(100, (100 * doc.tokenCount) / this.contextLength)}%`;
            meter.append(fill);
            facts.append(meter);
        }
        body.append(top, facts);
        if (doc.message && (doc.status === 'failed' || doc.status === 'too_long' || doc.tokenCount == null)) {
            const message = document.createElement('p');
            message.className = `document-message ${doc.status === 'failed' || doc.status === 'too_long' ? 'error' : ''}`;
            message.textContent = doc.message;
            body.append(message);
        }
        const actions = document.createElement('div');
        actions.className = 'document-actions';
        if (doc.textChars != null || askable || doc.status === 'too_long') {
            const view = document.createElement('button');
            view.type = 'button';
            view.className = 'link-button';
            view.textContent = 'View text';
            view.dataset.testid = 'view-text';
            view.addEventListener('click', () => this.onView(doc));
            actions.append(view);
        }
        if (isMine(doc)) {
            const share = document.createElement('button');
            share.type = 'button';
            share.className = 'link-button';
            share.textContent = doc.shared ? 'Stop sharing' : 'Share with team';
            share.title = doc.shared ? 'Only you will see it again' : 'Everyone on this Lectern can read it and ask about it';
            share.dataset.testid = 'share';
            share.addEventListener('click', () => this.share(doc, !doc.shared));
            const remove = document.createElement('button');
            remove.type = 'button';
            remove.className = 'link-button danger';
            remove.textContent = 'Delete';
            remove.addEventListener('click', () => this.remove(doc));
            actions.append(share, remove);
        }
        body.append(actions);

        li.append(box, body);
        return li;
    }

    async share(doc, shared) {
        try {
            const changed = await api(`/api/documents/${doc.id}`, { method: 'PATCH', body: { shared } });
            this.documents.set(doc.id, changed);
            this.render();
        } catch (error) {
            window.alert(error.message);
        }
    }

    async remove(doc) {
        if (!window.confirm(`Delete "${doc.filename}"? Conversations about it can then no longer go on.`)) {
            return;
        }
        try {
            await api(`/api/documents/${doc.id}`, { method: 'DELETE' });
            this.documents.delete(doc.id);
            this.selected.delete(doc.id);
            this.render();
            this.onSelectionChange();
            this.onChange();
        } catch (error) {
            window.alert(error.message);
        }
    }

    /** Follows a document's status events until a final status, updating its badge as they come. */
    follow(id) {
        if (this.events.has(id) || typeof EventSource === 'undefined') {
            return;
        }
        const source = new EventSource(`/api/documents/${id}/events`);
        this.events.set(id, source);
        source.addEventListener('message', (event) => {
            let update;
            try {
                update = JSON.parse(event.data);
            } catch {
                return;
            }
            this.live.set(id, update);
            const doc = this.documents.get(id);
            if (doc) {
                doc.status = update.status;
                if (update.tokenCount != null) {
                    doc.tokenCount = update.tokenCount;
                }
                if (update.pageCount != null) {
                    doc.pageCount = update.pageCount;
                }
                if (update.message !== undefined) {
                    doc.message = update.message;
                }
                doc.encoding = update.encoding ?? null;
                this.render();
            }
            this.uploadsOf(id).forEach((item) => item.update(update));
        });
        source.addEventListener('error', () => {
            // The stream ends after a final status (the server completes it); EventSource then retries,
            // so close it and fetch the document's final state once.
            source.close();
            this.events.delete(id);
            this.refresh(id);
        });
    }

    async refresh(id) {
        try {
            const doc = await api(`/api/documents/${id}`);
            this.documents.set(id, doc);
            if (isAskable(doc) && !this.locked) {
                this.selected.add(id);
            }
            this.uploadsOf(id).forEach((item) => item.finished(doc));
            this.pending?.delete(id);
            this.render();
            this.onSelectionChange();
            this.onChange();
            if (WORKING.has(doc.status)) {
                setTimeout(() => this.follow(id), 1000);
            }
        } catch (error) {
            if (error instanceof ApiError && error.status === 404) {
                this.documents.delete(id);
                this.render();
            }
        }
    }

    /** The upload items showing this document (the same file dropped twice shows twice). */
    uploadsOf(id) {
        return [...(this.pending?.get(id) ?? [])];
    }

    uploadAll(files) {
        for (const file of files) {
            this.uploadOne(file);
        }
    }

    uploadOne(file) {
        this.pending ??= new Map();
        const item = new UploadItem(file.name, () => this.render());
        this.uploads.prepend(item.element);
        this.empty.hidden = true;
        if (file.size > this.maxUpload) {
            item.fail(`"${file.name}" is ${bytes(file.size)}; the largest upload is ${bytes(this.maxUpload)}.`);
            return;
        }
        if (file.size === 0) {
            item.fail(`"${file.name}" is empty (0 bytes); there is nothing to read.`);
            return;
        }
        upload(file, (share) => item.progress(share)).then(({ document: doc, created }) => {
            this.documents.set(doc.id, doc);
            if (!this.pending.has(doc.id)) {
                this.pending.set(doc.id, new Set());
            }
            this.pending.get(doc.id).add(item);
            item.update(doc);
            if (!created) {
                item.note('You uploaded this file before; it is the same document.');
            }
            this.render();
            if (WORKING.has(doc.status)) {
                this.follow(doc.id);
            } else {
                this.refresh(doc.id);
            }
        }, (error) => {
            item.fail(error.message);
            this.render();
        });
    }
}

/** One file on its way in: name, a progress bar through the stages, then ready or why not. */
class UploadItem {
    constructor(filename, onDismiss) {
        this.element = document.createElement('li');
        this.element.className = 'upload';
        this.element.dataset.testid = 'upload';
        const top = document.createElement('div');
        top.className = 'upload-top';
        const name = document.createElement('span');
        name.className = 'document-name';
        name.textContent = filename;
        name.title = filename;
        this.stage = document.createElement('span');
        this.stage.className = 'badge working';
        this.stage.dataset.testid = 'upload-stage';
        this.stage.textContent = 'uploading 0%';
        top.append(name, this.stage);
        this.bar = document.createElement('div');
        this.bar.className = 'progress';
        this.fill = document.createElement('span');
        this.bar.append(this.fill);
        this.message = document.createElement('p');
        this.message.className = 'upload-message';
        this.message.hidden = true;
        this.dismiss = document.createElement('button');
        this.dismiss.type = 'button';
        this.dismiss.className = 'icon-button dismiss';
        this.dismiss.setAttribute('aria-label', 'Dismiss');
        this.dismiss.textContent = '✕';
        this.dismiss.hidden = true;
        this.dismiss.addEventListener('click', () => {
            this.element.remove();
            onDismiss();
        });
        this.element.append(top, this.bar, this.message, this.dismiss);
    }

    progress(share) {
        this.set(`uploading ${Math.round(share * 100)}%`, share * 0.3);
    }

    set(text, share, kind = 'working') {
        this.stage.textContent = text;
        this.stage.className = `badge ${kind}`;
        if (share != null) {
            this.fill.style.width = `${Math.round(share * 100)}%`;
        }
    }

    update(update) {
        const badge = statusBadge(update, update);
        const stages = { uploaded: 0.32, extracting: 0.4, tokenizing: 0.8, encoding: 0.85 };
        let share = stages[update.status];
        if (update.status === 'extracting' && update.pagesDone && update.pageCount) {
            share = 0.35 + 0.4 * (update.pagesDone / update.pageCount);
        }
        if (update.status === 'encoding' && update.encoding?.percent != null) {
            share = 0.85 + 0.15 * (update.encoding.percent / 100);
        }
        this.set(badge.text, share, badge.kind);
    }

    note(text) {
        this.message.textContent = text;
        this.message.hidden = false;
    }

    finished(doc) {
        const badge = statusBadge(doc);
        if (doc.status === 'failed' || doc.status === 'too_long') {
            this.fail(doc.message ?? 'This document cannot be read.', badge.text);
            return;
        }
        this.set(badge.text, 1, badge.kind);
        this.element.classList.add('done');
        setTimeout(() => this.element.remove(), 2500);
    }

    fail(message, label = 'failed') {
        this.set(label, 1, 'error');
        this.element.classList.add('failed');
        this.message.textContent = message;
        this.message.className = 'upload-message error';
        this.message.hidden = false;
        this.dismiss.hidden = false;
    }
}
