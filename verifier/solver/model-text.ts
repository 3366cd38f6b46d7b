// A Z3 model as SMT-LIB text (define-fun per declaration), read through Z3's C API.
//
// Not the model's own `sexpr()`: a POSIX pair's model lists some 1,300 declarations, mostly the
// printer's shared subterms `tN` (SmtPrinter), and printed them all (~1 MB, 1.2 s); and in a
// worker that has solved for a while Z3's printer slows down with the context's history (a 70 KB
// counterexample: 0.3 s in a new worker, over 10 s after the POSIX proofs). Not the high-level
// API's wrappers either: a wrapper object per declaration and value, and every string crossing
// from WebAssembly at a fixed cost (about 40 µs; an array printed by Z3, about 0.4 ms), made one
// test generation model 30-40 ms, a third of the phase. Here a declaration's name is read once
// per process (Z3 interns a symbol and never frees it, so its address names it for good), and
// values are built from their structure: integers and booleans as numbers, arrays as the stores
// over a constant array that Z3's models give them.

import type { Z3Core as Z3, Z3_ast, Z3_context as C, Z3_func_decl, Z3_model, Z3_sort, Z3_symbol } from 'z3-solver';
import { Z3_ast_kind, Z3_decl_kind, Z3_lbool, Z3_sort_kind, Z3_symbol_kind } from 'z3-solver';
import { isPrinterDef, quoteSym as quote } from '../../symexec/term.ts';

/** Symbol names by the symbol's address. */
const symbolNames = new Map<Z3_symbol, string>();
/** Past this many, the cache starts again (the printer's names differ from job to job). */
const SYMBOL_CACHE_MAX = 200_000;

/**
 * A symbol's name as Z3's printer writes it. Z3's auxiliary functions (the graphs it makes while
 * building a model, which a lambda array value or another function may apply) are named by an
 * integer symbol that the printer writes `k!N`, while get_symbol_string gives only `N`: their
 * definitions would be written under a name nothing applies ("unknown operator 'k!468'" on
 * bugs/gpuvm.B2's counterexample).
 */
function symbolName(z3: Z3, c: C, sym: Z3_symbol): string {
  let name = symbolNames.get(sym);
  if (name === undefined) {
    if (symbolNames.size >= SYMBOL_CACHE_MAX) symbolNames.clear();
    name = z3.get_symbol_kind(c, sym) === Z3_symbol_kind.Z3_INT_SYMBOL ? `k!${z3.get_symbol_int(c, sym)}` : z3.get_symbol_string(c, sym);
    symbolNames.set(sym, name);
  }
  return name;
}

/**
 * The model's declarations but the printer's `tN`, those `keep` accepts if it is given,
 * one `(define-fun …)` line each; Model.parse reads it back.
 */
export function modelText(z3: Z3, c: C, mp: Z3_model, keep?: (name: string) => boolean): string {
  const wanted = (d: Z3_func_decl): string | undefined => {
    const name = symbolName(z3, c, z3.get_decl_name(c, d));
    return isPrinterDef(name) || (keep && !keep(name)) ? undefined : name;
  };
  const out: string[] = [];
  const consts = z3.model_get_num_consts(c, mp);
  for (let i = 0; i < consts; i++) {
    const d = z3.model_get_const_decl(c, mp, i);
    const name = wanted(d);
    if (name === undefined) continue;
    out.push(`(define-fun ${quote(name)} () ${sortText(z3, c, z3.get_range(c, d))} ${constValue(z3, c, mp, d)})`);
  }
  const funcs = z3.model_get_num_funcs(c, mp);
  for (let i = 0; i < funcs; i++) {
    const d = z3.model_get_func_decl(c, mp, i);
    const name = wanted(d);
    if (name === undefined) continue;
    out.push(funcText(z3, c, mp, d, name));
  }
  return out.join('\n');
}

function sortText(z3: Z3, c: C, s: Z3_sort): string {
  switch (z3.get_sort_kind(c, s)) {
    case Z3_sort_kind.Z3_INT_SORT:
      return 'Int';
    case Z3_sort_kind.Z3_BOOL_SORT:
      return 'Bool';
    case Z3_sort_kind.Z3_UNINTERPRETED_SORT:
      return quote(symbolName(z3, c, z3.get_sort_name(c, s)));
    case Z3_sort_kind.Z3_ARRAY_SORT:
      return `(Array ${sortText(z3, c, z3.get_array_sort_domain(c, s))} ${sortText(z3, c, z3.get_array_sort_range(c, s))})`;
    default:
      return z3.sort_to_string(c, s);
  }
}

/**
 * A value as SMT-LIB, built from its structure where it is a number, a boolean, an element of an
 * uninterpreted sort or an array of stores over a constant array (Z3 prints one array in about
 * 0.4 ms); anything else printed by Z3.
 */
function valueText(z3: Z3, c: C, mp: Z3_model, v: Z3_ast): string {
  const sort = z3.get_sort(c, v);
  switch (z3.get_sort_kind(c, sort)) {
    case Z3_sort_kind.Z3_INT_SORT: {
      if (z3.get_ast_kind(c, v) !== Z3_ast_kind.Z3_NUMERAL_AST) break;
      // as a machine integer (a few µs), as a string (tens of µs) only past 64 bits
      const n = z3.get_numeral_int64(c, v) ?? BigInt(z3.get_numeral_string(c, v));
      return n < 0n ? `(- ${-n})` : String(n);
    }
    case Z3_sort_kind.Z3_BOOL_SORT: {
      const b = z3.get_bool_value(c, v);
      if (b === Z3_lbool.Z3_L_TRUE) return 'true';
      if (b === Z3_lbool.Z3_L_FALSE) return 'false';
      break;
    }
    case Z3_sort_kind.Z3_UNINTERPRETED_SORT: {
      // an element of the model's universe, a constant such as Fn!val!0
      if (!z3.is_app(c, v)) break;
      const app = z3.to_app(c, v);
      if (z3.get_app_num_args(c, app) === 0) return quote(symbolName(z3, c, z3.get_decl_name(c, z3.get_app_decl(c, app))));
      break;
    }
    case Z3_sort_kind.Z3_ARRAY_SORT: {
      if (z3.is_as_array(c, v)) return graphText(z3, c, mp, v, sort);
      if (!z3.is_app(c, v)) break;
      const app = z3.to_app(c, v);
      const arg = (i: number) => valueText(z3, c, mp, z3.get_app_arg(c, app, i));
      switch (z3.get_decl_kind(c, z3.get_app_decl(c, app))) {
        case Z3_decl_kind.Z3_OP_STORE:
          return `(store ${arg(0)} ${arg(1)} ${arg(2)})`;
        case Z3_decl_kind.Z3_OP_CONST_ARRAY:
          return `((as const ${sortText(z3, c, sort)}) ${arg(0)})`;
      }
      break;
    }
  }
  return z3.ast_to_string(c, v);
}

/**
 * An array given as the graph of a function, (_ as-array k!N), inside another value (a store's
 * element of an array of arrays): written as stores over its else value. Z3 does not always list
 * k!N among the model's declarations, and a reader of the text cannot resolve it then (9 tests
 * of mmap/mmap dropped in a whole POSIX run at 2d11b18).
 */
function graphText(z3: Z3, c: C, mp: Z3_model, v: Z3_ast, sort: Z3_sort): string {
  const fi = z3.model_get_func_interp(c, mp, z3.get_as_array_func_decl(c, v));
  if (!fi) throw new Error(`an array value names a function the model does not interpret (${z3.ast_to_string(c, v)})`);
  z3.func_interp_inc_ref(c, fi);
  try {
    let out = `((as const ${sortText(z3, c, sort)}) ${valueText(z3, c, mp, z3.func_interp_get_else(c, fi))})`;
    if (out.includes('(:var ')) throw new Error(`an array value is a function of its index (${z3.ast_to_string(c, v)})`);
    for (let k = 0; k < z3.func_interp_get_num_entries(c, fi); k++) {
      const e = z3.func_interp_get_entry(c, fi, k);
      z3.func_entry_inc_ref(c, e);
      try {
        out = `(store ${out} ${valueText(z3, c, mp, z3.func_entry_get_arg(c, e, 0))} ${valueText(z3, c, mp, z3.func_entry_get_value(c, e))})`;
      } finally {
        z3.func_entry_dec_ref(c, e);
      }
    }
    return out;
  } finally {
    z3.func_interp_dec_ref(c, fi);
  }
}

function constValue(z3: Z3, c: C, mp: Z3_model, d: Z3_func_decl): string {
  const v = z3.model_get_const_interp(c, mp, d);
  // Z3 lists only the constants it interprets; checked before anything reads the value
  if (!v) throw new Error('a constant of the model has no value');
  if (!z3.is_as_array(c, v)) return valueText(z3, c, mp, v);
  // an array given as (_ as-array k!N): its graph k!N was once missing from the model's
  // declarations (a POSIX mmap pair); evaluated with completion it is written as stores
  const app = z3.mk_app(c, d, []);
  z3.inc_ref(c, app);
  try {
    const r = z3.model_eval(c, mp, app, true);
    if (r === null) throw new Error('the model has no value for an array');
    z3.inc_ref(c, r);
    try {
      return valueText(z3, c, mp, r);
    } finally {
      z3.dec_ref(c, r);
    }
  } finally {
    z3.dec_ref(c, app);
  }
}

/** A function's graph as nested ite over its entries, its else value last. */
function funcText(z3: Z3, c: C, mp: Z3_model, d: Z3_func_decl, name: string): string {
  const arity = z3.get_arity(c, d);
  const xs = Array.from({ length: arity }, (_, i) => `x!${i}`);
  const fi = z3.model_get_func_interp(c, mp, d);
  z3.func_interp_inc_ref(c, fi);
  try {
    // the else value names the arguments as de Bruijn variables, (:var i) for argument i
    let body = z3.ast_to_string(c, z3.func_interp_get_else(c, fi)).replace(/\(:var (\d+)\)/g, 'x!$1');
    for (let k = z3.func_interp_get_num_entries(c, fi) - 1; k >= 0; k--) {
      const e = z3.func_interp_get_entry(c, fi, k);
      z3.func_entry_inc_ref(c, e);
      try {
        const conds = xs.map((x, i) => `(= ${x} ${valueText(z3, c, mp, z3.func_entry_get_arg(c, e, i))})`);
        body = `(ite ${conds.length === 1 ? conds[0] : `(and ${conds.join(' ')})`} ${valueText(z3, c, mp, z3.func_entry_get_value(c, e))} ${body})`;
      } finally {
        z3.func_entry_dec_ref(c, e);
      }
    }
    const params = xs.map((x, i) => `(${x} ${sortText(z3, c, z3.get_domain(c, d, i))})`).join(' ');
    return `(define-fun ${quote(name)} (${params}) ${sortText(z3, c, z3.get_range(c, d))} ${body})`;
  } finally {
    z3.func_interp_dec_ref(c, fi);
  }
}
