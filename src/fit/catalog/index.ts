import { HARDWARE } from './hardware.ts';
import { MODELS } from './models.ts';
import type { Catalog } from './types.ts';

export const BUILTIN_CATALOG: Catalog = { models: [...MODELS], hardware: [...HARDWARE] };
export type * from './types.ts';
