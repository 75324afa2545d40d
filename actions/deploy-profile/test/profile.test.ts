import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, detectModel, frontendOf, parseProfile, profileName, replaceModel } from '../src/profile.js';

const AGG = readFileSync(join(import.meta.dirname, 'fixtures', 'agg.yaml'), 'utf8');

describe('parseProfile', () => {
  it('accepts an upstream-shaped profile', () => {
    const graph = parseProfile(AGG, 'agg.yaml').graph;
    expect(graph.metadata.name).toBe('vllm-agg');
    expect(Object.keys(graph.spec.services)).toEqual(['Frontend', 'VllmDecodeWorker']);
  });

  it.each([
    [
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: x}\nspec: {services: {}}\n',
      /spec\.services must map at least one service/,
    ],
    [
      'apiVersion: v1\nkind: DynamoGraphDeployment\nmetadata: {name: x}\nspec: {services: {A: {}}}\n',
      /apiVersion must be nvidia\.com\/v1alpha1, got "v1"/,
    ],
    [
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: Bad_Name}\nspec: {services: {A: {}}}\n',
      /metadata\.name must be a DNS label/,
    ],
    [
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: x}\nspec: {services: {A: {componentType: router}}}\n',
      /componentType must be one of/,
    ],
    [
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: x}\nspec: {services: {A: {replicas: -1}}}\n',
      /replicas must be a whole number >= 0, got -1/,
    ],
    [
      'apiVersion: nvidia.com/v1alpha1\nkind: DynamoGraphDeployment\nmetadata: {name: x}\nspec: {services: {A: {extraPodSpec: {mainContainer: {args: "--model x"}}}}}\n',
      /mainContainer\.args must be a list of strings/,
    ],
    ['- a\n- b\n', /must be a YAML mapping, not a list/],
    ['a: [unclosed\n', /is not valid YAML/],
    ['', /must hold exactly one DynamoGraphDeployment document, found 0/],
    [`${AGG}\n---\napiVersion: v1\nkind: ConfigMap\n`, /document 2 \(ConfigMap\) needs metadata\.name/],
    [
      `${AGG}\n---\n${AGG.replace('vllm-agg', 'vllm-agg-2')}`,
      /found 2 among its 2 documents \(DynamoGraphDeployment, DynamoGraphDeployment\)/,
    ],
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n',
      /found 0 among its 2 documents \(ConfigMap, Secret\)/,
    ],
    [
      `${AGG}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n`,
      /holds cluster-scoped ClusterRole reader; a profile may only carry namespaced objects/,
    ],
    [`${AGG}\n---\nkind: ConfigMap\nmetadata: {name: a}\n`, /document 2 \(a\) has no apiVersion/],
  ])('rejects %j', (text, message) => {
    expect(() => parseProfile(text, 'p.yaml')).toThrow(message);
  });

  it('takes the documents beside the graph in file order, the graph validated in place', () => {
    const config = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: engine-config}\ndata: {engine.yaml: "tp: 1"}\n';
    const claim =
      'apiVersion: resource.k8s.io/v1beta1\nkind: ResourceClaimTemplate\nmetadata: {name: gpu}\nspec: {spec: {devices: {requests: [{name: gpu, deviceClassName: gpu.example.com}]}}}\n';
    const profile = parseProfile(`${config}---\n${AGG}\n---\n${claim}`, 'p.yaml');
    expect(profile.documents.map((document) => `${document.kind}/${document.metadata.name}`)).toEqual([
      'ConfigMap/engine-config',
      'DynamoGraphDeployment/vllm-agg',
      'ResourceClaimTemplate/gpu',
    ]);
    expect(profile.graphIndex).toBe(1);
    expect(profile.graph.metadata.name).toBe('vllm-agg');
    expect(() => parseProfile(`${config}---\n${AGG.replace('vllm-agg', 'vllm.agg')}`, 'p.yaml')).toThrow(
      /metadata\.name must be a DNS label/,
    );
  });

  it('reports every problem at once', () => {
    expect(() => parseProfile('apiVersion: x\nkind: y\n', 'p.yaml')).toThrow(
      /apiVersion must be .*; kind must be .*; metadata\.name must be .*; spec\.services must map/,
    );
  });
});

describe('replaceModel', () => {
  it.each([
    [
      ['--model', 'a/b'],
      ['--model', 'new/m'],
    ],
    [
      ['--model=a/b', '--port', '8000'],
      ['--model=new/m', '--port', '8000'],
    ],
    [
      ['--model-path', 'a/b', '--served-model-name', 'a/b'],
      ['--model-path', 'new/m', '--served-model-name', 'new/m'],
    ],
    [
      ['-c', 'python3 -m dynamo.vllm --model a/b --tp 1 && sleep 1'],
      ['-c', 'python3 -m dynamo.vllm --model new/m --tp 1 && sleep 1'],
    ],
    [
      ['-c', 'python3 -m dynamo.trtllm --model-path \'a/b\' --served-model-name "a/b"'],
      ['-c', 'python3 -m dynamo.trtllm --model-path \'new/m\' --served-model-name "new/m"'],
    ],
    [
      ['--modelx', 'keep', '--models-dir', 'keep'],
      ['--modelx', 'keep', '--models-dir', 'keep'],
    ],
  ])('%j', (before, after) => {
    expect(replaceModel(before, 'new/m').values).toEqual(after);
  });
});

describe('applyOverrides', () => {
  const graph = parseProfile(AGG, 'agg.yaml').graph;

  it('puts the image in every service, the model in every flag, and the namespace in metadata, without touching the input', () => {
    const { graph: result, report } = applyOverrides(graph, {
      image: 'r/i:t',
      model: 'Qwen/Qwen3-8B',
      namespace: 'ns-1',
      labels: { a: 'b' },
    });
    for (const service of Object.values(result.spec.services))
      expect(service.extraPodSpec.mainContainer.image).toBe('r/i:t');
    expect(result.spec.services.VllmDecodeWorker?.extraPodSpec.mainContainer.args).toEqual([
      '--model',
      'Qwen/Qwen3-8B',
    ]);
    expect(result.metadata).toMatchObject({ namespace: 'ns-1', labels: { a: 'b' } });
    expect(report.changes).toContain('VllmDecodeWorker: model -> Qwen/Qwen3-8B (1 flag in args)');
    expect(graph.spec.services.Frontend?.extraPodSpec.mainContainer.image).toBe(
      'nvcr.io/nvidia/ai-dynamo/vllm-runtime:my-tag',
    );
  });

  it('flags placeholder images when no image is given', () => {
    const { report } = applyOverrides(graph, { namespace: 'n' });
    expect(report.placeholderImages).toEqual([
      'Frontend: nvcr.io/nvidia/ai-dynamo/vllm-runtime:my-tag',
      'VllmDecodeWorker: nvcr.io/nvidia/ai-dynamo/vllm-runtime:my-tag',
    ]);
  });
});

describe('detectModel, frontendOf, profileName', () => {
  const graph = parseProfile(AGG, 'agg.yaml').graph;
  it('finds the model, the frontend Service and the profile name', () => {
    expect(detectModel(graph)).toBe('Qwen/Qwen3-0.6B');
    expect(frontendOf(graph)).toEqual({ service: 'Frontend', serviceName: 'vllm-agg-frontend' });
    expect(profileName('examples/backends/vllm/deploy/agg_router.yaml')).toBe('agg_router');
  });

  it('prefers --served-model-name over --model-path', () => {
    const trtllm = parseProfile(
      AGG.replace(
        '- --model\n            - Qwen/Qwen3-0.6B',
        '- --model-path\n            - /models/qwen\n            - --served-model-name\n            - Qwen/Qwen3-0.6B',
      ),
      'x',
    ).graph;
    expect(detectModel(trtllm)).toBe('Qwen/Qwen3-0.6B');
  });
});
