// One message on screen. A question shows as plain text; an answer as sanitized Markdown with page links,
// re-rendered at most once per frame while it streams, with a line under it: encoding progress while the
// prompt is read, then time to first token, decode speed and how many prompt tokens came from the cache.

import { renderMarkdown } from './markdown.js';
import { decimal, eta, milliseconds, number } from './format.js';

function button(label, title, testid) {
    const element = document.createElement('button');
    element.type = 'button';
    element.className = 'message-action';
    element.textContent = label;
    element.title = title;
    element.dataset.testid = testid;
    return element;
}

async function copy(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        // Not a secure context (plain http on a lab server): the old way still works.
        const area = document.createElement('textarea');
        area.value = text;
        area.style.position = 'fixed';
        area.style.opacity = '0';
        document.body.append(area);
        area.select();
        const copied = document.execCommand('copy');
        area.remove();
        return copied;
    }
}

function copyButton(getText) {
    const copyIt = button('Copy', 'Copy as Markdown', 'copy');
    copyIt.addEventListener('click', async () => {
        const copied = await copy(getText());
        copyIt.textContent = copied ? 'Copied' : 'Copy failed';
        setTimeout(() => { copyIt.textContent = 'Copy'; }, 1500);
    });
    return copyIt;
}

export class QuestionView {
    constructor(text, { onEdit }) {
        this.text = text;
        this.element = document.createElement('article');
        this.element.className = 'message user';
        this.element.dataset.testid = 'user-message';
        const bubble = document.createElement('div');
        bubble.className = 'bubble';
        bubble.textContent = text;
        this.actions = document.createElement('div');
        this.actions.className = 'message-actions';
        this.edit = button('Edit', 'Edit and ask again', 'edit');
        this.edit.addEventListener('click', () => onEdit(this));
        this.edit.hidden = true;
        this.actions.append(this.edit, copyButton(() => this.text));
        this.element.append(bubble, this.actions);
    }

    setLast(last, busy) {
        this.edit.hidden = !last || busy;
    }
}

export class AnswerView {
    constructor({ documents, onRegenerate }) {
        this.documents = documents;
        this.text = '';
        this.requestId = null;
        this.messageId = null;
        this.status = 'waiting';
        this.element = document.createElement('article');
        this.element.className = 'message assistant streaming';
        this.element.dataset.testid = 'answer';
        this.content = document.createElement('div');
        this.content.className = 'markdown';
        this.content.dataset.testid = 'answer-text';
        this.meta = document.createElement('div');
        this.meta.className = 'message-meta';
        this.meta.dataset.testid = 'answer-meta';
        this.meta.append(this.spinner('Waiting for the engine…'));
        this.actions = document.createElement('div');
        this.actions.className = 'message-actions';
        this.regenerate = button('Regenerate', 'Ask the same question again', 'regenerate');
        this.regenerate.addEventListener('click', () => onRegenerate(this));
        this.regenerate.hidden = true;
        this.actions.append(copyButton(() => this.text), this.regenerate);
        this.actions.hidden = true;
        this.element.append(this.content, this.meta, this.actions);
        this.frame = 0;
    }

    spinner(label) {
        const span = document.createElement('span');
        span.className = 'working';
        span.textContent = label;
        return span;
    }

    /** From the server's saved state (a reload, or a conversation opened from the list). */
    static restore(message, options) {
        const view = new AnswerView(options);
        view.messageId = message.id;
        view.setText(message.content);
        if (message.status === 'streaming') {
            view.requestId = message.requestId;
            view.status = 'streaming';
            view.meta.replaceChildren(view.spinner(message.requestId ? 'Writing…' : 'Finishing…'));
        } else if (message.status === 'failed') {
            view.fail(message.error ?? 'The answer failed.');
        } else {
            view.finish(message.status === 'cancelled' ? 'cancelled' : message.finishReason, message.stats, message.error);
        }
        return view;
    }

    accepted(message) {
        this.requestId = message.requestId;
        this.messageId = message.messageId;
        this.status = 'streaming';
        // A page that reattaches gets the whole text so far as its next token: start from nothing.
        this.setText('');
        if (message.queuePosition > 0) {
            this.meta.replaceChildren(this.spinner(`Queued behind ${number(message.queuePosition)} other `
                + `${message.queuePosition === 1 ? 'question' : 'questions'}…`));
        }
    }

    progress(message) {
        if (this.text) {
            return;
        }
        const parts = [`Reading the documents: ${number(message.done)} of ${number(message.total)} tokens`];
        const left = eta(message.etaSeconds);
        if (left) {
            parts.push(`${left} left`);
        }
        this.meta.replaceChildren(this.spinner(parts.join(', ')));
    }

    append(text) {
        if (!this.text) {
            this.meta.replaceChildren(this.spinner('Writing…'));
        }
        this.setText(this.text + text);
    }

    setText(text) {
        this.text = text;
        if (!this.frame) {
            this.frame = requestAnimationFrame(() => {
                this.frame = 0;
                renderMarkdown(this.content, this.text, this.documents);
            });
        }
    }

    /** Renders now (a finished answer should not wait for a frame, e.g. in a background tab). */
    flush() {
        if (this.frame) {
            cancelAnimationFrame(this.frame);
            this.frame = 0;
        }
        renderMarkdown(this.content, this.text, this.documents);
    }

    finish(finishReason, stats, reason) {
        this.status = finishReason === 'cancelled' ? 'cancelled' : 'complete';
        this.element.classList.remove('streaming');
        this.element.classList.toggle('cancelled', this.status === 'cancelled');
        this.flush();
        const line = [];
        if (finishReason === 'cancelled') {
            line.push(reason ? `Stopped: ${reason}.` : 'Stopped.');
        } else if (finishReason === 'length') {
            line.push('Cut at the token limit.');
        }
        if (stats) {
            if (stats.timeToFirstTokenMs != null && stats.completionTokens) {
                line.push(`first token ${milliseconds(stats.timeToFirstTokenMs)}`);
            }
            if (stats.decodeTokensPerSecond) {
                line.push(`${decimal(stats.decodeTokensPerSecond)} tokens/s`);
            }
            if (stats.promptTokens != null) {
                line.push(`${number(stats.cachedTokens ?? 0)} of ${number(stats.promptTokens)} prompt tokens from cache`);
            }
        }
        const meta = document.createElement('span');
        meta.className = 'stats';
        meta.dataset.testid = 'stats';
        meta.textContent = line.join(' · ');
        this.meta.replaceChildren(meta);
        if (!this.text && finishReason === 'cancelled') {
            this.content.textContent = '';
        }
        this.stats = stats;
        this.actions.hidden = false;
    }

    fail(message) {
        this.status = 'failed';
        this.element.classList.remove('streaming');
        this.element.classList.add('failed');
        this.flush();
        const problem = document.createElement('span');
        problem.className = 'notice error';
        problem.dataset.testid = 'answer-error';
        problem.textContent = message;
        this.meta.replaceChildren(problem);
        this.actions.hidden = false;
    }

    setLast(last, busy) {
        this.regenerate.hidden = !last || busy;
    }

    get running() {
        return this.status === 'waiting' || this.status === 'streaming';
    }
}
