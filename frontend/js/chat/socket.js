// The chat socket (/ws/chat): one per page, reconnecting by itself after a drop with growing pauses
// (0.5 s doubling to 8 s). Messages are sent only while it is open: a question typed while it is down is
// kept in the box, never queued blindly.

const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 8000;

export class ChatConnection {
    /**
     * @param onMessage called with each server message (parsed JSON)
     * @param onState   called with 'connecting' | 'open' | 'closed', and for 'open' whether this is a reconnect;
     *                  for 'closed' the close event and the delay before the next try (ms)
     */
    constructor({ onMessage, onState }) {
        this.onMessage = onMessage;
        this.onState = onState;
        this.retryMs = FIRST_RETRY_MS;
        this.everOpened = false;
        this.socket = null;
        this.timer = null;
    }

    get open() {
        return this.socket?.readyState === WebSocket.OPEN;
    }

    connect() {
        clearTimeout(this.timer);
        const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
        const socket = new WebSocket(`${scheme}//${window.location.host}/ws/chat`);
        this.socket = socket;
        this.onState('connecting');
        socket.addEventListener('open', () => {
            this.retryMs = FIRST_RETRY_MS;
            const reconnect = this.everOpened;
            this.everOpened = true;
            this.onState('open', reconnect);
        });
        socket.addEventListener('message', (event) => {
            let message;
            try {
                message = JSON.parse(event.data);
            } catch {
                return;
            }
            this.onMessage(message);
        });
        socket.addEventListener('close', (event) => {
            if (this.socket !== socket) {
                return;
            }
            const delay = this.retryMs;
            this.retryMs = Math.min(LONGEST_RETRY_MS, this.retryMs * 2);
            this.onState('closed', event, delay);
            this.timer = setTimeout(() => this.connect(), delay);
        });
    }

    /** Sends one message; false when the socket is not open (the caller keeps what the user typed). */
    send(message) {
        if (!this.open) {
            return false;
        }
        this.socket.send(JSON.stringify(message));
        return true;
    }

    /** Tries again now (the user clicked "reconnect"). */
    retryNow() {
        if (!this.open) {
            this.retryMs = FIRST_RETRY_MS;
            this.connect();
        }
    }
}
