// n8n-core writes an instance config under N8N_USER_FOLDER; keep it out of the user's home.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

if (!process.env.N8N_USER_FOLDER) {
  process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'aad-sync-jest-'));
}
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';
