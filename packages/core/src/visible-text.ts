/**
 * Text from someone else (arguments, reasons, names, HSM descriptions, server messages) shown
 * to an approver: every character a terminal would interpret, or a renderer would use to
 * reorder or hide text, is made visible as a `\uXXXX` escape, never passed through.
 *
 * Escaped, by Unicode's own classes (a list of ours would miss some): every control (`Cc`:
 * C0 U+0000–U+001F, so ESC, CR, LF and TAB too, DEL, C1 U+0080–U+009F); every format
 * character (`Cf`: the bidirectional embeddings, overrides, isolates and marks U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C, the zero-width characters, U+FEFF, the soft hyphen,
 * the tag characters, the Arabic number signs U+0600–U+0605, the Egyptian hieroglyph and
 * shorthand format controls); the line and paragraph separators U+2028/U+2029; and every
 * default-ignorable code point, which a renderer draws as nothing (variation selectors, the
 * Mongolian free variation selectors U+180B–U+180F, the deprecated format characters
 * U+206A–U+206F, the Hangul and Khmer fillers, U+034F, U+FFF0–U+FFF8, U+E0000–U+E0FFF):
 * `alice` followed by any of them reads as `alice`. A backslash stays a backslash: a literal
 * "\u001b" typed by someone is six ordinary characters, and escapes are marked in the console,
 * so the two never read the same there.
 *
 * This module imports nothing: the console bundles it for the browser.
 */

/** One class of every character {@link visibleText} escapes. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;

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

/** Letters of the right-to-left scripts: Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Adlam, Hanifi Rohingya. */
const RIGHT_TO_LEFT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]/u;

/**
 * Whether `text` holds right-to-left letters: a renderer that applies the bidirectional
 * algorithm (a browser, and terminals such as Konsole or GNOME Terminal) may then show it in
 * another order than written — digits and punctuation between two such letters move with them,
 * `{"1":"א","2":"5","3":"ב"}` reading as `{"1":"ב":"3","5":"2","א"}`.
 */
export function hasRightToLeftLetters(text: string): boolean {
  return RIGHT_TO_LEFT.test(text);
}
