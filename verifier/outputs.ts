// The output paths of `verify` (--sarif FILE, --junit FILE, --smt2 DIR), checked before any proof
// starts: a path that cannot be written is a usage error (exit 2) naming the option and the path,
// not a failure after minutes of solving (issue 24: `--smt2 /proc/nope` spun for minutes, a bad
// `--sarif` path ended in "internal error" after the whole run).
//
// Each check tries what the run will do (create the file, or a file in the folder) instead of
// predicting it from permission bits: root passes every access() check, a read-only mount or
// /proc does not show in the bits, and a name can be too long.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Kernel file systems: writing a report there is never meant, and some of their files act on the system. */
const VIRTUAL = ['/proc', '/sys'];

function virtual(abs: string): string | undefined {
  let real = abs;
  try {
    // the real location of the nearest existing ancestor (a link may point into /proc)
    let d = abs;
    while (!fs.existsSync(d) && path.dirname(d) !== d) d = path.dirname(d);
    real = path.join(fs.realpathSync(d), path.relative(d, abs));
  } catch {
    // (unresolvable: judged by its name)
  }
  return VIRTUAL.find((v) => real === v || real.startsWith(v + '/') || abs === v || abs.startsWith(v + '/'));
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'ENOENT':
      return 'no such folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return err.code ?? String(err.message ?? e);
  }
}

/**
 * Checks that `file` can be written as a report file; undefined if so, else why not. Creates
 * nothing that stays: a file that does not exist yet is created and removed again.
 */
export function checkOutputFile(file: string): string | undefined {
  const abs = path.resolve(file);
  const v = virtual(abs);
  if (v) return `${abs} is under ${v}, a kernel file system, not a place for a report`;
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(abs);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) return `${abs} is a folder; name a file (e.g. ${path.join(abs, 'report')})`;
  // (a FIFO would block the open until someone reads it)
  if (st && !st.isFile() && !st.isCharacterDevice()) return `${abs} is not a regular file`;
  const dir = path.dirname(abs);
  let dst: fs.Stats;
  try {
    dst = fs.statSync(dir);
  } catch {
    return `the folder ${dir} does not exist`;
  }
  if (!dst.isDirectory()) return `${dir} is not a folder`;
  try {
    if (st) {
      // an existing file, or a device such as /dev/null: opened for writing, not truncated yet
      fs.closeSync(fs.openSync(abs, st.isFile() ? 'r+' : 'a'));
    } else {
      fs.closeSync(fs.openSync(abs, 'wx'));
      fs.rmSync(abs, { force: true });
    }
  } catch (e) {
    return `cannot write ${abs}: ${reason(e)}`;
  }
  return undefined;
}

/** Checks that `dir` is, or can be made, a folder to write files into; creates it (as the run would). */
export function checkOutputFolder(dir: string): string | undefined {
  const abs = path.resolve(dir);
  const v = virtual(abs);
  if (v) return `${abs} is under ${v}, a kernel file system, not a place for output`;
  try {
    const st = fs.statSync(abs);
    if (!st.isDirectory()) return `${abs} exists and is not a folder`;
  } catch {
    try {
      fs.mkdirSync(abs, { recursive: true });
    } catch (e) {
      return `cannot create the folder ${abs}: ${reason(e)}`;
    }
  }
  const probe = path.join(abs, `.pushbutton-probe-${process.pid}`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
    fs.rmSync(probe, { force: true });
  } catch (e) {
    return `cannot write into the folder ${abs}: ${reason(e)}`;
  }
  return undefined;
}

/**
 * Checks every output option given; returns the usage error of the first that cannot be written
 * (naming the option and the path), or undefined. Two options naming the same file are an error.
 */
export function checkOutputs(files: Record<string, string | undefined>, folders: Record<string, string | undefined> = {}): string | undefined {
  const seen = new Map<string, string>();
  for (const [option, file] of Object.entries(files)) {
    if (file === undefined) continue;
    if (file === '') return `${option}: an empty path; name a file`;
    const abs = path.resolve(file);
    const other = seen.get(abs);
    if (other) return `${option} ${file}: the same file as ${other}; give each report its own file`;
    seen.set(abs, option);
    const why = checkOutputFile(file);
    if (why) return `${option} ${file}: ${why}`;
  }
  for (const [option, dir] of Object.entries(folders)) {
    if (dir === undefined) continue;
    if (dir === '') return `${option}: an empty path; name a folder`;
    const why = checkOutputFolder(dir);
    if (why) return `${option} ${dir}: ${why}`;
  }
  return undefined;
}

/** Writes a report checked by checkOutputs; a failure now (disk full, removed folder) is a usage error's text. */
export function writeOutput(option: string, file: string, text: string): string | undefined {
  try {
    fs.writeFileSync(path.resolve(file), text);
    return undefined;
  } catch (e) {
    return `${option} ${file}: could not write the report: ${reason(e)}`;
  }
}
