import { el } from '../dom';
import { timeLeft } from '../operation-text';

/** A "… left" that counts down by itself while its page is shown. */
export function timeLeftText(until: string): HTMLElement {
  return el('span', { class: 'time-left', attrs: { 'data-until': until } }, timeLeft(until));
}

/** Ticks every `.time-left` under `root` once a second until `signal` aborts. */
export function tickTimeLeft(root: HTMLElement, signal: AbortSignal): void {
  const timer = setInterval(() => {
    for (const span of root.querySelectorAll<HTMLElement>('.time-left')) {
      const until = span.dataset.until;
      if (until) span.textContent = timeLeft(until);
    }
  }, 1000);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
