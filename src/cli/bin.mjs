#!/usr/bin/env node
// The `masthead` of package.json's "bin" (npx masthead, npm link, npm install -g .): runs the
// TypeScript sources in this very process through tsx's loader (installed by `npm ci`), so it works
// with no build step and signals reach the server itself. Built code needs no loader:
// node dist/cli/main.js.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
