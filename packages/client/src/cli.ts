#!/usr/bin/env node
import { buildProgram, processDeps } from './commands/program';
void buildProgram(processDeps()).run(process.argv.slice(2)).then((code) => (process.exitCode = code));
