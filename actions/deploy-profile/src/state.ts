/**
 * What the main phase leaves for the post phase (cleanup), declared once. The main phase saves
 * each field as soon as it is true, so a step that dies midway still tells cleanup what may exist.
 * The deploy port writes `namespace`, `namespace-created`, `deployment-name` and `objects` in these
 * encodings; main.ts writes `cleanup` and `outcome`.
 */
import { booleanField, choiceField, type StateField, type StateFields, textField } from '@dynamo-ci/core';
import type { ObjectRef } from '@dynamo-ci/kube/manifests';
import type { CleanupMode } from './inputs.js';

export interface DeployState {
  cleanup: CleanupMode;
  namespace: string;
  'namespace-created': boolean;
  'deployment-name': string;
  /** Every object an apply was sent for (saved before sending), last applied last. */
  objects: ObjectRef[];
  /** `success` only when the main phase got to the end. */
  outcome: 'success' | 'failure';
}

const objectsField: StateField<ObjectRef[]> = {
  encode: (value) => JSON.stringify(value),
  decode(text) {
    try {
      const parsed = JSON.parse(text);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  },
};

export const DEPLOY_STATE: StateFields<DeployState> = {
  cleanup: choiceField(['always', 'on-success', 'never']),
  namespace: textField,
  'namespace-created': booleanField,
  'deployment-name': textField,
  objects: objectsField,
  outcome: choiceField(['success', 'failure']),
};
