/*
 * The token-level parser: expressions, statements, blocks, literals, temporaries, pragmas and
 * method patterns, over a list of tokens that another module has cut out of a source (an item
 * of Bedrock's layout, a GNU Smalltalk bracket construct, a chunk, a statement of a file).
 * It never throws past its users: a problem is a `Failure` carrying a SyntaxError that names
 * the place and what was expected, which parseWith() turns into a value.
 *
 * Grammar (Smalltalk's):
 *
 *   body        := pragma* temporaries? pragma* statement ('.' statement)* '.'*
 *   temporaries := '|' name* '|'
 *   pragma      := '<' name '>' | '<' (keyword literal)+ '>'
 *   statement   := '^' expression | expression
 *   expression  := name ':=' expression | primary messages (';' message)*
 *   messages    := unary* binary* keyword?     (unary binds tightest, then binary, then keyword)
 *   primary     := name | literal | '(' expression ')' | block | '{' expressions '}'
 *   block       := '[' ((':' name)+ '|')? temporaries? statements ']'      ([:x] needs no bar)
 *   literal     := integer | character | string | symbol | '#(' array elements ')' | '#[' bytes ']'
 *                | nil | true | false
 *   pattern     := name | binary name | (keyword name)+       (a method's selector and parameters)
 *
 * Cascades: `Transcript show: 'a'; show: 'b'` sends every part to the receiver of the last
 * message of the first part (Transcript; in `3 + 4; * 10` it is 3). Each part after a ';' is
 * one message.
 *
 * Negative literals: a '-' glued to a number where an expression begins (`-5`, `3 - -2`,
 * `foo: -1`, `#(1 -2)`) is part of it; after an operand it is a subtraction (`3-2`, `3 -2`).
 *
 * `nil true false` are literals; `self super thisContext` are variables; none of them can be
 * assigned or declared.
 */
import type { Block, Expression, LiteralValue, Message, Pragma, Statement, SyntaxError, Variable } from './ast.ts';
import type { SourceText } from './source.ts';
import { LITERAL_NAMES, RESERVED_NAMES, describeToken, type Token } from './tokens.ts';

/** How deeply expressions may nest (parentheses, blocks, arrays, assignments). */
const MAX_DEPTH = 400;

export function syntaxError(source: SourceText, message: string, offset: number): SyntaxError {
  const position = source.position(offset);
  return { message, position, sourceLine: source.lineText(position.line), ...(source.name !== undefined && { file: source.name }) };
}

/** Thrown inside a parse, caught at its edge (parseWith): the parser itself never throws. */
export class Failure {
  constructor(readonly error: SyntaxError) {}
}

/** Run a parse, turning a Failure (or the host's own stack running out) into an error value. */
export function parseWith<T>(source: SourceText, at: number, fn: () => T): T | { kind: 'error'; error: SyntaxError } {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Failure) return { kind: 'error', error: e.error };
    const message = e instanceof RangeError ? 'this item is nested too deeply to parse' : `internal error in the parser: ${String(e)}`;
    return { kind: 'error', error: syntaxError(source, message, at) };
  }
}

/** An expression with the extent it was written in (parentheses included). */
export interface Parsed {
  readonly node: Expression;
  readonly start: number;
  readonly end: number;
}

/** A method's selector and parameters, as a pattern declares them. */
export interface Pattern {
  readonly selector: string;
  readonly params: readonly Variable[];
  readonly start: number;
  readonly end: number;
}

export interface TokenParserOptions {
  /**
   * At the top level of a Bedrock item, '->' after what reads as a method header is a header
   * gone wrong; this says how (layout.ts's items). Absent: '->' is always a binary operator.
   */
  readonly arrowError?: (parser: TokenParser, arrow: Token) => void;
}

export class TokenParser {
  readonly tokens: Token[];
  pos = 0;
  /** Brackets open around the current point. */
  nesting = 0;
  private depth = 0;

  constructor(readonly source: SourceText, tokens: readonly Token[], private readonly options: TokenParserOptions = {}) {
    this.tokens = [...tokens];
  }

  // ---- tokens and errors ----

  peek(k = 0): Token | undefined {
    return this.tokens[this.pos + k];
  }

  next(): Token {
    return this.tokens[this.pos++];
  }

  get atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** Where the tokens end: the place errors about a missing closer point at. */
  get end(): number {
    const last = this.tokens[this.tokens.length - 1];
    return last === undefined ? 0 : last.end;
  }

  fail(message: string, offset: number): never {
    throw new Failure(syntaxError(this.source, message, offset));
  }

  /**
   * Fail at `t` (or at the end), saying what was found there when the message says what was
   * expected; if `t` is malformed, its own message instead.
   */
  failAt(t: Token | undefined, message: string, note?: string): never {
    const after = note === undefined ? '' : ` (${note})`;
    if (t === undefined) this.fail(message + after, this.end);
    if (t.problem !== undefined) this.fail(t.problem.message, t.problem.offset);
    const found = message.startsWith('expected') ? `, found ${describeToken(t)}` : '';
    this.fail(message + found + after, t.start);
  }

  where(offset: number): string {
    return this.source.where(offset);
  }

  span(start: number, end: number) {
    return this.source.span(start, end);
  }

  variable(t: Token): Variable {
    if (typeof t.value === 'string' && t.value !== t.text) return { kind: 'variable', name: t.text, span: this.span(t.start, t.end), path: t.value };
    return { kind: 'variable', name: t.text, span: this.span(t.start, t.end) };
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) this.fail(`this is nested too deeply (more than ${MAX_DEPTH} levels)`, at);
  }

  private leave(): void {
    this.depth--;
  }

  /** Declare a name in a list (parameters or temporaries), refusing reserved names and repeats. */
  declare(list: Variable[], t: Token, what: string): void {
    if (RESERVED_NAMES.has(t.text)) this.fail(`'${t.text}' is reserved and cannot be a ${what} name`, t.start);
    if (list.some((v) => v.name === t.text)) this.fail(`'${t.text}' is already a ${what} here`, t.start);
    list.push(this.variable(t));
  }

  // ---- patterns and pragmas ----

  /** A method pattern: `name`, `+ other`, `at: index put: value`. */
  pattern(): Pattern {
    const t = this.peek();
    const params: Variable[] = [];
    if (t?.kind === 'identifier') {
      this.pos++;
      return { selector: t.text, params, start: t.start, end: t.end };
    }
    if (t?.kind === 'binary') {
      this.pos++;
      const p = this.peek();
      if (p?.kind !== 'identifier') this.failAt(p, `expected a parameter name after '${t.text}'`);
      this.pos++;
      this.declare(params, p, 'parameter');
      return { selector: t.text, params, start: t.start, end: p.end };
    }
    if (t?.kind !== 'keyword') this.failAt(t, 'expected a method pattern (a selector and its parameters)');
    let selector = '';
    let end = t.end;
    while (this.peek()?.kind === 'keyword') {
      const k = this.next();
      const p = this.peek();
      if (p?.kind !== 'identifier') this.failAt(p, `expected a parameter name after '${k.text}'`);
      this.pos++;
      this.declare(params, p, 'parameter');
      selector += k.text;
      end = p.end;
    }
    return { selector, params, start: t.start, end };
  }

  isPragmaStart(t: Token | undefined): boolean {
    return t?.kind === 'binary' && t.text === '<' && (this.peek(1)?.kind === 'keyword' || this.peek(1)?.kind === 'identifier');
  }

  /** Pragmas, as long as one starts here. */
  pragmas(): Pragma[] {
    const out: Pragma[] = [];
    while (this.isPragmaStart(this.peek())) out.push(this.pragma());
    return out;
  }

  /** `<name>` or `<keyword: literal ...>`. */
  private pragma(): Pragma {
    const open = this.next();
    const first = this.peek()!;
    let selector = '';
    const args: LiteralValue[] = [];
    if (first.kind === 'identifier') {
      this.pos++;
      selector = first.text;
    } else {
      while (this.peek()?.kind === 'keyword') {
        const k = this.next();
        selector += k.text;
        args.push(this.pragmaArgument(k));
      }
    }
    const close = this.peek();
    if (close?.kind !== 'binary' || close.text !== '>') this.failAt(close, `expected '>' to close the pragma started at ${this.where(open.start)}`);
    this.pos++;
    return { selector, args, span: this.span(open.start, close.end) };
  }

  private pragmaArgument(keyword: Token): LiteralValue {
    const t = this.peek();
    if (t?.kind === 'identifier') {
      this.pos++;
      return LITERAL_NAMES.has(t.text) ? { type: t.text as 'nil' | 'true' | 'false' } : { type: 'symbol', value: t.text };
    }
    const p = this.primary(`expected a literal after '${keyword.text}' in the pragma`);
    if (p.node.kind !== 'literal') this.fail(`a pragma's arguments are literals`, p.start);
    return p.node.value;
  }

  // ---- bodies ----

  isBar(t: Token | undefined): boolean {
    return t?.kind === 'binary' && t.text.startsWith('|');
  }

  /** Take one '|' from the current token (splitting `||` into two bars); its offset. */
  takeBar(): number {
    const t = this.tokens[this.pos];
    if (t.text === '|') this.pos++;
    else this.tokens[this.pos] = { kind: 'binary', text: t.text.slice(1), start: t.start + 1, end: t.end, margin: false };
    return t.start;
  }

  /** `| a b |`, when the body starts with a bar. */
  temporaries(): Variable[] {
    const temps: Variable[] = [];
    if (!this.isBar(this.peek())) return temps;
    const open = this.takeBar();
    while (this.peek()?.kind === 'identifier') this.declare(temps, this.next(), 'temporary');
    if (!this.isBar(this.peek())) this.failAt(this.peek(), `expected '|' to close the temporaries started at ${this.where(open)}`);
    this.takeBar();
    return temps;
  }

  /** Statements up to the end of the tokens, or up to the ']' closing `block`. */
  statements(block: Token | undefined, what = 'the block'): Statement[] {
    const out: Statement[] = [];
    const closing = (): string => `expected ']' to close ${what} started at ${this.where(block!.start)}`;
    for (;;) {
      while (this.peek()?.kind === 'period') this.pos++;
      let t = this.peek();
      if (t === undefined) {
        if (block !== undefined) this.fail(closing(), this.end);
        return out;
      }
      if (block !== undefined && t.kind === 'rightBracket') return out;
      out.push(this.statement());
      t = this.peek();
      if (t === undefined || t.kind === 'period' || (block !== undefined && t.kind === 'rightBracket')) continue;
      if (t.kind === 'assign') this.failAt(t, "':=' must follow a variable name");
      if (block !== undefined) this.failAt(t, `expected '.' or ']' to close ${what} started at ${this.where(block.start)}`);
      if (t.kind === 'rightParen' || t.kind === 'rightBracket' || t.kind === 'rightBrace') this.failAt(t, `unmatched '${t.text}'`);
      this.failAt(t, "expected '.' between statements");
    }
  }

  statement(): Statement {
    const t = this.peek()!;
    if (t.kind === 'caret') {
      this.pos++;
      const value = this.expression("expected an expression after '^'");
      return { kind: 'return', value: value.node, span: this.span(t.start, value.end) };
    }
    return this.expression('expected an expression').node;
  }

  // ---- expressions ----

  expression(expected: string): Parsed {
    const t = this.peek();
    this.enter(t?.start ?? this.end);
    try {
      // `x _ 3` is an assignment, as in Smalltalk-80 and GNU Smalltalk (a lone '_', after a name).
      const next = this.peek(1);
      if (t?.kind === 'identifier' && (next?.kind === 'assign' || (next?.kind === 'identifier' && next.text === '_'))) {
        if (RESERVED_NAMES.has(t.text)) this.fail(`cannot assign to '${t.text}'`, t.start);
        this.pos += 2;
        const value = this.expression("expected an expression after ':='");
        const node: Expression = { kind: 'assign', target: this.variable(t), value: value.node, span: this.span(t.start, value.end) };
        return { node, start: t.start, end: value.end };
      }
      return this.messages(this.primary(expected));
    } finally {
      this.leave();
    }
  }

  /**
   * A ScaledDecimal literal (3.14s2) is the expression `ScaledDecimal newFromNumber: 314 / 100
   * scale: 2` (bootstrap/system/scaled.bedrock), made where it is written.
   */
  private scaledDecimal(t: Token, negative: boolean): Parsed {
    const [digits, places, scale] = (t.value as string).split(' ');
    const span = this.span(t.start, t.end);
    const int = (v: bigint): Expression => ({ kind: 'literal', value: { type: 'integer', value: v }, span });
    const message = (selector: string, args: Expression[]): Message => ({ selector, args, selectorSpan: span, span });
    const value: Expression = { kind: 'send', receiver: int((negative ? -1n : 1n) * BigInt(digits)), message: message('/', [int(10n ** BigInt(places))]), span };
    const node: Expression = {
      kind: 'send', receiver: { kind: 'variable', name: 'ScaledDecimal', span },
      message: message('newFromNumber:scale:', [value, int(BigInt(scale))]), span,
    };
    return { node, start: t.start, end: t.end };
  }

  primary(expected: string): Parsed {
    const t = this.peek();
    if (t === undefined) this.fail(expected, this.end);
    const literal = (value: LiteralValue, start = t.start, end = t.end): Parsed => ({
      node: { kind: 'literal', value, span: this.span(start, end) },
      start,
      end,
    });
    switch (t.kind) {
      case 'identifier':
        this.pos++;
        if (LITERAL_NAMES.has(t.text)) return literal({ type: t.text as 'nil' | 'true' | 'false' });
        return { node: this.variable(t), start: t.start, end: t.end };
      case 'integer':
        this.pos++;
        return literal({ type: 'integer', value: t.value as bigint });
      case 'float':
        this.pos++;
        return literal({ type: 'float', value: t.value as bigint });
      case 'scaled':
        this.pos++;
        return this.scaledDecimal(t, false);
      case 'character':
      case 'string':
      case 'symbol':
        this.pos++;
        return literal({ type: t.kind, value: t.value as string });
      case 'literalArray': {
        this.pos++;
        const { elements, end } = this.literalArray(t);
        return literal({ type: 'array', elements }, t.start, end);
      }
      case 'byteArray': {
        this.pos++;
        const { value, end } = this.byteArray(t);
        return literal({ type: 'bytes', value }, t.start, end);
      }
      case 'binary': {
        const n = this.peek(1);
        if (t.text === '-' && n?.kind === 'integer' && n.start === t.end) {
          if ((n.value as bigint) < 0n) this.failAt(t, `a number has one '-': ${n.text} (or -${n.text.replace('-', '')})`);
          this.pos += 2;
          return literal({ type: 'integer', value: -(n.value as bigint) }, t.start, n.end);
        }
        if (t.text === '-' && n?.kind === 'float' && n.start === t.end) {
          this.pos += 2;
          return literal({ type: 'float', value: BigInt.asIntN(64, (n.value as bigint) ^ (1n << 63n)) }, t.start, n.end);
        }
        if (t.text === '-' && n?.kind === 'scaled' && n.start === t.end) {
          this.pos += 2;
          const p = this.scaledDecimal(n, true);
          return { ...p, start: t.start };
        }
        if (t.text === '-' && n?.kind === 'integer') this.failAt(t, expected, `a negative number is written with its '-' glued to it: -${n.text}`);
        break;
      }
      case 'leftParen': {
        this.pos++;
        this.nesting++;
        const inner = this.expression("expected an expression after '('");
        const close = this.peek();
        if (close?.kind !== 'rightParen') this.failAt(close, `expected ')' to close the parenthesis opened at ${this.where(t.start)}`);
        this.pos++;
        this.nesting--;
        return { node: inner.node, start: t.start, end: close.end };
      }
      case 'leftBracket':
        return this.block();
      case 'leftBrace':
        return this.brace();
      case 'bindingBrace': {
        // #{Foo}: the global's binding (GNU Smalltalk), as `Smalltalk bindingOf: #Foo` answers it.
        const name = this.peek(1), close = this.peek(2);
        if (name?.kind !== 'identifier' || !/^\p{Lu}/u.test(name.text)) this.failAt(name, "expected a global's name after '#{'");
        if (close?.kind !== 'rightBrace') this.failAt(close, `expected '}' to close the binding opened at ${this.where(t.start)}`);
        this.pos += 3;
        const span = this.span(t.start, close.end);
        const node: Expression = {
          kind: 'send', receiver: { kind: 'variable', name: 'Smalltalk', span },
          message: { selector: 'bindingOf:', args: [{ kind: 'literal', value: { type: 'symbol', value: name.text }, span }], selectorSpan: span, span }, span,
        };
        return { node, start: t.start, end: close.end };
      }
      case 'constantParen': {
        // ##(expr): GNU Smalltalk evaluates it when the method is compiled; here, where it runs.
        this.pos++;
        this.nesting++;
        const inner = this.expression("expected an expression after '##('");
        const close = this.peek();
        if (close?.kind !== 'rightParen') this.failAt(close, `expected ')' to close the '##(' opened at ${this.where(t.start)}`);
        this.pos++;
        this.nesting--;
        return { node: inner.node, start: t.start, end: close.end };
      }
    }
    this.failAt(t, expected);
  }

  /** Unary, then binary, then keyword messages to `receiver`; then a cascade. */
  private messages(receiver: Parsed): Parsed {
    let expr = this.binaryMessages(this.unaryMessages(receiver));
    if (this.peek()?.kind === 'keyword') expr = this.send(expr, this.keywordMessage());
    if (this.peek()?.kind !== 'semicolon') return expr;
    const first = expr.node;
    if (expr === receiver || first.kind !== 'send') this.fail("expected a message before ';' (a cascade sends more messages to the receiver of the last one)", this.peek()!.start);
    const messages: Message[] = [first.message];
    let end = expr.end;
    while (this.peek()?.kind === 'semicolon') {
      this.pos++;
      const m = this.cascadePart();
      messages.push(m);
      end = m.span.end.offset;
      const after = this.peek();
      if (after !== undefined && (after.kind === 'identifier' || after.kind === 'keyword' || (after.kind === 'binary' && this.isBinaryOperator(after)))) {
        this.failAt(after, "expected ';' or the end of the statement", 'each part of a cascade is one message; use parentheses to send more');
      }
    }
    return { node: { kind: 'cascade', receiver: first.receiver, messages, span: this.span(expr.start, end) }, start: expr.start, end };
  }

  private send(receiver: Parsed, message: Message): Parsed {
    const end = message.span.end.offset;
    return { node: { kind: 'send', receiver: receiver.node, message, span: this.span(receiver.start, end) }, start: receiver.start, end };
  }

  private unaryMessage(): Message {
    const t = this.next();
    const span = this.span(t.start, t.end);
    return { selector: t.text, args: [], selectorSpan: span, span };
  }

  private unaryMessages(receiver: Parsed): Parsed {
    let expr = receiver;
    while (this.peek()?.kind === 'identifier') expr = this.send(expr, this.unaryMessage());
    return expr;
  }

  /** Is `t` a binary operator here? (The '->' of a Bedrock header gone wrong is an error instead.) */
  private isBinaryOperator(t: Token | undefined): boolean {
    if (t?.kind !== 'binary') return false;
    // A '!' ends a chunk of the chunk format; it never reaches here as an operator.
    if (t.text === '->' && this.nesting === 0) this.options.arrowError?.(this, t);
    return true;
  }

  private binaryMessage(): Message {
    const op = this.next();
    const arg = this.unaryMessages(this.primary(`expected an argument after '${op.text}'`));
    return { selector: op.text, args: [arg.node], selectorSpan: this.span(op.start, op.end), span: this.span(op.start, arg.end) };
  }

  private binaryMessages(receiver: Parsed): Parsed {
    let expr = receiver;
    while (this.isBinaryOperator(this.peek())) expr = this.send(expr, this.binaryMessage());
    return expr;
  }

  private keywordMessage(): Message {
    const first = this.peek()!;
    const keywords: string[] = [];
    const args: Expression[] = [];
    let end = first.end;
    while (this.peek()?.kind === 'keyword') {
      const k = this.next();
      keywords.push(k.text);
      const arg = this.binaryMessages(this.unaryMessages(this.primary(`expected a keyword argument after '${k.text}'`)));
      args.push(arg.node);
      end = arg.end;
    }
    return { selector: keywords.join(''), args, selectorSpan: this.span(first.start, first.end), span: this.span(first.start, end) };
  }

  private cascadePart(): Message {
    const t = this.peek();
    if (t?.kind === 'identifier') return this.unaryMessage();
    if (t?.kind === 'keyword') return this.keywordMessage();
    if (this.isBinaryOperator(t)) return this.binaryMessage();
    this.failAt(t, "expected a message after ';'");
  }

  // ---- blocks, braces, literal arrays ----

  private block(): Parsed {
    const open = this.next();
    this.nesting++;
    const params: Variable[] = [];
    let glued = false;
    for (;;) {
      if (!glued) {
        if (this.peek()?.kind !== 'colon') break;
        this.pos++;
      }
      glued = false;
      const t = this.peek();
      if (t?.kind === 'identifier') this.declare(params, this.next(), 'block parameter');
      else if (t?.kind === 'keyword') {
        // `[:x:y | ...]`: the lexer read `x:` as a keyword; it is a parameter and the next colon.
        this.next();
        this.declare(params, { ...t, text: t.text.slice(0, -1), end: t.end - 1 }, 'block parameter');
        glued = true;
      } else this.failAt(t, "expected a parameter name after ':'");
    }
    if (params.length > 0) {
      const t = this.peek();
      if (this.isBar(t)) this.takeBar();
      else if (t?.kind !== 'rightBracket') this.failAt(t, "expected '|' to end the block parameters");
    }
    const temps = this.temporaries();
    const statements = this.statements(open);
    const close = this.next();
    this.nesting--;
    const node: Block = { kind: 'block', params, temps, statements, span: this.span(open.start, close.end) };
    return { node, start: open.start, end: close.end };
  }

  private brace(): Parsed {
    const open = this.next();
    this.nesting++;
    const elements: Expression[] = [];
    const closing = `to close the brace array started at ${this.where(open.start)}`;
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'rightBrace') break;
      elements.push(this.expression(`expected an expression or '}' ${closing}`).node);
      const after = this.peek();
      if (after?.kind === 'period') { this.pos++; continue; }
      if (after?.kind === 'rightBrace') break;
      this.failAt(after, after === undefined ? `expected '}' ${closing}` : `expected '.' or '}' ${closing}`);
    }
    const close = this.next();
    this.nesting--;
    return { node: { kind: 'brace', elements, span: this.span(open.start, close.end) }, start: open.start, end: close.end };
  }

  /** The bytes of `#[ ... ]` after its opener (integers 0 to 255), and the end of its ']'. */
  private byteArray(open: Token): { value: number[]; end: number } {
    const value: number[] = [];
    for (;;) {
      const t = this.peek();
      if (t === undefined) this.fail(`expected ']' to close the byte array started at ${this.where(open.start)}`, this.end);
      this.pos++;
      if (t.kind === 'rightBracket') return { value, end: t.end };
      if (t.kind !== 'integer' || (t.value as bigint) > 255n) {
        this.pos--;
        this.failAt(t, `expected a byte (an integer from 0 to 255) or ']' to close the byte array started at ${this.where(open.start)}`);
      }
      value.push(Number(t.value as bigint));
    }
  }

  /** The elements of `#( ... )` after its opener, and the end of its ')'. */
  private literalArray(open: Token): { elements: LiteralValue[]; end: number } {
    this.enter(open.start);
    const elements: LiteralValue[] = [];
    const expected = `expected a literal or ')' to close the literal array started at ${this.where(open.start)}`;
    for (;;) {
      const t = this.peek();
      if (t === undefined) this.fail(`expected ')' to close the literal array started at ${this.where(open.start)}`, this.end);
      this.pos++;
      switch (t.kind) {
        case 'rightParen':
          this.leave();
          return { elements, end: t.end };
        case 'integer':
          elements.push({ type: 'integer', value: t.value as bigint });
          break;
        case 'float':
          elements.push({ type: 'float', value: t.value as bigint });
          break;
        case 'character':
        case 'string':
        case 'symbol':
          elements.push({ type: t.kind, value: t.value as string });
          break;
        case 'identifier':
          elements.push(LITERAL_NAMES.has(t.text) ? { type: t.text as 'nil' | 'true' | 'false' } : { type: 'symbol', value: t.text });
          break;
        case 'keyword': {
          // Keywords glued together are one symbol: #(at:put:) holds #at:put:.
          let text = t.text;
          let last = t;
          while (this.peek()?.kind === 'keyword' && this.peek()!.start === last.end) {
            last = this.next();
            text += last.text;
          }
          elements.push({ type: 'symbol', value: text });
          break;
        }
        case 'binary': {
          const n = this.peek();
          if (t.text === '-' && n?.kind === 'integer' && n.start === t.end) {
            this.pos++;
            elements.push({ type: 'integer', value: -(n.value as bigint) });
          } else if (t.text === '-' && n?.kind === 'float' && n.start === t.end) {
            this.pos++;
            elements.push({ type: 'float', value: BigInt.asIntN(64, (n.value as bigint) ^ (1n << 63n)) });
          } else elements.push({ type: 'symbol', value: t.text });
          break;
        }
        case 'leftParen':
        case 'literalArray':
          elements.push({ type: 'array', elements: this.literalArray(t).elements });
          break;
        case 'byteArray':
          elements.push({ type: 'bytes', value: this.byteArray(t).value });
          break;
        case 'leftBrace':
          // GNU Smalltalk's #({1. 2}) is not a literal; Pharo's #(#[1 2]) is handled above.
          this.pos--;
          this.failAt(t, expected);
          break;
        default:
          this.pos--;
          this.failAt(t, expected);
      }
    }
  }
}
