import type { TokenDocument } from '@quorumd/core';

/** A token's bytes as stored (`doc`) and parsed: they never change once the token is issued. */
export interface TokenText {
  bytes: string;
  doc: TokenDocument;
}

/**
 * How much token text (UTF-16 code units of the bytes) TokenTexts holds in all: a parsed
 * document takes up to some 20 times its text (args of many empty objects, the most a token's
 * 4 KB of args can carry), so this bounds the parsed documents held to under 50 MB whatever the
 * tokens are; typical tokens (about 450 bytes) are some 4,500 of them, many full queues.
 */
export const TEXTS_MAX_CHARS = 2 * 1024 * 1024;

/**
 * Token bytes read by this process, by token id (they never change), the oldest dropped
 * first once they hold more than `maxChars` of text in all: bounded by size, not by count,
 * since what a document costs parsed depends on its size and shape.
 */
export class TokenTexts {
  private readonly entries = new Map<string, TokenText>();
  private chars = 0;

  constructor(private readonly maxChars: number) {}

  get(id: string): TokenText | undefined {
    return this.entries.get(id);
  }

  set(id: string, text: TokenText): void {
    const held = this.entries.get(id);
    if (held) {
      this.entries.delete(id);
      this.chars -= held.bytes.length;
    }
    this.entries.set(id, text);
    this.chars += text.bytes.length;
    for (const [oldest, dropped] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= dropped.bytes.length;
    }
  }
}
