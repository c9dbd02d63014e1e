// The desk: the chat list, the conversation and the customer panel side by side on a laptop; one
// at a time, with a way back, on a phone.
import { html, useEffect, useState } from '../html.js';
import { useStore, myChats, queue, toast } from '../store.js';
import { openChat, grab } from '../desk.js';
import { onCommand } from '../shortcuts.js';
import { navigate } from '../route.js';
import { ChatList } from './chatlist.js';
import { Conversation } from './conversation.js';
import { CustomerPanel } from './customer.js';
import { Empty } from '../ui.js';

export function Desk({ chatId }) {
  const s = useStore();
  const [pane, setPane] = useState(chatId ? 'chat' : 'list');
  const chat = chatId != null ? s.chats.get(chatId) : null;

  useEffect(() => {
    setPane(chatId ? 'chat' : 'list');
    openChat(chatId).catch((e) => {
      toast(e.message, 'error');
      if (e.status === 403 || e.status === 404) navigate('desk');
    });
    return () => {
      if (s.selected === chatId) s.selected = null;
    };
  }, [chatId]);

  useEffect(() => {
    const step = (direction) => () => {
      const list = myChats();
      if (!list.length) return;
      const unread = list.filter((c) => c.UnreadCount > 0 && c.ChatID !== chatId);
      if (direction > 0 && unread.length) return navigate(`desk/${unread[0].ChatID}`);
      const at = list.findIndex((c) => c.ChatID === chatId);
      const next = list[(at + direction + list.length) % list.length] || list[0];
      navigate(`desk/${next.ChatID}`);
    };
    const off = [
      onCommand('next', step(1)),
      onCommand('previous', step(-1)),
      onCommand('customer', () => chatId && setPane('customer')),
      onCommand('grab', async () => {
        if (!queue().length) return toast('Nobody is waiting.');
        try {
          const c = await grab();
          navigate(`desk/${c.ChatID}`);
        } catch (e) {
          toast(e.message, 'error');
        }
      }),
    ];
    return () => off.forEach((f) => f());
  }, [chatId]);

  return html`<main class=${`desk pane-${pane}`}>
    <nav class="pane list-pane" aria-label="Chats">
      <${ChatList} selected=${chatId} />
    </nav>
    <div class="pane chat-pane">
      ${
        chat
          ? html`<${Conversation} chat=${chat} onBack=${() => navigate('desk')} onCustomer=${() => setPane('customer')} />`
          : html`<div class="no-chat">
            <${Empty}>${chatId ? 'Loading the chat…' : 'Choose a chat, or grab the next one from the queue (Alt+G).'}</${Empty}>
          </div>`
      }
    </div>
    <div class="pane customer-pane">
      ${chat ? html`<${CustomerPanel} chat=${chat} onBack=${() => setPane('chat')} />` : null}
    </div>
  </main>`;
}
