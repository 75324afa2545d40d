/**
 * The post phase: delete the graph, wait for its pods to go, then delete the namespace if the main
 * phase created it, or else the profile's other objects, last applied first (a PersistentVolumeClaim
 * is only released once the pods using it are gone). Every problem is a warning: cleanup never fails
 * the job.
 */
import type { Logger } from '@dynamo-ci/core';
import type { Cluster } from '@dynamo-ci/kube/cluster';
import { describeRef, type ObjectRef } from '@dynamo-ci/kube/manifests';
import type { CleanupMode } from './inputs.js';
import { GRAPH_LABEL } from './labels.js';
import { DGD_API_VERSION, DGD_KIND } from './profile.js';

export interface CleanupState {
  namespace: string | undefined;
  name: string | undefined;
  /** Every object the main phase was about to apply (the graph among them). */
  objects: ObjectRef[];
  createdNamespace: boolean;
  /** `success` only when the main phase got to the end. */
  outcome: string | undefined;
  mode: CleanupMode;
}

export interface CleanupPorts {
  cluster: Cluster;
  log: Logger;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

export interface CleanupReport {
  skipped?: string;
  deletedGraph: boolean;
  podsGone: boolean;
  /** The profile's other objects deleted one by one (when the namespace stays). */
  deletedObjects: string[];
  deletedNamespace: boolean;
  warnings: string[];
}

export function skipReason(state: CleanupState): string | undefined {
  if (!state.namespace) return 'nothing was created (the main step stopped before creating a namespace)';
  if (state.mode === 'never')
    return `cleanup: never; leaving ${state.namespace}${state.name ? `/${state.name}` : ''} in place`;
  if (state.mode === 'on-success' && state.outcome !== 'success') {
    return `cleanup: on-success and the step did not succeed; leaving ${state.namespace}${state.name ? `/${state.name}` : ''} for debugging`;
  }
  return undefined;
}

export async function cleanup(
  state: CleanupState,
  options: { timeoutMs: number; pollIntervalMs: number },
  ports: CleanupPorts,
): Promise<CleanupReport> {
  const report: CleanupReport = {
    deletedGraph: false,
    podsGone: false,
    deletedObjects: [],
    deletedNamespace: false,
    warnings: [],
  };
  const warn = (message: string) => {
    report.warnings.push(message);
    ports.log.warning(message);
  };
  const skipped = skipReason(state);
  if (skipped) {
    report.skipped = skipped;
    ports.log.info(skipped);
    return report;
  }
  const namespace = state.namespace as string;
  if (state.name) {
    try {
      report.deletedGraph = await ports.cluster.delete({
        apiVersion: DGD_API_VERSION,
        kind: DGD_KIND,
        namespace,
        name: state.name,
      });
      ports.log.info(
        report.deletedGraph
          ? `Deleted DynamoGraphDeployment ${namespace}/${state.name}`
          : `DynamoGraphDeployment ${namespace}/${state.name} was already gone`,
      );
    } catch (error) {
      warn(`Cleanup could not delete DynamoGraphDeployment ${namespace}/${state.name}: ${messageOf(error)}`);
    }
    const deadline = ports.now() + options.timeoutMs;
    for (;;) {
      try {
        const pods = await ports.cluster.listPods(namespace, `${GRAPH_LABEL}=${state.name}`);
        if (pods.length === 0) {
          report.podsGone = true;
          ports.log.info(`All pods of ${state.name} are gone`);
          break;
        }
        if (ports.now() >= deadline) {
          warn(
            `Cleanup: ${pods.length} pod(s) of ${state.name} still exist after ${Math.round(options.timeoutMs / 1000)}s (cleanup-timeout): ${pods.map((pod) => pod.metadata?.name).join(', ')}`,
          );
          break;
        }
      } catch (error) {
        warn(`Cleanup could not list the pods of ${state.name}: ${messageOf(error)}`);
        break;
      }
      await ports.sleep(options.pollIntervalMs);
    }
  }
  if (!state.createdNamespace) {
    const others = state.objects.filter((ref) => !(ref.kind === DGD_KIND && ref.name === state.name)).reverse();
    for (const ref of others) {
      try {
        const deleted = await ports.cluster.delete(ref);
        report.deletedObjects.push(describeRef(ref));
        ports.log.info(deleted ? `Deleted ${describeRef(ref)}` : `${describeRef(ref)} was already gone`);
      } catch (error) {
        warn(`Cleanup could not delete ${describeRef(ref)}: ${messageOf(error)}`);
      }
    }
  }
  if (state.createdNamespace) {
    try {
      report.deletedNamespace = await ports.cluster.deleteNamespace(namespace);
      ports.log.info(
        report.deletedNamespace ? `Deleted namespace ${namespace}` : `Namespace ${namespace} was already gone`,
      );
    } catch (error) {
      warn(`Cleanup could not delete namespace ${namespace}: ${messageOf(error)}`);
    }
  } else {
    ports.log.info(`Namespace ${namespace} existed before this step; leaving it`);
  }
  return report;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
