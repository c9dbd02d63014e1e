// Every text of the chat window, in one place. The desk's WebChatTexts setting (a JSON object with
// these keys) overrides any of them; {name} and {n} are filled in.
export const TEXTS = {
  title: 'Chat with us',
  close: 'Close the chat',
  greeting: 'Hello! Write your question and we will answer here.',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  fileTooLarge: 'The file is larger than {n} MB.',
  name: 'Your name',
  email: 'Your email address',
  optional: '(optional)',
  required: 'Please fill in {name}.',
  chooseDepartment: 'Choose who you need:',
  queued: 'You are number {n} in the queue. An agent will be with you shortly.',
  agentJoined: 'You are chatting with {name}.',
  closed: 'This chat has ended. Write again to start a new one.',
  seen: 'Seen',
  you: 'You',
  reconnecting: 'Connection lost. Reconnecting…',
  nobodyOnline: 'Nobody is online right now. Leave us a message and we will answer by email.',
  outOfHours: 'We are closed right now.',
  leaveMessage: 'Leave a message',
  message: 'Your message',
  leaveSent: 'Thank you! We will answer by email. You can also come back to this page.',
  writeAnyway: 'Write in the chat instead',
  transcript: 'Email me this conversation',
  transcriptSent: 'The conversation is on its way to {name}.',
  endChat: 'End the chat',
  typing: 'The agent is typing…',
  error: 'Something went wrong: {name}',
  rate: 'How did we do?',
  rateLabel: 'Rate {n} of 5',
  comment: 'A comment (optional)',
  rateSend: 'Send my rating',
  rated: 'Thank you for your rating!',
};

/** The texts with the desk's own words over them. */
export function texts(overrides) {
  const t = { ...TEXTS };
  for (const [k, v] of Object.entries(overrides || {})) if (k in t && typeof v === 'string') t[k] = v;
  return t;
}

export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, k) => (values[k] ?? ''));
}
