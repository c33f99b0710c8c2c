/**
 * Runs the built CLI (dist/cli.js) as a user would. Builds it once when dist
 * is missing or older than the sources.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(process.cwd());
export const cliPath = join(repoRoot, 'dist/cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureBuilt(): void {
  const stale = !existsSync(cliPath) || statSync(cliPath).mtimeMs < newestMtime(join(repoRoot, 'src'));
  if (stale) execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'pipe' });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export function runCli(args: string[], opts: { input?: Buffer; env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): CliRun {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    input: opts.input,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

export function fixture(name: string): string {
  return join(repoRoot, 'fixtures', name);
}
