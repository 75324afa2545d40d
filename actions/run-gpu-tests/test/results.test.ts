import type { JunitCase } from '@dynamo-ci/core';
import { describe, expect, it } from 'vitest';
import { junitAddress, parseLiveLog, reconcile, slowest, Verdicts } from '../src/results.js';

describe('junitAddress', () => {
  // pytest's mangle_test_address, checked against the JUnit pytest 7.2 wrote for the fixture suite.
  it.each([
    ['tests/test_router.py::test_routes_requests[1]', 'tests.test_router', 'test_routes_requests[1]'],
    ['tests/serve/test_vllm.py::TestServe::test_chat', 'tests.serve.test_vllm.TestServe', 'test_chat'],
    ['tests/test_a.py::test_p[a/b::c.py]', 'tests.test_a', 'test_p[a/b::c.py]'],
    ['test_top.py::test_x', 'test_top', 'test_x'],
  ])('%s', (nodeid, classname, name) => {
    expect(junitAddress(nodeid)).toEqual({ classname, name });
  });
});

const live = (lines: object[], cut = '') =>
  parseLiveLog(`${lines.map((line) => JSON.stringify(line)).join('\n')}\n${cut}`);

describe('reconcile', () => {
  const log = live(
    [
      { event: 'start', nodeid: 'tests/test_a.py::test_ok', file: 'tests/test_a.py', line: 3 },
      { event: 'finish', nodeid: 'tests/test_a.py::test_ok', outcome: 'passed', duration: 1.5 },
      { event: 'start', nodeid: 'tests/test_a.py::test_bad', file: 'tests/test_a.py', line: 9 },
      {
        event: 'finish',
        nodeid: 'tests/test_a.py::test_bad',
        outcome: 'failed',
        duration: 0.2,
        message: 'assert 1 == 2',
      },
      { event: 'start', nodeid: 'tests/test_a.py::test_hang', file: 'tests/test_a.py', line: 20 },
    ],
    '{"event": "fini',
  );

  it('writes every case from the live log when pytest left no JUnit, and names the running test', () => {
    const result = reconcile({
      phase: 'all',
      live: log,
      exitCode: 143,
      stop: 'timeout',
      stopText: 'the deadline passed',
    });
    expect(result.synthesized).toBe(true);
    expect(result.cases.map((c) => [c.name, c.outcome, c.time, c.line, c.message])).toEqual([
      ['test_ok', 'passed', 1.5, 3, undefined],
      ['test_bad', 'failed', 0.2, 9, 'assert 1 == 2'],
      ['test_hang', 'error', 0, 20, 'tests/test_a.py::test_hang was running when the deadline passed'],
    ]);
    expect(result.killed.map((c) => c.nodeid)).toEqual(['tests/test_a.py::test_hang']);
  });

  it("adds only the running test to pytest's own JUnit, dropping the nameless case an interrupt leaves", () => {
    const junit: JunitCase[] = [
      { classname: 'tests.test_a', name: 'test_ok', time: 1.5, outcome: 'passed' },
      { classname: 'tests.test_a', name: 'test_bad', time: 0.2, outcome: 'failed', message: 'assert' },
      { classname: '', name: '', time: 0, outcome: 'passed' },
    ];
    const result = reconcile({ phase: 'all', junit, live: log, exitCode: 2, stopText: 'cancelled' });
    expect(result.synthesized).toBe(false);
    expect(result.cases.map((c) => c.name)).toEqual(['test_ok', 'test_bad', 'test_hang']);
    expect(result.killed.map((c) => c.name)).toEqual(['test_hang']);
  });

  it('leaves a red entry when pytest died before any test started', () => {
    const result = reconcile({ phase: 'sequential', live: live([]), exitCode: 137, stopText: 'killed' });
    expect(result.cases).toEqual([
      {
        classname: 'run-gpu-tests',
        name: 'sequential',
        time: 0,
        outcome: 'error',
        message: 'pytest (sequential) exited with code 137 and wrote no JUnit report: killed',
      },
    ]);
  });

  it('is empty, not red, when nothing was selected (exit 5)', () => {
    expect(reconcile({ phase: 'all', junit: [], live: live([]), exitCode: 5, stopText: '' }).cases).toEqual([]);
  });
});

describe('Verdicts', () => {
  const ids = new Map([
    ['tests.test_a::test_flaky', 'tests/test_a.py::test_flaky'],
    ['tests.test_a::test_broken', 'tests/test_a.py::test_broken'],
  ]);
  const first: JunitCase[] = [
    { classname: 'tests.test_a', name: 'test_flaky', time: 2, outcome: 'failed', message: 'port in use' },
    { classname: 'tests.test_a', name: 'test_broken', time: 1, outcome: 'error', message: 'setup' },
    { classname: 'tests.test_a', name: 'test_ok', time: 3, outcome: 'passed' },
    { classname: 'tests.test_a', name: 'test_skip', time: 0, outcome: 'skipped' },
    { classname: '', name: 'tests.test_collect', time: 0, outcome: 'error', message: 'collection failure' },
  ];

  it('turns a pass on a rerun into a flaky pass and keeps the first failure', () => {
    const verdicts = new Verdicts();
    verdicts.addPhase('all', first, ids);
    expect(verdicts.rerunnable()).toEqual(['tests/test_a.py::test_broken', 'tests/test_a.py::test_flaky']);
    verdicts.addRerun([
      { classname: 'tests.test_a', name: 'test_flaky', time: 2, outcome: 'passed' },
      { classname: 'tests.test_a', name: 'test_broken', time: 1, outcome: 'failed', message: 'now a failure' },
    ]);
    verdicts.addRerun([
      { classname: 'tests.test_a', name: 'test_broken', time: 1, outcome: 'failed', message: 'third' },
    ]);
    expect(verdicts.counts()).toEqual({ total: 5, passed: 2, failed: 1, skipped: 1, errors: 1, flaky: 1 });
    const flaky = verdicts.all().find((v) => v.name === 'test_flaky');
    expect(flaky).toMatchObject({ outcome: 'passed', flaky: true, attempts: 2, firstFailure: 'port in use' });
    const broken = verdicts.all().find((v) => v.name === 'test_broken');
    expect(broken).toMatchObject({ outcome: 'failed', flaky: false, attempts: 3, message: 'third' });
    expect(verdicts.rerunnable()).toEqual(['tests/test_a.py::test_broken']);
  });

  it('counts a surefire flakyFailure as flaky', () => {
    const verdicts = new Verdicts();
    verdicts.addPhase(
      'all',
      [{ classname: 'a', name: 'b', time: 0, outcome: 'passed', flakyMessage: 'once' }],
      new Map(),
    );
    expect(verdicts.counts().flaky).toBe(1);
  });

  it('lists the slowest tests, longest first', () => {
    const verdicts = new Verdicts();
    verdicts.addPhase('all', first, ids);
    expect(slowest(verdicts.all(), 2).map((v) => v.name)).toEqual(['test_ok', 'test_flaky']);
  });
});

describe('parseLiveLog', () => {
  it('keeps where pytest ran and its collection errors', () => {
    const log = live([
      { event: 'session', cwd: '/', rootdir: '/', inifile: null },
      {
        event: 'collect-error',
        nodeid: '',
        message: "FileNotFoundError: [Errno 2] No such file or directory: '/dev/fd/11'",
      },
      { event: 'collect-error', nodeid: 'tests/test_x.py', message: 'ImportError: no module named torch' },
    ]);
    expect(log.session).toEqual({ cwd: '/', rootdir: '/', inifile: null });
    expect(log.collectErrors).toEqual([
      { nodeid: '', message: "FileNotFoundError: [Errno 2] No such file or directory: '/dev/fd/11'" },
      { nodeid: 'tests/test_x.py', message: 'ImportError: no module named torch' },
    ]);
    expect(live([{ event: 'session', cwd: '/w', rootdir: '/w', inifile: '/w/pytest.ini' }]).session?.inifile).toBe(
      '/w/pytest.ini',
    );
  });
});
