/**
 * Deleting what the target selects, through the cluster port: for each namespace its listed
 * cluster-scoped objects (only those still labelled as the selector says), then the namespace itself
 * (which takes everything in it); in namespaces the run did not create, each object of the given
 * kinds labelled with the run. Every failure is recorded and the rest still goes; the caller
 * reports them together.
 */

import type { Logger } from '@dynamo-ci/core';
import { ServiceError } from '@dynamo-ci/core';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { matchesSelector } from '@dynamo-ci/kube/labels';
import { describeRef, type ObjectRef } from '@dynamo-ci/kube/manifests';
import type { Inputs } from './inputs.js';
import { chooseNamespaces, inventoryOf, type Target } from './select.js';

export interface CleanupPorts {
  cluster: Cluster;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface CleanupReport {
  target: Target;
  dryRun: boolean;
  /** Namespaces whose deletion was requested (or would be, in a dry run). */
  namespaces: string[];
  /** Namespaces still Terminating when the wait ended. */
  terminating: string[];
  kept: { name: string; reason: string }[];
  /** Other objects deleted (or that would be). */
  objects: string[];
  errors: string[];
}

export async function cleanUp(
  target: Target,
  inputs: Pick<Inputs, 'namespaces' | 'kinds' | 'dryRun' | 'waitMs' | 'pollIntervalMs'>,
  ports: CleanupPorts,
): Promise<CleanupReport> {
  const { cluster, log } = ports;
  const report: CleanupReport = {
    target,
    dryRun: inputs.dryRun,
    namespaces: [],
    terminating: [],
    kept: [],
    objects: [],
    errors: [],
  };
  const verb = inputs.dryRun ? 'Would delete' : 'Deleted';
  const attempt = async (what: string, operation: () => Promise<unknown>): Promise<boolean> => {
    try {
      await operation();
      return true;
    } catch (error) {
      report.errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  log.info(`Looking for ${target.description} (label selector ${target.selector})`);
  const labelled = await cluster.listNamespaces(target.selector);
  const choice = chooseNamespaces(labelled, target, ports.now());
  report.kept = choice.kept;
  for (const kept of choice.kept) log.info(`Keeping namespace ${kept.name} (${kept.reason})`);
  for (const namespace of choice.chosen) {
    const name = String(namespace.metadata.name);
    const inventory = inventoryOf(namespace);
    if (inventory.problem)
      ports.log.warning(`Namespace ${name}: ${inventory.problem}; its cluster-scoped objects are left`);
    for (const ref of inventory.refs) {
      await attempt(`deleting ${describeRef(ref)}`, async () => {
        const object = await cluster.get(ref);
        if (!object) return;
        // Another run may have re-applied it since: delete only what still carries our labels.
        if (!matchesSelector(target.selector, object.metadata?.labels ?? {})) {
          log.info(`Leaving ${describeRef(ref)}: it no longer carries the labels ${target.selector}`);
          return;
        }
        if (!inputs.dryRun) await cluster.delete(ref);
        report.objects.push(describeRef(ref));
        log.info(`${verb} ${describeRef(ref)}`);
      });
    }
    if (namespace.status?.phase === 'Terminating') {
      log.info(`Namespace ${name} is already being deleted`);
      report.namespaces.push(name);
      continue;
    }
    const deleted = await attempt(`deleting namespace ${name}`, async () => {
      if (!inputs.dryRun) await cluster.deleteNamespace(name);
    });
    if (deleted) {
      report.namespaces.push(name);
      log.info(`${verb} namespace ${name}`);
    }
  }

  for (const namespace of inputs.namespaces) {
    for (const kind of inputs.kinds) {
      let objects: ObjectRef[] = [];
      try {
        const listed = await cluster.list(kind.apiVersion, kind.kind, namespace, target.selector);
        objects = listed.map((object) => ({ ...kind, namespace, name: String(object.metadata?.name) }));
      } catch (error) {
        // A kind this cluster does not serve has nothing to delete.
        if (error instanceof ServiceError && error.status === 404) continue;
        report.errors.push(`listing ${kind.kind} in ${namespace}: ${(error as Error).message}`);
        continue;
      }
      for (const ref of objects) {
        const deleted = await attempt(`deleting ${describeRef(ref)}`, async () => {
          if (!inputs.dryRun) await cluster.delete(ref);
        });
        if (deleted) {
          report.objects.push(describeRef(ref));
          log.info(`${verb} ${describeRef(ref)}`);
        }
      }
    }
  }

  if (inputs.waitMs > 0 && !inputs.dryRun && report.namespaces.length > 0) {
    const deadline = ports.now() + inputs.waitMs;
    let remaining = report.namespaces;
    for (;;) {
      const left = new Set(
        (await cluster.listNamespaces(target.selector)).map((namespace) => String(namespace.metadata?.name)),
      );
      remaining = report.namespaces.filter((name) => left.has(name));
      if (remaining.length === 0 || ports.now() >= deadline) break;
      await ports.sleep(Math.min(inputs.pollIntervalMs, Math.max(0, deadline - ports.now())));
    }
    report.terminating = remaining;
    if (remaining.length === 0) log.info('Every namespace is gone');
    else
      ports.log.warning(
        `Still terminating after the wait: ${remaining.join(', ')} (finalizers or stuck pods; they go on being deleted)`,
      );
  }
  return report;
}
