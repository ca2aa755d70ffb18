#!/usr/bin/env node
// fitbot is TypeScript run through tsx's loader: no build step, the same sources in dev and production.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
