// Page citations in answers: the system prompt asks the model to cite pages as [p. 3], [p. 3, 5],
// [pp. 3-5] or, with several documents, [Title, p. 3]. Each page number becomes a link that opens the
// document at that page: the browser's PDF viewer at #page=N for PDFs, the extracted text scrolled to its
// [Page N] marker otherwise. Links are built as DOM nodes from the (sanitized) text, never as HTML.
// A document whose pages are not known (pagesKnown: false, e.g. a Word file that records no page starts)
// gets no links: its text has no [Page N] markers, so a page number the model gives would point nowhere.

const CITATION = /[[(]([^[\]()]{0,160}?)\b(pp?\.|pages?)\s*(\d{1,5}(?:\s*(?:[-–—,]|and)\s*\d{1,5})*)\s*[\])]/gi;
const PAGE_NUMBER = /\d{1,5}/g;
const SKIP = new Set(['A', 'CODE', 'PRE', 'KBD', 'SAMP']);

function normalize(text) {
    return text.toLowerCase().replace(/\.[a-z0-9]{1,5}$/, '').replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The document a citation's title part names, or null when it cannot be told (the reader chooses). */
export function resolveDocument(titlePart, documents) {
    if (documents.length === 1) {
        return documents[0];
    }
    const wanted = normalize(titlePart.replace(/[,;:]\s*$/, ''));
    if (!wanted) {
        return null;
    }
    for (const document of documents) {
        for (const name of [document.title, document.filename]) {
            const candidate = name ? normalize(name) : '';
            if (candidate && (candidate.includes(wanted) || wanted.includes(candidate))) {
                return document;
            }
        }
    }
    return null;
}

export function isPdf(document) {
    return document.mediaType === 'application/pdf';
}

/** The original file; its name at the end titles the browser's PDF viewer (the server ignores it). */
export function fileHref(document) {
    return `/api/documents/${document.id}/file/${encodeURIComponent(document.filename)}`;
}

/** Where a page of a document opens. */
export function pageHref(document, page) {
    return isPdf(document) ? `${fileHref(document)}#page=${page}` : `#page=${page}`;
}

function pageLink(page, document) {
    const link = window.document.createElement('a');
    link.className = 'cite';
    link.textContent = page;
    link.dataset.page = page;
    if (document) {
        link.dataset.document = document.id;
        link.href = pageHref(document, page);
        link.title = `Open ${document.filename} at page ${page}`;
        if (isPdf(document)) {
            link.target = '_blank';
            link.rel = 'noopener';
        }
    } else {
        link.href = '#';
        link.dataset.choose = 'true';
        link.title = `Page ${page}: choose the document`;
    }
    return link;
}

/** Whether a document's page citations can be followed; documents from before the field count as known. */
export function hasPages(document) {
    return document.pagesKnown !== false;
}

function citationNode(match, documents) {
    const [, titlePart, word, pages] = match;
    const document = resolveDocument(titlePart, documents);
    if (document && !hasPages(document)) {
        return null;
    }
    const span = window.document.createElement('span');
    span.className = 'citation';
    span.append(match[0][0] + titlePart + word + ' ');
    let last = 0;
    for (const number of pages.matchAll(PAGE_NUMBER)) {
        span.append(pages.slice(last, number.index));
        span.append(pageLink(number[0], document));
        last = number.index + number[0].length;
    }
    span.append(pages.slice(last) + match[0][match[0].length - 1]);
    return span;
}

/** Turns every citation in the text under {@code root} into page links, leaving code and links alone. */
export function linkCitations(root, documents) {
    if (!documents.some(hasPages)) {
        return;
    }
    const walker = window.document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
        acceptNode(node) {
            for (let parent = node.parentNode; parent && parent !== root; parent = parent.parentNode) {
                if (SKIP.has(parent.nodeName)) {
                    return NodeFilter.FILTER_REJECT;
                }
            }
            return NodeFilter.FILTER_ACCEPT;
        },
    });
    const texts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (/p\.|page/i.test(node.nodeValue)) {
            texts.push(node);
        }
    }
    for (const node of texts) {
        const value = node.nodeValue;
        const matches = [...value.matchAll(CITATION)];
        if (!matches.length) {
            continue;
        }
        const fragment = window.document.createDocumentFragment();
        let last = 0;
        for (const match of matches) {
            fragment.append(value.slice(last, match.index));
            fragment.append(citationNode(match, documents) ?? match[0]);
            last = match.index + match[0].length;
        }
        fragment.append(value.slice(last));
        node.replaceWith(fragment);
    }
}
