// Where in a piece of JSON text the syntax error is, without ever repeating the text:
// V8's JSON.parse messages quote the input, and some give no position at all.

const POSITION = /at position (\d+)/;

/** Offset of the first character that makes `text` invalid JSON, or -1 when it parses. */
export function jsonErrorOffset(text: string): number {
  const first = tryParse(text);
  if (first === undefined) return -1;
  const position = POSITION.exec(first);
  if (position !== null && Number(position[1]) < text.length) return Number(position[1]);
  // The shortest prefix that cannot be the start of valid JSON ends at the fault.
  let low = 1;
  let high = text.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (couldContinue(text.slice(0, middle))) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** Line and column (1-based) of an offset in text that starts at `line`:`column`. */
export function locate(text: string, offset: number, line: number, column: number): { line: number; column: number } {
  let lastBreak = -1;
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    lines++;
    lastBreak = at;
  }
  return lines === 0 ? { line, column: column + offset } : { line: line + lines, column: offset - lastBreak };
}

// True when the prefix is valid JSON or fails only because it stops early.
function couldContinue(prefix: string): boolean {
  const message = tryParse(prefix);
  if (message === undefined || message.startsWith('Unexpected end of JSON input') || message.startsWith('Unterminated string')) return true;
  const position = POSITION.exec(message);
  return position !== null && Number(position[1]) >= prefix.length;
}

function tryParse(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
