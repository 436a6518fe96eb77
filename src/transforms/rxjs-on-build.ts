// rxjs, for the transforms' operators: required when a transform is built (a pipeline, in a
// worker), not when its table is read. Every configuration load reads the [[transforms]], the
// cluster primary's too, which builds none and so never loads rxjs.
export function rxjsOnBuild(): typeof import('rxjs') {
  return require('rxjs') as typeof import('rxjs');
}
