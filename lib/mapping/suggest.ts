// "Did you mean" hints for names typed into a mapping: a header, a function, an attribute.

/** Returns the candidate closest to `name` (case-insensitive edit distance), or undefined when none is close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const target = name.toLowerCase();
  // Short names tolerate one slip, longer ones a third of their length.
  const limit = Math.max(1, Math.min(3, Math.floor(target.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (lower === target) return candidate;
    if (Math.abs(lower.length - target.length) > limit) continue;
    const d = editDistance(target, lower, limit);
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Formats a hint such as ` (did you mean "userName"?)`, or '' when there is nothing to suggest. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const hit = closest(name, candidates);
  return hit === undefined ? '' : ` (did you mean ${JSON.stringify(hit)}?)`;
}

// Levenshtein with an early exit once every cell of a row exceeds the limit.
function editDistance(a: string, b: string, limit: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return rowMin;
    previous = current;
  }
  return previous[b.length] ?? Infinity;
}
