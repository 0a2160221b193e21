// The `shoal` process. bin/shoal.js runs the built copy; tests run this file
// from source.
import { runAsProcess } from './process.js';

runAsProcess();
