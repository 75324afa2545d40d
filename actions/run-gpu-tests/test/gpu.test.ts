import { describe, expect, it } from 'vitest';
import { countDeviceNodes, detectGpus, parseNvidiaSmiList } from '../src/gpu.js';

describe('GPU detection', () => {
  it('reads nvidia-smi -L', () => {
    const stdout = [
      'GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-5f3c1c2a-0000-0000-0000-000000000000)',
      '  MIG 1g.10gb Device 0: (UUID: MIG-x)',
      'GPU 1: NVIDIA H100 80GB HBM3 (UUID: GPU-aaaa)',
      '',
    ].join('\n');
    expect(parseNvidiaSmiList(stdout)).toEqual(['NVIDIA H100 80GB HBM3', 'NVIDIA H100 80GB HBM3']);
  });

  it('counts /dev/nvidiaN but not the control devices', () => {
    expect(countDeviceNodes(['nvidia0', 'nvidia1', 'nvidiactl', 'nvidia-uvm', 'nvidia-caps', 'null'])).toBe(2);
  });

  it('prefers nvidia-smi, falls back to /dev, and reports none', async () => {
    const smi = async () => ({ exitCode: 0, stdout: 'GPU 0: Tesla T4 (UUID: GPU-1)\n', stderr: '' });
    expect(await detectGpus(smi, () => [])).toEqual({ count: 1, names: ['Tesla T4'], source: 'nvidia-smi' });
    const missing = async () => {
      throw new Error('Unable to locate executable file: nvidia-smi');
    };
    expect(await detectGpus(missing, () => ['nvidia0'])).toEqual({ count: 1, names: [], source: '/dev' });
    const failing = async () => ({ exitCode: 9, stdout: '', stderr: 'NVIDIA-SMI has failed' });
    expect(await detectGpus(failing, () => ['null'])).toEqual({ count: 0, names: [], source: 'none' });
    // This machine has no GPU: the real probe must say so.
    const { exec } = await import('@dynamo-ci/core');
    expect((await detectGpus((command, args) => exec(command, args))).count).toBe(0);
  });
});
