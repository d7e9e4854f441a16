// "View text": a document's extracted text, exactly what the model reads, with its [Page N] markers shown
// as headings. Opening it at a page scrolls to that marker and highlights it. The text is set as text,
// never as HTML.

import { text as fetchText } from './api.js';
import { fileHref, isPdf } from './citations.js';

const MARKER = /^\[(Page|Slide) (\d+)\]$/gm;

export class TextViewer {
    constructor(elements) {
        this.panel = elements.panel;
        this.title = elements.title;
        this.body = elements.body;
        this.fileLink = elements.fileLink;
        this.cache = new Map();
        this.current = null;
        elements.close.addEventListener('click', () => this.close());
    }

    get isOpen() {
        return !this.panel.hidden;
    }

    close() {
        this.panel.hidden = true;
        document.body.classList.remove('viewer-open');
        this.current = null;
    }

    /** Shows {@code doc}'s text, scrolled to {@code page} when given. */
    async open(doc, page) {
        this.panel.hidden = false;
        document.body.classList.add('viewer-open');
        this.title.textContent = doc.filename;
        this.fileLink.href = `${fileHref(doc)}${isPdf(doc) && page ? `#page=${page}` : ''}`;
        this.fileLink.textContent = isPdf(doc) ? 'Open the PDF' : 'Download the file';
        if (this.current !== doc.id) {
            this.current = doc.id;
            this.body.replaceChildren(Object.assign(document.createElement('p'), {
                className: 'viewer-loading', textContent: 'Loading the text…',
            }));
            try {
                let content = this.cache.get(doc.id);
                if (content === undefined) {
                    content = await fetchText(`/api/documents/${doc.id}/text`);
                    this.cache.set(doc.id, content);
                }
                if (this.current !== doc.id) {
                    return;
                }
                this.render(content);
            } catch (error) {
                const problem = document.createElement('p');
                problem.className = 'notice error';
                problem.textContent = error.message;
                this.body.replaceChildren(problem);
                return;
            }
        }
        this.scrollTo(page);
    }

    render(content) {
        const fragment = document.createDocumentFragment();
        let last = 0;
        let block = null;
        const addText = (piece) => {
            if (!piece.trim()) {
                return;
            }
            block = document.createElement('div');
            block.className = 'viewer-text';
            block.textContent = piece.replace(/^\n+|\n+$/g, '');
            fragment.append(block);
        };
        for (const match of content.matchAll(MARKER)) {
            addText(content.slice(last, match.index));
            const marker = document.createElement('h3');
            marker.className = 'page-marker';
            marker.id = `viewer-page-${match[2]}`;
            marker.dataset.page = match[2];
            marker.textContent = match[0];
            fragment.append(marker);
            last = match.index + match[0].length;
        }
        addText(content.slice(last));
        if (!fragment.childNodes.length) {
            addText('(This document has no text.)');
        }
        this.body.replaceChildren(fragment);
    }

    scrollTo(page) {
        for (const old of this.body.querySelectorAll('.page-marker.highlight')) {
            old.classList.remove('highlight');
        }
        if (!page) {
            this.body.scrollTop = 0;
            return;
        }
        const marker = this.body.querySelector(`#viewer-page-${CSS.escape(String(page))}`);
        if (marker) {
            marker.classList.add('highlight');
            marker.scrollIntoView({ block: 'start' });
        }
    }
}
