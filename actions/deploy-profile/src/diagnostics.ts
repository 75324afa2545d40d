/**
 * On failure: the namespace's events (oldest first), a `describe`-like view of the graph and its
 * pods, and the logs of every container of every pod (current and previous) into `logs-dir`,
 * plus a short tail for the job summary. Collection never throws: whatever it could not read is
 * listed in `errors.txt`, so diagnostics never hide the failure they explain.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { podSummary } from '@dynamo-ci/kube/pods';
import { stringify } from 'yaml';
import type { Json } from './profile.js';

export interface Diagnostics {
  dir: string;
  files: string[];
  /** Markdown-free text for the summary: events and pod states, then the last log lines of unhealthy pods. */
  tail: string;
  errors: string[];
}

const LOG_TAIL_LINES = 2000;

function eventTime(event: Json): string {
  return String(
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp ?? '',
  );
}

export function formatEvents(events: readonly Json[]): string {
  const sorted = [...events].sort((a, b) => eventTime(a).localeCompare(eventTime(b)));
  return sorted
    .map((event) => {
      const object = event.involvedObject ?? event.regarding ?? {};
      return `${eventTime(event)}  ${event.type ?? ''}  ${event.reason ?? ''}  ${object.kind ?? ''}/${object.name ?? ''}  ${(event.message ?? event.note ?? '').replace(/\s+/g, ' ')}`;
    })
    .join('\n');
}

export function describePod(pod: Json): string {
  const lines = [`Pod ${pod.metadata?.name}: ${podSummary(pod)}`, `  node: ${pod.spec?.nodeName ?? '(not scheduled)'}`];
  for (const condition of pod.status?.conditions ?? []) {
    lines.push(
      `  condition ${condition.type}=${condition.status}${condition.reason ? ` ${condition.reason}` : ''}${condition.message ? `: ${condition.message}` : ''}`,
    );
  }
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const state = Object.entries(status.state ?? {})[0];
    const last = Object.entries(status.lastState ?? {})[0];
    lines.push(
      `  container ${status.name} image=${status.image} ready=${status.ready} restarts=${status.restartCount ?? 0} state=${state ? `${state[0]} ${JSON.stringify(state[1])}` : '?'}${last ? ` last=${last[0]} ${JSON.stringify(last[1])}` : ''}`,
    );
  }
  return lines.join('\n');
}

function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200);
}

function containersOf(pod: Json): string[] {
  const names = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map(
    (container: Json) => container.name,
  );
  return names.length > 0 ? names : ['main'];
}

export async function collectDiagnostics(
  cluster: Cluster,
  namespace: string,
  graphName: string,
  dir: string,
): Promise<Diagnostics> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const files: string[] = [];
  const errors: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text.endsWith('\n') || text === '' ? text : `${text}\n`);
    files.push(name);
  };
  const attempt = async <T>(what: string, operation: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await operation();
    } catch (error) {
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const graph = await attempt('reading the DynamoGraphDeployment', () =>
    cluster.get({ apiVersion: 'nvidia.com/v1alpha1', kind: 'DynamoGraphDeployment', namespace, name: graphName }),
  );
  const pods = (await attempt('listing pods', () => cluster.listPods(namespace))) ?? [];
  const events = (await attempt('listing events', () => cluster.listEvents(namespace))) ?? [];
  const eventText = formatEvents(events);
  write('events.txt', eventText);
  const describe = [
    `# DynamoGraphDeployment ${namespace}/${graphName}`,
    graph
      ? stringify({
          metadata: { name: graph.metadata?.name, generation: graph.metadata?.generation },
          status: graph.status ?? {},
        })
      : '(not found)',
    '# Pods',
    pods.length > 0 ? pods.map(describePod).join('\n\n') : '(none)',
  ].join('\n');
  write('describe.txt', describe);

  const logTails: string[] = [];
  for (const pod of pods) {
    const podName = String(pod.metadata?.name);
    const unhealthy = !/, ready$/.test(podSummary(pod));
    for (const container of containersOf(pod)) {
      for (const previous of [false, true]) {
        const restarted = (pod.status?.containerStatuses ?? []).some(
          (status: Json) => status.name === container && (status.restartCount ?? 0) > 0,
        );
        if (previous && !restarted) continue;
        const log = await attempt(`log of ${podName}/${container}${previous ? ' (previous)' : ''}`, () =>
          cluster.podLog(namespace, podName, container, previous, LOG_TAIL_LINES),
        );
        if (log === undefined) continue;
        const file = join(
          'logs',
          `${safeFileName(podName)}.${safeFileName(container)}${previous ? '.previous' : ''}.log`,
        );
        write(file, log);
        if (unhealthy) {
          const lines = log.replace(/\n$/, '').split('\n').slice(-15).join('\n');
          logTails.push(`--- ${podName}/${container}${previous ? ' (previous container)' : ''} ---\n${lines}`);
        }
      }
    }
  }
  if (errors.length > 0) write('errors.txt', errors.join('\n'));

  const tail = [
    'Events (last 20):',
    eventText.split('\n').filter(Boolean).slice(-20).join('\n') || '(none)',
    '',
    'Pods:',
    pods.map((pod) => `${pod.metadata?.name}: ${podSummary(pod)}`).join('\n') || '(none)',
    ...(logTails.length > 0 ? ['', 'Logs of pods that are not ready:', ...logTails] : []),
  ].join('\n');
  return { dir, files, tail, errors };
}
