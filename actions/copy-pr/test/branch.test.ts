import { ServiceError } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { moveBranch } from '../src/branch.js';
import type { GatePort } from '../src/github.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** Branch calls over a map, with hooks that let a test play a concurrent writer. */
function refsPort(initial: Record<string, string>, hooks: Partial<GatePort> = {}) {
  const refs = new Map(Object.entries(initial));
  const calls: string[] = [];
  const port = {
    async getBranch(branch: string) {
      calls.push('get');
      return refs.get(branch);
    },
    async createBranch(branch: string, sha: string) {
      calls.push('create');
      if (refs.has(branch)) return 'exists' as const;
      refs.set(branch, sha);
      return 'created' as const;
    },
    async updateBranch(branch: string, sha: string) {
      calls.push('update');
      if (!refs.has(branch)) return 'missing' as const;
      refs.set(branch, sha);
      return 'updated' as const;
    },
    ...hooks,
  } as unknown as GatePort;
  return { port, refs, calls };
}

describe('moveBranch', () => {
  it('creates a missing branch and reads it back', async () => {
    const { port, refs, calls } = refsPort({});
    expect(await moveBranch(port, 'pr/1', A)).toEqual({ before: undefined, changed: true });
    expect(refs.get('pr/1')).toBe(A);
    expect(calls).toEqual(['get', 'create', 'get']);
  });

  it('does nothing when the branch is already there', async () => {
    const { port, calls } = refsPort({ 'pr/1': A });
    expect(await moveBranch(port, 'pr/1', A)).toEqual({ before: A, changed: false });
    expect(calls).toEqual(['get']);
  });

  it('moves a branch another run created between the read and the write', async () => {
    const state = refsPort({});
    const create = state.port.createBranch;
    state.port.createBranch = async (branch, sha) => {
      state.refs.set(branch, B);
      return create(branch, sha);
    };
    await moveBranch(state.port, 'pr/1', A);
    expect(state.refs.get('pr/1')).toBe(A);
    expect(state.calls).toEqual(['get', 'create', 'update', 'get']);
  });

  it('recreates a branch deleted between the read and the write', async () => {
    const state = refsPort({ 'pr/1': B });
    const update = state.port.updateBranch;
    state.port.updateBranch = async (branch, sha) => {
      state.refs.delete(branch);
      return update(branch, sha);
    };
    await moveBranch(state.port, 'pr/1', A);
    expect(state.refs.get('pr/1')).toBe(A);
  });

  it('counts a write whose answer was lost but which landed', async () => {
    const state = refsPort({ 'pr/1': B });
    state.port.updateBranch = async (branch, sha) => {
      state.refs.set(branch, sha);
      throw new ServiceError('GitHub API PATCH failed: socket hang up');
    };
    expect(await moveBranch(state.port, 'pr/1', A)).toEqual({ before: B, changed: true });
  });

  it('retries "Object does not exist" with the configured waits, then explains', async () => {
    const waits: number[] = [];
    const state = refsPort({});
    state.port.createBranch = async () => {
      throw new ServiceError('GitHub API POST /git/refs failed with HTTP 422: Object does not exist', 422);
    };
    const moving = moveBranch(state.port, 'pr/1', A, {
      objectWaitsMs: [5, 7],
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await expect(moving).rejects.toThrow(
      /^Could not move pr\/1 to a{40}: GitHub does not have the commit in this repository .* refs\/pull\/<N>\/head .* It is unchanged \(nothing \(the branch does not exist\)\)\.$/,
    );
    expect(waits).toEqual([5, 7]);
  });
});
