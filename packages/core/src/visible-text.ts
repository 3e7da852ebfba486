/**
 * Text from someone else (arguments, reasons, names, HSM descriptions, server messages) shown
 * to an approver: every character a terminal would interpret, or a renderer would use to
 * reorder or hide text, is made visible as a `\uXXXX` escape, never passed through.
 *
 * Escaped: C0 controls (U+0000–U+001F, so ESC, CR, LF and TAB too), DEL (U+007F), C1 controls
 * (U+0080–U+009F), the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), the direction marks (U+200E, U+200F, U+061C), and the invisible characters
 * that can hide or join text (U+00AD soft hyphen, U+180E, U+200B–U+200D, U+2028/U+2029 line and
 * paragraph separators, U+2060–U+2064 word joiner and invisible operators, U+FEFF, the
 * interlinear annotation controls U+FFF9–U+FFFB, the combining grapheme joiner U+034F, the
 * Hangul and Khmer fillers U+115F, U+1160, U+17B4, U+17B5, U+3164, U+FFA0, the musical
 * formatting controls U+1D173–U+1D17A, variation selectors U+FE00–U+FE0F and
 * U+E0100–U+E01EF, and the tag characters U+E0000–U+E007F: `alice` followed by tags reads
 * as `alice`). A backslash stays a backslash: a literal
 * "\u001b" typed by someone is six ordinary characters, and escapes are marked in the console,
 * so the two never read the same there.
 *
 * This module imports nothing: the console bundles it for the browser.
 */

/** One class of every character {@link visibleText} escapes. */
const HIDDEN =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\u{1d173}-\u{1d17a}\u{e0000}-\u{e007f}\u{e0100}-\u{e01ef}]/gu;

/** Whether `text` holds a character that {@link visibleText} escapes (control, direction or invisible). */
export function hasHiddenCharacters(text: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
}

/** `\u001b` for ESC, `\u{e0062}` past U+FFFF: hex digits, lower case. */
export function escapeOf(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every control, direction and invisible character written as `\uXXXX`. */
export function visibleText(text: string): string {
  return text.replace(HIDDEN, escapeOf);
}

/** One run of `text`: plain characters, or one escaped character (its `\uXXXX` form). */
export interface VisibleSegment {
  text: string;
  escaped: boolean;
}

/** `text` cut into plain runs and escaped characters, for a renderer that marks the escapes. */
export function visibleSegments(text: string): VisibleSegment[] {
  const segments: VisibleSegment[] = [];
  let last = 0;
  for (const match of text.matchAll(HIDDEN)) {
    const at = match.index ?? 0;
    if (at > last) segments.push({ text: text.slice(last, at), escaped: false });
    segments.push({ text: escapeOf(match[0]), escaped: true });
    last = at + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last), escaped: false });
  return segments;
}
