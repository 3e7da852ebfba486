import { hasHiddenCharacters, visibleSegments, visibleText } from '../src/visible-text';

describe('text shown to an approver', () => {
  it('writes terminal controls as escapes, never as themselves', () => {
    const shown = visibleText('amount \u001b[2K\u001b[1Aten\r\n\u009b31m\u007f');
    expect(shown).toBe('amount \\u001b[2K\\u001b[1Aten\\u000d\\u000a\\u009b31m\\u007f');
    expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/u);
  });

  it('writes direction controls and invisible characters as escapes', () => {
    for (const c of ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u200b', '\ufeff', '\u2028']) {
      expect(hasHiddenCharacters(`10${c}0`)).toBe(true);
      expect(visibleText(`10${c}0`)).toBe(`10\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}0`);
    }
  });

  it('leaves ordinary text, accents and other scripts alone', () => {
    for (const plain of ['createUser alice CU', 'Zoë’s “key”', 'שלום', '日本語', '{"m":3}', 'a\\u001b']) {
      expect(hasHiddenCharacters(plain)).toBe(false);
      expect(visibleText(plain)).toBe(plain);
    }
  });

  it('marks each escaped character as its own segment', () => {
    expect(visibleSegments('\u202e10.0\u202c!')).toEqual([
      { text: '\\u202e', escaped: true },
      { text: '10.0', escaped: false },
      { text: '\\u202c', escaped: true },
      { text: '!', escaped: false },
    ]);
    expect(visibleSegments('')).toEqual([]);
  });
});

describe('characters that hide text without a control code', () => {
  it('escapes tag characters, variation selectors and fillers', () => {
    expect(visibleText('alice\u{e0062}\u{e006f}')).toBe('alice\\u{e0062}\\u{e006f}');
    expect(visibleText('a\ufe0fb\u{e0100}c')).toBe('a\\ufe0fb\\u{e0100}c');
    for (const c of ['\u034f', '\u115f', '\u1160', '\u17b4', '\u3164', '\uffa0', '\u{1d173}']) expect(hasHiddenCharacters(`x${c}y`)).toBe(true);
    expect(hasHiddenCharacters('emoji 😀 and 日本')).toBe(false);
  });
});
