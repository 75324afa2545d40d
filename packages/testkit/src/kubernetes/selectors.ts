/**
 * Label selectors as the API server reads them from `?labelSelector=`: equality terms (`a=b`,
 * `a==b`, `a!=b`), existence (`a`, `!a`) and set terms (`a in (x,y)`, `a notin (x)`), comma-separated.
 */
export function matchesSelector(selector: string, labels: Record<string, string>): boolean {
  return splitTerms(selector).every((term) => {
    const set = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (set) {
      const values = (set[3] as string).split(',').map((value) => value.trim());
      const has = (set[1] as string) in labels && values.includes(labels[set[1] as string] as string);
      return set[2] === 'in' ? has : !has;
    }
    const notEqual = /^([^!=]+)!=(.*)$/.exec(term);
    if (notEqual) return labels[(notEqual[1] as string).trim()] !== (notEqual[2] as string).trim();
    const equal = /^([^!=]+)==?(.*)$/.exec(term);
    if (equal) return labels[(equal[1] as string).trim()] === (equal[2] as string).trim();
    if (term.startsWith('!')) return !(term.slice(1).trim() in labels);
    return term in labels;
  });
}

/** Terms split on the commas outside `( )`. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += char;
  }
  terms.push(current);
  return terms.map((term) => term.trim()).filter(Boolean);
}

/** A Deployment's or Service's `matchLabels`-style selector as a map. */
export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}
