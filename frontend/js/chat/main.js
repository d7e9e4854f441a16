// The chat page: wires the sidebar (conversations, documents, uploads), the messages, the composer and
// the chat socket together. Every error the user can meet is shown where they are looking, and nothing
// they typed is lost: a refused question goes back into the box.

import { api, ApiError } from './api.js';
import { ChatConnection } from './socket.js';
import { ConversationList } from './conversations.js';
import { DocumentPanel, isAskable } from './documents.js';
import { AnswerView, QuestionView } from './messages.js';
import { TextViewer } from './viewer.js';
import { hasPages, isPdf, pageHref } from './citations.js';
import { number, percent } from './format.js';

const $ = (id) => document.getElementById(id);
const config = {
    engineState: document.body.dataset.engineState,
    engineMessage: document.body.dataset.engineMessage,
    contextLength: Number(document.body.dataset.contextLength) || 0,
    maxUpload: Number(document.body.dataset.maxUpload) || Infinity,
    conversation: document.body.dataset.conversation || null,
};

const elements = {
    messages: $('messages'),
    emptyState: $('empty-state'),
    question: $('question'),
    composer: $('composer'),
    send: $('send'),
    stop: $('stop'),
    hint: $('composer-hint'),
    problem: $('ask-problem'),
    title: $('conversation-title'),
    rename: $('rename-conversation'),
    chips: $('conversation-documents'),
    gauge: $('context-gauge'),
    gaugeFill: $('gauge-fill'),
    gaugeLabel: $('gauge-label'),
    engineNotice: $('engine-notice'),
    connectionNotice: $('connection-notice'),
};

const DEFAULT_HINT = 'Enter sends, Shift+Enter starts a new line.';

/** The open conversation; id null for a new one, not yet asked. */
let current = emptyConversation();
/** Answers this page shows that are being written, by request id. */
const answers = new Map();
/** A question sent and not yet accepted or refused. */
let pending = null;
/** The last question, being edited to ask again in its place. */
let editing = null;
let engineReady = config.engineState === 'READY';
let hintTimer = 0;

function emptyConversation() {
    return { id: null, title: 'New conversation', documents: [], documentsIntact: true, exchanges: [] };
}

const viewer = new TextViewer({
    panel: $('viewer'), title: $('viewer-title'), body: $('viewer-body'), fileLink: $('viewer-file'), close: $('viewer-close'),
});

const documents = new DocumentPanel({
    list: $('document-list'),
    empty: $('documents-empty'),
    uploads: $('upload-list'),
    dropzone: $('dropzone'),
    input: $('file-input'),
    contextLength: config.contextLength,
    maxUpload: config.maxUpload,
    onSelectionChange: () => updateComposer(),
    onView: (doc) => viewer.open(doc),
    onChange: () => updateComposer(),
});

const conversations = new ConversationList({
    list: $('conversation-list'),
    empty: $('conversations-empty'),
    onOpen: (id) => openConversation(id),
    onDeleted: (id) => {
        if (current.id === id) {
            newConversation();
        }
    },
});

const connection = new ChatConnection({ onMessage: received, onState: connectionChanged });

// ---- conversations -------------------------------------------------------------------------------

/** The documents citations in the open conversation can point to (with titles from the sidebar's copy). */
function citationDocuments() {
    const refs = current.id ? current.documents : documents.selection();
    return refs.map((ref) => ({ ...ref, title: documents.get(ref.id)?.title ?? ref.title,
        pagesKnown: documents.get(ref.id)?.pagesKnown ?? ref.pagesKnown }));
}

function newConversation({ push = true } = {}) {
    current = emptyConversation();
    editing = null;
    hideProblem();
    elements.messages.replaceChildren(elements.emptyState);
    elements.emptyState.hidden = false;
    documents.lockTo(null);
    conversations.setActive(null);
    if (push && window.location.pathname !== '/') {
        window.history.pushState({}, '', '/');
    }
    showTitle();
    updateComposer();
    closeDrawer();
    elements.question.focus();
}

async function openConversation(id, { push = true } = {}) {
    closeDrawer();
    let loaded;
    try {
        loaded = await api(`/api/conversations/${id}`);
    } catch (error) {
        current = emptyConversation();
        const problem = document.createElement('p');
        problem.className = 'notice error';
        problem.textContent = error instanceof ApiError && error.status === 404
            ? 'This conversation does not exist, or is not yours. Start a new one.' : error.message;
        elements.messages.replaceChildren(problem);
        showTitle();
        updateComposer();
        return;
    }
    if (push && window.location.pathname !== `/conversations/${id}`) {
        window.history.pushState({}, '', `/conversations/${id}`);
    }
    showConversation(loaded);
}

function showConversation(loaded) {
    for (const [requestId, view] of answers) {
        if (!view.element.isConnected) {
            answers.delete(requestId);
        }
    }
    current = { ...loaded, exchanges: [] };
    editing = null;
    elements.emptyState.hidden = true;
    const views = [];
    let exchange = null;
    for (const message of loaded.messages) {
        if (message.role === 'user') {
            exchange = { question: questionView(message.content), answer: null };
            current.exchanges.push(exchange);
            views.push(exchange.question.element);
        } else if (exchange) {
            const answer = AnswerView.restore(message, answerOptions());
            exchange.answer = answer;
            views.push(answer.element);
            if (message.status === 'streaming' && message.requestId && connection.open) {
                answers.set(message.requestId, answer);
                connection.send({ type: 'watch', requestId: message.requestId });
            }
        }
    }
    elements.messages.replaceChildren(...views);
    documents.lockTo(loaded.documents.map((d) => d.id));
    conversations.setActive(loaded.id);
    showTitle();
    updateComposer();
    scrollToEnd(true);
}

function showTitle() {
    elements.title.textContent = current.title;
    document.title = `${current.id ? current.title : 'Chat'} · Lectern`;
    elements.rename.hidden = !current.id;
    const chips = (current.id ? current.documents : documents.selection()).map((doc) => {
        const chip = document.createElement('li');
        const open = document.createElement('button');
        open.type = 'button';
        open.className = 'chip';
        open.textContent = doc.filename;
        open.title = `View the text of ${doc.filename}`;
        open.addEventListener('click', () => viewer.open(doc));
        chip.append(open);
        return chip;
    });
    if (current.id && !current.documentsIntact) {
        const gone = document.createElement('li');
        gone.className = 'chip-note';
        gone.textContent = 'a document was deleted';
        chips.push(gone);
    }
    elements.chips.replaceChildren(...chips);
}

function questionView(text) {
    return new QuestionView(text, { onEdit: startEditing });
}

function answerOptions() {
    return { documents: citationDocuments(), onRegenerate: regenerate };
}

// ---- asking --------------------------------------------------------------------------------------

function runningAnswer() {
    const last = current.exchanges.at(-1);
    return last?.answer?.running ? last.answer : null;
}

function ask(text, { replaceLast = false } = {}) {
    if (!engineReady) {
        showHint(config.engineMessage, true);
        return false;
    }
    if (runningAnswer() || pending) {
        showHint('Wait for the answer, or stop it (Esc), before asking again.', true);
        return false;
    }
    const selected = documents.selection();
    if (!current.id && !selected.length) {
        showProblem('NO_DOCUMENTS', 'Tick at least one ready document in the sidebar to ask about it.');
        openDrawer();
        return false;
    }
    if (current.id && !current.documentsIntact) {
        showHint('A document of this conversation was deleted; start a new conversation.', true);
        return false;
    }
    let replaced = null;
    if (replaceLast) {
        replaced = current.exchanges.pop();
        replaced?.question.element.remove();
        replaced?.answer?.element.remove();
    }
    const exchange = { question: questionView(text), answer: new AnswerView(answerOptions()) };
    current.exchanges.push(exchange);
    elements.emptyState.hidden = true;
    if (!elements.emptyState.isConnected || elements.messages.firstElementChild === elements.emptyState) {
        elements.emptyState.remove();
    }
    elements.messages.append(exchange.question.element, exchange.answer.element);
    const message = {
        type: 'ask',
        conversationId: current.id,
        documentIds: current.id ? [] : selected.map((d) => d.id),
        text,
        params: { maxTokens: Number(document.body.dataset.defaultMaxTokens) || undefined },
        replaceLast,
    };
    pending = { text, exchange, replaced, conversationId: current.id, stop: false };
    if (!connection.send(message)) {
        refused('The page lost its connection to the server and is reconnecting; ask again in a moment.',
            'DISCONNECTED');
        return false;
    }
    elements.question.value = '';
    autoGrow();
    editing = null;
    hideProblem();
    showHint(DEFAULT_HINT);
    updateComposer();
    scrollToEnd(true);
    return true;
}

// Why a question could not be asked, in a heading a person understands at a glance; the server's message
// (kept as it is) says by how much and what to do.
const REFUSALS = {
    MODEL_NOT_LOADED: 'No model is loaded',
    CONTEXT_FULL: 'Too long for the model\'s context',
    DOCUMENT_NOT_READY: 'A document is not ready',
    DOCUMENTS_CHANGED: 'A document was deleted',
    DOCUMENTS_FIXED: 'This conversation keeps its documents',
    QUEUE_FULL: 'Lectern is busy',
    KV_MEMORY_FULL: 'Not enough memory for this question',
    PROMPT_TOO_LONG: 'Too long for the model\'s context',
    ENGINE_STOPPED: 'The model is not running',
    BUSY: 'Still answering',
    TOO_LARGE: 'The question is too long',
    DISCONNECTED: 'Not connected',
    NO_DOCUMENTS: 'No document chosen',
};

/** Shows why asking failed above the box, until the next question or a click on ✕. */
function showProblem(code, message) {
    const panel = elements.problem;
    const heading = document.createElement('strong');
    heading.textContent = `${REFUSALS[code] ?? 'The question was not asked'}. `;
    const text = document.createElement('span');
    text.textContent = message;
    const dismiss = document.createElement('button');
    dismiss.type = 'button';
    dismiss.className = 'icon-button';
    dismiss.setAttribute('aria-label', 'Dismiss');
    dismiss.textContent = '✕';
    dismiss.addEventListener('click', hideProblem);
    panel.replaceChildren(heading, text, dismiss);
    panel.dataset.code = code ?? '';
    panel.hidden = false;
}

function hideProblem() {
    elements.problem.hidden = true;
    elements.problem.replaceChildren();
}

/** The pending question was refused: take it off the page and put its text back in the box. */
function refused(message, code) {
    const undo = pending;
    pending = null;
    showProblem(code, message);
    if (!undo) {
        return;
    }
    if (undo.conversationId === current.id) {
        current.exchanges = current.exchanges.filter((e) => e !== undo.exchange);
        undo.exchange.question.element.remove();
        undo.exchange.answer.element.remove();
        if (undo.replaced) {
            current.exchanges.push(undo.replaced);
            elements.messages.append(undo.replaced.question.element);
            if (undo.replaced.answer) {
                elements.messages.append(undo.replaced.answer.element);
            }
        }
        if (!current.exchanges.length && !current.id) {
            elements.messages.replaceChildren(elements.emptyState);
            elements.emptyState.hidden = false;
        }
    }
    elements.question.value = undo.text;
    autoGrow();
    showHint('Your question is back in the box.');
    updateComposer();
    elements.question.focus();
}

function stop() {
    const answer = runningAnswer();
    if (pending && !pending.exchange.answer.requestId) {
        pending.stop = true;
        return;
    }
    if (answer?.requestId) {
        connection.send({ type: 'cancel', requestId: answer.requestId });
        elements.stop.disabled = true;
    }
}

function regenerate(answerView) {
    const exchange = current.exchanges.at(-1);
    if (exchange?.answer === answerView) {
        ask(exchange.question.text, { replaceLast: true });
    }
}

function startEditing(questionView) {
    const exchange = current.exchanges.at(-1);
    if (exchange?.question !== questionView) {
        return;
    }
    editing = questionView;
    elements.question.value = questionView.text;
    autoGrow();
    elements.question.focus();
    showHint('Editing your last question: Enter asks it again in its place, Esc cancels.');
    updateComposer();
}

// ---- the socket's messages -----------------------------------------------------------------------

function received(message) {
    const view = message.requestId ? answers.get(message.requestId) : null;
    switch (message.type) {
        case 'accepted':
            accepted(message, view);
            break;
        case 'progress':
            view?.progress(message);
            break;
        case 'token':
            if (view) {
                view.append(message.text);
                scrollToEnd(false);
            }
            break;
        case 'done':
            if (view) {
                view.finish(message.finishReason, message.stats);
                answers.delete(message.requestId);
                finished(view);
            }
            break;
        case 'error':
            errorReceived(message, view);
            break;
        default:
            break;
    }
}

function accepted(message, known) {
    let view = known;
    if (!view && pending) {
        view = pending.exchange.answer;
        answers.set(message.requestId, view);
        const wasNew = !pending.conversationId;
        const stopAtOnce = pending.stop;
        pending = null;
        if (wasNew && !current.id) {
            current.id = message.conversationId;
            current.documents = documents.selection();
            window.history.replaceState({}, '', `/conversations/${message.conversationId}`);
            documents.lockTo(current.documents.map((d) => d.id));
            refreshConversationDetails();
        }
        conversations.load().then(() => conversations.setActive(current.id)).catch(() => {});
        if (stopAtOnce) {
            connection.send({ type: 'cancel', requestId: message.requestId });
        }
    }
    view?.accepted(message);
    updateComposer();
}

/** After the first question of a new conversation: its title and documents as the server stored them. */
async function refreshConversationDetails() {
    try {
        const loaded = await api(`/api/conversations/${current.id}`);
        if (loaded.id === current.id) {
            current.title = loaded.title;
            current.documents = loaded.documents;
            current.documentsIntact = loaded.documentsIntact;
            showTitle();
        }
    } catch {
        // the title stays "New conversation" until the next load
    }
}

function errorReceived(message, view) {
    if (view) {
        answers.delete(message.requestId);
        if (message.code === 'NOT_RUNNING') {
            if (current.id) {
                openConversation(current.id, { push: false });
            }
            return;
        }
        view.fail(message.message);
        finished(view);
        return;
    }
    if (message.requestId) {
        return;
    }
    refused(message.message, message.code);
}

function finished() {
    elements.stop.disabled = false;
    updateComposer();
    conversations.load().then(() => conversations.setActive(current.id)).catch(() => {});
}

function connectionChanged(state, detail, delay) {
    const notice = elements.connectionNotice;
    if (state === 'open') {
        notice.hidden = true;
        if (elements.problem.dataset.code === 'DISCONNECTED') {
            hideProblem();
        }
        if (detail) {
            // Back after a drop: show what the server has (answers may have finished, or gone on, meanwhile).
            documents.load().catch(() => {});
            if (pending) {
                refused('The connection dropped before the question was accepted; ask again.', 'DISCONNECTED');
            }
        }
        if (current.id) {
            // Also at the first connection: a conversation shown before it could not follow its answer yet.
            openConversation(current.id, { push: false });
        }
    } else if (state === 'closed') {
        const why = detail?.code === 4008 ? 'The connection fell behind, so its answers were stopped. '
            : 'Connection to the server lost. ';
        notice.replaceChildren(`${why}Reconnecting in ${Math.round(delay / 100) / 10} s… `);
        const retry = document.createElement('button');
        retry.type = 'button';
        retry.className = 'link-button';
        retry.textContent = 'Reconnect now';
        retry.addEventListener('click', () => connection.retryNow());
        notice.append(retry);
        notice.hidden = false;
        for (const [requestId, view] of answers) {
            if (view.running) {
                view.meta.replaceChildren(view.spinner('Connection lost; the answer goes on on the server…'));
            }
            answers.delete(requestId);
        }
    }
    updateComposer();
}

// ---- the composer, the gauge, the notices ---------------------------------------------------------

function updateComposer() {
    const running = Boolean(runningAnswer() || pending);
    elements.send.hidden = running;
    elements.stop.hidden = !running;
    if (!running) {
        elements.stop.disabled = false;
    }
    const disabled = !engineReady;
    elements.question.disabled = disabled;
    elements.send.disabled = disabled;
    // A phone's box holds about 26 characters: a longer placeholder would wrap and be cut off.
    const narrow = window.matchMedia('(max-width: 800px)').matches;
    elements.question.placeholder = !engineReady ? (narrow ? 'Asking is disabled' : 'Asking is disabled (see above)')
        : current.id ? 'Ask a follow-up question…'
            : documents.selection().length ? (narrow ? 'Ask your question…' : 'Ask about the selected documents…')
                : (narrow ? 'Tick a document (☰) first' : 'Tick a ready document in the sidebar, then ask…');
    const exchanges = current.exchanges;
    exchanges.forEach((exchange, index) => {
        const last = index === exchanges.length - 1;
        exchange.question.setLast(last, running);
        exchange.answer?.setLast(last, running);
    });
    if (!current.id) {
        showTitle();
    }
    updateGauge();
}

function updateGauge() {
    const context = config.contextLength;
    let used = null;
    let label = '';
    const answered = [...current.exchanges].reverse().find((e) => e.answer?.stats?.promptTokens != null);
    if (answered) {
        const stats = answered.answer.stats;
        used = stats.promptTokens + (stats.completionTokens ?? 0);
        label = 'this conversation';
    } else {
        const docs = current.id ? current.documents.map((d) => documents.get(d.id) ?? d) : documents.selection();
        const counted = docs.filter((d) => d.tokenCount != null);
        if (counted.length && counted.length === docs.length) {
            used = counted.reduce((sum, d) => sum + d.tokenCount, 0);
            label = docs.length === 1 ? 'the document' : 'the documents';
        }
    }
    if (used == null || !context) {
        elements.gauge.hidden = true;
        return;
    }
    elements.gauge.hidden = false;
    const share = Math.min(1, used / context);
    elements.gaugeFill.style.width = `${Math.max(1, share * 100)}%`;
    elements.gauge.classList.toggle('high', share > 0.85);
    elements.gaugeLabel.textContent = `${number(used)} of ${number(context)} tokens (${percent(used, context)}), ${label}`;
    elements.gauge.title = 'How much of the model\'s context window the conversation fills';
}

function showHint(text, problem = false) {
    clearTimeout(hintTimer);
    elements.hint.textContent = text;
    // Phones have no Shift+Enter to explain: the keys' hint hides there (see chat.css).
    elements.hint.classList.toggle('keys', text === DEFAULT_HINT);
    elements.hint.classList.toggle('error', problem);
    if (problem) {
        hintTimer = setTimeout(() => {
            elements.hint.classList.remove('error');
            if (!editing) {
                showHint(DEFAULT_HINT);
            }
        }, 12000);
    }
}

function showEngine() {
    const notice = elements.engineNotice;
    if (engineReady) {
        notice.hidden = true;
        return;
    }
    notice.replaceChildren();
    const strong = document.createElement('strong');
    strong.textContent = config.engineState === 'LOADING' ? 'The model is loading. ' : 'Asking is disabled. ';
    notice.append(strong, config.engineMessage ?? '');
    notice.classList.toggle('error', config.engineState === 'FAILED');
    notice.hidden = false;
    if (config.engineState === 'LOADING') {
        setTimeout(pollEngine, 3000);
    }
}

async function pollEngine() {
    try {
        const status = await api('/api/status');
        config.engineState = status.engine.state;
        config.engineMessage = status.engine.message ?? (status.engine.state === 'LOADING'
            ? 'You can ask in a moment. Uploads work meanwhile.' : '');
        engineReady = config.engineState === 'READY';
        if (status.engine.contextLength) {
            config.contextLength = status.engine.contextLength;
        }
    } catch {
        // try again below
    }
    showEngine();
    updateComposer();
}

function autoGrow() {
    const area = elements.question;
    area.style.height = 'auto';
    // scrollHeight leaves out the borders, which a border-box height includes: without them a one-line
    // question would show a scroll bar.
    const borders = area.offsetHeight - area.clientHeight;
    area.style.height = `${Math.min(area.scrollHeight + borders, window.innerHeight * 0.35)}px`;
}

function scrollToEnd(force) {
    const box = elements.messages;
    const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    if (force || nearEnd) {
        requestAnimationFrame(() => { box.scrollTop = box.scrollHeight; });
    }
}

// ---- the drawer (phones) and citations -----------------------------------------------------------

const menuToggle = document.querySelector('.menu-toggle');

function openDrawer() {
    if (window.matchMedia('(max-width: 800px)').matches) {
        document.body.classList.add('sidebar-open');
        menuToggle?.setAttribute('aria-expanded', 'true');
        $('scrim').hidden = false;
    }
}

function closeDrawer() {
    document.body.classList.remove('sidebar-open');
    menuToggle?.setAttribute('aria-expanded', 'false');
    $('scrim').hidden = true;
}

menuToggle?.addEventListener('click', () => {
    if (document.body.classList.contains('sidebar-open')) {
        closeDrawer();
    } else {
        document.body.classList.add('sidebar-open');
        menuToggle.setAttribute('aria-expanded', 'true');
        $('scrim').hidden = false;
    }
});
$('scrim').addEventListener('click', closeDrawer);

let menu = null;

function closeMenu() {
    menu?.remove();
    menu = null;
}

function chooseDocument(link) {
    closeMenu();
    const page = link.dataset.page;
    menu = document.createElement('div');
    menu.className = 'citation-menu';
    menu.setAttribute('role', 'menu');
    const heading = document.createElement('p');
    heading.textContent = `Page ${page} of which document?`;
    menu.append(heading);
    for (const doc of citationDocuments().filter(hasPages)) {
        const choice = document.createElement('a');
        choice.setAttribute('role', 'menuitem');
        choice.textContent = doc.filename;
        choice.href = pageHref(doc, page);
        if (isPdf(doc)) {
            choice.target = '_blank';
            choice.rel = 'noopener';
            choice.addEventListener('click', closeMenu);
        } else {
            choice.addEventListener('click', (event) => {
                event.preventDefault();
                closeMenu();
                viewer.open(doc, page);
            });
        }
        menu.append(choice);
    }
    document.body.append(menu);
    const box = link.getBoundingClientRect();
    menu.style.left = `${Math.min(box.left, window.innerWidth - menu.offsetWidth - 8)}px`;
    menu.style.top = `${box.bottom + 4}px`;
}

elements.messages.addEventListener('click', (event) => {
    const link = event.target.closest('a.cite');
    if (!link) {
        return;
    }
    if (link.dataset.choose) {
        event.preventDefault();
        event.stopPropagation();
        chooseDocument(link);
        return;
    }
    const doc = citationDocuments().find((d) => d.id === link.dataset.document);
    if (doc && !isPdf(doc)) {
        event.preventDefault();
        viewer.open(doc, link.dataset.page);
    }
});
document.addEventListener('click', (event) => {
    if (menu && !menu.contains(event.target)) {
        closeMenu();
    }
});

// ---- keys and buttons ----------------------------------------------------------------------------

elements.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = elements.question.value.trim();
    if (text) {
        ask(text, { replaceLast: Boolean(editing) });
    }
});
elements.question.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        elements.composer.requestSubmit();
    }
});
elements.question.addEventListener('input', autoGrow);
elements.stop.addEventListener('click', stop);
document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') {
        return;
    }
    if (menu) {
        closeMenu();
    } else if (runningAnswer() || pending) {
        event.preventDefault();
        stop();
    } else if (editing) {
        editing = null;
        elements.question.value = '';
        autoGrow();
        showHint(DEFAULT_HINT);
        updateComposer();
    } else if (viewer.isOpen) {
        viewer.close();
    } else if (document.body.classList.contains('sidebar-open')) {
        closeDrawer();
    }
});
$('new-chat').addEventListener('click', () => newConversation());
window.matchMedia('(max-width: 800px)').addEventListener('change', () => updateComposer());
elements.rename.addEventListener('click', async () => {
    const summary = conversations.find(current.id) ?? { id: current.id, title: current.title };
    const renamed = await conversations.rename(summary);
    if (renamed && renamed.id === current.id) {
        current.title = renamed.title;
        showTitle();
    }
});
window.addEventListener('popstate', () => {
    const match = /^\/conversations\/([0-9a-f-]{36})$/.exec(window.location.pathname);
    if (match) {
        openConversation(match[1], { push: false });
    } else {
        newConversation({ push: false });
    }
});

// ---- start ---------------------------------------------------------------------------------------

showEngine();
updateComposer();
connection.connect();
Promise.allSettled([documents.load(), conversations.load()]).then((results) => {
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
        showHint(failed.reason?.message ?? 'Could not load your documents and conversations.', true);
    }
    if (config.conversation) {
        openConversation(config.conversation, { push: false });
    } else {
        updateComposer();
    }
});
