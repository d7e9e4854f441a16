// The account page: change one's own password. The server checks the rules again; these checks only
// save a round trip and say what is wrong next to the form.
import { api } from './chat/api.js';

const form = document.getElementById('password-form');
const problem = form.querySelector('[data-testid=password-problem]');
const changed = form.querySelector('[data-testid=password-changed]');
const minLength = Number(form.dataset.minLength);

function show(element, message) {
    problem.hidden = true;
    changed.hidden = true;
    element.textContent = message;
    element.hidden = false;
}

form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const currentPassword = form.currentPassword.value;
    const newPassword = form.newPassword.value;
    if (newPassword !== form.repeat.value) {
        show(problem, 'The two new passwords differ.');
        form.repeat.focus();
        return;
    }
    if (newPassword.length < minLength) {
        show(problem, `The password needs at least ${minLength} characters.`);
        form.newPassword.focus();
        return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
        await api('/api/me/password', { method: 'POST', body: { currentPassword, newPassword } });
        form.reset();
        show(changed, 'Your password is changed.');
        document.querySelector('[data-testid=password-required]')?.remove();
        const back = document.createElement('a');
        back.href = '/';
        back.textContent = ' Go to the chat.';
        changed.append(back);
    } catch (failure) {
        show(problem, failure.message);
    } finally {
        button.disabled = false;
    }
});
