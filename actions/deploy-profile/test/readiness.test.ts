import { describe, expect, it } from 'vitest';
import { assess, graphReadiness, invalidSpecEvent, podFailure } from '../src/readiness.js';

const options = { restartThreshold: 3, requireFrontend: true };

function pod(service: string, type: string, status: Record<string, any>, name = `g-${service.toLowerCase()}-0`) {
  return {
    metadata: { name, labels: { 'nvidia.com/dynamo-component': service, 'nvidia.com/dynamo-component-type': type } },
    status,
  };
}
const ready = {
  phase: 'Running',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'main', restartCount: 0 }],
};
const graph = (state: string, readyStatus: string, extra: Record<string, any> = {}) => ({
  metadata: { name: 'g', generation: 2 },
  status: { state, observedGeneration: 2, conditions: [{ type: 'Ready', status: readyStatus }], ...extra },
});

describe('graphReadiness', () => {
  it('needs Ready=True and state successful for the current generation', () => {
    expect(graphReadiness(graph('successful', 'True')).ready).toBe(true);
    expect(graphReadiness(graph('pending', 'True')).ready).toBe(false);
    expect(graphReadiness(graph('successful', 'False')).ready).toBe(false);
    expect(graphReadiness({ ...graph('successful', 'True'), metadata: { name: 'g', generation: 3 } }).ready).toBe(
      false,
    );
    expect(graphReadiness(undefined).ready).toBe(false);
  });
});

describe('podFailure', () => {
  it.each([
    [
      {
        containerStatuses: [
          { name: 'main', image: 'i:1', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off' } } },
        ],
      },
      /cannot pull its image i:1 \(ImagePullBackOff: Back-off\)/,
    ],
    [
      {
        containerStatuses: [
          { name: 'main', image: 'i:1', state: { waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } } },
        ],
      },
      /cannot pull its image/,
    ],
    [
      {
        containerStatuses: [
          {
            name: 'main',
            state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "hf-token-secret" not found' } },
          },
        ],
      },
      /hf-token-secret/,
    ],
    [
      {
        containerStatuses: [
          {
            name: 'main',
            restartCount: 4,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
      /restarted 4 times \(more than restart-threshold 3\), now CrashLoopBackOff, last exit code 137 \(OOMKilled\)/,
    ],
    [
      {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.',
          },
        ],
      },
      /not enough GPUs/,
    ],
  ])('fails on %j', (status, message) => {
    expect(podFailure(pod('W', 'worker', status), options)).toMatch(message);
  });

  it.each([
    [{ containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ErrImagePull', message: 'i/o timeout' } } }] }],
    [{ containerStatuses: [{ name: 'main', restartCount: 3, state: { running: {} } }] }],
    [
      {
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes: 2 Insufficient cpu.' },
        ],
      },
    ],
    [{ containerStatuses: [{ name: 'main', state: { waiting: { reason: 'ContainerCreating' } } }] }],
  ])('keeps waiting on %j', (status) => {
    expect(podFailure(pod('W', 'worker', status), options)).toBeUndefined();
  });
});

describe('invalidSpecEvent', () => {
  it('fails on a rejected spec, not on ordinary warnings', () => {
    expect(
      invalidSpecEvent(
        [
          {
            type: 'Warning',
            reason: 'InvalidSpec',
            message: 'bad',
            involvedObject: { kind: 'DynamoGraphDeployment', name: 'g' },
          },
        ],
        'g',
      ),
    ).toMatch(/rejected \(InvalidSpec\): bad/);
    expect(
      invalidSpecEvent(
        [
          {
            type: 'Warning',
            reason: 'FailedCreate',
            message: 'Deployment.apps "g-w" is invalid: x',
            involvedObject: { kind: 'DynamoGraphDeployment', name: 'g' },
          },
        ],
        'g',
      ),
    ).toBeDefined();
    expect(
      invalidSpecEvent(
        [
          {
            type: 'Warning',
            reason: 'BackOff',
            message: 'Back-off restarting',
            involvedObject: { kind: 'Pod', name: 'g-w' },
          },
        ],
        'g',
      ),
    ).toBeUndefined();
    expect(
      invalidSpecEvent([{ type: 'Normal', reason: 'InvalidSpec', message: 'x', involvedObject: {} }], 'g'),
    ).toBeUndefined();
  });
});

describe('assess', () => {
  it('is ready only when the graph is and every frontend pod is', () => {
    const pods = [pod('Frontend', 'frontend', ready), pod('W', 'worker', ready)];
    expect(assess(graph('successful', 'True'), pods, [], options)).toMatchObject({ ready: true });
    const frontendStarting = [
      pod('Frontend', 'frontend', { phase: 'Running', conditions: [] }),
      pod('W', 'worker', ready),
    ];
    const result = assess(graph('successful', 'True'), frontendStarting, [], options);
    expect(result.ready).toBe(false);
    expect(result.progress).toBe('state=successful Ready=True; pods 1/2 ready [Frontend Running; W Running, ready]');
    expect(
      assess(graph('successful', 'True'), [pod('W', 'worker', ready)], [], { ...options, requireFrontend: false })
        .ready,
    ).toBe(true);
  });

  it('ignores terminating pods and fails when the graph says failed or disappears', () => {
    const old = {
      ...pod('W', 'worker', { containerStatuses: [{ name: 'main', restartCount: 9 }] }),
      metadata: { name: 'old', deletionTimestamp: 'x', labels: {} },
    };
    expect(assess(graph('pending', 'False'), [old], [], options).failure).toBeUndefined();
    expect(assess(graph('failed', 'False'), [], [], options).failure).toMatch(/reports state=failed/);
    expect(assess(undefined, [], [], options).failure).toMatch(/disappeared/);
  });
});
