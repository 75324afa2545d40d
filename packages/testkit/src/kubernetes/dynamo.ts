/**
 * The Dynamo operator's part, as far as a deployment test sees it: for every DynamoGraphDeployment
 * it reconciles, one pod per replica of each service and a Service for the frontend (owned by the
 * graph, so deleting the graph collects them), and a status with the `Ready` condition and
 * `state`. With `requireOperator`, a graph is only reconciled once an operator Deployment (matched by
 * `operatorSelector`) is Available in the graph's namespace, as with a namespace-restricted operator
 * installed by the run.
 */
import type { Json, ResourceType } from './catalogue.js';
import type { ObjectStore, StoredObject } from './store.js';
import {
  DEPLOYMENT_TYPE,
  eventObject,
  POD_TYPE,
  type PodScenario,
  randomSuffix,
  SERVICE_TYPE,
  type Workloads,
} from './workloads.js';

export const DGD_GROUP = 'nvidia.com';
export const DGD_VERSION = 'v1alpha1';
export const DGD_PLURAL = 'dynamographdeployments';
export const DGD_KIND = 'DynamoGraphDeployment';
/** The labels the Dynamo operator puts on the pods and services of a graph. */
export const GRAPH_LABEL = 'nvidia.com/dynamo-graph-deployment-name';
export const COMPONENT_LABEL = 'nvidia.com/dynamo-component';
export const COMPONENT_TYPE_LABEL = 'nvidia.com/dynamo-component-type';

/** The CRD of DynamoGraphDeployment (trimmed to what discovery and validation need). */
export function dgdCrd(): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${DGD_PLURAL}.${DGD_GROUP}` },
    spec: {
      group: DGD_GROUP,
      scope: 'Namespaced',
      names: { plural: DGD_PLURAL, singular: 'dynamographdeployment', kind: DGD_KIND, shortNames: ['dgd'] },
      versions: [
        {
          name: DGD_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

export interface OperatorOptions {
  scenario: () => PodScenario;
  failingService: () => string | undefined;
  requireOperator: () => boolean;
  operatorSelector: () => string;
}

export class DynamoOperator {
  /** Graph uid -> when the operator started reconciling it. */
  private readonly reconciledAt = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly workloads: Workloads,
    private readonly dgdType: () => ResourceType | undefined,
    private readonly options: OperatorOptions,
  ) {}

  /** An Available operator Deployment watches this namespace. */
  operatorRunning(namespace: string, now = Date.now()): boolean {
    return this.store
      .list(DEPLOYMENT_TYPE, namespace, this.options.operatorSelector())
      .some(
        (deployment) =>
          deployment.deletedAt === undefined &&
          this.workloads.deploymentStatus(deployment, now).conditions[0].status === 'True',
      );
  }

  graphs(namespace?: string): StoredObject[] {
    const type = this.dgdType();
    return type ? this.store.list(type, namespace) : [];
  }

  reconcile(now = Date.now()): void {
    for (const graph of this.graphs()) {
      const uid = graph.object.metadata.uid;
      if (graph.deletedAt !== undefined || this.reconciledAt.has(uid)) continue;
      if (this.options.requireOperator() && !this.operatorRunning(graph.object.metadata.namespace, now)) continue;
      this.reconciledAt.set(uid, now);
      this.createWorkloads(graph, now);
    }
  }

  private createWorkloads(graph: StoredObject, now: number): void {
    const name = graph.object.metadata.name as string;
    const namespace = graph.object.metadata.namespace as string;
    const services = Object.entries((graph.object.spec?.services ?? {}) as Record<string, Json>);
    const failing =
      this.options.failingService() ??
      services.find(([, spec]) => spec.componentType !== 'frontend')?.[0] ??
      services[0]?.[0];
    for (const [service, spec] of services) {
      const fate = service === failing ? this.options.scenario() : 'ready';
      if (fate === 'invalid-spec') continue;
      const componentType = String(spec.componentType ?? 'worker');
      const labels = { [GRAPH_LABEL]: name, [COMPONENT_LABEL]: service, [COMPONENT_TYPE_LABEL]: componentType };
      const image = String(spec.extraPodSpec?.mainContainer?.image ?? 'unknown');
      for (let index = 0; index < Number(spec.replicas ?? 1); index++) {
        this.workloads.createPod(
          namespace,
          `${name}-${service.toLowerCase()}-${index}-${randomSuffix()}`,
          labels,
          [{ name: 'main', image, resources: { limits: { 'nvidia.com/gpu': '1' } } }],
          graph,
          fate,
          now,
        );
      }
      if (componentType === 'frontend') {
        this.store.put(
          SERVICE_TYPE,
          {
            metadata: {
              name: `${name}-${service.toLowerCase()}`,
              namespace,
              labels,
              ownerReferences: [
                {
                  apiVersion: graph.object.apiVersion,
                  kind: DGD_KIND,
                  name,
                  uid: graph.object.metadata.uid,
                  controller: true,
                },
              ],
            },
            spec: {
              selector: { [GRAPH_LABEL]: name, [COMPONENT_LABEL]: service },
              ports: [{ name: 'http', port: 8000, targetPort: 8000, protocol: 'TCP' }],
              type: 'ClusterIP',
            },
          },
          'dynamo-operator',
          now,
        );
      }
    }
  }

  /** The graph with the status the operator would write. */
  withStatus(graph: StoredObject, now = Date.now()): Json {
    const metadata = graph.object.metadata;
    if (!this.reconciledAt.has(metadata.uid)) return { ...graph.object };
    const pods = this.workloads.podsOf(graph).filter((pod) => pod.deletedAt === undefined);
    const services = Object.keys(graph.object.spec?.services ?? {});
    const notReady = services.filter((service) => {
      const mine = pods.filter((pod) => pod.object.metadata.labels?.[COMPONENT_LABEL] === service);
      return mine.length === 0 || mine.some((pod) => !this.workloads.state(pod, now).ready);
    });
    const ready = notReady.length === 0 && services.length > 0;
    return {
      ...graph.object,
      status: {
        state: ready ? 'successful' : 'pending',
        observedGeneration: metadata.generation,
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'AllComponentsReady' : 'ComponentsNotReady',
            message: ready ? 'All components are ready' : `Components not ready: ${notReady.join(', ')}`,
            lastTransitionTime: new Date(this.reconciledAt.get(metadata.uid) as number).toISOString(),
          },
        ],
      },
    };
  }

  /** The Warning event the operator records when it rejects a graph (the `invalid-spec` scenario). */
  events(namespace: string, now = Date.now()): Json[] {
    if (this.options.scenario() !== 'invalid-spec') return [];
    const events: Json[] = [];
    for (const graph of this.graphs(namespace)) {
      if (!this.reconciledAt.has(graph.object.metadata.uid)) continue;
      const pods = this.workloads.podsOf(graph);
      const rejected = Object.keys(graph.object.spec?.services ?? {}).some(
        (service) =>
          (this.options.failingService() ?? service) === service &&
          !pods.some((pod) => pod.object.metadata.labels?.[COMPONENT_LABEL] === service),
      );
      if (rejected) {
        events.push(
          eventObject(
            namespace,
            DGD_KIND,
            graph.object.metadata.name,
            'Warning',
            'InvalidSpec',
            'spec.services: resources.limits.gpu must be a whole number, got "one"',
            now,
          ),
        );
      }
    }
    return events;
  }

  /** Frontend pods a Service routes to that are Ready. */
  readyBackends(service: StoredObject, now = Date.now()): StoredObject[] {
    const selector = service.object.spec?.selector ?? {};
    const selectorText = Object.entries(selector)
      .map(([key, value]) => `${key}=${value}`)
      .join(',');
    if (selectorText === '') return [];
    return this.store
      .list(POD_TYPE, service.object.metadata.namespace, selectorText)
      .filter((pod) => pod.deletedAt === undefined && this.workloads.state(pod, now).ready);
  }
}
