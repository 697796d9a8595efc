/*
 * A class in GNU Smalltalk's bracket syntax (brackets.ts), as the steps that make it: the
 * messages of the system's own protocol that define the class or add to it (written as
 * Bedrock source, so that what they do is the library's), the first values of its class
 * variables, then its methods.
 *
 *   Object subclass: Animal [ | name | <comment: 'An animal'> Count := 0. speak [ ^'...' ] ]
 *
 *   Object subclass: #Animal instanceVariableNames: 'name' classVariableNames: 'Count' category: nil
 *   Animal comment: 'An animal'
 *   Animal.Count := 0                    (the class variable's global, in the class's scope)
 *   Animal >> speak [ ^'...' ]
 *
 * `<shape: #byte>` (and #pointer, #word, #character ...) makes an indexable class as GNU
 * Smalltalk's shapes do; `extend` adds instance variables with addInstVarName: and class
 * variables with addClassVarName:; `Animal class [ | count | ]` adds class-side instance
 * variables. Categories and imports are read and not kept.
 */
import type { ClassDefinition, DoIt, Expression, LiteralValue, MethodDefinition } from '../lang/ast.ts';
import { parse } from '../lang/parser.ts';

/** One step: a doit (run with the class as its receiver and scope, when inClass says so) or a method. */
export type ClassStep =
  | { readonly kind: 'doit'; readonly item: DoIt; readonly inClass?: string; readonly what: string }
  | { readonly kind: 'method'; readonly item: MethodDefinition };

const quoted = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** The message that defines a class of each shape. */
const SHAPES: Readonly<Record<string, string>> = Object.freeze({
  pointer: 'variableSubclass:', inherit: 'subclass:',
  byte: 'variableByteSubclass:', character: 'variableByteSubclass:', int8: 'variableByteSubclass:', uint8: 'variableByteSubclass:',
  word: 'variableWordSubclass:', int: 'variableWordSubclass:', uint: 'variableWordSubclass:', int64: 'variableWordSubclass:',
  uint64: 'variableWordSubclass:', int32: 'variableWordSubclass:', uint32: 'variableWordSubclass:', utf32: 'variableWordSubclass:',
});

function pragmaArgument(def: ClassDefinition, selector: string): LiteralValue | undefined {
  return def.pragmas.findLast((p) => p.selector === selector)?.args[0];
}

/** The steps, or a message saying what in the class cannot be made (an unknown shape). */
export function classSteps(def: ClassDefinition): ClassStep[] | string {
  const steps: ClassStep[] = [];
  const name = def.name.name;
  const doit = (source: string, what: string): string | null => {
    const r = parse(source);
    if (!r.ok || r.items.length !== 1 || r.items[0].kind !== 'doit') return `cannot read the generated ${source}`;
    steps.push({ kind: 'doit', item: r.items[0], what });
    return null;
  };
  const ivars = def.instanceVariables.map((v) => v.name).join(' ');
  const cvars = def.classVariables.map((v) => v.name.name).join(' ');
  if (def.superclass !== undefined) {
    const shape = pragmaArgument(def, 'shape:');
    let message = 'subclass:';
    if (shape !== undefined) {
      const s = shape.type === 'symbol' || shape.type === 'string' ? shape.value : shape.type;
      const m = SHAPES[s];
      if (m === undefined) return `the shape #${s} is not one Bedrock has (${Object.keys(SHAPES).map((k) => `#${k}`).join(' ')})`;
      message = m;
    }
    const failed = doit(`${def.superclass.name} ${message} #${name} instanceVariableNames: ${quoted(ivars)} classVariableNames: ${quoted(cvars)} category: nil`, `defining ${name}`);
    if (failed) return failed;
  } else {
    for (const v of def.instanceVariables) {
      const failed = doit(`${name} addInstVarName: ${quoted(v.name)}`, `adding the instance variable ${v.name} to ${name}`);
      if (failed) return failed;
    }
    for (const v of def.classVariables) {
      const failed = doit(`${name} addClassVarName: ${quoted(v.name.name)}`, `adding the class variable ${v.name.name} to ${name}`);
      if (failed) return failed;
    }
  }
  for (const v of def.classInstanceVariables) {
    const failed = doit(`${name} class addInstVarName: ${quoted(v.name)}`, `adding the class-side instance variable ${v.name} to ${name}`);
    if (failed) return failed;
  }
  const comment = pragmaArgument(def, 'comment:');
  if (comment !== undefined && (comment.type === 'string' || comment.type === 'symbol')) {
    const failed = doit(`${name} comment: ${quoted(comment.value)}`, `setting the comment of ${name}`);
    if (failed) return failed;
  }
  for (const v of def.classVariables) {
    if (v.value === undefined) continue;
    // `Count := value` in the class's scope, where Count is the global Animal.Count.
    const value = v.value.statements[0] as Expression;
    const assign: Expression = { kind: 'assign', target: { ...v.name, name: `${name}.${v.name.name}` }, value, span: v.value.span };
    const item: DoIt = { ...v.value, statements: [assign] };
    steps.push({ kind: 'doit', item, inClass: name, what: `the value of the class variable ${v.name.name}` });
  }
  for (const m of def.methods) steps.push({ kind: 'method', item: m });
  return steps;
}
