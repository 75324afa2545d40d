/** Absolute paths of every workflow file below `root` (its .github/workflows and the examples'). */
export function workflowFiles(root: string): string[];
