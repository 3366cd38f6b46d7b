// A small, strict XML 1.0 reader for the tests of the JUnit report: it accepts the subset a
// report uses (an optional XML declaration, elements, attributes, text, character and the five
// predefined entity references) and throws on anything not well-formed: a bad name, an unquoted
// or duplicate attribute, a raw < or & in text or in an attribute, an unknown entity, a
// character XML 1.0 does not allow (also as a reference), mismatched or unclosed tags, content
// after the root. It decodes as a parser does (attribute whitespace normalised to spaces, \r\n
// to \n), so a test can compare what a CI service will read with what was meant.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** the element's own text (decoded), its children's excluded */
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ALLOWED = (cp: number) => cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function checkChars(s: string, where: string): void {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // a lone surrogate is one UTF-16 unit in the 0xD800-0xDFFF range
    if (!ALLOWED(cp)) throw new Error(`${where}: character U+${cp.toString(16)} is not allowed in XML 1.0`);
  }
}

/** Decodes references in text or an attribute value; throws on a raw & that starts none. */
function decode(raw: string, where: string): string {
  return raw.replace(/&([^;]*);?/g, (m, body: string) => {
    if (!m.endsWith(';')) throw new Error(`${where}: a raw & (${JSON.stringify(m.slice(0, 12))})`);
    let cp: number | undefined;
    if (/^#[0-9]+$/.test(body)) cp = Number(body.slice(1));
    else if (/^#x[0-9a-fA-F]+$/.test(body)) cp = Number.parseInt(body.slice(2), 16);
    else if (body in ENTITIES) return ENTITIES[body];
    else throw new Error(`${where}: unknown entity &${body};`);
    if (!ALLOWED(cp)) throw new Error(`${where}: &${body}; refers to a character XML 1.0 does not allow`);
    return String.fromCodePoint(cp);
  });
}

export function parseXml(doc: string): XmlElement {
  checkChars(doc, 'document');
  let i = 0;
  const src = doc.replace(/\r\n?/g, '\n');
  const fail = (msg: string): never => {
    throw new Error(`offset ${i}: ${msg}`);
  };
  if (src.startsWith('<?xml')) {
    const end = src.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    if (!/^<\?xml version="1\.[0-9]"( encoding="[A-Za-z][A-Za-z0-9._-]*")?( standalone="(yes|no)")?\s*\?>$/.test(src.slice(0, end + 2))) fail('malformed XML declaration');
    i = end + 2;
  }
  const skipSpace = () => {
    while (i < src.length && /\s/.test(src[i])) i++;
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected <');
    i++;
    const name = NAME.exec(src.slice(i))?.[0] ?? fail('a bad element name');
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const hadSpace = /\s/.test(src[i]);
      skipSpace();
      if (src.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (src[i] === '>') {
        i++;
        break;
      }
      if (!hadSpace) fail(`no space before an attribute of <${name}>`);
      const an = NAME.exec(src.slice(i))?.[0] ?? fail(`a bad attribute name in <${name}>`);
      i += an.length;
      skipSpace();
      if (src[i] !== '=') fail(`attribute ${an} of <${name}> without =`);
      i++;
      skipSpace();
      const q = src[i];
      if (q !== '"' && q !== "'") fail(`attribute ${an} of <${name}> not quoted`);
      const end = src.indexOf(q, i + 1);
      if (end < 0) fail(`attribute ${an} of <${name}> not closed`);
      const raw = src.slice(i + 1, end);
      if (raw.includes('<')) fail(`a raw < in attribute ${an} of <${name}>`);
      if (an in el.attrs) fail(`attribute ${an} twice in <${name}>`);
      // attribute-value normalisation: literal whitespace becomes a space, references stay
      el.attrs[an] = decode(raw.replace(/[\t\n]/g, ' '), `attribute ${an} of <${name}>`);
      i = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${name}> not closed`);
      const raw = src.slice(i, lt);
      if (raw.includes(']]>')) fail(`]]> in the text of <${name}>`);
      el.text += decode(raw, `text of <${name}>`);
      i = lt;
      if (src.startsWith('</', i)) {
        i += 2;
        const close = NAME.exec(src.slice(i))?.[0];
        if (close !== name) fail(`</${close}> closes <${name}>`);
        i += name.length;
        skipSpace();
        if (src[i] !== '>') fail(`malformed </${name}>`);
        i++;
        return el;
      }
      el.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== src.length) fail('content after the root element');
  return root;
}

/** Every element named `name` below `el` (depth first). */
export function all(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
}
