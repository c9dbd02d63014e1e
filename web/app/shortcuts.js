// Keyboard shortcuts. One listener maps keys to named commands; the views that can carry a command
// out register a handler for it while they are shown. The help dialog lists SHORTCUTS.

export const SHORTCUTS = [
  { keys: 'Alt+N', command: 'next', does: 'Next chat (unread first)' },
  { keys: 'Alt+P', command: 'previous', does: 'Previous chat' },
  { keys: 'Alt+G', command: 'grab', does: 'Grab the longest-waiting chat' },
  { keys: 'Alt+R', command: 'reply', does: 'Go to the reply box' },
  { keys: '/', command: null, does: 'In the reply box: canned responses (type to filter, Enter to pick)' },
  { keys: 'Enter', command: null, does: 'In the reply box: send (Shift+Enter for a new line)' },
  { keys: 'Alt+T', command: 'transfer', does: 'Transfer the chat' },
  { keys: 'Alt+C', command: 'close', does: 'Close the chat' },
  { keys: 'Alt+I', command: 'customer', does: 'Show the customer panel' },
  { keys: 'Alt+1 … Alt+4', command: null, does: 'Go to Desk, Dashboard, Insight, Settings' },
  { keys: '?', command: 'help', does: 'This list (outside text boxes)' },
  { keys: 'Esc', command: null, does: 'Close a dialog or the canned-response list' },
];

const handlers = new Map();

/** Registers `fn` for `command`; returns the function that unregisters it. */
export function onCommand(command, fn) {
  handlers.set(command, fn);
  return () => {
    if (handlers.get(command) === fn) handlers.delete(command);
  };
}

export function run(command) {
  const fn = handlers.get(command);
  if (fn) {
    fn();
    return true;
  }
  return false;
}

const ALT_KEYS = {
  KeyN: 'next',
  KeyP: 'previous',
  KeyG: 'grab',
  KeyR: 'reply',
  KeyT: 'transfer',
  KeyC: 'close',
  KeyI: 'customer',
  Digit1: 'go:desk',
  Digit2: 'go:dashboard',
  Digit3: 'go:insight',
  Digit4: 'go:admin',
};

function typing(target) {
  return (
    target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))
  );
}

document.addEventListener('keydown', (event) => {
  if (document.querySelector('dialog[open]') && event.key !== 'Escape' && event.altKey) return;
  if (event.altKey && !event.ctrlKey && !event.metaKey && ALT_KEYS[event.code]) {
    if (run(ALT_KEYS[event.code])) event.preventDefault();
    return;
  }
  if (event.key === '?' && !typing(event.target) && !event.ctrlKey && !event.metaKey && !event.altKey) {
    if (run('help')) event.preventDefault();
  }
});
