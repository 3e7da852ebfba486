#!/usr/bin/env node
/**
 * Writes docs/configuration.md from the built configuration schema (packages/config):
 *   npm run build && node scripts/write-configuration-doc.js
 */
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { configurationDoc } = require('../packages/config/dist');

writeFileSync(join(__dirname, '..', 'docs', 'configuration.md'), configurationDoc());
