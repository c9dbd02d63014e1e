// agentdesk web chat loader: <script src="https://desk.example/widget.js" data-widget-key="KEY" async>.
// Adds a launcher button and the chat window (an iframe of the desk) inside a shadow root, styled
// through the CSSOM only: no global names, no style sheet, nothing inline a strict CSP would refuse.
(function () {
  var script = document.currentScript;
  var key = script && script.getAttribute('data-widget-key');
  if (!key || document.querySelector('[data-agentdesk-chat]')) return;
  var base = new URL(script.src).origin;
  var host = document.createElement('div');
  host.setAttribute('data-agentdesk-chat', '');
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  var css = function (el, rules) {
    for (var k in rules) el.style.setProperty(k, rules[k], 'important');
  };
  css(host, { position: 'fixed', right: '0', bottom: '0', 'z-index': '2147483000', width: '0', height: '0' });
  var button = document.createElement('button');
  button.type = 'button';
  button.setAttribute('aria-label', 'Open the chat');
  button.setAttribute('aria-expanded', 'false');
  button.textContent = 'Chat';
  css(button, {
    position: 'fixed', right: '20px', bottom: '20px', padding: '12px 20px', 'border-radius': '24px', border: '0',
    background: '#1f5fbf', color: '#fff', font: '600 16px/1.2 system-ui, sans-serif', cursor: 'pointer',
    'box-shadow': '0 4px 14px rgba(0,0,0,.25)',
  });
  var badge = document.createElement('span');
  css(badge, { display: 'none', 'margin-left': '8px', background: '#d33', 'border-radius': '10px', padding: '0 7px' });
  button.appendChild(badge);
  var frame = document.createElement('iframe');
  frame.title = 'Chat';
  frame.setAttribute('allow', 'clipboard-write');
  // The visitor's token is kept here too: a browser that refuses storage to a third-party frame
  // would otherwise make every visit a new visitor.
  var store = 'agentdesk.visitor.' + key;
  var kept = '';
  try {
    kept = localStorage.getItem(store) || '';
  } catch (e) {}
  frame.src = base + '/webchat/frame?key=' + encodeURIComponent(key) + '#host=' + encodeURIComponent(location.hostname) +
    '&token=' + encodeURIComponent(kept);
  var open = false;
  var place = function () {
    var phone = window.innerWidth < 480;
    css(frame, {
      display: open ? 'block' : 'none', position: 'fixed', border: '0', background: '#fff',
      right: phone ? '0' : '20px', bottom: phone ? '0' : '84px',
      width: phone ? '100vw' : '370px', height: phone ? '100vh' : 'min(600px, calc(100vh - 110px))',
      'border-radius': phone ? '0' : '12px', 'box-shadow': '0 8px 30px rgba(0,0,0,.3)',
    });
    css(button, { display: open && phone ? 'none' : 'block' });
  };
  var toggle = function (to) {
    open = to;
    button.setAttribute('aria-expanded', String(open));
    button.setAttribute('aria-label', open ? 'Close the chat' : 'Open the chat');
    place();
    if (frame.contentWindow) frame.contentWindow.postMessage({ agentdesk: open ? 'open' : 'closed' }, base);
    if (open) frame.focus();
    else button.focus();
  };
  button.addEventListener('click', function () { toggle(!open); });
  window.addEventListener('resize', place);
  window.addEventListener('message', function (e) {
    if (e.origin !== base || e.source !== frame.contentWindow || !e.data) return;
    if (e.data.agentdesk === 'close' && open) toggle(false);
    if (e.data.agentdesk === 'token' && /^[0-9a-f]{32}$/.test(e.data.token)) {
      try {
        localStorage.setItem(store, e.data.token);
      } catch (x) {}
    }
    if (e.data.agentdesk === 'unread') {
      badge.textContent = e.data.count;
      css(badge, { display: e.data.count > 0 ? 'inline' : 'none' });
    }
  });
  place();
  root.appendChild(frame);
  root.appendChild(button);
  (document.body || document.documentElement).appendChild(host);
})();
