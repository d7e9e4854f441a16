// The admin's users page: list, add, disable / re-enable, change role, reset password. Every name comes
// from the server and goes into the page as text, never as HTML.
import { api } from './chat/api.js';

const rows = document.getElementById('users');
const form = document.getElementById('new-user');
const issued = document.querySelector('[data-testid=issued-password]');
const problem = document.querySelector('[data-testid=users-problem]');
const me = document.querySelector('[data-testid=current-user]')?.textContent.trim();

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function showProblem(message) {
    problem.textContent = message;
    problem.hidden = false;
}

function showIssued(text, password) {
    problem.hidden = true;
    issued.querySelector('.issued-text').textContent = text;
    issued.querySelector('.issued-password').textContent = password;
    issued.hidden = false;
}

function cell(content, className) {
    const td = document.createElement('td');
    if (className) td.className = className;
    if (content instanceof Node) td.append(content); else td.textContent = content;
    return td;
}

function button(label, action, testid) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link-button';
    b.textContent = label;
    b.dataset.testid = testid;
    b.addEventListener('click', action);
    return b;
}

function row(account) {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'user-row';
    tr.dataset.username = account.username;
    const name = document.createElement('span');
    name.textContent = account.username;
    if (account.username === me) {
        const you = document.createElement('span');
        you.className = 'badge';
        you.textContent = 'you';
        name.append(' ', you);
    }
    tr.append(cell(name, 'user-name'));

    const role = document.createElement('select');
    role.setAttribute('aria-label', `Role of ${account.username}`);
    role.dataset.testid = 'role';
    for (const [value, label] of [['MEMBER', 'Member'], ['ADMIN', 'Admin']]) {
        role.append(new Option(label, value, false, account.role === value));
    }
    role.addEventListener('change', () => change(account, { role: role.value }, () => { role.value = account.role; }));
    tr.append(cell(role));

    const state = document.createElement('span');
    state.className = `badge ${account.enabled ? 'ok' : 'off'}`;
    state.textContent = !account.enabled ? 'disabled' : account.mustChangePassword ? 'must change password' : 'active';
    state.dataset.testid = 'state';
    tr.append(cell(state));
    tr.append(cell(account.lastSignInAt ? when.format(new Date(account.lastSignInAt)) : 'never', 'muted'));
    tr.append(cell(day.format(new Date(account.createdAt)), 'muted'));

    const actions = document.createElement('span');
    actions.className = 'row-actions';
    if (account.username !== me) {
        actions.append(account.enabled
            ? button('Disable', () => change(account, { enabled: false }), 'disable')
            : button('Enable', () => change(account, { enabled: true }), 'enable'));
    }
    actions.append(button('Reset password', () => reset(account), 'reset'));
    tr.append(cell(actions));
    return tr;
}

async function load() {
    try {
        const accounts = await api('/api/admin/users');
        rows.replaceChildren(...accounts.map(row));
    } catch (failure) {
        showProblem(failure.message);
    }
}

async function change(account, body, undo) {
    try {
        await api(`/api/admin/users/${account.id}`, { method: 'PATCH', body });
        problem.hidden = true;
    } catch (failure) {
        showProblem(failure.message);
        undo?.();
    }
    await load();
}

async function reset(account) {
    if (!window.confirm(`Reset the password of ${account.username}? Their current password stops working now.`)) {
        return;
    }
    try {
        const result = await api(`/api/admin/users/${account.id}/password`, { method: 'POST' });
        showIssued(`New one-time password for ${account.username}:`, result.temporaryPassword);
    } catch (failure) {
        showProblem(failure.message);
    }
    await load();
}

form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
        const result = await api('/api/admin/users', {
            method: 'POST',
            body: { username: form.username.value.trim(), role: form.role.value },
        });
        showIssued(`Added ${result.account.username}. Their one-time password:`, result.temporaryPassword);
        form.reset();
    } catch (failure) {
        showProblem(failure.message);
    }
    await load();
});

issued.querySelector('[data-action=copy-password]').addEventListener('click', async (event) => {
    try {
        await navigator.clipboard.writeText(issued.querySelector('.issued-password').textContent);
        event.target.textContent = 'Copied';
    } catch {
        event.target.textContent = 'Select and copy it';
    }
});

load();
