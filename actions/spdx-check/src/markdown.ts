/**
 * Inline code for text taken from files (paths, holders, licenses), which may hold backticks or
 * line breaks. Pure.
 */

const SPECIAL = /[`\r\n]/;

/**
 * `text` as a CommonMark code span: a fence longer than any backtick run inside, a space inside
 * the fences when the text starts or ends with a backtick, line breaks as spaces.
 */
export function inlineCode(text: string): string {
  if (!SPECIAL.test(text)) return `\`${text}\``;
  const flat = text.replace(/\r\n|\r|\n/g, ' ');
  let longest = 0;
  for (const run of flat.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
