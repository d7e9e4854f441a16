// The sidebar's conversations, the most recently active first: open, rename, delete.

import { api } from './api.js';
import { ago } from './format.js';

export class ConversationList {
    constructor({ list, empty, onOpen, onDeleted }) {
        this.list = list;
        this.empty = empty;
        this.onOpen = onOpen;
        this.onDeleted = onDeleted;
        this.conversations = [];
        this.activeId = null;
    }

    async load() {
        this.conversations = await api('/api/conversations');
        this.render();
    }

    setActive(id) {
        this.activeId = id;
        this.render();
    }

    render() {
        this.list.replaceChildren(...this.conversations.map((conversation) => this.item(conversation)));
        this.empty.hidden = this.conversations.length > 0;
    }

    item(conversation) {
        const li = document.createElement('li');
        li.className = 'conversation';
        li.dataset.testid = 'conversation';
        li.dataset.id = conversation.id;
        if (conversation.id === this.activeId) {
            li.classList.add('active');
        }
        const open = document.createElement('a');
        open.className = 'conversation-open';
        open.href = `/conversations/${conversation.id}`;
        const title = document.createElement('span');
        title.className = 'conversation-name';
        title.textContent = conversation.title;
        const when = document.createElement('span');
        when.className = 'conversation-when';
        when.textContent = ago(conversation.updatedAt);
        open.append(title, when);
        open.addEventListener('click', (event) => {
            if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
                return;
            }
            event.preventDefault();
            this.onOpen(conversation.id);
        });
        const rename = document.createElement('button');
        rename.type = 'button';
        rename.className = 'icon-button';
        rename.title = 'Rename';
        rename.setAttribute('aria-label', `Rename ${conversation.title}`);
        rename.textContent = '✎';
        rename.addEventListener('click', () => this.rename(conversation));
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'icon-button';
        remove.title = 'Delete';
        remove.setAttribute('aria-label', `Delete ${conversation.title}`);
        remove.textContent = '×';
        remove.addEventListener('click', () => this.remove(conversation));
        li.append(open, rename, remove);
        return li;
    }

    async rename(conversation) {
        const title = window.prompt('Rename the conversation', conversation.title);
        if (title == null || !title.trim()) {
            return null;
        }
        try {
            const renamed = await api(`/api/conversations/${conversation.id}`, { method: 'PATCH', body: { title } });
            Object.assign(conversation, renamed);
            this.render();
            return renamed;
        } catch (error) {
            window.alert(error.message);
            return null;
        }
    }

    async remove(conversation) {
        if (!window.confirm(`Delete the conversation "${conversation.title}" and all its messages?`)) {
            return;
        }
        try {
            await api(`/api/conversations/${conversation.id}`, { method: 'DELETE' });
            this.conversations = this.conversations.filter((c) => c.id !== conversation.id);
            this.render();
            this.onDeleted(conversation.id);
        } catch (error) {
            window.alert(error.message);
        }
    }

    find(id) {
        return this.conversations.find((c) => c.id === id);
    }
}
