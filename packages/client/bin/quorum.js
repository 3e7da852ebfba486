#!/usr/bin/env node
// Runs the compiled CLI (npm run build); a committed shim so npm can link the bin before the build.
require("../dist/cli.js");
