#!/usr/bin/env node
// The `shoal` command. Runs the built code (dist/); `npm run build` first.
import '../dist/run.js';
