/**
 * Post-step state, typed: an action declares its fields once (its `src/state.ts`), saves them in the
 * main phase and reads them back in the post phase as values of the declared types, never as bare
 * string keys cast back. The runner keeps state as strings in `$GITHUB_STATE`; secrets never belong
 * there (the adapter redacts masked values, so a secret saved by mistake reads back as `***`).
 */
import type { Runner } from './runner.js';

/** How one field travels through `$GITHUB_STATE`. */
export interface StateField<T> {
  encode(value: T): string;
  /** The saved text back as a value, or undefined when it was not saved or is not one. */
  decode(text: string): T | undefined;
}

/** A string field. */
export const textField: StateField<string> = { encode: (value) => value, decode: (text) => text };

/** A boolean field. */
export const booleanField: StateField<boolean> = {
  encode: (value) => String(value),
  decode: (text) => (text === 'true' ? true : text === 'false' ? false : undefined),
};

/** One of a fixed set of words. */
export function choiceField<T extends string>(choices: readonly T[]): StateField<T> {
  return {
    encode: (value) => value,
    decode: (text) => ((choices as readonly string[]).includes(text) ? (text as T) : undefined),
  };
}

export type StateFields<T> = { [K in keyof T]: StateField<T[K]> };

/** An action's post-step state: `save` in the main phase, `read` in the post phase. */
export interface PostState<T> {
  save<K extends keyof T & string>(name: K, value: T[K]): void;
  /** Every field the main phase saved (a field it did not save, or saved as something else, is absent). */
  read(): Partial<T>;
}

/** The typed post-step state of `fields` over the runner's state commands. */
export function postState<T>(runner: Pick<Runner, 'saveState' | 'state'>, fields: StateFields<T>): PostState<T> {
  return {
    save(name, value) {
      runner.saveState(name, fields[name].encode(value));
    },
    read() {
      const values: Partial<T> = {};
      for (const name of Object.keys(fields) as (keyof T & string)[]) {
        const text = runner.state(name);
        const value = text === undefined ? undefined : fields[name].decode(text);
        if (value !== undefined) values[name] = value;
      }
      return values;
    },
  };
}
