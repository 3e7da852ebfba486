import { visibleSegments } from '@quorumd/core/dist/visible-text';

/**
 * The console's only way to make DOM: elements built one by one, data always as text nodes.
 * There is no innerHTML anywhere in the console, so nothing a server, a requester or an
 * operation's arguments send can become markup or script.
 *
 * Every text goes in through {@link visibleNodes}: a control, direction or invisible character
 * (an override that turns "10.0" into "0.01" on screen, an ESC, a zero-width space) is never
 * put on the page as itself, but as its `\uXXXX` escape in a marked `<span class="escaped">`.
 * So no name, reason, argument, byte or server message can reorder, hide or fake what is
 * around it, whichever view shows it.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  /** Attributes; event handler attributes (on…) are refused: handlers go in `on`. */
  attrs?: Record<string, string | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.id) node.id = props.id;
  for (const [name, value] of Object.entries(props.attrs ?? {})) {
    if (/^on/i.test(name)) throw new Error(`event handler attribute ${name}: use props.on`);
    if (value !== undefined) node.setAttribute(name, value);
  }
  for (const [type, handler] of Object.entries(props.on ?? {})) node.addEventListener(type, handler as EventListener);
  append(node, ...children);
  return node;
}

function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? visibleNodes(String(child)) : child);
  }
}

/**
 * `text` as nodes: plain runs as text nodes, each control, direction or invisible character as
 * `<span class="escaped">\u202e</span>` (styled apart, so a typed "\u202e" never reads the same).
 */
function visibleNodes(text: string): Node {
  const segments = visibleSegments(text);
  const only = segments[0];
  if (segments.length <= 1 && !only?.escaped) return document.createTextNode(text);
  const nodes = document.createDocumentFragment();
  for (const segment of segments) {
    if (!segment.escaped) {
      nodes.appendChild(document.createTextNode(segment.text));
      continue;
    }
    const code = `U+${segment.text.slice(2).toUpperCase()}`;
    const mark = document.createElement('span');
    mark.className = 'escaped';
    mark.title = `${code}: a control, direction or invisible character, shown as its escape`;
    mark.appendChild(document.createTextNode(segment.text));
    nodes.appendChild(mark);
  }
  return nodes;
}

/** Replaces every child of `parent`. */
export function replace(parent: Node, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, ...children);
}

/** A labelled field: `<label for>` + the control, so screen readers and tests find it by its label. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  if (!control.id) control.id = `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${++fieldSeq}`;
  return el('div', { class: 'field' }, el('label', { attrs: { for: control.id } }, label), control, hint ? el('small', {}, hint) : null);
}
let fieldSeq = 0;

export function button(label: string, onClick: () => void, options: { kind?: 'primary' | 'danger'; type?: 'button' | 'submit' } = {}): HTMLButtonElement {
  return el('button', { class: options.kind ?? '', attrs: { type: options.type ?? 'button' }, on: { click: () => onClick() } }, label);
}

/** A line that says how something went: role=status for news, role=alert for refusals. */
export function notice(kind: 'ok' | 'error' | 'info', text: string): HTMLElement {
  return el('p', { class: `notice ${kind}`, attrs: { role: kind === 'error' ? 'alert' : 'status' } }, text);
}
