// One place that binds htm to Preact, so every view imports `html` and the hooks from here.
import { h, render, Fragment } from '../vendor/preact.js';
import htm from '../vendor/htm.js';

export { h, render, Fragment };
export { useState, useEffect, useRef, useMemo, useCallback, useLayoutEffect } from '../vendor/hooks.js';
export const html = htm.bind(h);
