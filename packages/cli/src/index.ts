export { commands, type Command } from './commands/index.js';
export { main } from './main.js';
export type { CommandIO } from './command.js';
