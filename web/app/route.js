// The console's routes live in the location hash (`#/desk/12`): reading the current one, following
// its changes, and moving to another. A module of its own so that the views can navigate without
// importing main.js, which imports them.
import { useEffect, useState } from './html.js';

/** `#/desk/12` → {page: 'desk', arg: '12'}. */
function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  return { page: parts[0] || 'desk', arg: parts.slice(1).join('/') || null };
}

/** The current route, re-rendering the component whenever the hash changes. */
export function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

export function navigate(path) {
  if (location.hash !== `#/${path}`) location.hash = `#/${path}`;
}
