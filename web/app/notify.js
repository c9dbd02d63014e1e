// Announces new chats and messages while the tab is in the background: a count in the title and a
// short chime (made with Web Audio, so no sound file and nothing the CSP has to allow).

let baseTitle = 'agentdesk';
let unseen = 0;
let audio = null;
let lastSound = 0;

export function setBaseTitle(title) {
  baseTitle = title;
  showTitle();
}

function showTitle() {
  document.title = unseen > 0 ? `(${unseen}) ${lastText} · ${baseTitle}` : baseTitle;
}

let lastText = '';
/** kind: 'chat' | 'message' | 'alert'. Only announced while the tab is hidden (or for alerts). */
export function announce(kind, text) {
  if (!document.hidden && kind !== 'alert') return;
  if (document.hidden) {
    unseen += 1;
    lastText = text;
    showTitle();
  }
  chime(kind);
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden) {
    unseen = 0;
    showTitle();
  }
});

/** Browsers allow sound only after a user gesture: the first click or key unlocks it. */
function unlock() {
  if (!audio) {
    try {
      audio = new AudioContext();
    } catch {
      audio = null;
    }
  }
  audio?.resume?.();
}
document.addEventListener('pointerdown', unlock, { once: false, passive: true });
document.addEventListener('keydown', unlock, { once: false, passive: true });

export function chime(kind = 'message') {
  const now = Date.now();
  if (!audio || now - lastSound < 800) return;
  lastSound = now;
  const notes = kind === 'chat' ? [660, 880] : kind === 'alert' ? [440, 440, 440] : [880];
  let t = audio.currentTime;
  for (const freq of notes) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    osc.type = 'sine';
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.18);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + 0.2);
    t += 0.22;
  }
}

/** For tests and the help dialog: how many announcements wait in the title. */
export function unseenCount() {
  return unseen;
}
