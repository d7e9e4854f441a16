// The API keys page: lists the user's keys, makes one (shown once, with a copy button) and revokes one.
import { api } from './chat/api.js';

const form = document.getElementById('key-form');
const nameInput = document.getElementById('key-name');
const errorBox = document.getElementById('key-error');
const newKey = document.getElementById('new-key');
const newKeyValue = document.getElementById('new-key-value');
const copyButton = document.getElementById('copy-key');
const table = document.getElementById('keys-table');
const body = document.getElementById('keys-body');
const empty = document.getElementById('keys-empty');

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
}

function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) {
        td.className = className;
    }
    return td;
}

function render(keys) {
    body.replaceChildren();
    for (const key of keys) {
        const row = document.createElement('tr');
        row.dataset.testid = 'key-row';
        row.append(cell(key.name), cell(key.hint, 'key-hint'), cell(dateTime.format(new Date(key.createdAt))),
            cell(key.lastUsedAt ? dateTime.format(new Date(key.lastUsedAt)) : 'never', key.lastUsedAt ? '' : 'muted'));
        const revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'link-button danger';
        revoke.textContent = 'Revoke';
        revoke.dataset.testid = 'revoke-key';
        revoke.addEventListener('click', async () => {
            if (!window.confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) {
                return;
            }
            try {
                await api(`/api/keys/${key.id}`, { method: 'DELETE' });
                await load();
            } catch (error) {
                showError(error.message);
            }
        });
        const action = document.createElement('td');
        action.append(revoke);
        row.append(action);
        body.append(row);
    }
    table.hidden = keys.length === 0;
    empty.hidden = keys.length !== 0;
}

async function load() {
    try {
        render(await api('/api/keys'));
    } catch (error) {
        showError(error.message);
    }
}

form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showError('');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
        const created = await api('/api/keys', { method: 'POST', body: { name: nameInput.value } });
        newKeyValue.textContent = created.key;
        newKey.hidden = false;
        copyButton.textContent = 'Copy';
        nameInput.value = '';
        await load();
    } catch (error) {
        showError(error.message);
    } finally {
        button.disabled = false;
    }
});

copyButton.addEventListener('click', async () => {
    try {
        await navigator.clipboard.writeText(newKeyValue.textContent);
        copyButton.textContent = 'Copied';
    } catch {
        // No clipboard (plain http on another host): select the key so Ctrl+C copies it.
        window.getSelection().selectAllChildren(newKeyValue);
        copyButton.textContent = 'Selected: press Ctrl+C';
    }
});

load();
