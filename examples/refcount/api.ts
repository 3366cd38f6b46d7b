// The refcount API the catalogue's ports call, declared for verify rid (docs/rid.md).
//
// A declaration is an ordinary function whose body says what the primitive does to reference
// counts: `inc`/`dec`/`consume` name the argument and the counter, and `result()` stands for an
// outcome the analysis does not see into. Branching on that outcome makes a change conditional
// ("increments only when it returns 0"). These bodies also run: during replay `result()` returns
// the witness's outcome; outside it returns 0.
//
// Kernel objects are records (a `struct device`, a `kobject`); Python objects are handles, numbers
// where 0 is NULL, as in RID, which turns pointers into integers.

import { type i32, type u32, inc, dec, consume, result, assume } from 'pushbutton';

export const ENOMEM = -12;
export const EINVAL = -22;
export const ENODEV = -19;
export const EIO = -5;
export const EBUSY = -16;

export interface Device {
  id: u32;
  ready: boolean;
}

// ---- device runtime PM (RID's `dpm` family, research/rid.md §1.6) -----------------------------

/** Keeps the usage count incremented on every outcome, even when it returns an error (L1). */
export function pm_runtime_get_sync(dev: Device): i32 {
  inc(dev, 'dpm');
  return result();
}

/** Increments only on success; on failure it has already dropped the count again (L2). */
export function pm_runtime_resume_and_get(dev: Device): i32 {
  const ret: i32 = result();
  assume(ret <= 0);
  if (ret === 0) inc(dev, 'dpm');
  return ret;
}

export function pm_runtime_put(dev: Device): i32 {
  dec(dev, 'dpm');
  return result();
}

export function pm_runtime_put_noidle(dev: Device): void {
  dec(dev, 'dpm');
}

/** usb_autopm_get_interface: like resume_and_get, the count is dropped again on failure. */
export function usb_autopm_get_interface(dev: Device): i32 {
  const ret: i32 = result();
  assume(ret <= 0);
  if (ret === 0) inc(dev, 'dpm');
  return ret;
}

export function usb_autopm_put_interface(dev: Device): void {
  dec(dev, 'dpm');
}

// ---- kobject / struct device ---------------------------------------------------------------------

export interface Kobj {
  id: u32;
  registered: boolean;
}

/** kobject_init_and_add takes a reference even when it fails: the caller must kobject_put (L4). */
export function kobject_init_and_add(k: Kobj): i32 {
  inc(k, 'kobj');
  const ret: i32 = result();
  assume(ret <= 0);
  return ret;
}

export function kobject_put(k: Kobj): void {
  dec(k, 'kobj');
}

/** device_register: the reference stays taken on failure; never free directly (L5). */
export function device_register(k: Kobj): i32 {
  inc(k, 'kobj');
  const ret: i32 = result();
  assume(ret <= 0);
  return ret;
}

export function put_device(k: Kobj): void {
  dec(k, 'kobj');
}

/** kzalloc: whether the allocation succeeded (a hidden outcome). */
export function kzalloc_ok(): boolean {
  return result();
}

/** kfree: releases memory, not a reference (what L5's bug calls instead of put_device). */
export function kfree(k: Kobj): void {
  k.registered = false;
}

// ---- device-tree nodes (of_node) ------------------------------------------------------------------
// Nodes are handles: 0 is NULL.

/** of_find_compatible_node(from, ...): a new reference on the node found; drops `from` (L6, L10). */
export function of_find_compatible_node(from: u32, compat: u32): u32 {
  if (from !== 0) dec(from, 'of');
  const np: u32 = result();
  if (np !== 0) inc(np, 'of');
  return np;
}

/** of_get_child_by_name: a new reference on the child; the parent is only borrowed. */
export function of_get_child_by_name(parent: u32, name: u32): u32 {
  const np: u32 = result();
  if (np !== 0) inc(np, 'of');
  return np;
}

/** of_node_put(NULL) does nothing. */
export function of_node_put(np: u32): void {
  if (np !== 0) dec(np, 'of');
}

export function of_node_get(np: u32): u32 {
  if (np !== 0) inc(np, 'of');
  return np;
}

/** of_get_next_child(parent, prev): drops prev, returns the next child with a reference (or NULL). */
export function of_get_next_child(parent: u32, prev: u32): u32 {
  if (prev !== 0) dec(prev, 'of');
  const np: u32 = result();
  if (np !== 0) inc(np, 'of');
  return np;
}

export function of_property_read_u32(np: u32, prop: u32): i32 {
  const ret: i32 = result();
  assume(ret === 0 || ret === EINVAL);
  return ret;
}

/** of_find_device_by_node: a new reference on the platform device's struct device (L9). */
export function of_find_device_by_node(np: u32): u32 {
  const pdev: u32 = result();
  if (pdev !== 0) inc(pdev, 'dev');
  return pdev;
}

export function put_device_h(pdev: u32): void {
  dec(pdev, 'dev');
}

// ---- keys (CVE-2016-0728) and bpf (CVE-2016-4557) -------------------------------------------------

export function find_keyring_by_name(name: u32): i32 {
  const k: i32 = result();
  if (k > 0) inc(k, 'key');
  return k;
}

export function key_put(k: i32): void {
  dec(k, 'key');
}

export function key_serial(k: i32): i32 {
  return result();
}

/** __bpf_map_get: on error (not a map) it already did fdput (L12). */
export function bpf_map_get(fd: i32): i32 {
  const map: i32 = result();
  assume(map >= 0);
  if (map === 0) dec(fd, 'fd');
  return map;
}

export function fdget(fd: i32): void {
  inc(fd, 'fd');
}

export function fdput(fd: i32): void {
  dec(fd, 'fd');
}

// ---- Python/C (RID's `py` family) -------------------------------------------------------------------
// PyObject* handles: 0 is NULL.

/** Py_BuildValue and the other constructors: a new reference, or NULL (RID's get_new). */
export function Py_BuildValue(v: i32): u32 {
  const o: u32 = result();
  if (o !== 0) inc(o, 'py');
  return o;
}

/** Py_BuildValue("(O)", o): a new tuple holding its own reference on o; ours is unchanged. */
export function Py_BuildValue_O(o: u32): u32 {
  const t: u32 = result();
  if (t !== 0) inc(t, 'py');
  return t;
}

/** Py_BuildValue("(N)", o): the tuple takes over our reference on o, on both outcomes. */
export function Py_BuildValue_N(o: u32): u32 {
  consume(o, 'py');
  const t: u32 = result();
  if (t !== 0) inc(t, 'py');
  return t;
}

export function PyErr_NewException(name: u32): u32 {
  const o: u32 = result();
  if (o !== 0) inc(o, 'py');
  return o;
}

export function PyLong_FromLong(v: i32): u32 {
  const o: u32 = result();
  if (o !== 0) inc(o, 'py');
  return o;
}

export function PyObject_GetAttrString(o: u32, name: u32): u32 {
  const a: u32 = result();
  if (a !== 0) inc(a, 'py');
  return a;
}

/** PyLong_AsLong: -1 with an error set on failure. */
export function PyLong_AsLong(o: u32): i32 {
  return result();
}

export function PyErr_Occurred(): boolean {
  return result();
}

/** The None object: a handle every module shares (a borrowed reference unless Py_INCREF'd). */
export const Py_None = 4096;

export function Py_DECREF(o: u32): void {
  dec(o, 'py');
}

export function Py_INCREF(o: u32): void {
  inc(o, 'py');
}

/**
 * PyList_Append: on success the list takes a reference of its own, which the list owns; the
 * caller's reference is unchanged on both outcomes (P1). (RID's `get_return_success` counts the
 * list's +1 against the caller; here it is the list's, so only the caller's own count is compared.)
 */
export function PyList_Append(list: u32, item: u32): i32 {
  const ret: i32 = result();
  assume(ret === 0 || ret === -1);
  return ret;
}

/** PyList_SetItem steals the item on both outcomes (P2). */
export function PyList_SetItem(list: u32, i: i32, item: u32): i32 {
  consume(item, 'py');
  const ret: i32 = result();
  assume(ret === 0 || ret === -1);
  return ret;
}

/** PyModule_AddObject steals the value only on success (P3). */
export function PyModule_AddObject(m: u32, name: u32, value: u32): i32 {
  const ret: i32 = result();
  assume(ret === 0 || ret === -1);
  if (ret === 0) consume(value, 'py');
  return ret;
}

/** PyDict_GetItem returns a borrowed reference: no change (P6). */
export function PyDict_GetItem(d: u32, key: u32): u32 {
  return result();
}

// ---- block requests and a device table (issue 28's shapes: L14, L15) ------------------------------
// Requests and table entries are handles: 0 is NULL, and a NULL is never counted.

/** blk_get_request: a new reference on a request, or NULL. */
export function blk_get_request(q: u32): u32 {
  const rq: u32 = result();
  if (rq !== 0) inc(rq, 'rq');
  return rq;
}

/** blk_put_request: drops a reference (nothing for NULL). */
export function blk_put_request(rq: u32): void {
  dec(rq, 'rq');
}

/** A queue submit that takes over the request only when it returns 0; -EBUSY leaves it to the caller. */
export function blk_queue_submit(q: u32, rq: u32): i32 {
  const ret: i32 = result();
  assume(ret === 0 || ret === EBUSY);
  if (ret === 0) consume(rq, 'rq');
  return ret;
}

/** Whether a device is still in use: read at run time. */
export function device_busy(pdev: u32): boolean {
  return result();
}
