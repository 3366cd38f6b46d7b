// What may be read as a source file (or a tsconfig.json): a regular, readable file of a sane size.
//
// Everything else where a source file is expected must be a located error, never a crash or a hang:
// reading a directory throws, a symbolic link loop throws, and opening a FIFO (or a terminal device)
// blocks until someone writes to it, forever. So the file's type is checked with stat() before
// anything opens it. No ts-morph here: discover.ts uses this too.

import * as fs from 'node:fs';

/** Larger than any model (the kernel's spec is 30 KB); a bigger file is almost surely not one. */
export const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

/** Why `file` cannot be read as a source file ("a directory", "a named pipe (FIFO)"...), or undefined when it can. Opens nothing. */
export function unreadable(file: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'a symbolic link loop';
    if (code === 'ENOENT') return isSymlink(file) ? 'a symbolic link to nothing' : 'missing';
    if (code === 'ENOTDIR') return 'missing (a part of its path is not a folder)';
    if (code === 'EACCES' || code === 'EPERM') return 'not accessible (permission denied)';
    if (code === 'ENAMETOOLONG') return 'a path too long';
    return `not readable (${code ?? String(e)})`;
  }
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device file';
  if (st.isSocket()) return 'a socket';
  if (!st.isFile()) return 'not a regular file';
  if (st.size > MAX_SOURCE_BYTES) return `larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MB`;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    return 'not readable (permission denied)';
  }
  return undefined;
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Something is at `file` (a dangling link or a loop included, unlike fs.existsSync). */
export function present(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The text of `file`, or undefined when it is not a readable regular file (or reading fails). */
export function readSource(file: string): string | undefined {
  if (unreadable(file)) return undefined;
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The names in folder `dir`, or [] when it is not a readable folder. */
export function listFolder(dir: string): string[] {
  try {
    return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir) : [];
  } catch {
    return [];
  }
}

/** A folder (through links); false for anything else, a link loop included, without throwing. */
export function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The path with every symbolic link resolved, or undefined when it does not exist. */
export function realPath(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}
