/** What bin/speaknode.js runs: the command and the process around it (the compiled bundle's entry point). */
export { main } from './main.ts';
export { runFromProcess } from './process.ts';
