// A package registry on the loopback interface for the install tests (test/install.test.ts): npm
// installs pushbutton into a scratch project exactly as a user's npm would, resolving its
// dependencies through a registry, but with no network: this registry serves only the packages
// already installed in this repository's node_modules (the dependency closure of the names asked
// for), each packed into a tarball here, with the same name, version and package.json. A name it
// does not hold (another platform's optional binary, say) is a 404, as for a package that does
// not exist: npm skips such an optional dependency and fails on a required one.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

interface Packed {
  name: string;
  version: string;
  manifest: Record<string, unknown>;
  file: string;
  integrity: string;
}

/** The installed package `name` as Node would resolve it from `from` (nested node_modules first). */
function installedDir(name: string, from: string, top: string): string | undefined {
  for (let d = from; d.startsWith(top); d = path.dirname(d)) {
    const p = path.join(d, 'node_modules', name);
    if (fs.existsSync(path.join(p, 'package.json'))) return fs.realpathSync(p);
    if (d === top) break;
  }
  return undefined;
}

/** Packs every installed package that `roots` need (dependencies and installed optional ones) into `outDir`. */
export function packClosure(repo: string, roots: string[], outDir: string): Packed[] {
  fs.mkdirSync(outDir, { recursive: true });
  const packed = new Map<string, Packed>();
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = installedDir(name, from, repo);
    if (!dir) {
      if (optional) return;
      throw new Error(`registry: ${name} (needed from ${from}) is not installed under ${repo}`);
    }
    if (packed.has(dir)) return;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    const version = String(manifest.version);
    const file = path.join(outDir, `${name.replace('/', '__')}-${version}.tar`);
    // the folder as npm's own tarballs hold it: everything under package/, without installed
    // dependencies; not compressed (npm's extraction reads plain tar as well, and gzip would take
    // most of the test's time: about 70 MB compressed, 15 s)
    const tar = spawnSync('tar', ['-cf', file, '--exclude=./node_modules', '--transform=s,^\\.,package,', '-C', dir, '.'], { encoding: 'utf8' });
    if (tar.status !== 0) throw new Error(`registry: packing ${name}: ${tar.stderr}`);
    const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
    packed.set(dir, { name, version, manifest, file, integrity });
    const deps = (manifest.dependencies ?? {}) as Record<string, string>;
    const opt = (manifest.optionalDependencies ?? {}) as Record<string, string>;
    for (const d of Object.keys(deps)) visit(d, dir, d in opt);
    for (const d of Object.keys(opt)) visit(d, dir, true);
  };
  for (const r of roots) visit(r, repo, false);
  return [...packed.values()];
}

export interface Registry {
  url: string;
  /** How many requests it answered, and with what (to show the test's npm really used it). */
  served: string[];
  close(): Promise<void>;
}

/** Serves the packed packages' metadata and tarballs on 127.0.0.1 at a free port. */
export async function startRegistry(packages: Packed[]): Promise<Registry> {
  const served: string[] = [];
  let base = '';
  const byName = new Map<string, Packed[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]).slice(1);
    const tarball = packages.find((p) => url === `-/${path.basename(p.file)}`);
    if (tarball) {
      served.push(`tarball ${tarball.name}@${tarball.version}`);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(tarball.file).pipe(res);
      return;
    }
    const versions = byName.get(url);
    if (!versions) {
      served.push(`404 ${url}`);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Not found' }));
      return;
    }
    served.push(`metadata ${url}`);
    const latest = versions[versions.length - 1].version;
    const doc = {
      name: url,
      'dist-tags': { latest },
      versions: Object.fromEntries(versions.map((p) => [p.version, { ...p.manifest, _id: `${p.name}@${p.version}`, dist: { tarball: `${base}/-/${path.basename(p.file)}`, integrity: p.integrity } }])),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/`,
    served,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
