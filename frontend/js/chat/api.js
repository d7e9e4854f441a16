// The REST API as the page uses it: JSON in and out, the CSRF token on writes, errors as ApiError with
// the server's code and message (the documents and conversations APIs answer {"error", "message"}).

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;
const csrfHeader = document.querySelector('meta[name="csrf-header"]')?.content ?? 'X-CSRF-TOKEN';

export class ApiError extends Error {
    constructor(status, code, message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}

const UNREACHABLE = 'The server cannot be reached. Check the network; nothing was lost.';

function writeHeaders(headers = {}) {
    return csrfToken ? { ...headers, [csrfHeader]: csrfToken } : headers;
}

/** A signed-out page (an expired session) goes to the login page instead of failing in pieces. */
function signedOut(response) {
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === '/login')) {
        window.location.assign('/login');
        return true;
    }
    return false;
}

async function failure(response) {
    let code = `HTTP_${response.status}`;
    let message = `The server answered ${response.status} ${response.statusText}.`;
    try {
        const body = await response.json();
        code = body.error ?? code;
        message = body.message ?? message;
    } catch {
        // not JSON: keep the status line
    }
    return new ApiError(response.status, code, message);
}

export async function api(path, { method = 'GET', body } = {}) {
    const headers = { Accept: 'application/json' };
    const init = { method, credentials: 'same-origin', headers };
    if (method !== 'GET') {
        init.headers = writeHeaders(headers);
    }
    if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let response;
    try {
        response = await fetch(path, init);
    } catch {
        throw new ApiError(0, 'NETWORK', UNREACHABLE);
    }
    if (signedOut(response)) {
        throw new ApiError(401, 'SIGNED_OUT', 'You are signed out.');
    }
    if (!response.ok) {
        throw await failure(response);
    }
    if (response.status === 204) {
        return null;
    }
    return response.json();
}

export async function text(path) {
    let response;
    try {
        response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'text/plain' } });
    } catch {
        throw new ApiError(0, 'NETWORK', UNREACHABLE);
    }
    if (signedOut(response)) {
        throw new ApiError(401, 'SIGNED_OUT', 'You are signed out.');
    }
    if (!response.ok) {
        throw await failure(response);
    }
    return response.text();
}

/**
 * Uploads one file with XMLHttpRequest (fetch reports no upload progress); resolves with the document,
 * rejects with an ApiError. {@code onProgress} gets the share sent, 0 to 1.
 */
export function upload(file, onProgress) {
    return new Promise((resolve, reject) => {
        const request = new XMLHttpRequest();
        request.open('POST', '/api/documents');
        request.responseType = 'json';
        request.setRequestHeader('Accept', 'application/json');
        if (csrfToken) {
            request.setRequestHeader(csrfHeader, csrfToken);
        }
        request.upload.addEventListener('progress', (event) => {
            if (event.lengthComputable) {
                onProgress(event.loaded / event.total);
            }
        });
        request.addEventListener('load', () => {
            const body = request.response;
            if (request.status === 200 || request.status === 201) {
                resolve({ document: body, created: request.status === 201 });
            } else if (request.status === 401) {
                window.location.assign('/login');
            } else {
                reject(new ApiError(request.status, body?.error ?? `HTTP_${request.status}`,
                    body?.message ?? `The upload failed: the server answered ${request.status}.`));
            }
        });
        request.addEventListener('error', () => reject(new ApiError(0, 'NETWORK',
            'The upload was interrupted: the server could not be reached. Try again.')));
        const form = new FormData();
        form.append('file', file, file.name);
        request.send(form);
    });
}
