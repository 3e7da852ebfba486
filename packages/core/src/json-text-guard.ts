import { QuorumError } from './errors';

/**
 * Checks the raw text of a JSON request body before it is parsed, in one pass and without
 * recursion, for what JSON.parse would silently accept or change:
 * - nesting deeper than `maxDepth` (a deep body must never reach recursive code);
 * - a number whose value the parser would round (`12345678901234567891`, `0.1000000000000000000001`)
 *   or turn into Infinity (`1e400`): what is signed must be what was sent;
 * - a member name given twice in one object (the parser would keep only the last).
 * Anything else malformed is left to the parser. Throws RET_BAD_REQUEST.
 */
export function checkJsonText(text: string, maxDepth: number): void {
  const containers: (Set<string> | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = containers[containers.length - 1];
      if (top && isMemberName(text, end)) {
        const name = decodeString(text.slice(i, end));
        if (top.has(name)) throw new QuorumError('RET_BAD_REQUEST', `The JSON body names member ${JSON.stringify(name.slice(0, 64))} twice in one object`);
        top.add(name);
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      containers.push(c === 0x7b ? new Set() : null);
      if (containers.length > maxDepth) throw new QuorumError('RET_BAD_REQUEST', `The JSON body is nested deeper than ${maxDepth} levels`);
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      containers.pop();
      i++;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const token = NUMBER.exec(text)?.[0] ?? text[i] ?? '';
      checkNumber(token);
      i += Math.max(1, token.length);
    } else {
      i++;
    }
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** Index just past the closing quote of the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return text.length;
}

function isMemberName(text: string, after: number): boolean {
  let i = after;
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return text[i] === ':';
}

function decodeString(literal: string): string {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return literal;
  }
}

/** A decimal as sign, significant digits and exponent, so two spellings of one value compare equal. */
function decimal(token: string): string {
  const negative = token.startsWith('-');
  const [mantissa = '', exponentText = '0'] = token.replace(/^-/, '').toLowerCase().split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  let digits = (whole + fraction).replace(/^0+/, '');
  let exponent = Number(exponentText) - fraction.length;
  if (digits === '') return '0';
  const trailing = /0*$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${negative ? '-' : ''}${digits}e${exponent}`;
}

function checkNumber(token: string): void {
  const value = Number(token);
  if (!Number.isFinite(value)) throw new QuorumError('RET_BAD_REQUEST', `The number ${token.slice(0, 40)} is out of range`);
  if (decimal(token) !== decimal(String(value))) {
    throw new QuorumError(
      'RET_BAD_REQUEST',
      `The number ${token.slice(0, 40)} cannot be kept exactly (it would become ${String(value)}); send it as a string`,
    );
  }
}
