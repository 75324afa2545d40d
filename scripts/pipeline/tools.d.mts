export const PYTHON: string;
export function detectTools(): { buildah: boolean; registry: boolean; pytest: boolean; gpu: boolean; build: boolean };
export function buildahEnvironment(root: string): Record<string, string>;
export class LocalRegistry {
  host: string;
  static start(): Promise<LocalRegistry>;
  tags(repository: string): Promise<string[]>;
  stop(): void;
}
