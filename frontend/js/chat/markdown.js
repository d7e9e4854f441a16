// Answers are Markdown: parsed by marked (tables, code blocks, lists), then sanitized by DOMPurify before
// any of it reaches the page, so no HTML the model writes (or copies from a document) ever runs. Images
// are dropped (they would load from other sites, and lab networks may be offline); links open in a new tab.

import { marked } from '/vendor/marked/lib/marked.esm.js';
import DOMPurify from '/vendor/dompurify/dist/purify.es.mjs';
import { linkCitations } from './citations.js';

marked.setOptions({ gfm: true, breaks: false });

const PURIFY = {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'textarea', 'select', 'video', 'audio', 'iframe'],
    FORBID_ATTR: ['style', 'class', 'id'],
    RETURN_DOM_FRAGMENT: true,
};

/** Replaces {@code target}'s content with {@code markdown} rendered, sanitized, citations linked. */
export function renderMarkdown(target, markdown, documents) {
    let fragment;
    try {
        fragment = DOMPurify.sanitize(marked.parse(markdown, { async: false }), PURIFY);
    } catch {
        target.textContent = markdown;
        return;
    }
    for (const link of fragment.querySelectorAll('a[href]')) {
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
    }
    linkCitations(fragment, documents);
    target.replaceChildren(fragment);
}

/** Whether the sanitizer can run here (it needs a DOM with templates; every current browser has one). */
export const sanitizerSupported = DOMPurify.isSupported;
