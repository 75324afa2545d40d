/**
 * An explicit base (`base-sha`, with `head-sha` or the event's head): `base..head` as given,
 * whatever the trigger. Commits missing from the checkout are fetched by SHA.
 */
import { ConfigError } from '../errors.js';
import { type ChangeSet, short } from './change-set.js';
import type { History } from './history.js';

export async function resolveExplicitBase(history: History, baseSha: string): Promise<ChangeSet> {
  const head = history.options.headSha ?? history.eventHead() ?? (await history.localHead());
  if (head === undefined) throw new ConfigError('No head commit: set `head-sha` along with `base-sha`.');
  return history.diff(baseSha, head, `explicit base ${short(baseSha)}`);
}
