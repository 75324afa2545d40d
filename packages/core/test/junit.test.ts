import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '@dynamo-ci/testkit';
import { describe, expect, it } from 'vitest';
import { decodeEntities, JunitParser, MAX_DETAILS, parseJunit, parseJunitFile, writeJunit } from '../src/junit.js';

// What pytest 7.2 writes with junit_family=xunit1 (trimmed from a real run of the fixture suite).
const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4" time="1.2">
<testcase classname="tests.test_router" name="test_routes_requests[1]" file="tests/test_router.py" line="6" time="0.001" />
<testcase classname="tests.test_router" name="test_fails_when_asked" file="tests/test_router.py" line="16" time="0.250"><failure message="AssertionError: request was dropped by the router&#10;assert 'dropped' == 'routed'">def test_fails_when_asked():
&gt;       assert actual == expected
E       AssertionError: request &lt;dropped&gt; &amp; lost

tests/test_router.py:24: AssertionError</failure><system-out>&lt;failure&gt; printed by the test</system-out></testcase>
<testcase classname="tests.test_router" name="test_nightly_only" file="tests/test_router.py" line="25" time="0.000"><skipped type="pytest.skip" message="needs the nightly dataset">tests/test_router.py:25: needs the nightly dataset</skipped></testcase>
<testcase classname="tests.test_vllm" name="test_setup_breaks" file="tests/test_vllm.py" line="3" time="0.010"><error message="failed on setup with &quot;RuntimeError: CUDA error&quot;">RuntimeError</error></testcase>
</testsuite></testsuites>`;

describe('parseJunit', () => {
  it('reads pytest xunit1 reports: outcomes, messages, bodies, file and line', () => {
    const cases = parseJunit(PYTEST);
    expect(cases.map((c) => [c.classname, c.name, c.outcome, c.file, c.line, c.time])).toEqual([
      ['tests.test_router', 'test_routes_requests[1]', 'passed', 'tests/test_router.py', 6, 0.001],
      ['tests.test_router', 'test_fails_when_asked', 'failed', 'tests/test_router.py', 16, 0.25],
      ['tests.test_router', 'test_nightly_only', 'skipped', 'tests/test_router.py', 25, 0],
      ['tests.test_vllm', 'test_setup_breaks', 'error', 'tests/test_vllm.py', 3, 0.01],
    ]);
    expect(cases[1]?.message).toBe("AssertionError: request was dropped by the router\nassert 'dropped' == 'routed'");
    expect(cases[1]?.details).toContain('E       AssertionError: request <dropped> & lost');
    expect(cases[1]?.details).not.toContain('printed by the test');
    expect(cases[2]?.message).toBe('needs the nightly dataset');
    expect(cases[3]?.message).toBe('failed on setup with "RuntimeError: CUDA error"');
  });

  it('gives the same result for every split of the input into chunks', () => {
    const whole = parseJunit(PYTEST);
    for (let at = 1; at < PYTEST.length; at += 7) {
      const parser = new JunitParser();
      parser.push(PYTEST.slice(0, at));
      parser.push(PYTEST.slice(at));
      expect(parser.end()).toEqual(whole);
    }
  });

  it('reads CDATA bodies, comments, single quotes, > inside attributes, and nested suites', () => {
    const xml = `<testsuites><!-- <testcase name="commented"/> --><testsuite name="outer"><testsuite name="inner">
<testcase classname='a.b' name='x > y' time='1.5'><failure><![CDATA[boom <testcase name="fake"/> ]]></failure></testcase>
<testcase classname="a.b" name="ok"/></testsuite></testsuite></testsuites>`;
    const cases = parseJunit(xml);
    expect(cases.map((c) => [c.name, c.outcome])).toEqual([
      ['x > y', 'failed'],
      ['ok', 'passed'],
    ]);
    expect(cases[0]?.details).toBe('boom <testcase name="fake"/>');
    expect(cases[0]?.message).toBe('boom <testcase name="fake"/>');
  });

  it('counts a failure plus a teardown error as one failed test', () => {
    const xml = '<testcase classname="a" name="b"><failure message="assert"/><error message="teardown"/></testcase>';
    expect(parseJunit(xml)).toEqual([{ classname: 'a', name: 'b', time: 0, outcome: 'failed', message: 'assert' }]);
  });

  it('reads surefire flakyFailure as a flaky pass, and keeps a real failure a failure', () => {
    const xml = `<testcase classname="a" name="flaky"><flakyFailure message="first try"/></testcase>
<testcase classname="a" name="broken"><rerunFailure message="again"/><failure message="still"/></testcase>`;
    const [flaky, broken] = parseJunit(xml);
    expect(flaky).toMatchObject({ outcome: 'passed', flakyMessage: 'first try' });
    expect(broken).toMatchObject({ outcome: 'failed', message: 'still' });
  });

  it('caps a huge failure body', () => {
    const xml = `<testcase classname="a" name="b"><failure message="m">${'x'.repeat(MAX_DETAILS * 3)}</failure></testcase>`;
    expect(parseJunit(xml)[0]?.details?.length).toBe(MAX_DETAILS);
  });

  it('survives garbage: stray <, unterminated tags, empty input', () => {
    expect(parseJunit('')).toEqual([]);
    expect(parseJunit('<testcase classname="a" name="b"><failure>1 < 2</failure></testcase>')[0]?.details).toBe(
      '1 < 2',
    );
    expect(parseJunit('<testcase classname="a" name="cut"').length).toBe(0);
    expect(parseJunit('<testcase classname="a" name="open">').map((c) => c.name)).toEqual(['open']);
  });

  it('streams a file', async () => {
    const dir = scratchDir('junit-');
    const path = join(dir, 'report.xml');
    const body = Array.from(
      { length: 20_000 },
      (_, index) => `<testcase classname="m" name="t${index}" time="0.5"/>`,
    ).join('\n');
    writeFileSync(path, `<testsuites><testsuite>${body}</testsuite></testsuites>`);
    const cases = await parseJunitFile(path);
    expect(cases.length).toBe(20_000);
    expect(cases[19_999]?.name).toBe('t19999');
  });
});

describe('decodeEntities', () => {
  it('decodes named and numeric entities and leaves unknown ones', () => {
    expect(decodeEntities('&lt;a&gt; &amp;amp; &#233;&#x1F600; &nbsp;')).toBe('<a> &amp; é😀 &nbsp;');
  });
});

describe('writeJunit', () => {
  it('writes what parseJunit reads back, escaping hostile text', () => {
    const cases = [
      {
        classname: 'tests.a',
        name: 'b["]<&>',
        file: 'tests/a.py',
        line: 3,
        time: 0,
        outcome: 'error' as const,
        message: 'killed\u0007 "x" <y>',
      },
      { classname: 'tests.a', name: 'ok', time: 1.25, outcome: 'passed' as const },
    ];
    const xml = writeJunit('suite & co', cases);
    expect(xml).toContain('errors="1"');
    const back = parseJunit(xml);
    expect(back[0]).toMatchObject({ name: 'b["]<&>', outcome: 'error', message: 'killed "x" <y>', line: 3 });
    expect(back[1]).toMatchObject({ name: 'ok', outcome: 'passed', time: 1.25 });
  });
});
