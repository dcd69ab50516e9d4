/**
 * The RFC 5322 address grammar: a single-pass tokenizer and a recursive-descent parser without
 * backtracking. Internal: `address.ts` is the public face and documents the decisions; this
 * module implements them.
 *
 * Contract: pure and synchronous, no `node:` imports. Each entry point reads its input once,
 * left to right, with one token of lookahead, so it runs in time linear in the input's length
 * whatever the input (nested comments, thousands of quotes or backslashes, a megabyte of text):
 * comments are matched with a depth counter rather than recursion, and no regular expression
 * runs over the whole input. Every failure is an `InvalidAddressError` whose message names the
 * offset (in UTF-16 code units), what was expected and what was found, and quotes the input
 * escaped and truncated.
 *
 * Grammar (RFC 5322 section 3.4, with RFC 6532 UTF-8 in atoms, quoted strings and comments):
 *
 * ```
 * address-list = [address] *("," [address])         ; empty elements: obs-addr-list, 4.4
 * address      = mailbox / group
 * group        = display-name ":" *("," / mailbox) ";"   ; empty elements: obs-group-list
 * mailbox      = display-name angle-addr / [CFWS] "<" addr-spec ">" / addr-spec [comment]
 * display-name = word *(word / "." / CFWS)            ; obs-phrase: "John Q. Public"
 * addr-spec    = (dot-atom-text / quoted-string) "@" (dot-atom-text / domain-literal)
 * ```
 *
 * CFWS (white space and comments) is allowed between the tokens of a display name and around a
 * mailbox, never inside an addr-spec. HTAB counts as white space there and nowhere else.
 */

import { decodeEncodedWord, looksLikeEncodedWord } from './address-encoded-word.ts';
import {
  codePointName,
  findForbiddenCharacter,
  invalidAddress,
  invalidDomain,
  quoteInput,
  utf8Length,
} from './address-text.ts';
import { checkDomain } from './domain.ts';

/**
 * One mailbox: an address and, optionally, the name shown for it.
 *
 * From a parser, `address` is the addr-spec with its local part in the form with the least
 * quoting (RFC 5321 section 4.1.2: `"john"@example.com` becomes `john@example.com`) and its
 * domain as written (case and U-labels kept); `name` is the decoded display name: quoted
 * strings unquoted, comments dropped, encoded words decoded, and absent when empty.
 */
export interface Mailbox {
  /** The display name, plain text (not encoded, not quoted). Absent when there is none. */
  readonly name?: string;
  /** `local-part@domain`; the domain may hold U-labels (see {@link Mailbox}). */
  readonly address: string;
}

/** An RFC 5322 group (section 3.4): a name and zero or more mailboxes (`Undisclosed:;`). */
export interface Group {
  /** The group's display name, decoded like {@link Mailbox.name}; never empty. */
  readonly group: string;
  /** The mailboxes of the group, in order; empty for `Undisclosed recipients:;`. */
  readonly members: readonly Mailbox[];
}

/** An addr-spec that passed every check, in the forms the public functions need. */
export interface AddrSpec {
  /** The canonical `local-part@domain` (least quoting, domain as written). */
  readonly address: string;
  /** The local part with the least quoting (RFC 5321 section 4.1.2). */
  readonly localPart: string;
  /** The domain as written, brackets included for an address literal. */
  readonly domain: string;
  /** The domain in ASCII: A-labels for an internationalised name, else as written. */
  readonly asciiDomain: string;
}

/** Longest local part, in octets of its UTF-8 form (RFC 5321 section 4.5.3.1.1). */
export const MAX_LOCAL_PART_LENGTH = 64;
/**
 * Longest address, in octets of its UTF-8 form: a path of at most 256 octets (RFC 5321 section
 * 4.5.3.1.3) less its angle brackets (RFC 3696 errata 1690).
 */
export const MAX_ADDRESS_LENGTH = 254;

/** Parses an RFC 5322 `address-list`; see `parseAddressList` in `address.ts`. */
export function parseAddressListText(input: string): (Mailbox | Group)[] {
  return new Parser(input, 'address list').parseList();
}

/** Parses exactly one RFC 5322 `mailbox`; see `parseMailbox` in `address.ts`. */
export function parseMailboxText(input: string): Mailbox {
  return new Parser(input, 'mailbox').parseSingleMailbox();
}

/** Parses a bare addr-spec, without white space, comments, name or angle brackets. */
export function parseAddrSpecText(input: string): AddrSpec {
  // Why a memo: `addressNeedsSmtpUtf8`, `toAsciiAddress` and `formatAddressSpec` all start
  // here, and one send asks them about the same few addresses 5 to 8 times (envelope paths,
  // dedupe keys, header fields, the Message-ID domain). A hit skips the tokenizer and the
  // domain check: about 25 µs less per 1 KB message in the send benchmark. The result depends
  // on `input` only and is frozen, so sharing it is safe; errors are never stored; bounded,
  // cleared when full.
  const known = addrSpecs.get(input);
  if (known !== undefined) return known;
  const spec = Object.freeze(new Parser(input, 'address').parseBareAddrSpec());
  if (addrSpecs.size >= ADDR_SPEC_MEMO_SIZE) addrSpecs.clear();
  addrSpecs.set(input, spec);
  return spec;
}

/** How many parsed addr-specs {@link parseAddrSpecText} remembers. */
export const ADDR_SPEC_MEMO_SIZE = 256;
const addrSpecs = new Map<string, AddrSpec>();

// RFC 5322 `atext` (section 3.2.3) as a lookup table; every code unit from U+0080 up is an atom
// character too (RFC 6532 section 3.2), the forbidden ones having been refused before parsing.
const ATEXT = new Uint8Array(128);
for (const char of "!#$%&'*+-/=?^_`{|}~") ATEXT[char.charCodeAt(0)] = 1;
for (let code = 0x30; code <= 0x39; code++) ATEXT[code] = 1;
for (let code = 0x41; code <= 0x5a; code++) ATEXT[code] = 1;
for (let code = 0x61; code <= 0x7a; code++) ATEXT[code] = 1;

function isAtomCharacter(code: number): boolean {
  return code >= 0x80 || ATEXT[code] === 1;
}

/** True when `text` is an RFC 5322 `dot-atom-text` (with RFC 6532 UTF-8). */
function isDotAtomText(text: string): boolean {
  let previousWasDot = true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x2e) {
      if (previousWasDot) return false;
      previousWasDot = true;
    } else if (isAtomCharacter(code)) {
      previousWasDot = false;
    } else {
      return false;
    }
  }
  return !previousWasDot;
}

/**
 * The local part with the least quoting: the dot-atom when the content is one, else a quoted
 * string escaping only `"` and `\` (RFC 5321 section 4.1.2 asks senders for this form).
 */
function canonicalLocalPart(content: string): string {
  if (isDotAtomText(content)) return content;
  return `"${content.replace(/["\\]/g, '\\$&')}"`;
}

/** The specials that stand alone as tokens (RFC 5322 section 3.2.3). */
type SpecialCharacter = '<' | '>' | '@' | ',' | ';' | ':' | '.';

interface Token {
  readonly kind: 'atom' | 'quoted' | 'literal' | 'special' | 'end';
  /**
   * Atom: its text. Quoted: the content, quoted pairs unescaped. Literal: `[...]` as written.
   * Special: the character. End: empty.
   */
  readonly text: string;
  /** Offset of the token's first character (the input's length for the end). */
  readonly start: number;
  /** White space or a comment comes right before the token. */
  readonly spaced: boolean;
  /** How many comments come right before the token. */
  readonly comments: number;
  /** The last of those comments, quoted pairs unescaped, nested parentheses kept. */
  readonly comment: string;
}

const SPECIALS = '<>@,;:.';
const TAB = 0x09;
const SPACE = 0x20;

/** Turns the input into tokens on demand; white space and comments are folded into flags. */
class Tokenizer {
  private readonly input: string;
  private readonly fail: (offset: number, message: string) => never;
  private position = 0;

  constructor(input: string, fail: (offset: number, message: string) => never) {
    this.input = input;
    this.fail = fail;
  }

  next(): Token {
    const input = this.input;
    let spaced = false;
    let comments = 0;
    let comment = '';
    while (this.position < input.length) {
      const code = input.charCodeAt(this.position);
      if (code === SPACE || code === TAB) {
        spaced = true;
        this.position++;
      } else if (code === 0x28) {
        comment = this.readComment();
        comments++;
        spaced = true;
      } else {
        break;
      }
    }
    const start = this.position;
    const token = (kind: Token['kind'], text: string): Token => ({
      kind,
      text,
      start,
      spaced,
      comments,
      comment,
    });
    if (start >= input.length) return token('end', '');
    const char = input.charAt(start);
    if (char === '"') return token('quoted', this.readQuoted());
    if (char === '[') return token('literal', this.readLiteral());
    if (char === ')') this.fail(start, 'found ")" without a matching "("');
    if (char === ']') this.fail(start, 'found "]" without a matching "["');
    if (char === '\\') {
      this.fail(
        start,
        `found ${quoteInput(char)} outside a quoted string or comment; quote the text`,
      );
    }
    if (SPECIALS.includes(char)) {
      this.position++;
      return token('special', char);
    }
    // Every other character is an atom character: the printable ASCII ones left are exactly
    // `atext`, and the forbidden controls were refused before tokenizing.
    let end = start + 1;
    while (end < input.length && isAtomCharacter(input.charCodeAt(end))) end++;
    this.position = end;
    return token('atom', input.slice(start, end));
  }

  /** Reads a comment, nested ones included, without recursion; returns its text. */
  private readComment(): string {
    const input = this.input;
    const start = this.position;
    let depth = 0;
    let text = '';
    let segment = start + 1;
    for (let i = start; ; i++) {
      if (i >= input.length) {
        this.fail(start, 'the comment "(" is not closed with ")"');
      }
      const code = input.charCodeAt(i);
      if (code === 0x5c) {
        if (i + 1 >= input.length) this.fail(start, 'the comment "(" is not closed with ")"');
        text += input.slice(segment, i);
        segment = i + 1;
        i++;
      } else if (code === 0x28) {
        depth++;
      } else if (code === 0x29) {
        depth--;
        if (depth === 0) {
          text += input.slice(segment, i);
          this.position = i + 1;
          return text;
        }
      }
    }
  }

  /** Reads a quoted string; returns its content with quoted pairs unescaped. */
  private readQuoted(): string {
    const input = this.input;
    const start = this.position;
    let text = '';
    let segment = start + 1;
    for (let i = start + 1; ; i++) {
      if (i >= input.length) this.fail(start, "the quoted string is not closed with '\"'");
      let code = input.charCodeAt(i);
      if (code === 0x22) {
        this.position = i + 1;
        return text + input.slice(segment, i);
      }
      if (code === 0x5c) {
        if (i + 1 >= input.length) this.fail(start, "the quoted string is not closed with '\"'");
        text += input.slice(segment, i);
        segment = i + 1;
        i++;
        code = input.charCodeAt(i);
      }
      // RFC 5322 allows a tab here, but it would end up in a name or an address, and neither
      // may carry a control character.
      if (code === TAB) {
        this.fail(i, 'a quoted string holds a tab; names and addresses cannot carry controls');
      }
    }
  }

  /** Reads a domain literal; returns it with its brackets. Only an IP address fits inside. */
  private readLiteral(): string {
    const input = this.input;
    const start = this.position;
    for (let i = start + 1; ; i++) {
      if (i >= input.length) this.fail(start, 'the domain literal "[" is not closed with "]"');
      const char = input.charAt(i);
      if (char === ']') {
        this.position = i + 1;
        return input.slice(start, i + 1);
      }
      if (char === '[' || char === '\\' || char === ' ' || char === '\t') {
        this.fail(
          i,
          `found ${quoteInput(char)} inside the domain literal that starts at offset ${start}; write an address literal such as [192.0.2.1] or [IPv6:2001:db8::1]`,
        );
      }
    }
  }
}

/** Where a mailbox is being read: what may end it, and the open group if any. */
interface Context {
  /** Offset of the open group's `:`, or -1 outside a group. */
  readonly groupStart: number;
  /** A group may start here (the top level of an address list). */
  readonly groupsAllowed: boolean;
}

const TOP_LEVEL: Context = { groupStart: -1, groupsAllowed: true };

class Parser {
  private readonly input: string;
  private readonly subject: 'address list' | 'mailbox' | 'address';
  private readonly tokenizer: Tokenizer;
  private current: Token;

  constructor(input: string, subject: 'address list' | 'mailbox' | 'address') {
    this.input = input;
    this.subject = subject;
    const fail = (offset: number, message: string): never => this.fail(offset, message);
    if (typeof input !== 'string') {
      throw invalidAddress(`Invalid ${subject}: expected a string, got ${describeValue(input)}`);
    }
    const forbidden = findForbiddenCharacter(input);
    if (forbidden !== -1) {
      fail(
        forbidden,
        `found the control or unpaired character ${codePointName(input, forbidden)}; line breaks and other controls are not allowed (unfold a pasted header first)`,
      );
    }
    this.tokenizer = new Tokenizer(input, fail);
    this.current = this.tokenizer.next();
  }

  parseList(): (Mailbox | Group)[] {
    const addresses: (Mailbox | Group)[] = [];
    for (;;) {
      if (this.isSpecial(',')) {
        this.advance();
      } else if (this.atEnd()) {
        break;
      } else {
        addresses.push(this.parseAddress(TOP_LEVEL));
      }
    }
    if (addresses.length === 0) this.fail(0, 'expected at least one address');
    return addresses;
  }

  parseSingleMailbox(): Mailbox {
    if (this.atEnd()) this.fail(0, 'expected a mailbox');
    const mailbox = this.parseAddress({ groupStart: -1, groupsAllowed: false }) as Mailbox;
    if (!this.atEnd()) {
      this.fail(this.current.start, 'expected exactly one mailbox, found a list');
    }
    return mailbox;
  }

  parseBareAddrSpec(): AddrSpec {
    if (this.current.spaced) {
      this.fail(0, 'white space or a comment before the address; pass the bare local@domain');
    }
    const words = this.collectPhrase();
    if (!this.isSpecial('@')) {
      const found = this.current;
      this.fail(
        found.start,
        `expected "@" in local@domain, found ${describe(found)}${found.kind === 'special' && found.text === '<' ? '; pass the address without a display name or angle brackets, and give the name separately' : ''}`,
      );
    }
    const spec = this.parseAddrSpec(words);
    if (!this.atEnd() || this.current.spaced) {
      this.fail(
        this.current.start,
        `expected the end of the address, found ${describe(this.current)}; pass the bare local@domain, without white space or comments`,
      );
    }
    return spec;
  }

  /** A mailbox, or a group when the context allows one. Leaves the terminator unread. */
  private parseAddress(context: Context): Mailbox | Group {
    const words = this.collectPhrase();
    const next = this.current;
    if (next.text === '<' && next.kind === 'special') {
      const name = words.length > 0 ? this.phraseToName(words, 'display name') : '';
      const spec = this.parseAngleAddr();
      this.expectMailboxEnd(context, '; a mailbox has one address in angle brackets');
      return mailbox(name, spec.address);
    }
    if (next.text === ':' && next.kind === 'special') {
      if (words.length === 0) this.fail(next.start, 'a group needs a name before ":"');
      if (context.groupStart !== -1) {
        this.fail(next.start, 'found ":" inside a group; groups cannot be nested');
      }
      if (!context.groupsAllowed) this.fail(next.start, 'expected a mailbox, found a group');
      return this.parseGroup(words, next);
    }
    if (next.text === '@' && next.kind === 'special') {
      const spec = this.parseAddrSpec(words);
      const end = this.current;
      this.expectMailboxEnd(
        context,
        '; a display name that contains "@" must be quoted, and the address put in angle brackets',
      );
      // The legacy form `user@example.com (User Name)` (RFC 5322 section 3.4, note): a single
      // comment right after a bare addr-spec is taken as the name. Two or more comments, or a
      // comment elsewhere, mean nothing (RFC 5322 leaves comments uninterpreted).
      const name = end.comments === 1 ? this.commentToName(end) : '';
      return mailbox(name, spec.address);
    }
    if (words.length === 0) this.fail(next.start, `expected an address, found ${describe(next)}`);
    this.fail(
      next.start,
      `expected "@" or "<" after ${quoteInput(this.input.slice((words[0] as Token).start, next.start).trim())}, found ${describe(next)}; an address needs "@", and a display name needs an address in angle brackets after it`,
    );
  }

  /** The group whose name is `words`; `colon` is the current token. */
  private parseGroup(words: readonly Token[], colon: Token): Group {
    const name = this.phraseToName(words, 'group name');
    if (name === '') this.fail(colon.start, 'a group needs a name before ":"');
    this.advance();
    const context: Context = { groupStart: colon.start, groupsAllowed: false };
    const members: Mailbox[] = [];
    for (;;) {
      if (this.isSpecial(',')) {
        this.advance();
      } else if (this.isSpecial(';')) {
        this.advance();
        break;
      } else if (this.atEnd()) {
        this.failUnclosedGroup(colon.start);
      } else {
        // groupsAllowed is false here, so parseAddress returned a mailbox.
        members.push(this.parseAddress(context) as Mailbox);
      }
    }
    this.expectMailboxEnd(TOP_LEVEL, '');
    return { group: name, members };
  }

  /** `<addr-spec>`, the current token being `<`. Source routes are refused. */
  private parseAngleAddr(): AddrSpec {
    const open = this.current;
    this.advance();
    if (this.isSpecial('@')) {
      this.fail(
        this.current.start,
        'found a source route ("<@relay:user@host>"); routes are obsolete (RFC 5322 section 4.4) and not accepted',
      );
    }
    const words = this.collectPhrase();
    if (!this.isSpecial('@')) {
      this.fail(
        this.current.start,
        words.length === 0
          ? `expected an address after the "<" at offset ${open.start}, found ${describe(this.current)}`
          : `expected "@" in the address after the "<" at offset ${open.start}, found ${describe(this.current)}`,
      );
    }
    const spec = this.parseAddrSpec(words);
    if (!this.isSpecial('>')) {
      this.fail(
        this.current.start,
        this.atEnd()
          ? `the "<" at offset ${open.start} is not closed with ">"`
          : `expected ">" to close the "<" at offset ${open.start}, found ${describe(this.current)}${hintAfterAddress(this.current)}`,
      );
    }
    this.advance();
    return spec;
  }

  /**
   * The addr-spec whose local part is `words`, the current token being `@`. A local
   * part is a dot-atom or one quoted string: the obsolete mixes (`"a".b`, RFC 5322 section 4.4)
   * and white space or comments anywhere inside the addr-spec are refused.
   */
  private parseAddrSpec(words: readonly Token[]): AddrSpec {
    const at = this.current;
    const first = words[0];
    if (first === undefined) this.fail(at.start, 'the local part before "@" is empty');
    if (at.spaced) {
      this.fail(
        at.start,
        'white space or a comment before "@"; quote a local part that has spaces, or put the address in angle brackets after the name',
      );
    }
    let content: string;
    if (first.kind === 'quoted' && words.length === 1) {
      content = first.text;
      if (content === '') this.fail(first.start, 'the local part is empty');
    } else {
      content = '';
      words.forEach((word, index) => {
        if (index > 0 && word.spaced) {
          this.fail(
            word.start,
            'white space or a comment inside an unquoted local part; quote the local part, or put the address in angle brackets after the name',
          );
        }
        if (word.kind === 'quoted') {
          this.fail(
            word.start,
            'a local part is a dot-atom or one quoted string; obsolete mixes such as "a".b are not accepted',
          );
        }
        if ((word.kind === 'atom') !== (index % 2 === 0)) {
          this.fail(
            word.start,
            'the local part has an empty part: it starts or ends with ".", or has ".." (quote it if it really is so)',
          );
        }
        content += word.text;
      });
      if (words.length % 2 === 0) {
        this.fail(at.start, 'the local part ends with "." (quote it if it really is so)');
      }
    }
    this.advance();
    const domainToken = this.current;
    const domain = this.readDomain();
    const localPart = canonicalLocalPart(content);
    const address = `${localPart}@${domain}`;
    if (utf8Length(localPart) > MAX_LOCAL_PART_LENGTH) {
      this.fail(
        first.start,
        `the local part of ${quoteInput(address)} is longer than ${MAX_LOCAL_PART_LENGTH} octets (RFC 5321 section 4.5.3.1.1)`,
      );
    }
    const asciiDomain = checkDomain(
      domain,
      `Invalid ${this.subject} ${quoteInput(this.input)}: at offset ${domainToken.start}, the domain`,
    );
    if (utf8Length(address) > MAX_ADDRESS_LENGTH) {
      this.fail(
        first.start,
        `the address ${quoteInput(address)} is longer than ${MAX_ADDRESS_LENGTH} octets (RFC 5321 section 4.5.3.1.3)`,
      );
    }
    return { address, localPart, domain, asciiDomain };
  }

  /** The domain after `@`: a dot-atom or a domain literal, with nothing between its tokens. */
  private readDomain(): string {
    const first = this.current;
    if (first.spaced) {
      this.fail(first.start, 'white space or a comment after "@"');
    }
    if (first.kind === 'literal') {
      this.advance();
      return first.text;
    }
    if (first.kind !== 'atom') {
      this.fail(
        first.start,
        `expected a domain after "@", found ${describe(first)}`,
        invalidDomain,
      );
    }
    let domain = first.text;
    this.advance();
    while (this.isSpecial('.') && !this.current.spaced) {
      const dot = this.current;
      this.advance();
      if (this.current.kind !== 'atom' || this.current.spaced) {
        this.fail(
          dot.start,
          'the domain has an empty label: it ends with "." or has ".." or white space after "."',
          invalidDomain,
        );
      }
      domain += `.${this.current.text}`;
      this.advance();
    }
    return domain;
  }

  /** Checks that a mailbox or group ends here: `,` or the end, or `;` inside a group. */
  private expectMailboxEnd(context: Context, hintForAngle: string): void {
    const token = this.current;
    const inGroup = context.groupStart !== -1;
    if (this.isSpecial(',')) return;
    if (inGroup ? this.isSpecial(';') : token.kind === 'end') return;
    if (inGroup && token.kind === 'end') this.failUnclosedGroup(context.groupStart);
    let hint = hintAfterAddress(token);
    if (token.text === '<' && token.kind === 'special') hint = hintForAngle;
    if (token.text === ';' && token.kind === 'special')
      hint = '; ";" ends a group, and no group is open';
    this.fail(
      token.start,
      `expected ${inGroup ? '"," or ";"' : '"," or the end'} after the ${inGroup || context.groupsAllowed ? 'address' : 'mailbox'}, found ${describe(token)}${hint}`,
    );
  }

  private failUnclosedGroup(groupStart: number): never {
    this.fail(
      this.input.length,
      `the group whose ":" is at offset ${groupStart} is not closed with ";"`,
    );
  }

  /** Words, quoted strings and dots up to the next other token (a phrase or a local part). */
  private collectPhrase(): Token[] {
    const words: Token[] = [];
    for (;;) {
      const token = this.current;
      if (token.kind !== 'atom' && token.kind !== 'quoted' && !this.isSpecial('.')) {
        return words;
      }
      words.push(token);
      this.advance();
    }
  }

  /**
   * The display name of a phrase: words joined by one space where white space or a comment
   * separated them (RFC 5322 section 3.2.5), quoted strings unescaped, encoded words decoded,
   * and the space between two encoded words dropped (RFC 2047 section 6.2).
   */
  private phraseToName(words: readonly Token[], what: string): string {
    const first = words[0] as Token;
    if (first.kind === 'special') {
      this.fail(first.start, `a ${what} cannot start with "."; quote it`);
    }
    const where = `Invalid ${this.subject} ${quoteInput(this.input)}: the ${what} at offset ${first.start}`;
    return joinWords(
      words.map((word, index) => ({
        text: word.text,
        spaced: index > 0 && word.spaced,
        encoded: word.kind === 'atom' && looksLikeEncodedWord(word.text),
      })),
      where,
    );
  }

  /** The name a legacy trailing comment gives: its words, one space apart, decoded. */
  private commentToName(token: Token): string {
    const where = `Invalid ${this.subject} ${quoteInput(this.input)}: the comment that ends at offset ${token.start}`;
    const words = token.comment.split(/[ \t]+/).filter((word) => word !== '');
    return joinWords(
      words.map((word, index) => ({
        text: word,
        spaced: index > 0,
        encoded: looksLikeEncodedWord(word),
      })),
      where,
    );
  }

  // A method rather than a property test, so that TypeScript does not keep a narrowing of
  // `this.current` across the calls that advance it.
  private atEnd(): boolean {
    return this.current.kind === 'end';
  }

  private isSpecial(char: SpecialCharacter): boolean {
    return this.current.kind === 'special' && this.current.text === char;
  }

  private advance(): void {
    this.current = this.tokenizer.next();
  }

  private fail(offset: number, message: string, error = invalidAddress): never {
    throw error(
      `Invalid ${this.subject} ${quoteInput(this.input)}: at offset ${offset}, ${message}`,
    );
  }
}

interface NameWord {
  readonly text: string;
  readonly spaced: boolean;
  readonly encoded: boolean;
}

function joinWords(words: readonly NameWord[], where: string): string {
  let name = '';
  let previousEncoded = false;
  for (const word of words) {
    const text = word.encoded ? decodeEncodedWord(word.text, where) : word.text;
    if (word.spaced && !(word.encoded && previousEncoded)) name += ' ';
    name += text;
    previousEncoded = word.encoded;
  }
  return name;
}

function mailbox(name: string, address: string): Mailbox {
  return name === '' ? { address } : { name, address };
}

function hintAfterAddress(token: Token): string {
  if (token.kind !== 'special') return '';
  if (token.text === '@') return '; an address has exactly one "@" outside quotes';
  if (token.text === '>') return '; found ">" without a matching "<"';
  return '';
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the input';
    case 'quoted':
      return 'a quoted string';
    case 'literal':
      return `the domain literal ${quoteInput(token.text)}`;
    case 'atom':
      return `the word ${quoteInput(token.text)}`;
    default:
      return quoteInput(token.text);
  }
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : typeof value;
}
