/** Lower-case, and drop everything but letters, digits and `+`, so `Llama-4 Maverick` = `llama4maverick`. */
export function normalizeName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9+]/g, '');
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (d[(i - 1) * cols + j] ?? 0) + 1,
        (d[i * cols + j - 1] ?? 0) + 1,
        (d[(i - 1) * cols + j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

/**
 * The labels closest to `input`, best first: a label that contains the input (or
 * is contained in it) ranks as distance 1; otherwise edit distance, kept when it
 * is at most a third of the longer string (plus one).
 */
export function closestLabels(
  input: string,
  candidates: readonly { label: string; keys: readonly string[] }[],
  limit = 3,
): string[] {
  const needle = normalizeName(input);
  if (needle === '') return [];
  const scored: { label: string; score: number }[] = [];
  for (const candidate of candidates) {
    let score = Number.POSITIVE_INFINITY;
    for (const key of candidate.keys) {
      const hay = normalizeName(key);
      if (hay === '') continue;
      const contains = needle.length >= 2 && (hay.includes(needle) || needle.includes(hay));
      const distance = contains ? 1 : editDistance(needle, hay);
      if (distance <= Math.floor(Math.max(needle.length, hay.length) / 3) + 1) {
        score = Math.min(score, distance);
      }
    }
    if (Number.isFinite(score)) scored.push({ label: candidate.label, score });
  }
  scored.sort((x, y) => x.score - y.score || x.label.localeCompare(y.label));
  return [...new Set(scored.map((s) => s.label))].slice(0, limit);
}
