/**
 * A reusable-workflow call's interface: the caller's `with:` mapped onto the callee's
 * `on.workflow_call.inputs` (defaults, types, required), its `secrets:` (or `inherit`) onto the
 * declared secrets, and the callee's outputs evaluated over its jobs' results, as GitHub does.
 */
import type { ReusableWorkflowJob } from '@actions/workflow-parser/model/workflow-template';
import type { TemplateToken } from '@actions/workflow-parser/templates/tokens/index';
import { asString, type Contexts, evaluateToken, type Json } from './expressions.js';

/** A call whose inputs or secrets do not fit the callee (the message names which and how). */
export class CallError extends Error {}

function definitions(token: TemplateToken | undefined, contexts: Contexts): Record<string, Record<string, Json>> {
  return (evaluateToken(token, contexts) ?? {}) as Record<string, Record<string, Json>>;
}

/** The `inputs` context inside the callee: given values (or defaults) of the declared types. */
export function callInputs(
  job: ReusableWorkflowJob,
  contexts: Contexts,
  overrides: Record<string, Json> = {},
): Record<string, Json> {
  const declared = definitions(job['input-definitions'], {
    github: contexts.github ?? null,
    inputs: {},
    vars: contexts.vars ?? {},
  });
  const given = { ...((evaluateToken(job['input-values'], contexts) ?? {}) as Record<string, Json>), ...overrides };
  const callee = job.ref.value;
  for (const name of Object.keys(given)) {
    if (!(name in declared)) throw new CallError(`${callee}: input '${name}' is not defined in the called workflow`);
  }
  const inputs: Record<string, Json> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const type = String(spec.type ?? 'string');
    const value = name in given ? given[name] : spec.default;
    if (value === undefined || value === null) {
      if (spec.required === true) throw new CallError(`${callee}: input '${name}' is required but not provided`);
      inputs[name] = type === 'boolean' ? false : type === 'number' ? 0 : '';
      continue;
    }
    if (type === 'boolean') {
      if (typeof value === 'boolean') inputs[name] = value;
      else if (value === 'true' || value === 'false') inputs[name] = value === 'true';
      else throw new CallError(`${callee}: input '${name}' must be a boolean, got ${JSON.stringify(value)}`);
    } else if (type === 'number') {
      const number = typeof value === 'number' ? value : Number(value);
      if (Number.isNaN(number) || value === '') {
        throw new CallError(`${callee}: input '${name}' must be a number, got ${JSON.stringify(value)}`);
      }
      inputs[name] = number;
    } else inputs[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return inputs;
}

/** The `secrets` context inside the callee. */
export function callSecrets(
  job: ReusableWorkflowJob,
  contexts: Contexts,
  callerSecrets: Record<string, string>,
): Record<string, string> {
  const token = callerSecrets.GITHUB_TOKEN;
  const withToken = (secrets: Record<string, string>) => (token ? { ...secrets, GITHUB_TOKEN: token } : secrets);
  if (job['inherit-secrets']) return withToken({ ...callerSecrets });
  const declared = definitions(job['secret-definitions'], {});
  const given = (evaluateToken(job['secret-values'], contexts) ?? {}) as Record<string, Json>;
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (!(name in declared))
      throw new CallError(`${job.ref.value}: secret '${name}' is not defined in the called workflow`);
    if (value !== null && value !== '') secrets[name] = asString(value);
  }
  for (const [name, spec] of Object.entries(declared)) {
    if (spec?.required === true && !(name in secrets)) {
      throw new CallError(`${job.ref.value}: secret '${name}' is required but not provided`);
    }
  }
  return withToken(secrets);
}

/** The callee's `outputs` (each `value` over the `jobs` context of its finished jobs). */
export function callOutputs(job: ReusableWorkflowJob, contexts: Contexts): Record<string, string> {
  const outputs: Record<string, string> = {};
  const specs = job.outputs ? [...job.outputs] : [];
  for (const pair of specs) {
    const spec = evaluateToken(pair.value, contexts) as Record<string, Json> | null;
    outputs[pair.key.toString()] = asString(spec?.value ?? '');
  }
  return outputs;
}
