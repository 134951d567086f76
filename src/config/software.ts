// The name and version of this software, from package.json (read once), for what it issues
// under its own name: the receipt's issuer (docs/receipt.md).
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const SOFTWARE = { software: manifest.name, softwareVersion: manifest.version } as const;
