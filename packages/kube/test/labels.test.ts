import { describe, expect, it } from 'vitest';
import {
  isDnsLabel,
  labelValue,
  projectSelector,
  repositoryLabel,
  runAnnotations,
  runLabels,
  runSelector,
} from '../src/labels.js';

describe('run labels', () => {
  const run = {
    runId: '24536472819',
    attempt: '2',
    repository: 'ai-dynamo/dynamo',
    runUrl: 'https://github.com/x/runs/1',
  };

  it('label every object with the run, the attempt and the repository', () => {
    expect(runLabels(run)).toEqual({
      'dynamo-ci/run-id': '24536472819',
      'dynamo-ci/run-attempt': '2',
      'dynamo-ci/repository': 'ai-dynamo.dynamo',
    });
    expect(runSelector(run)).toBe(
      'dynamo-ci/run-id=24536472819,dynamo-ci/run-attempt=2,dynamo-ci/repository=ai-dynamo.dynamo',
    );
    expect(runSelector(run, true)).toBe('dynamo-ci/run-id=24536472819,dynamo-ci/repository=ai-dynamo.dynamo');
    expect(projectSelector('ai-dynamo/dynamo')).toBe('dynamo-ci/run-id,dynamo-ci/repository=ai-dynamo.dynamo');
    expect(runAnnotations(run, new Date('2026-01-02T03:04:05Z'))).toEqual({
      'dynamo-ci/repository': 'ai-dynamo/dynamo',
      'dynamo-ci/created-at': '2026-01-02T03:04:05.000Z',
      'dynamo-ci/run-url': 'https://github.com/x/runs/1',
    });
  });

  it('keeps repository labels valid and distinct when names are long or end oddly', () => {
    const long = `org/${'r'.repeat(90)}`;
    const other = `org/${'r'.repeat(89)}s`;
    for (const name of [long, other, 'o/repo-', 'o/.x']) {
      const value = repositoryLabel(name);
      expect(value.length).toBeLessThanOrEqual(63);
      expect(labelValue(value)).toBe(value);
    }
    expect(repositoryLabel(long)).not.toBe(repositoryLabel(other));
    expect(repositoryLabel('o/repo-')).not.toBe(repositoryLabel('o/repo'));
    expect(isDnsLabel('ci-1-2-agg')).toBe(true);
    expect(isDnsLabel('Ci')).toBe(false);
  });
});
