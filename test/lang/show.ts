/*
 * A compact text form of syntax trees, so tests can state a whole tree on one line:
 *
 *   (3 + (4 * 5))          sends, fully parenthesized: unary (x foo), keyword (M at: 1 put: 2)
 *   (Memory; at: 100; put: 42)            a cascade: its receiver, then each message
 *   (x := 3)  ^x  [:a | |t| s1. s2]  {1. 2}  #(1 $a #foo 'str' nil)
 *   Integer>>fib() self < 2 ...          a method;  asm{mov rax, 1} an assembly body
 */
import type { Body, Expression, Item, LiteralValue, Message, Statement } from '../../src/lang/ast.ts';

export function showLiteral(v: LiteralValue): string {
  switch (v.type) {
    case 'integer': return v.value.toString();
    case 'character': return `$${v.value}`;
    case 'string': return `'${v.value.replaceAll("'", "''")}'`;
    case 'symbol': return /^[A-Za-z_][\w:]*$|^[-+*/\\<>=~@%|&?,!]+$/.test(v.value) ? `#${v.value}` : `#'${v.value.replaceAll("'", "''")}'`;
    case 'array': return `#(${v.elements.map(showLiteral).join(' ')})`;
    case 'bytes': return `#[${v.value.join(' ')}]`;
    default: return v.type;
  }
}

function showMessage(m: Message): string {
  if (m.args.length === 0) return m.selector;
  if (!m.selector.endsWith(':')) return `${m.selector} ${show(m.args[0])}`;
  const keywords = m.selector.match(/[^:]*:/g) ?? [];
  return keywords.map((k, i) => `${k} ${show(m.args[i])}`).join(' ');
}

export function show(e: Expression | Statement): string {
  switch (e.kind) {
    case 'literal': return showLiteral(e.value);
    case 'variable': return e.name;
    case 'assign': return `(${e.target.name} := ${show(e.value)})`;
    case 'send': return `(${show(e.receiver)} ${showMessage(e.message)})`;
    case 'cascade': return `(${show(e.receiver)}; ${e.messages.map(showMessage).join('; ')})`;
    case 'return': return `^${show(e.value)}`;
    case 'brace': return `{${e.elements.map(show).join('. ')}}`;
    case 'block': {
      const params = e.params.length > 0 ? `${e.params.map((p) => `:${p.name}`).join(' ')} | ` : '';
      return `[${params}${showBody(e)}]`;
    }
  }
}

export function showBody(b: Pick<Body, 'temps' | 'statements'>): string {
  const temps = b.temps.length > 0 ? `|${b.temps.map((t) => t.name).join(' ')}| ` : '';
  return temps + b.statements.map(show).join('. ');
}

export function showItem(item: Item): string {
  if (item.kind === 'doit') return showBody(item);
  if (item.kind === 'class') {
    const head = item.superclass ? `${item.superclass.name} subclass: ${item.name.name}` : `${item.name.name}${item.classSide ? ' class' : ''} extend`;
    const parts = [
      ...(item.instanceVariables.length ? [`|${item.instanceVariables.map((v) => v.name).join(' ')}|`] : []),
      ...(item.classInstanceVariables.length ? [`class |${item.classInstanceVariables.map((v) => v.name).join(' ')}|`] : []),
      ...item.pragmas.map((p) => `<${p.selector}${p.args.map((a) => ' ' + showLiteral(a)).join('')}>`),
      ...item.classVariables.map((v) => `${v.name.name} := ${v.value ? showBody(v.value) : 'nil'}`),
      ...item.methods.map(showItem),
    ];
    return `${head} [ ${parts.join('; ')} ]`;
  }
  const pragmas = item.pragmas.map((p) => `<${p.selector}${p.args.map((a) => ' ' + showLiteral(a)).join('')}> `).join('');
  const head = `${item.target.name}${item.classSide ? ' class' : ''}>>${item.selector}(${item.params.map((p) => p.name).join(' ')})${pragmas ? ' ' + pragmas.trimEnd() : ''}`;
  return item.body.kind === 'assembly' ? `${head} asm{${item.body.text}}` : `${head} ${showBody(item.body)}`;
}
