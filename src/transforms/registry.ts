// Every transform type the configuration's [[transforms]] tables may name, one line each.
// A new transform is a file beside these (see docs/adding-a-transform.md) and a line here.
import { filterTransform } from './filter';
import { lowercaseTransform } from './lowercase';
import { renameTransform } from './rename';
import { setTransform } from './set';

export const TRANSFORMS = [
  filterTransform,
  setTransform,
  renameTransform,
  lowercaseTransform,
] as const;
