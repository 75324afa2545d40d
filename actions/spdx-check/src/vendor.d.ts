// The SPDX list packages ship no types; these are the shapes this action uses.
declare module 'spdx-expression-parse' {
  function parse(expression: string): unknown;
  export default parse;
}
declare module 'spdx-correct' {
  function correct(identifier: string, options?: { upgrade?: boolean }): string | null;
  export default correct;
}
declare module 'spdx-license-ids' {
  const ids: string[];
  export default ids;
}
declare module 'spdx-license-ids/deprecated.json' {
  const ids: string[];
  export default ids;
}
declare module 'spdx-exceptions' {
  const ids: string[];
  export default ids;
}
