// The admin page's writes: the cache's actions, with the CSRF token, errors as the server's message.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
const csrfHeader = document.querySelector('meta[name="csrf-header"]')?.content ?? 'X-CSRF-TOKEN';

export async function send(method, url) {
    let response;
    try {
        response = await fetch(url, { method, headers: csrfToken ? { [csrfHeader]: csrfToken } : {} });
    } catch {
        throw new Error('The server cannot be reached. Check the network and try again.');
    }
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === '/login')) {
        window.location.assign('/login');
        throw new Error('Signed out.');
    }
    if (!response.ok) {
        let message = `The server answered ${response.status}.`;
        try {
            message = (await response.json()).message ?? message;
        } catch {
            // not JSON: keep the status
        }
        throw new Error(message);
    }
    return response.status === 204 || response.status === 202 ? null : response.json();
}
