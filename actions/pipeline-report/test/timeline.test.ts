import { describe, expect, it } from 'vitest';
import type { JobFacts } from '../src/model.js';
import { buildTimeline, gantt, gpuCount, mermaidText } from '../src/timeline.js';

const minute = 60_000;
const job = (
  id: number,
  name: string,
  created: number,
  started: number,
  completed: number,
  labels: string[] = [],
): JobFacts => ({
  id,
  name,
  status: 'completed',
  conclusion: 'success',
  createdAt: created * minute,
  startedAt: started * minute,
  completedAt: completed * minute,
  labels,
  steps: [],
});

describe('gpuCount', () => {
  it.each([
    [['prod-tester-amd-gpu-4-v1'], 4],
    [['linux-amd64-gpu-h100-latest-1'], 1],
    [['self-hosted', '8gpu'], 8],
    [['dgx-h100x8'], 8],
    [['linux-amd64-cpu32'], 0],
    [['ubuntu-24.04'], 0],
  ])('%j has %i GPUs', (labels, gpus) => {
    expect(gpuCount(labels, [])).toBe(gpus);
  });

  it('lets a rule win over the label', () => {
    expect(gpuCount(['gpu-runner'], [{ glob: /^gpu-runner$/, gpus: 2 }])).toBe(2);
  });
});

describe('buildTimeline', () => {
  const jobs = [
    job(1, 'changes', 0, 0.5, 2, ['ubuntu-24.04']),
    job(2, 'build (vllm)', 2.1, 3, 30, ['builder']),
    job(3, 'build (sglang)', 2.1, 2.5, 20, ['builder']),
    job(4, 'suite / test (vllm)', 30.1, 40, 70, ['gpu-4']),
    job(5, 'suite / test (sglang)', 20.1, 21, 50, ['gpu-1']),
    job(6, 'lint', 0, 0.2, 5, ['ubuntu-24.04']),
  ];

  it('walks the critical path back from the last job through the job each waited for', () => {
    const timeline = buildTimeline(jobs, []);
    expect(timeline.criticalPath).toEqual([1, 2, 4]);
    expect(timeline.wallSeconds).toBe(70 * 60);
    expect(timeline.gpuMinutes).toBe(30 * 4 + 29);
    expect(timeline.byLabels[0]).toEqual({ labels: 'builder', jobs: 2, minutes: 44.5, gpuMinutes: 0 });
    expect(timeline.jobs.find((timing) => timing.job.id === 4)).toMatchObject({
      queueSeconds: 594,
      runSeconds: 1800,
      gpus: 4,
      critical: true,
    });
  });

  it('draws a Gantt with queue and run bars, sections per workflow prefix, and text Mermaid cannot misread', () => {
    const hostile = job(7, 'test: a; b # c %% d\nnext', 0, 1, 2);
    const chart = gantt(buildTimeline([...jobs, hostile], []), { title: 'Nightly #3', maxJobs: 4 });
    expect(chart.hidden).toBe(3);
    expect(chart.text).toContain('  section suite\n');
    expect(chart.text).toMatch(/ {2}test \(vllm\) queued :done, q4, \d+, \d+\n {2}test \(vllm\) :crit, j4, \d+, \d+/);
    expect(chart.text).not.toContain('test: a');
    expect(mermaidText('test: a; b # c %% d\nnext')).toBe('test a b c d next');
  });

  it('has nothing to draw when no job started', () => {
    const timeline = buildTimeline([{ ...job(1, 'x', 0, 0, 0), startedAt: undefined, completedAt: undefined }], []);
    expect(timeline).toMatchObject({ jobs: [], criticalPath: [], wallSeconds: 0, runnerMinutes: 0 });
  });
});
